#!/usr/bin/env bash
# What importing typegrad costs a user's type check: builds the package (dist/, as published, with
# stripInternal), links it into a scratch consumer with a plain strict tsconfig (skipLibCheck false,
# lib es2022, types []), and prints tsc's --extendedDiagnostics for two files under TypeScript 7
# and 6: one that only imports typegrad, and the MNIST CNN as a model file (model, init, apply,
# loss and grad). Usage: bash scripts/type-cost.sh   (run from the repository root)
set -euo pipefail
root=$(pwd)
npm run build --silent
d=$(mktemp -d)
mkdir -p "$d/node_modules"
ln -s "$root" "$d/node_modules/typegrad"
cd "$d"
echo '{"type":"module"}' > package.json
printf 'import * as tg from "typegrad";\nexport type T = tg.Tensor<[2]>;\n' > import-only.ts
cat > cnn-model.ts <<'TS'
import * as tg from "typegrad";

const model = tg.nn.sequential(
  [28, 28, 1],
  tg.nn.conv2d(32, 3),
  tg.nn.relu,
  tg.nn.maxPool2d(2),
  tg.nn.conv2d(64, 3),
  tg.nn.relu,
  tg.nn.maxPool2d(2),
  tg.nn.flatten,
  tg.nn.dense(10),
);
const params = model.init(tg.random.key(0));
const x = tg.zeros([8, 28, 28, 1]);
const y = tg.zeros([8], "i32");
const loss = (p: typeof params) =>
  tg.losses.sparseCategoricalCrossEntropy(model.apply(p, x), y, { fromLogits: true });
export const g = tg.grad(loss)(params);
TS
for f in import-only cnn-model; do
  cat > "tsconfig.$f.json" <<JSON
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "skipLibCheck": false, "lib": ["ES2022"], "types": [], "noEmit": true }, "files": ["$f.ts"] }
JSON
  for v in typescript-7 typescript; do
    out=$(node "$root/node_modules/$v/bin/tsc" -p "tsconfig.$f.json" --extendedDiagnostics)
    echo "$f.ts, $v: $(echo "$out" | grep -E '^(Instantiations|Check time)' | tr -s ' ' | tr '\n' ' ')$(echo "$out" | grep -c 'error TS' | sed 's/^0$//;s/^\([1-9]\)/ ERRORS: \1/')"
  done
done
rm -rf "$d"
