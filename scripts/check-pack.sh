#!/usr/bin/env bash
# Packs typegrad, installs the tarball into an empty project, type-checks a consumer (the README's
# short example, a small model file, an import-only file, typegrad/testing) with TypeScript 6 and 7 under several
# strict configs with skipLibCheck off, and runs an import.
#   bash scripts/check-pack.sh           # the whole check
#   KEEP=1 bash scripts/check-pack.sh    # keep the consumer project (its path is printed)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tsc6="$root/node_modules/typescript/bin/tsc"
tsc7="$root/node_modules/typescript-7/bin/tsc"
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
cd "$root"
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
cd "$tmp"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
# @types/node is installed so that the configs that pick it up (TS 6's default `types`) see it.
npm install --no-audit --no-fund --silent "./$tarball" @types/node@20 >/dev/null

# The README's short example, as written (the first ```ts block after "## A short example").
awk '/^## A short example/{s=1} s&&/^```ts/{c=1;next} c&&/^```/{exit} c' "$root/README.md" > readme.ts
grep -q 'from "typegrad"' readme.ts || { echo "check-pack: README's short example not found"; exit 1; }

cat > import-only.ts <<'TS'
import * as tg from "typegrad";
export type T = tg.Tensor<[2]>;
TS

cat > model.ts <<'TS'
// A small model file, exported from a module compiled with `declaration: true`.
import * as tg from "typegrad";

export const mlp = tg.nn.serial(tg.nn.dense(4, 8), tg.nn.relu, tg.nn.dense(8, 3));
export const params = mlp.init(tg.random.key(0));
export type Params = typeof params;

export function forward<B extends number>(p: Params, x: tg.Tensor<[B, 4]>): tg.Tensor<[B, 3]> {
  return mlp.apply(p, x);
}

const lossFn = (p: Params, x: tg.Tensor<[16, 4]>, y: tg.Tensor<[16], "i32">) =>
  tg.losses.sparseCategoricalCrossEntropy(mlp.apply(p, x), y, { fromLogits: true });

const opt = tg.optim.adam({ lr: 1e-2 });
export const state0 = opt.init(params);

export const step = tg.jit(
  (p: Params, s: typeof state0, x: tg.Tensor<[16, 4]>, y: tg.Tensor<[16], "i32">) => {
    const [loss, grads] = tg.valueAndGrad(lossFn)(p, x, y);
    const next = opt.update(grads, s, p);
    return { loss, params: next.params, state: next.state };
  },
);

export const perExample = tg.vmap(tg.grad(lossFn), { inAxes: [null, 0, 0] });
export const values: number[][] = mlp.apply(params, tg.zeros([2, 4])).toArray();
export const predicted: tg.Tensor<[5, 3]> = tg.train.predict(mlp, params, tg.zeros([5, 4]));
export const trained = tg.train.fit(mlp, params, { x: tg.zeros([16, 4]), y: tg.zeros([16], "i32") }, {
  loss: (pred, y) => tg.losses.sparseCategoricalCrossEntropy(pred, y, { fromLogits: true }),
  optimizer: opt,
  progress: false,
});
TS

# The README's property test (the ```ts block after "## Property-testing your own models").
awk '/^## Property-testing/{s=1} s&&/^```ts/{c=1;next} c&&/^```/{exit} c' "$root/README.md" > readme-testing.ts
grep -q 'from "typegrad/testing"' readme-testing.ts || { echo "check-pack: README's property test not found"; exit 1; }
echo 'export const readmeProperty = true;' >> readme-testing.ts

# The subpath export typegrad/testing: property tests of a user's own function.
cat > testing.ts <<'TS'
import fc from "fast-check";
import * as tg from "typegrad";
import { arbTensor, checkGrads } from "typegrad/testing";

export const gradsOk: boolean = checkGrads((x) => tg.sum(tg.tanh(x)), [tg.tensor([0.1, -0.3])]).ok;
export const sizes = fc.sample(arbTensor([2, 3]), 3).map((t) => t.size);
TS

cat > main.ts <<'TS'
import * as tg from "typegrad";
import { readmeProperty } from "./readme-testing.js";
import { gradsOk, sizes } from "./testing.js";
const x: tg.Tensor<[3]> = tg.tensor([1, 2, 3]);
const g = tg.grad((w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w)))(x);
console.log("pack check:", g.toArray(), gradsOk && readmeProperty, sizes);
TS

base='"target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "skipLibCheck": false'
strictest='"exactOptionalPropertyTypes": true, "noUncheckedIndexedAccess": true'
files='"files": ["readme.ts", "model.ts", "import-only.ts", "testing.ts", "readme-testing.ts"]'
# name | compiler options beyond $base
configs=(
  "es2022-only|\"lib\": [\"ES2022\"], \"types\": [], $strictest"
  "dom-node|\"lib\": [\"ES2022\", \"DOM\", \"ESNext.Disposable\"], \"types\": [\"node\"], $strictest"
  "default-types|\"lib\": [\"ES2022\"], $strictest"
  "plain-strict|\"lib\": [\"ES2022\"]"
)
status=0
for c in "${configs[@]}"; do
  name=${c%%|*}
  opts=${c#*|}
  echo "{ \"compilerOptions\": { $base, $opts, \"declaration\": true, \"emitDeclarationOnly\": true, \"outDir\": \"out-$name\" }, $files }" > "tsconfig.$name.json"
  for v in 6 7; do
    tsc=$tsc6
    [ $v = 7 ] && tsc=$tsc7
    if node "$tsc" -p "tsconfig.$name.json"; then
      echo "check-pack: TypeScript $v, $name: ok"
    else
      echo "check-pack: TypeScript $v, $name: FAILED"
      status=1
    fi
  done
done
[ $status = 0 ] || exit 1

# Every type a public declaration mentions is exported. StrideOf and PaddingOf (src/ops/image.ts)
# are resolved at every call and never appear in a consumer's inferred types.
node "$root/scripts/check-exports.mjs" node_modules/typegrad/dist/src/index.d.ts "$root/node_modules/typescript" \
  --allow StrideOf,PaddingOf
node "$root/scripts/check-exports.mjs" node_modules/typegrad/dist/src/testing/index.d.ts "$root/node_modules/typescript"

echo "{ \"compilerOptions\": { $base, \"lib\": [\"ES2022\"], \"types\": [\"node\"], \"outDir\": \".\" }, \"files\": [\"main.ts\"] }" > tsconfig.json
node "$tsc7" -p tsconfig.json
node main.js | tee out.txt
grep -q "pack check: \[ 2, 4, 6 \] true \[ 6, 6, 6 \]" out.txt
echo "pack check passed"
