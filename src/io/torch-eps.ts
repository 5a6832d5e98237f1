/**
 * The epsilon of normalization layers across the PyTorch boundary. A state_dict holds weights
 * only; `eps` is an argument of PyTorch's `BatchNorm*d` and `LayerNorm` (default 1e-5), and
 * `epsilon` an option of typegrad's `batchNorm` and `layerNorm` (default 1e-3, as Keras). A
 * mismatch changes every output a little, and nothing else would notice it, so `loadTorch`
 * compares the two and `saveTorch` records typegrad's in the file's `__metadata__`, as
 * `"<module>.eps"` (the PyTorch module's attribute).
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(8), tg.nn.layerNorm({ epsilon: 1e-5 }));
 * normLayers(model); // [{ path: "1", name: "layerNorm", epsilon: 1e-5 }]
 * ```
 * @module
 */
import type { AnyLayer } from "../nn/layer.js";

/** PyTorch's default `eps` of `BatchNorm*d` and `LayerNorm`. */
export const TORCH_EPS = 1e-5;

/** A normalization layer of a typegrad model, at its path in the parameter tree. */
export interface NormLayer {
  readonly path: string;
  readonly name: string;
  readonly epsilon: number;
}

/**
 * The layers of `model` whose config holds an `epsilon`, with their parameter paths (a
 * composite's layer `i` is at `<path>.i`, as in its parameter tuple).
 * @example
 * ```ts
 * normLayers(tg.nn.sequential([3], tg.nn.batchNorm())); // [{ path: "0", name: "batchNorm", epsilon: 1e-3 }]
 * ```
 */
export function normLayers(model: AnyLayer, path = "", out: NormLayer[] = []): NormLayer[] {
  if (model.layers)
    model.layers.forEach((m, i) => normLayers(m, path ? `${path}.${i}` : String(i), out));
  else if (typeof model.config?.epsilon === "number")
    out.push({ path, name: model.name, epsilon: model.config.epsilon });
  return out;
}

/**
 * The normalization layer for a tree path: the one whose path is the longest ending of it (so a
 * `{ params, state }` tree finds layer `1` at `params.1` and at `state.1`).
 * @example
 * ```ts
 * normAt([{ path: "1", name: "batchNorm", epsilon: 1e-5 }], "state.1")?.epsilon; // 1e-5
 * ```
 */
export function normAt(layers: readonly NormLayer[], path: string): NormLayer | undefined {
  let best: NormLayer | undefined;
  for (const l of layers)
    if (l.path === "" || path === l.path || path.endsWith(`.${l.path}`))
      if (!best || l.path.length > best.path.length) best = l;
  return best;
}

/**
 * The `__metadata__` key that records a PyTorch module's `eps`.
 * @example
 * ```ts
 * epsKey("features.1"); // "features.1.eps"
 * ```
 */
export const epsKey = (module: string): string => (module ? `${module}.eps` : "eps");

/** Two epsilons that are the same number (up to the text round trip of the metadata). */
export const sameEps = (a: number, b: number): boolean =>
  Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/**
 * An epsilon as people write it (`1e-5`), for messages.
 * @example
 * ```ts
 * fmtEps(0.001); // "1e-3"
 * ```
 */
export const fmtEps = (eps: number): string => eps.toExponential();
