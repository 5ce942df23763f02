//! The HTML of the sign-in page and of the authorization error page: small, self-contained,
//! inline CSS only, every interpolated value escaped.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::seed::User;

pub(crate) struct LoginPage<'a> {
    pub tenant: &'a str,
    pub client_name: &'a str,
    /// Path the form posts to (prefix-aware, no host).
    pub action: &'a str,
    /// The authorization request, carried through the form.
    pub hidden: &'a [(&'a str, &'a str)],
    pub username: &'a str,
    pub error: Option<&'a str>,
    pub users: &'a [User],
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#eef2f7;color:#1c2733}\
main{width:min(26rem,92vw);background:#fff;border-radius:10px;box-shadow:0 6px 24px rgba(20,40,70,.12);padding:2rem}\
h1{font-size:1.3rem;margin:0 0 .25rem}\
.sub{margin:0 0 1.25rem;color:#566575;font-size:.9rem}\
.badge{display:inline-block;font-size:.72rem;font-weight:600;letter-spacing:.04em;text-transform:uppercase;\
background:#fff4d6;color:#7a5400;border:1px solid #f0d58c;border-radius:4px;padding:.1rem .45rem;margin-bottom:.75rem}\
label{display:block;font-weight:600;margin:.9rem 0 .3rem}\
input[type=text],input[type=password]{width:100%;padding:.55rem .65rem;border:1px solid #b8c3cf;border-radius:6px;font:inherit}\
input:focus{outline:2px solid #1f6feb;outline-offset:1px}\
.actions{display:flex;gap:.6rem;margin-top:1.4rem}\
button{flex:1;padding:.6rem;border-radius:6px;font:inherit;font-weight:600;cursor:pointer;border:1px solid #1f6feb}\
button.primary{background:#1f6feb;color:#fff}\
button.secondary{background:#fff;color:#1f6feb}\
.error{background:#fdecea;color:#8a1c12;border:1px solid #f5c2bc;border-radius:6px;padding:.55rem .7rem;margin:0 0 .5rem}\
details{margin-top:1.4rem;font-size:.88rem;color:#3d4b59}\
table{border-collapse:collapse;width:100%;margin-top:.5rem}\
th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #e3e8ee}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}";

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn document(title: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head><body><main>{main}</main></body></html>\n",
        title = escape(title)
    )
}

pub(crate) fn login_page(page: &LoginPage<'_>) -> String {
    let title = format!("Sign in to {} (sandbox tenant)", page.tenant);
    let mut main = format!(
        "<span class=\"badge\">Sandbox tenant</span><h1>{}</h1>\
<p class=\"sub\">{} is asking to use your {} account.</p>",
        escape(&title),
        escape(page.client_name),
        escape(page.tenant)
    );
    if let Some(error) = page.error {
        main.push_str(&format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(error)
        ));
    }
    main.push_str(&format!(
        "<form method=\"post\" action=\"{}\">",
        escape(page.action)
    ));
    for (name, value) in page.hidden {
        main.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        ));
    }
    main.push_str(&format!(
        "<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" autofocus required value=\"{}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<div class=\"actions\"><button class=\"primary\" type=\"submit\" name=\"action\" value=\"login\">Sign in</button>\
<button class=\"secondary\" type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel</button></div></form>",
        escape(page.username)
    ));
    main.push_str(
        "<details open><summary>Demo accounts of this sandbox</summary><table>\
<thead><tr><th>Username</th><th>Password</th><th>User level</th></tr></thead><tbody>",
    );
    for user in page.users {
        main.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&user.username),
            escape(&user.password),
            escape(&user.authorities.join(", "))
        ));
    }
    main.push_str("</tbody></table></details>");
    document(&title, &main)
}

pub(crate) fn error_page(tenant: &str, message: &str) -> String {
    let title = format!("Sign-in error: {tenant} (sandbox tenant)");
    let main = format!(
        "<span class=\"badge\">Sandbox tenant</span><h1>Cannot sign in</h1>\
<p class=\"error\" role=\"alert\">{}</p>\
<p class=\"sub\">The application that sent you here made an invalid authorization request. \
Go back to it and try again, or tell its administrator.</p>",
        escape(message)
    );
    document(&title, &main)
}

/// An HTML response that may not be framed, cached or run scripts.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // No form-action: the post-login redirect goes to the client's origin, which form-action
    // would block in some browsers.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
