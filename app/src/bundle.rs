//! The browser bundle in the page's `<head>`: the stylesheet, the hydration script and the wasm
//! it loads.
//!
//! Why not leptos's `HashedStylesheet` and `HydrationScripts`: both find the hashed file names by
//! locating the running binary and reading `hash.txt` beside it on every page view (a profile of
//! `/groups` showed the file reads and `readlink` per request). The server reads the names once
//! and provides a [`Bundle`]; the markup below is what those components write.

use std::sync::Arc;

use leptos::prelude::*;

use crate::OUTPUT_NAME;
use crate::routes::Base;

/// The bundle's paths under the console, e.g. `/pkg/sync-groups-console.<hash>.css`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub css: String,
    pub js: String,
    pub wasm: String,
    /// The script that loads lazy pages' wasm pieces, in a split build (`cargo leptos --split`).
    /// The JS imports it; preloading it saves the browser a round trip.
    pub split_loader: Option<String>,
}

/// The content hashes cargo-leptos gives the bundle's files (`hash-files = true`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleHashes {
    pub css: Option<String>,
    pub js: Option<String>,
    pub wasm: Option<String>,
    /// The split build's loader script (`split: <hash>` in `hash.txt`).
    pub split: Option<String>,
}

impl Bundle {
    /// Names with the hashes where there are any; without them, cargo-leptos's plain names
    /// (the wasm is then `<name>_bg.wasm`).
    pub fn new(hashes: &BundleHashes) -> Bundle {
        let name = |ext: &str, hash: &Option<String>, plain: &str| match hash {
            Some(hash) => format!("/pkg/{OUTPUT_NAME}.{hash}.{ext}"),
            None => format!("/pkg/{OUTPUT_NAME}{plain}.{ext}"),
        };
        Bundle {
            css: name("css", &hashes.css, ""),
            js: name("js", &hashes.js, ""),
            wasm: name("wasm", &hashes.wasm, "_bg"),
            split_loader: hashes
                .split
                .as_ref()
                .map(|hash| format!("/pkg/__wasm_split.{hash}.js")),
        }
    }

    /// The one the server provided, or the plain names.
    pub fn current() -> Arc<Bundle> {
        use_context::<Arc<Bundle>>()
            .unwrap_or_else(|| Arc::new(Bundle::new(&BundleHashes::default())))
    }
}

/// A JavaScript string literal of `text` (a path), safe inside `<script>`.
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The hydration script: loads the JS glue, which fetches and instantiates the wasm, then
/// hydrates the page. It starts after the first frame is painted (a visible page paints before
/// the next task after `requestAnimationFrame`): begun earlier, compiling and hydrating held the
/// first paint back by about 70 ms (headless Chromium, `/groups`, median of 7 loads: 244 ms to
/// 176 ms). The wasm is preloaded meanwhile. A page opened in the background hydrates at once.
fn hydration_script(js: &str, wasm: &str) -> String {
    format!(
        "const h=()=>import({js}).then(m=>m.default({{module_or_path:{wasm}}}).then(()=>m.hydrate()));\
         if(document.visibilityState===\"visible\")requestAnimationFrame(()=>setTimeout(h));else h();",
        js = js_string(js),
        wasm = js_string(wasm),
    )
}

/// The stylesheet, the preloads of the script and the wasm, and the hydration script (with this
/// response's CSP nonce).
#[component]
pub fn BundleHead() -> impl IntoView {
    let base = Base::current();
    let bundle = Bundle::current();
    let nonce = leptos::nonce::use_nonce();
    let (css, js, wasm) = (
        base.href(&bundle.css),
        base.href(&bundle.js),
        base.href(&bundle.wasm),
    );
    let script = hydration_script(&js, &wasm);
    let loader = bundle.split_loader.as_ref().map(|loader| base.href(loader));
    view! {
        // `id="leptos"`: cargo-leptos's live reload swaps the stylesheet it finds by this id.
        <link id="leptos" rel="stylesheet" href=css />
        <link rel="modulepreload" href=js crossorigin="anonymous" />
        {loader
            .map(|loader| {
                view! { <link rel="modulepreload" href=loader crossorigin="anonymous" /> }
            })}
        // Fetched by the script as soon as the page arrives, not after the script has run.
        <link
            rel="preload"
            href=wasm
            r#as="fetch"
            r#type="application/wasm"
            crossorigin="anonymous"
        />
        <script type="module" nonce=nonce>
            {script}
        </script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hashes_cargo_leptos_gave_them() {
        let hashed = Bundle::new(&BundleHashes {
            css: Some("c1".into()),
            js: Some("j2".into()),
            wasm: Some("w3".into()),
            split: Some("s4".into()),
        });
        assert_eq!(hashed.css, "/pkg/sync-groups-console.c1.css");
        assert_eq!(hashed.js, "/pkg/sync-groups-console.j2.js");
        assert_eq!(hashed.wasm, "/pkg/sync-groups-console.w3.wasm");
        assert_eq!(
            hashed.split_loader.as_deref(),
            Some("/pkg/__wasm_split.s4.js")
        );
        let plain = Bundle::new(&BundleHashes::default());
        assert_eq!(plain.css, "/pkg/sync-groups-console.css");
        assert_eq!(plain.wasm, "/pkg/sync-groups-console_bg.wasm");
        assert_eq!(plain.split_loader, None);
    }

    #[test]
    fn the_script_cannot_be_broken_out_of() {
        let script = hydration_script("/a\"b</script>/x.js", "/x.wasm");
        assert!(!script.contains("</script>"), "{script}");
        assert!(script.contains(r#"/a\"b\u003c/script>/x.js"#), "{script}");
        assert!(script.contains(r#"module_or_path:"/x.wasm""#), "{script}");
    }
}
