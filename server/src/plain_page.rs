//! The one plain HTML page the server answers with where the Leptos app cannot render (a sign-in
//! that did not complete, too many sign-in attempts, the console's store unavailable): the app's
//! stylesheet, a heading, one message and one link. Never cached.

use app::routes::Base;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// A page with `title` as its heading, `message` as an alert, and a button-styled link to the
/// console address `link.1` (under `base`).
pub fn render(
    base: &Base,
    status: StatusCode,
    title: &str,
    message: &str,
    link: (&str, &str),
) -> Response {
    let (label, path) = link;
    let href = base.href(path);
    let css = base.href(&crate::assets::stylesheet());
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · Sync Groups Console</title>\
<link rel=\"stylesheet\" href=\"{css}\"></head>\
<body><main id=\"main\" class=\"page narrow\"><h1>{title}</h1>\
<p role=\"alert\">{message}</p><p><a class=\"button\" href=\"{href}\">{label}</a></p>\
</main></body></html>\n",
        css = escape(&css),
        title = escape(title),
        message = escape(message),
        label = escape(label),
        href = escape(&href),
    );
    let mut response = (status, Html(page)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn text_is_escaped_and_the_page_is_not_cached() {
        let response = render(
            &Base::new("/tools/x"),
            StatusCode::BAD_GATEWAY,
            "T",
            "<script>x</script>",
            ("Again", "/a?b=1&c=\"2\""),
        );
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .expect("body");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("&lt;script&gt;x&lt;/script&gt;"), "{body}");
        assert!(
            body.contains("href=\"/tools/x/a?b=1&amp;c=&quot;2&quot;\""),
            "{body}"
        );
        assert!(body.contains("href=\"/tools/x/pkg/"), "{body}");
    }
}
