#!/usr/bin/env bash
# Rebuilds the kernel crate from a temporary copy and fails if the result differs from the
# committed src/backend/wasm/typegrad.wasm (CI calls this).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/wasm"
cp -r "$root/wasm/Cargo.toml" "$root/wasm/Cargo.lock" "$root/wasm/src" "$tmp/wasm/"
bash "$root/scripts/build-wasm.sh" "$tmp/wasm" "$tmp/typegrad.wasm" >/dev/null
if cmp -s "$tmp/typegrad.wasm" "$root/src/backend/wasm/typegrad.wasm"; then
  echo "check-wasm: src/backend/wasm/typegrad.wasm matches the sources"
else
  echo "check-wasm: src/backend/wasm/typegrad.wasm is stale; run scripts/build-wasm.sh and commit it" >&2
  exit 1
fi
