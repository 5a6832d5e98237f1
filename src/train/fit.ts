/**
 * `fit`: the training loop. Each step — gathering the batch, the forward pass, the loss, the
 * backward pass, the optimizer update and the batch metrics — is one jitted program whose
 * parameter, optimizer-state, layer-state and key buffers are donated, so it updates them in place.
 * @module
 */
import type { Optimizer } from "../optim/types.js";
import { getBackend, setBackend } from "../backend/registry.js";
import { constant } from "../prims/constants.js";
import { gather } from "../prims/indexing.js";
import { add, stopGradient } from "../prims/elementwise.js";
import { foldIn, type Key, key as makeKey, split } from "../random/index.js";
import type { AnyTensor, AnyTensor as T, Shape } from "../tensor/tensor.js";
import { tidy } from "../tensor/tidy.js";
import { valueAndGrad } from "../transforms/grad.js";
import { jit } from "../transforms/jit.js";
import type { Callback, EpochLogs, FitContext } from "./callbacks.js";
import {
  batchIndices,
  batchIndicesAsync,
  copyTree,
  exampleCount,
  indexTensor,
  splitTail,
  type XY,
} from "./data.js";
import type { LossFor, Trainable, TrainData, ValidationData } from "./data-types.js";
import { evaluateWithAsync, type LossFn } from "./evaluate.js";
import { appendLogs, emptyHistory, type History } from "./history.js";
import { type MetricLike, toMetric, valKey } from "./metrics.js";
import { defaultSink, EpochProgress, type ProgressSink } from "./progress.js";
import { readsSync, scalarsAsync } from "./read.js";

/**
 * Options of `fit`, for a model with parameters `P`, state `St`, input shape `I` and output
 * shape `O`, trained on labels of type `Y`.
 */
export interface FitOptions<
  P = any,
  St = any,
  I extends Shape = any,
  O extends Shape = any,
  Y = any,
> {
  /**
   * The loss of a batch of predictions `Tensor<[number, ...O], "f32">` and labels (the shape and
   * dtype of `y`), a scalar: the batch mean.
   */
  loss: LossFor<O, Y>;
  /** The optimizer. */
  optimizer: Optimizer<any>;
  /** Passes over the training data (default 1). */
  epochs?: number;
  /** Examples per step (default 32). */
  batchSize?: number;
  /** The key that shuffles the batches and drives dropout (default `tg.random.key(0)`). */
  key?: Key;
  /** Shuffle the examples each epoch (default true). */
  shuffle?: boolean;
  /** Drop the last, smaller batch of each epoch (default false). */
  dropRemainder?: boolean;
  /** Data evaluated after each epoch (`valLoss`, `valAccuracy`…). */
  validation?: ValidationData<I, Y>;
  /** Hold out this last fraction of the training data for validation instead. */
  validationSplit?: number;
  /** Batch size for validation (default max(batchSize, 256)). */
  validationBatchSize?: number;
  /** Metrics computed on each batch and on validation data: `["accuracy"]`. */
  metrics?: readonly MetricLike[];
  /** Callbacks, such as `earlyStopping`. */
  callbacks?: readonly Callback<P, St>[];
  /** Called after each epoch: the same as an `onEpochEnd` callback. */
  onEpochEnd?: (epoch: number, logs: EpochLogs, ctx: FitContext<P, St>) => void | Promise<void>;
  /**
   * A per-batch transform run eagerly on each gathered training batch before the step, such as
   * data augmentation: `(x, y, key) => [tg.data.augment(key, x, { shift: 2 }), y]`. Its key is
   * new for every batch (derived from `key`); validation data is never transformed. It runs in a
   * `tg.tidy` scope: tensors it makes and does not return are freed at once, and `fit` frees the
   * batch and what the transform returned after the step.
   */
  augment?: (x: T, y: T, key: Key) => readonly [T, T];
  /** A penalty on the parameters added to the loss (for example `tg.nn.l2`). */
  regularizer?: (params: P) => T;
  /** Progress: a bar on a terminal and one line per epoch otherwise (default true); false is silent. */
  progress?: boolean;
  /** Where progress goes (default `process.stdout`). */
  output?: ProgressSink;
  /** The initial layer state (default `model.initState()`). */
  state?: St;
  /** The initial optimizer state (default `optimizer.init(params)`), to resume training. */
  optState?: unknown;
}

/** What `fit` returns: the trained parameters, layer state and optimizer state, and the history. */
export interface FitResult<P, St> {
  params: P;
  state: St;
  optState: unknown;
  history: History;
  /** Epochs actually run (fewer than asked when a callback stopped training). */
  epochs: number;
  /** The loss of every training step, in order (for a finer curve than the per-epoch history). */
  stepLoss: number[];
  /** Training samples per second over all epochs (steps only, without validation). */
  samplesPerSecond: number;
}

