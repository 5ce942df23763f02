//! The site's assets as built: cargo-leptos (`hash-files = true`) names the CSS, JS and wasm
//! `sync-groups-console.<hash>.<ext>` and writes the hashes to `hash.txt` beside the server
//! binary. Hashed names change with their content, so they are cached for a year as immutable;
//! a build without hashes (tests, `cargo run`) serves the plain names, revalidated every time.

use std::sync::{Arc, OnceLock};

use app::bundle::{Bundle, BundleHashes};

/// The hashes of this binary's site, read once (they are fixed for the binary's lifetime).
fn hashes() -> &'static BundleHashes {
    static HASHES: OnceLock<BundleHashes> = OnceLock::new();
    HASHES.get_or_init(|| {
        let text = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)))
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        parse_hashes(&text)
    })
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
        // A split build (`cargo leptos build --split`) also names its pieces' loader.
        let split = parse_hashes("js: J1\nwasm: W2\ncss: C3\nmanifest: M4\nsplit: S5\n");
        assert_eq!(split.split.as_deref(), Some("S5"));
    }
}
