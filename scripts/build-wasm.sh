#!/usr/bin/env bash
# Builds the kernel crate in wasm/ with Debian's rustc 1.63 (the rustup toolchain has no wasm32
# target) four times, into src/backend/wasm/ (all four files are committed):
# - typegrad.wasm: single-threaded, exports its own memory;
# - typegrad-mt.wasm: for the thread pool, built with atomics, importing a shared memory (up to
#   4 GiB) and exporting `__stack_pointer` so that each worker's instance gets a stack of its own.
#   Debian's precompiled compiler_builtins is built without atomics, so wasm-ld's feature check is
#   turned off; it only contributes memcpy-like routines, which are thread-safe.
# - typegrad-relaxed.wasm and typegrad-mt-relaxed.wasm: the same with the crate's `relaxed`
#   feature, whose matmul kernels use relaxed SIMD's fused multiply-add. rustc 1.63 has no
#   intrinsic for it, so the crate calls a marker import (which needs the unstable `simd_ffi`,
#   hence RUSTC_BOOTSTRAP=1 for these two builds only) and scripts/relax-wasm.mjs rewrites each
#   call into the opcode. The loader picks these when the engine validates relaxed SIMD.
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

build() { # target-dir rustflags output-name [cargo flags]
  (cd "$crate" && CARGO_TARGET_DIR="$1" RUSTFLAGS="$2 $remap" \
    /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown --offline ${4:-})
  cp "$1/wasm32-unknown-unknown/release/typegrad_kernels.wasm" "$out/$3"
  echo "build-wasm: $(wc -c <"$out/$3") bytes -> $out/$3"
}
relaxed() { # target-dir rustflags output-name
  RUSTC_BOOTSTRAP=1 build "$1" "$2" "$3.tmp" "--features relaxed"
  node "$root/scripts/relax-wasm.mjs" "$out/$3.tmp" "$out/$3"
  rm "$out/$3.tmp"
}

single="-C target-feature=+simd128,+bulk-memory"
build "$crate/target" "$single" typegrad.wasm
relaxed "$crate/target-relaxed" "$single" typegrad-relaxed.wasm
mt="-C target-feature=+simd128,+bulk-memory,+atomics,+mutable-globals"
for a in --no-check-features --shared-memory --import-memory --max-memory=4294967296 \
  --export=__stack_pointer; do
  mt="$mt -C link-arg=$a"
done
build "$crate/target-mt" "$mt" typegrad-mt.wasm
relaxed "$crate/target-mt-relaxed" "$mt" typegrad-mt-relaxed.wasm
