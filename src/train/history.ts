/**
 * The history of a fit: one list per log (`loss`, metrics, `valLoss`…), one entry per epoch.
 * @module
 */

/**
 * Per-epoch logs, Keras's `history.history`: `history.loss[e]` is the mean training loss of epoch
 * `e`; metrics and validation logs (`valLoss`, `valAccuracy`) sit beside it.
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(1));
 * const [params, train] = [model.init(tg.random.key(0)), { x: tg.zeros([64, 4]), y: tg.zeros([64, 1]) }];
 * const opts = { loss: tg.losses.mse, optimizer: tg.optim.sgd({ lr: 0.1 }), epochs: 3 };
 * const { history } = await tg.train.fit(model, params, train, opts);
 * history.loss.at(-1); history.valAccuracy?.at(-1);
 * ```
 */
export type History = { readonly loss: number[] } & {
  readonly [log: string]: number[] | undefined;
};

/**
 * An empty history.
 * @example
 * ```ts
 * const h = emptyHistory(); appendLogs(h, { loss: 1 });
 * ```
 */
export function emptyHistory(): History {
  return { loss: [] };
}

/**
 * Appends one epoch's logs to a history.
 * @example
 * ```ts
 * const history: History = { loss: [0.5] };
 * appendLogs(history, { loss: 0.3, accuracy: 0.9 }); // { loss: [0.5, 0.3], accuracy: [0.9] }
 * ```
 */
export function appendLogs(h: History, logs: Readonly<Record<string, number>>): void {
  const rec = h as Record<string, number[] | undefined>;
  for (const [k, v] of Object.entries(logs)) (rec[k] ??= []).push(v);
}
