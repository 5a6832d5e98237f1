/**
 * The Layer: a pair of pure functions. `init` makes parameters from a random key; `apply` maps
 * parameters and a batch of inputs to a batch of outputs. The leading batch dimension `B` stays
 * polymorphic. Layers that carry state (batch-norm statistics) take it and return it explicitly
 * through `forward`.
 *
 * @example
 * ```ts
 * const layer = tg.nn.dense(784, 10);            // Layer<[784], [10], { w: Tensor<[784, 10]>, b: Tensor<[10]> }>
 * const params = layer.init(tg.random.key(0));
 * const x = tg.zeros([32, 784]);
 * const y = layer.apply(params, x);              // x: Tensor<[32, 784]> → Tensor<[32, 10]>
 * ```
 * @module
 */
import type { Key } from "../random/index.js";
import type { Shape, Tensor } from "../tensor/tensor.js";

/** Options of `apply`: inference by default; training mode needs a key for dropout and noise. */
export interface ApplyOptions {
  /** Training mode: dropout and noise active, batch norm uses batch statistics. Default false. */
  training?: boolean;
  /** The random key for dropout and noise in training mode. */
  key?: Key;
}

/** Options of `forward`: `apply`'s options plus the layer state. */
export interface ForwardOptions<St> extends ApplyOptions {
  /** The state (for example batch-norm running averages), as `initState` made it or `forward` returned it. */
  state?: St;
}

/**
 * A layer from per-example input shape `I` to per-example output shape `O`, with parameters `P`
 * and state `St` (an empty record for stateless layers).
 */
export interface Layer<I extends Shape, O extends Shape, P = unknown, St = {}> {
  /** Human-readable name, for summaries and error messages. */
  readonly name: string;
  /** Per-example input shape (numbers known at build time; may contain `number`). */
  readonly inputShape: I;
  /** Per-example output shape. */
  readonly outputShape: O;
  /**
   * Settings that the parameters do not hold, such as a normalization's `epsilon` or a dense
   * layer's `useBias` (what Keras's `get_config` gives); absent when there are none.
   */
  readonly config?: Readonly<Record<string, number | string | boolean>>;
  /** A composite's layers (`serial`, `residual`, `parallel`…), one per entry of its parameter tuple. */
  readonly layers?: readonly Layer<any, any, any, any>[];
  /** Fresh parameters. */
  init(key: Key): P;
  /** Fresh state (running statistics); `{}` for stateless layers. */
  initState(): St;
  /** Outputs for a batch of inputs (state, if any, read from `opts.state` or the initial state). */
  apply<B extends number>(
    params: P,
    x: Tensor<readonly [B, ...I], any>,
    opts?: ForwardOptions<St>,
  ): Tensor<[B, ...O], "f32">;
  /** Outputs and the updated state: what a training step uses for stateful layers. */
  forward<B extends number>(
    params: P,
    x: Tensor<readonly [B, ...I], any>,
    opts?: ForwardOptions<St>,
  ): { y: Tensor<[B, ...O], "f32">; state: St };
}

/** Any layer. */
export type AnyLayer = Layer<any, any, any, any>;
