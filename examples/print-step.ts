/**
 * Prints the lowered program of a small MLP training step (784-128-10, relu, softmax
 * cross-entropy, Adam, batch 128; forward, backward and update in one `tg.jit`), then its fused
 * kernel list: every `fused` equation with its op list. docs/autodiff.md shows this output.
 *
 * Run: `npm run build && node dist/examples/print-step.js`.
 * @module
 */
import { pathToFileURL } from "node:url";
import * as tg from "../src/index.js";
import type { FusedParams } from "../src/ir/primitive.js";
import type { Program } from "../src/ir/program.js";
import { fromArray } from "../src/tensor/create.js";

type T = tg.Tensor<any, any>;

/** The lowered step and its fused kernel list, as text. */
export function printStep(batch = 128): { program: Program; text: string } {
  const model = tg.nn.serial(
    tg.nn.dense(784, 128),
    tg.nn.relu,
    tg.nn.dense(128, 10),
  ) as unknown as {
    init(key: tg.random.Key): unknown;
    apply(p: unknown, x: T): T;
  };
  const opt = tg.optim.adam({ lr: 1e-3 });
  const params = model.init(tg.random.key(0));
  const state = opt.init(params as never);
  const loss = (p: unknown, x: T, y: T) =>
    tg.losses.sparseCategoricalCrossEntropy(model.apply(p, x), y, { fromLogits: true });
  const step = tg.jit(
    (p: unknown, s: unknown, x: T, y: T) => {
      const [l, g] = tg.valueAndGrad(loss)(p, x, y);
      const next = opt.update(g as never, s as never, p as never);
      return { params: next.params as unknown, state: next.state as unknown, loss: l as T };
    },
    { donate: [0, 1] },
  );
  const x = fromArray(new Float32Array(batch * 784), [batch, 784]);
  const y = fromArray(new Int32Array(batch), [batch], "i32");
  const program = step.lower(params, state, x, y);
  const lines = [program.toString(), "", "Fused kernels:"];
  let n = 0;
  for (const e of program.eqns) {
    if (e.prim !== "fused") continue;
    const { ops } = e.params as FusedParams;
    const out = e.outputs[0];
    const list = ops.map((o) => `${o.op}(${o.args.join(",")})`).join(" ");
    lines.push(
      `  ${++n}. ${out.aval.dtype}[${out.aval.shape.join(",")}] ← ${e.inputs.length} inputs, ${ops.length} ops: ${list}`,
    );
  }
  const kernels = program.eqns.filter((e) => e.prim !== "reshape").length;
  lines.push("", `${program.eqns.length} equations, ${kernels} kernel calls, ${n} fused.`);
  return { program, text: lines.join("\n") };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) console.log(printStep().text);
