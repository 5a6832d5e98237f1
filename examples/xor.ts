/**
 * XOR with a two-layer MLP (2-8-1, tanh), written as a plain loop over pure functions: the loss,
 * `valueAndGrad`, and the optimizer's `update`, all inside one jitted step.
 *
 * Run: `npm run example:xor`.
 * @module
 */
import { pathToFileURL } from "node:url";
import * as tg from "../src/index.js";
import { constant } from "../src/prims/constants.js";
import { logistic } from "../src/prims/elementwise.js";
import type { AnyTensor as T } from "../src/tensor/tensor.js";

/** Options of the XOR example. */
export interface XorOptions {
  /** Training steps (default 500). */
  steps?: number;
  /** Print the result (default true). */
  verbose?: boolean;
}

/**
 * Trains the MLP on the four XOR points and returns its outputs for them.
 * @example
 * ```ts
 * const { outputs } = await main({ steps: 300, verbose: false }); // ≈ [0, 1, 1, 0]
 * ```
 */
export async function main(
  opts: XorOptions = {},
): Promise<{ outputs: number[]; loss: number; steps: number }> {
  const x = constant([0, 0, 0, 1, 1, 0, 1, 1], [4, 2], "f32");
  const y = constant([0, 1, 1, 0], [4, 1], "f32");
  const model = tg.nn.serial(tg.nn.dense(2, 8), tg.nn.tanh, tg.nn.dense(8, 1));
  let params = model.init(tg.random.key(0));
  type P = typeof params;
  const opt = tg.optim.adam({ lr: 0.05 });
  let state = opt.init(params);
  const lossFn = (p: P) => tg.losses.binaryCrossEntropy(model.apply(p, x), y, { fromLogits: true });
  const step = tg.jit(
    (p: P, s: typeof state) => {
      const [loss, grads] = tg.valueAndGrad(lossFn)(p);
      return { ...opt.update(grads, s, p), loss };
    },
    { donate: [0, 1] },
  );
  const steps = opts.steps ?? 500;
  let loss = Number.NaN;
  const curve: number[] = [];
  for (let i = 0; i < steps; i++) {
    const r = step(params, state);
    ({ params, state } = r);
    loss = r.loss.item();
    curve.push(loss);
  }
  const outputs = Array.from(logistic(model.apply(params, x) as T).dataSync());
  if (opts.verbose ?? true) {
    console.log("XOR with a 2-8-1 MLP (tanh), Adam, binary cross-entropy from logits");
    [0, 1, 2, 3].forEach((i) => {
      const a = i >> 1;
      const b = i & 1;
      console.log(`  ${a} xor ${b} → ${outputs[i].toFixed(3)}  (want ${a ^ b})`);
    });
    console.log(`final loss ${loss.toFixed(5)} after ${steps} steps\n`);
    console.log(tg.train.terminalChart(curve, { label: "loss", height: 5 }));
  }
  return { outputs, loss, steps };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
