/**
 * Callbacks of the fit loop: hooks called at the start and end of training and after each epoch,
 * with a context through which they can stop training or replace the parameters.
 * `earlyStopping` is one of them.
 * @module
 */
import { constant } from "../prims/constants.js";
import { flatten, unflatten } from "../transforms/pytree.js";
import { copyTree } from "./data.js";
import type { History } from "./history.js";
import { readsSync } from "./read.js";

/** What a callback sees and may change: set `stop`, or replace `params`/`state`. */
export interface FitContext<P = unknown, St = unknown> {
  /** The current parameters (the fit loop reads them back after callbacks). */
  params: P;
  /** The current layer state (batch-norm statistics…). */
  state: St;
  /** Set to true to stop after this epoch. */
  stop: boolean;
  /** The history so far. */
  readonly history: History;
  /** The total number of epochs asked for. */
  readonly epochs: number;
}

/** The logs of one epoch: `loss`, metrics, and `valLoss`/`val…` for validation data. */
export type EpochLogs = Readonly<Record<string, number>>;

/**
 * A fit-loop callback; every hook is optional.
 * @example
 * ```ts
 * const log: tg.train.Callback = { onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) };
 * ```
 */
export interface Callback<P = any, St = any> {
  /** Before the first epoch. */
  onTrainBegin?(ctx: FitContext<P, St>): void;
  /** After each epoch (0-based `epoch`), with its logs. */
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: FitContext<P, St>): void | Promise<void>;
  /** After the last epoch (or an early stop). */
  onTrainEnd?(ctx: FitContext<P, St>): void;
}

/**
 * A callback from a function called after each epoch.
 * @example
 * ```ts
 * tg.train.onEpochEnd((epoch, logs) => console.log(`epoch ${epoch}: ${logs.loss}`));
 * ```
 */
export function onEpochEnd<P = any, St = any>(
  fn: (epoch: number, logs: EpochLogs, ctx: FitContext<P, St>) => void | Promise<void>,
): Callback<P, St> {
  return { onEpochEnd: fn };
}

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** The log to watch (default `"valLoss"`, or `"loss"` when there is no validation data). */
  monitor?: string;
  /** Stop once this many epochs in a row have not improved (Keras's rule; default 0: at the first). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Whether smaller is better (`"min"`), larger (`"max"`), or guessed from the name (`"auto"`, default: max for accuracies). */
  mode?: "min" | "max" | "auto";
  /** At the end, put back the parameters of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/**
 * A copy of a tree (the training step donates its buffers, so a snapshot must own its data): on
 * the host where the data reads synchronously, else (webgpu) in new buffers on the device.
 */
function snapshot(tree: unknown): () => unknown {
  const [leaves, def] = flatten(tree);
  if (!leaves.every(readsSync)) {
    const kept = copyTree(tree);
    return () => copyTree(kept);
  }
  const copies = leaves.map((t) => ({
    data: t.dataSync().slice(),
    shape: [...t.shape],
    dtype: t.dtype,
  }));
  return () =>
    unflatten(
      def,
      copies.map((c) => constant(c.data, c.shape, c.dtype)),
    );
}

/**
 * Stops training when a monitored log stops improving for `patience` epochs, optionally restoring
 * the best epoch's parameters (and layer state) at the end.
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(3));
 * const [params, loss, optimizer] = [model.init(tg.random.key(0)), tg.losses.mse, tg.optim.adam({ lr: 1e-2 })];
 * const train = { x: tg.zeros([100, 4]), y: tg.zeros([100, 3]) };
 * const test = { x: tg.zeros([20, 4]), y: tg.zeros([20, 3]) };
 * await tg.train.fit(model, params, train, {
 *   loss, optimizer, epochs: 50, validation: test,
 *   callbacks: [tg.train.earlyStopping({ patience: 2, restoreBestWeights: true })],
 * });
 * ```
 */
export function earlyStopping(
  opts: EarlyStoppingOptions = {},
): Callback & { readonly stoppedEpoch: number | null; readonly bestEpoch: number | null } {
  const patience = opts.patience ?? 0;
  const minDelta = Math.abs(opts.minDelta ?? 0);
  let best = Number.NaN;
  let bestEpoch: number | null = null;
  let stoppedEpoch: number | null = null;
  let wait = 0;
  let restore: (() => unknown) | null = null;
  let monitor = "";
  let sign = 1;
  return {
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    get bestEpoch() {
      return bestEpoch;
    },
    onTrainBegin() {
      best = Number.NaN;
      bestEpoch = stoppedEpoch = null;
      wait = 0;
      restore = null;
    },
    onEpochEnd(epoch, logs, ctx) {
      if (!monitor) {
        monitor = opts.monitor ?? ("valLoss" in logs ? "valLoss" : "loss");
        const mode = opts.mode ?? "auto";
        sign =
          mode === "max" || (mode === "auto" && /acc|auc|precision|recall|f1/i.test(monitor))
            ? -1
            : 1;
      }
      const v = logs[monitor];
      if (v === undefined) {
        throw new Error(
          `earlyStopping: no log named "${monitor}"; the logs are ${Object.keys(logs).join(", ")}`,
        );
      }
      if (Number.isNaN(best) || sign * (v - best) < -minDelta) {
        best = v;
        bestEpoch = epoch;
        wait = 0;
        if (opts.restoreBestWeights) restore = snapshot([ctx.params, ctx.state]);
        return;
      }
      if (++wait >= patience) {
        ctx.stop = true;
        stoppedEpoch = epoch;
      }
    },
    onTrainEnd(ctx) {
      if (restore && bestEpoch !== null && bestEpoch !== ctx.history.loss.length - 1) {
        const [p, s] = restore() as [unknown, unknown];
        ctx.params = p;
        ctx.state = s;
      }
    },
  };
}
