//! The site's assets as built: cargo-leptos (`hash-files = true`) names the CSS, JS and wasm
//! `sync-groups-console.<hash>.<ext>` and writes the hashes to `hash.txt` beside the server
//! binary. Hashed names change with their content, so they are cached for a year as immutable;
//! a build without hashes (tests, `cargo run`) serves the plain names, revalidated every time.

use std::sync::OnceLock;

/// The hashes of this binary's site, read once (they are fixed for the binary's lifetime).
struct Hashes {
    css: Option<String>,
}

fn hashes() -> &'static Hashes {
    static HASHES: OnceLock<Hashes> = OnceLock::new();
    HASHES.get_or_init(|| {
        let text = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(HASH_FILE)))
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let css = text
            .lines()
            .filter_map(|line| line.trim().split_once(':'))
            .find(|(kind, _)| kind.trim() == "css")
            .map(|(_, hash)| hash.trim().to_string())
            .filter(|hash| !hash.is_empty());
        Hashes { css }
    })
}

/// cargo-leptos's hash file, beside the server binary.
pub const HASH_FILE: &str = "hash.txt";

/// Whether this binary's site has hashed file names.
pub fn hashed() -> bool {
    hashes().css.is_some()
}

/// The stylesheet's path under the console (`/pkg/sync-groups-console[.hash].css`).
pub fn stylesheet() -> String {
    match &hashes().css {
        Some(hash) => format!("/pkg/{}.{hash}.css", app::OUTPUT_NAME),
        None => format!("/pkg/{}.css", app::OUTPUT_NAME),
    }
}
