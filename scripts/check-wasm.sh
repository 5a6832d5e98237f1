#!/usr/bin/env bash
# Rebuilds the kernel crate from a temporary copy and fails if either build differs from the
# four committed builds in src/backend/wasm/ (CI calls this).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/wasm"
cp -r "$root/wasm/Cargo.toml" "$root/wasm/Cargo.lock" "$root/wasm/src" "$tmp/wasm/"
bash "$root/scripts/build-wasm.sh" "$tmp/wasm" "$tmp/out" >/dev/null
for f in typegrad.wasm typegrad-mt.wasm typegrad-relaxed.wasm typegrad-mt-relaxed.wasm; do
  if cmp -s "$tmp/out/$f" "$root/src/backend/wasm/$f"; then
    echo "check-wasm: src/backend/wasm/$f matches the sources"
  else
    echo "check-wasm: src/backend/wasm/$f is stale; run scripts/build-wasm.sh and commit it" >&2
    exit 1
  fi
done