/**
 * Trains `model` from `params` on `{ x, y }` by mini-batch gradient descent, Keras-style.
 * Inputs are never modified: `fit` works on its own copies, donated to the jitted step.
 *
 * The types follow the model: `x` must be `[examples, ...inputShape]` (otherwise a
 * `ShapeMismatch` names both shapes), `y` must have as many examples, and the loss receives the
 * predictions `Tensor<[number, ...outputShape], "f32">` and the labels with `y`'s dtype and
 * per-example shape.
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(128), tg.nn.relu, tg.nn.dense(10));
 * const params = model.init(tg.random.key(0));
 * const train = { x: tg.zeros([1000, 784]), y: tg.zeros([1000], "i32") };
 * const test = { x: tg.zeros([200, 784]), y: tg.zeros([200], "i32") };
 * const { params: trained, history } = await tg.train.fit(model, params, train, {
 *   loss: (p, y) => tg.losses.sparseCategoricalCrossEntropy(p, y, { fromLogits: true }),
 *   optimizer: tg.optim.adam({ lr: 1e-3 }), epochs: 5, batchSize: 128,
 *   validation: test, metrics: ["accuracy"], key: tg.random.key(1),
 *   callbacks: [tg.train.earlyStopping({ patience: 2 })],
 * });
 * ```
 */
export async function fit<
  I extends Shape,
  O extends Shape,
  P,
  St,
  X extends AnyTensor,
  Y extends AnyTensor,
