/**
 * `evaluate` and `predict`: inference over a dataset in batches, each batch one jitted program.
 * @module
 */
import { constant } from "../prims/constants.js";
import { gather } from "../prims/indexing.js";
import type { BatchSizeOf, InputCheck } from "../nn/model-types.js";
import type { DType } from "../shape/dtype.js";
import {
  type AnyTensor,
  type Shape,
  Storage,
  type AnyTensor as T,
  Tensor,
} from "../tensor/tensor.js";
import { jit } from "../transforms/jit.js";
import type { Backend, Buf } from "../backend/backend.js";
import { getBackend } from "../backend/registry.js";
import { batchIndices, exampleCount, indexTensor, type XY } from "./data.js";
import type { LossFor, Trainable, TrainData } from "./data-types.js";
import { type Metric, type MetricLike, toMetric } from "./metrics.js";
import { readsSync, scalarsAsync } from "./read.js";

/** A loss of predictions and targets: a scalar, the mean over the batch. */
export type LossFn = (pred: Tensor<any, "f32">, y: Tensor<any, any>) => Tensor<readonly [], any>;

/** Options of `evaluate`, for a model with state `St` and output shape `O`, on labels `Y`. */
export interface EvaluateOptions<St = unknown, O extends Shape = any, Y = any> {
  /**
   * The loss (optional: without it only the metrics are computed); it receives the predictions
   * `Tensor<[number, ...O], "f32">` and the labels with `y`'s dtype and per-example shape.
   */
  loss?: LossFor<O, Y>;
  /** Metrics, as in `fit`. */
  metrics?: readonly MetricLike[];
  /** Examples per batch (default 256). */
  batchSize?: number;
  /** The layer state (default `model.initState()`). */
  state?: St;
}

interface EvalEntry {
  loss: LossFn | undefined;
  metrics: readonly Metric[];
  fn: (...a: any[]) => any;
}
const evalSteps = new WeakMap<object, EvalEntry[]>();

/** The jitted evaluation step of a model, loss and metrics (cached on their identities). */
function evalStep(
  model: Trainable<any, any, any, any>,
  loss: LossFn | undefined,
  metrics: readonly Metric[],
) {
  let entries = evalSteps.get(model);
  if (!entries) evalSteps.set(model, (entries = []));
  const hit = entries.find(
    (e) =>
      e.loss === loss &&
      e.metrics.length === metrics.length &&
      e.metrics.every((m, i) => m === metrics[i]),
  );
  if (hit) return hit.fn;
  const fn = jit((params: unknown, state: unknown, x: T, y: T, idx: T) => {
    const xb = gather(x, idx, 0);
    const yb = gather(y, idx, 0);
    const pred = model.forward(params, xb as never, { state }).y as T;
    return { loss: loss ? loss(pred, yb) : null, sums: metrics.map((m) => m.sum(pred, yb)) };
  });
  if (entries.length > 16) entries.shift();
  entries.push({ loss, metrics: [...metrics], fn });
  return fn;
}

/**
 * Loss and metrics over a whole dataset, on given metric objects (the fit loop's validation).
 * The backend must read synchronously (wasm, reference); `evaluateWithAsync` reads on any.
 * @example
 * ```ts
 * import { accuracy } from "./metrics.js";
 * const model = tg.nn.sequential([4], tg.nn.dense(3));
 * const [params, state, loss] = [model.init(tg.random.key(0)), model.initState(), tg.losses.mse];
 * const test = { x: tg.zeros([20, 4]), y: tg.zeros([20, 3]) };
 * evaluateWith(model, params, state, test, loss, [accuracy()], 256); // { loss, accuracy }
 * ```
 */
export function evaluateWith(
  model: Trainable<any, any, any, any>,
  params: unknown,
  state: unknown,
  data: XY,
  loss: LossFn | undefined,
  metrics: readonly Metric[],
  batchSize: number,
): Record<string, number> {
  const n = exampleCount("evaluate", data);
  if (n === 0) throw new RangeError("evaluate: the data has no examples");
  const step = evalStep(model, loss, metrics);
  let lossSum = 0;
  const sums = metrics.map(() => 0);
  for (const order of batchIndices(null, n, batchSize)) {
    const idx = indexTensor(order);
    const r = step(params, state, data.x, data.y, idx);
    idx.dispose();
    const first: T = r.loss ?? r.sums[0];
    if (!readsSync(first)) {
      for (const t of [r.loss, ...r.sums]) t?.dispose();
      throw new Error(
        `evaluate: the results live on a backend that cannot read synchronously (${getBackend()}); use await tg.train.evaluateAsync(...)`,
      );
    }
    if (r.loss) {
      lossSum += r.loss.item() * order.length;
      r.loss.dispose();
    }
    r.sums.forEach((s: T, i: number) => {
      sums[i] += s.item();
      s.dispose();
    });
  }
  return means(n, loss !== undefined, lossSum, metrics, sums);
}

