/**
 * The history of a fit: one list per log (`loss`, metrics, `valLoss`…), one entry per epoch.
 * @module
 */

/**
 * Per-epoch logs, Keras's `history.history`: `history.loss[e]` is the mean training loss of epoch
 * `e`; metrics and validation logs (`valLoss`, `valAccuracy`) sit beside it.
 * @example
 * ```ts
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
 * appendLogs(history, { loss: 0.3, accuracy: 0.9 });
 * ```
 */
export function appendLogs(h: History, logs: Readonly<Record<string, number>>): void {
  const rec = h as Record<string, number[] | undefined>;
  for (const [k, v] of Object.entries(logs)) (rec[k] ??= []).push(v);
}