>(
  model: Trainable<I, O, P, St>,
  params: P,
  data: TrainData<"fit", I, X, Y>,
  options: FitOptions<P, St, I, O, Y>,
): Promise<FitResult<P, St>> {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (typeof options.loss !== "function")
    throw new TypeError("fit: options.loss must be a function (pred, y) → scalar");
  if (!options.optimizer || typeof options.optimizer.update !== "function")
    throw new TypeError("fit: options.optimizer must be an optimizer");
  let train: XY = data;
  let validation: XY | undefined = options.validation;
  if (options.validationSplit !== undefined) {
    if (validation) throw new Error("fit: give either validation or validationSplit, not both");
    [train, validation] = splitTail(data, options.validationSplit);
  }
  const n = exampleCount("fit", train);
  if (n === 0) throw new RangeError("fit: the training data has no examples");
  if (validation) exampleCount("fit (validation)", validation);
  const metrics = (options.metrics ?? []).map(toMetric);
  const { loss, optimizer, regularizer } = options;
  const sink = options.output ?? defaultSink();
  const showProgress = options.progress ?? true;

  // own copies: the step donates them
  let p = copyTree(params);
  let st = copyTree(options.state ?? model.initState());
  let opt = options.optState ? copyTree(options.optState) : optimizer.init(p);
  const [k0, kShuffle] = split(options.key ?? keyZero());
  let stepKey: Key = k0;

  const step = jit(
    (pp: P, os: unknown, ls: St, key: Key, x: T, y: T, idx: T) => {
      const xb = gather(x, idx, 0);
      const yb = gather(y, idx, 0);
      const [kStep, kNext] = split(key);
      const objective = (q: P) => {
        const out = model.forward(q, xb as never, { training: true, key: kStep, state: ls });
        let l: T = (loss as LossFn)(out.y, yb);
        if (regularizer) l = addScalar(l, regularizer(q));
        return [l, { pred: out.y as T, state: out.state }] as const;
      };
      const [[l, aux], grads] = valueAndGrad(objective, { hasAux: true })(pp);
      const upd = optimizer.update(grads as P, os, pp);
      const pred = stopGradient(aux.pred);
      return {
        params: upd.params,
        opt: upd.state,
        state: aux.state,
        key: kNext,
        loss: l,
        sums: metrics.map((m) => m.sum(pred, yb)),
      };
    },
    { donate: [0, 1, 2, 3] },
  );

  // augment: gather the batch eagerly, transform it, then run the same step on it whole
  const kAugment = foldIn(kShuffle, -1);
  // On a backend that cannot read synchronously (webgpu) the batch is read back first and the
  // transform runs on the host (reference backend), as `data.augment` reads its images; the
  // jitted step then copies the transformed batch to the device.
  const augmentedStep = async (fn: NonNullable<FitOptions["augment"]>, k: Key, idx: T) => {
    let xb = gather(train.x, idx, 0);
    let yb = gather(train.y, idx, 0);
    let xa: T;
    let ya: T;
    if (readsSync(xb) && readsSync(yb)) {
      [xa, ya] = tidy(() => fn(xb, yb, k));
    } else {
      const [xd, yd] = await Promise.all([xb.data(), yb.data()]);
      xb.dispose();
      yb.dispose();
      const device = getBackend();
      setBackend("reference");
      try {
        xb = constant(xd, [...xb.shape], xb.dtype);
        yb = constant(yd, [...yb.shape], yb.dtype);
        [xa, ya] = tidy(() => fn(xb, yb, k));
      } finally {
        setBackend(device);
      }
    }
    const all = indexTensor(Int32Array.from({ length: idx.shape[0] }, (_, i) => i));
    const r = step(p, opt, st, stepKey, xa, ya, all);
    for (const t of new Set([k, all, xb, yb, xa, ya])) t.dispose();
    return r;
  };

  const history = emptyHistory();
  const ctx: FitContext<P, St> = { params: p, state: st, stop: false, history, epochs };
  const callbacks: Callback<P, St>[] = [...(options.callbacks ?? [])];
  if (options.onEpochEnd) callbacks.push({ onEpochEnd: options.onEpochEnd });
  for (const c of callbacks) c.onTrainBegin?.(ctx);
  let ran = 0;
  const stepLoss: number[] = [];
  let trainSeconds = 0;
  let trainSamples = 0;
  for (let epoch = 0; epoch < epochs && !ctx.stop; epoch++) {
    const shuffleKey = options.shuffle === false ? null : foldIn(kShuffle, epoch);
    const order =
      shuffleKey !== null && !readsSync(shuffleKey)
        ? await batchIndicesAsync(shuffleKey, n, batchSize, options.dropRemainder)
        : batchIndices(shuffleKey, n, batchSize, options.dropRemainder);
    const bar = showProgress ? new EpochProgress(sink, epoch + 1, epochs, order.length) : null;
    const t0 = performance.now();
    let lossSum = 0;
    let seen = 0;
    const sums = metrics.map(() => 0);
    // a step's loss and metric sums, added in step order (on every backend the same sums)
    const account = (b: number, lv: number, ms: readonly number[]) => {
      const bs = order[b].length;
      stepLoss.push(lv);
      lossSum += lv * bs;
      ms.forEach((v, i) => {
        sums[i] += v;
      });
      seen += bs;
      bar?.tick(b + 1, bs, runningLogs(lossSum, sums, seen, metrics));
    };
    // webgpu: the read-backs of the last steps, oldest first (see READS_IN_FLIGHT)
    const reads: { b: number; values: Promise<number[]> }[] = [];
    const settleOldest = async () => {
      const r = reads.shift() as (typeof reads)[number];
      const [lv, ...ms] = await r.values;
      account(r.b, lv, ms);
    };
    try {
      for (let b = 0; b < order.length; b++) {
        const idx = indexTensor(order[b]);
        const r = options.augment
          ? await augmentedStep(options.augment, foldIn(kAugment, ran * order.length + b), idx)
          : step(p, opt, st, stepKey, train.x, train.y, idx);
        idx.dispose();
        p = r.params;
        opt = r.opt;
        st = r.state;
        stepKey = r.key;
        const scalars: T[] = [r.loss, ...r.sums];
        if (readsSync(r.loss)) {
          account(
            b,
            r.loss.item(),
            r.sums.map((s: T) => s.item()),
          );
          for (const t of scalars) t.dispose();
        } else {
          // webgpu: the loss and metric sums in one asynchronous read-back, requested now (it
          // copies them right after this step's kernels) and awaited once later steps are recorded
          const values = scalarsAsync(scalars).finally(() => {
            for (const t of scalars) t.dispose();
          });
          values.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
          reads.push({ b, values });
          if (reads.length >= READS_IN_FLIGHT) await settleOldest();
        }
      }
      while (reads.length > 0) await settleOldest();
    } finally {
      // a failed read: the later ones are still awaited (their tensors then freed), not left dangling
      await Promise.allSettled(reads.map((r) => r.values));
    }
    trainSeconds += (performance.now() - t0) / 1000;
    trainSamples += seen;
    const logs: Record<string, number> = runningLogs(lossSum, sums, seen, metrics);
    if (validation) {
      const v = await evaluateWithAsync(
        model,
        p,
        st,
        validation,
        loss as LossFn,
        metrics,
        options.validationBatchSize ?? Math.max(batchSize, 256),
      );
      for (const [k, val] of Object.entries(v)) logs[valKey(k)] = val;
    }
    appendLogs(history, logs);
    bar?.done(logs);
    ran++;
    ctx.params = p;
    ctx.state = st;
    for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, ctx);
    if (ctx.params !== p) p = copyTree(ctx.params);
    if (ctx.state !== st) st = copyTree(ctx.state);
  }
  ctx.params = p;
  ctx.state = st;
  for (const c of callbacks) c.onTrainEnd?.(ctx);
  stepKey.dispose();
  kAugment.dispose();
  return {
    params: ctx.params,
    state: ctx.state,
    optState: opt,
    history,
    epochs: ran,
    stepLoss,
    samplesPerSecond: trainSamples / Math.max(trainSeconds, 1e-9),
  };
}

function runningLogs(
  lossSum: number,
  sums: number[],
  seen: number,
  metrics: { name: string }[],
): Record<string, number> {
  const logs: Record<string, number> = { loss: lossSum / Math.max(seen, 1) };
  metrics.forEach((m, i) => {
    logs[m.name] = sums[i] / Math.max(seen, 1);
  });
  return logs;
}

/**
 * Read-backs of step results kept in flight on backends that read asynchronously (webgpu): the
 * loop records step b+1 before it waits for step b's loss, so the host records the next step
 * while the device runs the last one; 2 keeps one step's results pending while the next is
 * recorded. The results are accounted in step order, so the sums are those of reading each step
 * at once.
 */
const READS_IN_FLIGHT = 2;

const addScalar = (a: T, b: T): T => add(a, b);
const keyZero = (): Key => makeKey(0);
