/**
 * The `embedding` lookup table: i32 token ids of any shape give vectors of a fixed size. Its
 * parameters do not depend on the input shape, so a bare `embedding(vocab, dim)` can be
 * initialized and applied on its own, besides being a spec inside `sequential`.
 *
 * @example
 * ```ts
 * const emb = tg.nn.embedding(1000, 16);
 * const params = emb.init(tg.random.key(0));                    // { table: Tensor<[1000, 16]> }
 * emb.apply(params, tg.tensor([[3, 1, 4]], "i32"));             // Tensor<[1, 3, 16]>
 * tg.nn.sequential([20], tg.nn.embedding(1000, 16), tg.nn.lstm(32)); // ids [B, 20] → [B, 32]
 * ```
 * @module
 */
import { gather } from "../prims/indexing.js";
import type { Key } from "../random/index.js";
import { uniform } from "../random/index.js";
import { DTypeError } from "../shape/errors.js";
import type { Shape, Tensor } from "../tensor/tensor.js";
import { type InitializerLike, initializerFn } from "./initializers.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";

/** The parameters of `embedding(vocab, dim)`: one row per token. */
export type EmbeddingParams<V extends number, D extends number> = { table: Tensor<[V, D]> };

/** What `embedding(vocab, dim)` builds: any shape of token ids `S` to `[...S, dim]`. */
export interface EmbeddingFn<V extends number, D extends number> extends ShapeFn {
  out: Model<In<this>, [...In<this>, D], EmbeddingParams<V, D>>;
}

/**
 * `embedding(vocab, dim)`: a spec for `sequential`, which also initializes and applies on its own
 * (its parameters do not depend on the input shape).
 * @example
 * ```ts
 * const emb: tg.nn.EmbeddingSpec<1000, 16> = tg.nn.embedding(1000, 16);
 * ```
 */
export interface EmbeddingSpec<V extends number, D extends number>
  extends LayerSpec<EmbeddingFn<V, D>> {
  /** A fresh table `[vocab, dim]`. */
  init(key: Key): EmbeddingParams<V, D>;
  /** No state: `{}`. */
  initState(): {};
  /** The rows of the table for i32 ids of any shape `S`: `[...S, dim]`. */
  apply<S extends Shape>(params: EmbeddingParams<V, D>, ids: Tensor<S, "i32">): Tensor<[...S, D]>;
}

/**
 * A lookup table: i32 token ids of any shape `S` give `[...S, dim]` vectors (row `id` of the
 * table). Initialized uniform in ±0.05, as Keras.
 * @example
 * ```ts
 * const model = tg.nn.sequential([20], tg.nn.embedding(1000, 16), tg.nn.lstm(32)); // ids [B, 20] → [B, 32]
 * const emb = tg.nn.embedding(1000, 16);
 * emb.apply(emb.init(tg.random.key(0)), tg.tensor([2, 7], "i32")); // Tensor<[2, 16]>
 * ```
 */
export function embedding<const V extends number, const D extends number>(
  vocab: V,
  dim: D,
  opts: { initializer?: InitializerLike } = {},
): EmbeddingSpec<V, D> {
  const name = `embedding(${vocab}, ${dim})`;
  const initTable = initializerFn(opts.initializer, (k, s, dt) =>
    uniform(k, s, { min: -0.05, max: 0.05, dtype: dt }),
  );
  const init = (key: Key) => ({ table: initTable(key, [vocab, dim]) }) as EmbeddingParams<V, D>;
  const lookup = (p: EmbeddingParams<V, D>, ids: Tensor<Shape, any>) => {
    if (ids.dtype !== "i32") throw new DTypeError(name, `token ids must be i32, got ${ids.dtype}`);
    return gather(p.table, ids, 0);
  };
  const s = spec<EmbeddingFn<V, D>>(name, (shape: Shape) =>
    layer({
      name,
      inputShape: shape,
      outputShape: [...shape, dim],
      init,
      forward: (p: EmbeddingParams<V, D>, x, { state }) => ({ y: lookup(p, x), state }),
    }),
  );
  return {
    ...s,
    init,
    initState: () => ({}),
    apply: ((p: EmbeddingParams<V, D>, ids: Tensor<Shape, any>) => lookup(p, ids)) as EmbeddingSpec<
      V,
      D
    >["apply"],
  };
}
