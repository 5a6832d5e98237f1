#!/usr/bin/env bash
# Builds the kernel crate in wasm/ with Debian's rustc 1.63 (the rustup toolchain has no wasm32
# target) twice, into src/backend/wasm/ (both files are committed):
# - typegrad.wasm: single-threaded, exports its own memory;
# - typegrad-mt.wasm: for the thread pool, built with atomics, importing a shared memory (up to
#   4 GiB) and exporting `__stack_pointer` so that each worker's instance gets a stack of its own.
#   Debian's precompiled compiler_builtins is built without atomics, so wasm-ld's feature check is
#   turned off; it only contributes memcpy-like routines, which are thread-safe.
#
# Usage: scripts/build-wasm.sh [crate-dir] [output-dir]
# The build is reproducible: paths are remapped, so building a copy of the crate in another
# directory gives the same bytes (scripts/check-wasm.sh relies on that).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crate="$(cd "${1:-$root/wasm}" && pwd)"
out="${2:-$root/src/backend/wasm}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
export RUSTC=/usr/bin/rustc
remap="--remap-path-prefix=$crate=/src --remap-path-prefix=$cargo_home=/cargo"
mkdir -p "$out"

build() { # target-dir rustflags output-name
  (cd "$crate" && CARGO_TARGET_DIR="$1" RUSTFLAGS="$2 $remap" \
    /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown --offline)
  cp "$1/wasm32-unknown-unknown/release/typegrad_kernels.wasm" "$out/$3"
  echo "build-wasm: $(wc -c <"$out/$3") bytes -> $out/$3"
}

build "$crate/target" "-C target-feature=+simd128,+bulk-memory" typegrad.wasm
mt="-C target-feature=+simd128,+bulk-memory,+atomics,+mutable-globals"
for a in --no-check-features --shared-memory --import-memory --max-memory=4294967296 \
  --export=__stack_pointer; do
  mt="$mt -C link-arg=$a"
done
build "$crate/target-mt" "$mt" typegrad-mt.wasm
