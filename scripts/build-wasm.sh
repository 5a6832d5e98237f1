#!/usr/bin/env bash
# Builds the kernel crate in wasm/ with Debian's rustc 1.63 (the rustup toolchain has no wasm32
# target) and copies the result to src/backend/wasm/typegrad.wasm, which is committed.
#
# Usage: scripts/build-wasm.sh [crate-dir] [output-file]
# The build is reproducible: paths are remapped, so building a copy of the crate in another
# directory gives the same bytes (scripts/check-wasm.sh relies on that).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crate="$(cd "${1:-$root/wasm}" && pwd)"
out="${2:-$root/src/backend/wasm/typegrad.wasm}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
export RUSTC=/usr/bin/rustc
export RUSTFLAGS="-C target-feature=+simd128,+bulk-memory --remap-path-prefix=$crate=/src --remap-path-prefix=$cargo_home=/cargo"
export CARGO_TARGET_DIR="$crate/target"
(cd "$crate" && /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown --offline)
mkdir -p "$(dirname "$out")"
cp "$crate/target/wasm32-unknown-unknown/release/typegrad_kernels.wasm" "$out"
echo "build-wasm: $(wc -c <"$out") bytes -> $out"
