/**
 * The classic perceptron (Rosenblatt): a threshold unit trained by the error-driven rule
 * `w ← w + lr·(y − ŷ)·x`, `b ← b + lr·(y − ŷ)`, one example at a time, with no gradients. It
 * converges on linearly separable data (the perceptron convergence theorem); otherwise it reports
 * that it did not within the epoch limit. Runs on the host in float64.
 * @module
 */
import { constant } from "../prims/constants.js";
import { foldIn, type Key, permutation } from "../random/index.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";

/** Options of `perceptron`. */
export interface PerceptronOptions {
  /** The learning rate (default 1). */
  lr?: number;
  /** The most passes over the data (default 100). */
  maxEpochs?: number;
  /** Shuffle the examples each epoch with this key (default: keep their order). */
  key?: Key;
}

/** What `perceptron` learned and how it went. */
export interface PerceptronResult {
  /** The weights, `[features]` (f32). */
  w: Tensor<readonly [number], "f32">;
  /** The bias (threshold is `−b`). */
  b: number;
  /** Whether an epoch passed with no mistakes. */
  converged: boolean;
  /** Epochs run (the one without mistakes included). */
  epochs: number;
  /** Mistakes (updates) in each epoch. */
  errors: number[];
  /** A message when it did not converge (the data may not be linearly separable). */
  message: string;
  /** Classifies rows of `x` (`[N, features]`): 1 where `x·w + b > 0`, else 0 (i32). */
  predict(x: T): Tensor<readonly [number], "i32">;
}

/** Labels as 0/1: accepts 0/1, booleans, or −1/+1. */
function binaryLabels(y: T, n: number): Uint8Array {
  if (y.rank !== 1 || y.shape[0] !== n)
    throw new ShapeError("perceptron", `y ${fmt(y.shape)} must be [${n}]: one label per row of x`);
  const v = y.dataSync();
  const out = new Uint8Array(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add(Number(v[i]));
  const ok =
    [...seen].every((s) => s === 0 || s === 1) || [...seen].every((s) => s === -1 || s === 1);
  if (!ok)
    throw new ShapeError(
      "perceptron",
      `labels must be 0/1 (or −1/+1, or bool), got ${[...seen].slice(0, 5).join(", ")}`,
    );
  for (let i = 0; i < n; i++) out[i] = Number(v[i]) === 1 ? 1 : 0;
  return out;
}

/**
 * Trains a perceptron on `x` (`[N, features]`) and binary labels `y` (`[N]`: 0/1, −1/+1 or bool).
 * @example
 * ```ts
 * const x = tg.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = tg.tensor([0, 0, 0, 1]); // AND: linearly separable
 * const p = tg.train.perceptron(x, y, { maxEpochs: 50 });
 * if (!p.converged) console.log(p.message);
 * p.predict(x).toArray();
 * ```
 */
export function perceptron(x: T, y: T, opts: PerceptronOptions = {}): PerceptronResult {
  if (!x.isConcrete || !y.isConcrete)
    throw new ShapeError(
      "perceptron",
      "x and y must be concrete tensors (the perceptron runs on the host)",
    );
  if (x.rank !== 2)
    throw new ShapeError("perceptron", `x must be [N, features], got ${fmt(x.shape)}`);
  const [n, d] = x.shape as [number, number];
  if (n === 0) throw new ShapeError("perceptron", "x has no rows");
  const labels = binaryLabels(y, n);
  const lr = opts.lr ?? 1;
  const maxEpochs = opts.maxEpochs ?? 100;
  const xs = Float64Array.from(x.dataSync());
  const w = new Float64Array(d);
  let b = 0;
  const errors: number[] = [];
  let converged = false;
  for (let epoch = 0; epoch < maxEpochs && !converged; epoch++) {
    const order = opts.key
      ? (permutation(foldIn(opts.key, epoch), n).dataSync() as Int32Array)
      : null;
    let mistakes = 0;
    for (let k = 0; k < n; k++) {
      const i = order ? order[k] : k;
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * xs[i * d + j];
      const err = labels[i] - (s > 0 ? 1 : 0);
      if (err !== 0) {
        mistakes++;
        for (let j = 0; j < d; j++) w[j] += lr * err * xs[i * d + j];
        b += lr * err;
      }
    }
    errors.push(mistakes);
    converged = mistakes === 0;
  }
  const wt = constant(w, [d], "f32") as Tensor<readonly [number], "f32">;
  const message = converged
    ? `converged after ${errors.length} epochs`
    : `did not converge within ${maxEpochs} epochs (${errors.at(-1)} mistakes in the last); the data may not be linearly separable`;
  return {
    w: wt,
    b,
    converged,
    epochs: errors.length,
    errors,
    message,
    predict(q: T) {
      if (q.rank !== 2 || q.shape[1] !== d)
        throw new ShapeError("perceptron.predict", `x must be [N, ${d}], got ${fmt(q.shape)}`);
      const qs = q.dataSync();
      const m = q.shape[0];
      const out = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        let s = b;
        for (let j = 0; j < d; j++) s += w[j] * qs[i * d + j];
        out[i] = s > 0 ? 1 : 0;
      }
      return constant(out, [m], "i32") as Tensor<readonly [number], "i32">;
    },
  };
}
