# Sourced by the scripts: puts npm's wasm-opt (binaryen 132) first on PATH for release builds.
PATH="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PATH