/**
 * `evaluateWith` on any backend: the scalars of every batch are requested as the batches run and
 * awaited at the end (on webgpu the batches are not serialised by read-backs); where they read
 * synchronously (wasm) they are read as in `evaluateWith`, with the same sums in the same order.
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(3));
 * const [params, state, loss] = [model.init(tg.random.key(0)), model.initState(), tg.losses.mse];
 * const test = { x: tg.zeros([20, 4]), y: tg.zeros([20, 3]) };
 * await evaluateWithAsync(model, params, state, test, loss, [], 256); // { loss }
 * ```
 */
export async function evaluateWithAsync(
  model: Trainable<any, any, any, any>,
  params: unknown,
  state: unknown,
  data: XY,
  loss: LossFn | undefined,
  metrics: readonly Metric[],
  batchSize: number,
): Promise<Record<string, number>> {
  const n = exampleCount("evaluate", data);
  if (n === 0) throw new RangeError("evaluate: the data has no examples");
  const step = evalStep(model, loss, metrics);
  const reads: Promise<number[]>[] = [];
  const counts: number[] = [];
  for (const order of batchIndices(null, n, batchSize)) {
    const idx = indexTensor(order);
    const r = step(params, state, data.x, data.y, idx);
    idx.dispose();
    const ts: T[] = r.loss ? [r.loss, ...r.sums] : [...r.sums];
    const read = ts.every(readsSync) ? Promise.resolve(ts.map((t) => t.item())) : scalarsAsync(ts);
    reads.push(
      read.finally(() => {
        for (const t of ts) t.dispose();
      }),
    );
    counts.push(order.length);
  }
  const values = await Promise.all(reads);
  let lossSum = 0;
  const sums = metrics.map(() => 0);
  values.forEach((v, b) => {
    const ms = loss ? v.slice(1) : v;
    if (loss) lossSum += v[0] * counts[b];
    ms.forEach((x, i) => {
      sums[i] += x;
    });
  });
  return means(n, loss !== undefined, lossSum, metrics, sums);
}

/** The mean loss (when there is one) and metrics over `n` examples. */
function means(
  n: number,
  hasLoss: boolean,
  lossSum: number,
  metrics: readonly Metric[],
  sums: readonly number[],
): Record<string, number> {
  const out: Record<string, number> = {};
  if (hasLoss) out.loss = lossSum / n;
  metrics.forEach((m, i) => {
    out[m.name] = sums[i] / n;
  });
  return out;
}

/**
 * The mean loss and metrics of a model on `{ x, y }`, in inference mode. The data is checked
 * against the model as in `fit`. On webgpu, whose data reads only asynchronously, it throws an
 * error pointing to `evaluateAsync`, which works on every backend.
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(10));
 * const [params, loss] = [model.init(tg.random.key(0)), tg.losses.sparseCategoricalCrossEntropy];
 * const test = { x: tg.zeros([10000, 784]), y: tg.zeros([10000], "i32") };
 * tg.train.evaluate(model, params, test, { loss, metrics: ["accuracy"] }); // { loss, accuracy }, e.g. { loss: 0.08, accuracy: 0.976 } once trained on MNIST
 * ```
 */
export function evaluate<
  I extends Shape,
  O extends Shape,
  P,
  St,
  X extends AnyTensor,
  Y extends AnyTensor,
>(
  model: Trainable<I, O, P, St>,
  params: P,
  data: TrainData<"evaluate", I, X, Y>,
  opts: EvaluateOptions<St, O, Y> = {},
): Record<string, number> {
  return evaluateWith(...evaluateArgs(model, params, data, opts));
}

