#!/usr/bin/env bash
# Packs typegrad, installs the tarball into an empty project, type-checks and runs an import.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp=$(mktemp -d)
cd "$root"
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
cd "$tmp"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund --silent "./$tarball" typescript@7.0.2 @types/node@20 >/dev/null
cat > main.ts <<'TS'
import * as tg from "typegrad";
const x: tg.Tensor<[3]> = tg.tensor([1, 2, 3]);
const g = tg.grad((w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w)))(x);
console.log("pack check:", g.toArray());
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "skipLibCheck": false, "types": ["node"], "lib": ["ES2022", "DOM", "ESNext.Disposable"] } }
JSON
npx tsc -p tsconfig.json
node main.js | tee out.txt
grep -q "pack check: \[ 2, 4, 6 \]" out.txt
echo "pack check passed in $tmp"
