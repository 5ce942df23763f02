//! The site's assets as built: cargo-leptos (`hash-files = true`) names the CSS, JS and wasm
//! `sync-groups-console.<hash>.<ext>` and writes the hashes to `hash.txt` beside the server
//! binary. Hashed names change with their content, so they are cached for a year as immutable;
//! a build without hashes (tests, `cargo run`) serves the plain names, revalidated every time.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use app::bundle::{Bundle, BundleHashes};
use app::routes::Base;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use leptos::WasmSplitManifest;
use leptos::prelude::{ArcStoredValue, Owner, provide_context};
use leptos::reactive::computed::ScopedFuture;

/// `hash.txt` beside this binary, read once (it is fixed for the binary's lifetime).
fn hash_file() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)))
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    })
}

/// The hashes of this binary's site.
fn hashes() -> &'static BundleHashes {
    static HASHES: OnceLock<BundleHashes> = OnceLock::new();
    HASHES.get_or_init(|| parse_hashes(hash_file()))
}

/// One `kind: hash` line of `hash.txt`.
fn hash_of(text: &str, kind: &str) -> Option<String> {
    text.lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(k, _)| k.trim() == kind)
        .map(|(_, hash)| hash.trim().to_string())
        .filter(|hash| !hash.is_empty())
}

/// `hash.txt` as cargo-leptos writes it: a `kind: hash` line per file.
fn parse_hashes(text: &str) -> BundleHashes {
    BundleHashes {
        css: hash_of(text, "css"),
        js: hash_of(text, "js"),
        wasm: hash_of(text, "wasm"),
        split: hash_of(text, "split"),
    }
}

/// The wasm pieces of a split bundle, for leptos to preload the ones the page it renders needs
/// (its lazy routes, `app::pages::lazy`): without the preload the browser would learn of a
/// page's piece only after the main wasm has started, one round trip later. `None` for a bundle
/// built without `--split` (or without hashed names), or when the manifest cannot be read:
/// pages then still work, and their pieces load on demand.
pub fn split_manifest(site_root: &str, base: &Base) -> Option<WasmSplitManifest> {
    static PIECES: OnceLock<Option<Pieces>> = OnceLock::new();
    let loader = bundle().split_loader.clone()?;
    let pieces = PIECES
        .get_or_init(|| read_split_manifest(Path::new(site_root), hash_file()))
        .as_ref()?;
    Some(WasmSplitManifest(ArcStoredValue::new((
        base.href("/pkg"),
        pieces.clone(),
        // leptos wants the loader's name inside the pkg directory.
        loader.trim_start_matches("/pkg/").to_string(),
    ))))
}

/// Makes the split manifest visible where leptos_axum looks for it. leptos_axum writes a page's
/// piece preloads after rendering it, reading the manifest from whatever reactive owner is
/// current on the thread at that point, which is not the page's own (`ExtendResponse::from_app`
/// in leptos_integration_utils 0.8.9). Provided in the page's render context, the preloads came
/// or not depending on the owner an earlier request had left on the worker thread (a browser
/// test saw the form without them after other tests). Here an owner holding the manifest is
/// current for as long as the response is produced. Without it leptos also filled the
/// preloads' `crossorigin` with the page's CSP nonce; now it is empty, which means `anonymous`.
pub async fn with_split_manifest(
    State(manifest): State<Option<WasmSplitManifest>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(manifest) = manifest else {
        return next.run(request).await;
    };
    let owner = Owner::new_root(None);
    owner.with(|| provide_context(manifest));
    owner.with(|| ScopedFuture::new(next.run(request))).await
}

/// The split manifest: each lazy function's name → the wasm pieces it needs.
type Pieces = HashMap<String, Vec<String>>;

fn read_split_manifest(site_root: &Path, hash_text: &str) -> Option<Pieces> {
    let hash = hash_of(hash_text, "manifest")?;
    let path = site_root
        .join("pkg")
        .join(format!("__wasm_split_manifest.{hash}.json"));
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(pieces) => Some(pieces),
        Err(error) => {
            tracing::warn!(%error, "the bundle's split manifest is unreadable; lazy pages will load their wasm on demand");
            None
        }
    }
}

/// The bundle's file names, for every page's `<head>` (provided in each render's context).
pub fn bundle() -> Arc<Bundle> {
    static BUNDLE: OnceLock<Arc<Bundle>> = OnceLock::new();
    BUNDLE
        .get_or_init(|| Arc::new(Bundle::new(hashes())))
        .clone()
}

/// cargo-leptos's hash file, beside the server binary.
pub const HASH_FILE: &str = "hash.txt";

/// Whether this binary's site has hashed file names.
pub fn hashed() -> bool {
    hashes().css.is_some()
}

/// The stylesheet's path under the console (`/pkg/sync-groups-console[.hash].css`).
pub fn stylesheet() -> String {
    bundle().css.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hash_file_cargo_leptos_writes() {
        let hashes = parse_hashes("js: J1\nwasm: W2\ncss: C3\n");
        assert_eq!(hashes.js.as_deref(), Some("J1"));
        assert_eq!(hashes.wasm.as_deref(), Some("W2"));
        assert_eq!(hashes.css.as_deref(), Some("C3"));
        assert_eq!(hashes.split, None);
        assert_eq!(parse_hashes(""), BundleHashes::default());
    }

    #[test]
    fn a_split_bundle_s_manifest_is_found_by_its_hash() {
        let dir = std::env::temp_dir().join(format!("sgc-split-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("pkg")).expect("temp dir");
        std::fs::write(
            dir.join("pkg/__wasm_split_manifest.M1.json"),
            r#"{"group_form_view_1": ["split_3", "split_7"]}"#,
        )
        .expect("manifest");
        let pieces =
            read_split_manifest(&dir, "js: J1\nwasm: W2\ncss: C3\nmanifest: M1\nsplit: S4\n")
                .expect("a manifest");
        assert_eq!(pieces["group_form_view_1"], ["split_3", "split_7"]);
        // An unsplit bundle has none.
        assert!(read_split_manifest(&dir, "js: J1\nwasm: W2\ncss: C3\n").is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}