/**
 * `evaluate` on any backend, including webgpu (whose data reads only asynchronously): the same
 * mean loss and metrics, as a promise. On wasm it gives `evaluate`'s numbers exactly.
 * @example
 * ```ts
 * await tg.useBackend("webgpu");
 * const model = tg.nn.sequential([784], tg.nn.dense(10));
 * const [params, loss] = [model.init(tg.random.key(0)), tg.losses.sparseCategoricalCrossEntropy];
 * const test = { x: tg.zeros([10000, 784]), y: tg.zeros([10000], "i32") };
 * await tg.train.evaluateAsync(model, params, test, { loss, metrics: ["accuracy"] }); // { loss, accuracy }
 * ```
 */
export async function evaluateAsync<
  I extends Shape,
  O extends Shape,
  P,
  St,
  X extends AnyTensor,
  Y extends AnyTensor,
>(
  model: Trainable<I, O, P, St>,
  params: P,
  data: TrainData<"evaluate", I, X, Y>,
  opts: EvaluateOptions<St, O, Y> = {},
): Promise<Record<string, number>> {
  return evaluateWithAsync(...evaluateArgs(model, params, data, opts));
}

/** `evaluate`'s options resolved into `evaluateWith`'s arguments (shared by `evaluateAsync`). */
function evaluateArgs(
  model: Trainable<any, any, any, any>,
  params: unknown,
  data: XY,
  opts: EvaluateOptions<any, any, any>,
): Parameters<typeof evaluateWith> {
  const metrics = (opts.metrics ?? []).map(toMetric);
  if (!opts.loss && metrics.length === 0)
    throw new TypeError("evaluate: give a loss or at least one metric");
  return [
    model,
    params,
    opts.state ?? model.initState(),
    data,
    opts.loss as LossFn | undefined,
    metrics,
    opts.batchSize ?? 256,
  ];
}

/**
 * The model's outputs for every row of `x`, computed in batches in inference mode: `x` must be
 * `[examples, ...inputShape]` (otherwise a `ShapeMismatch` names both shapes), and the result is
 * `[examples, ...outputShape]`. Nothing is read back: each batch's outputs are copied into the
 * result on the backend that computed them, so on webgpu the result stays on the GPU (read it
 * with `await logits.data()`, as `jax.Array`s are read with `np.asarray`).
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(10));
 * const [params, test] = [model.init(tg.random.key(0)), { x: tg.zeros([10000, 784]) }];
 * const logits = tg.train.predict(model, params, test.x); // Tensor<[10000, 10]>
 * ```
 */
export function predict<I extends Shape, O extends Shape, P, St, X extends AnyTensor>(
  model: Trainable<I, O, P, St>,
  params: P,
  x: X & NoInfer<InputCheck<"predict", I, X>>,
  opts: { batchSize?: number; state?: St } = {},
): Tensor<[BatchSizeOf<X>, ...O], "f32"> {
  const n = x.shape[0];
  const state = opts.state ?? model.initState();
  const step = predictStep(model);
  let out: { backend: Backend; buf: Buf; shape: number[]; dtype: DType } | null = null;
  let at = 0;
  for (const order of batchIndices(null, n, opts.batchSize ?? 256)) {
    const idx = indexTensor(order);
    const y = step(params, state, x, idx) as T;
    idx.dispose();
    const { backend, buf } = y._concrete("predict");
    if (!out) {
      // the result lives where the first batch was computed (every batch runs on that backend)
      const shape = [n, ...y.shape.slice(1)];
      const size = n * (y.size / order.length);
      out = { backend, buf: backend.allocUninit(y.dtype, size), shape, dtype: y.dtype };
    }
    if (y.size > 0) out.backend.copy(buf, 0, ONE, out.buf, at, ONE, [y.size]);
    at += y.size;
    y.dispose();
  }
  if (!out) return constant(new Float32Array(0), [0, ...model.outputShape], "f32") as never;
  return new Tensor(out.shape, out.dtype, new Storage(out.backend, out.buf), null) as never;
}

const ONE = [1];

const predictSteps = new WeakMap<object, (...a: any[]) => any>();
function predictStep(model: Trainable<any, any, any, any>) {
  let f = predictSteps.get(model);
  if (!f) {
    f = jit(
      (params: unknown, state: unknown, x: T, idx: T) =>
        model.forward(params, gather(x, idx, 0) as never, { state }).y,
    );
    predictSteps.set(model, f);
  }
  return f;
}
