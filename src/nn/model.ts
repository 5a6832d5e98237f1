/**
 * Models and layer specs: the two things `serial` and `sequential` compose.
 *
 * - A `Model` is a `Layer` (see `layer.ts`) whose input shape is known, with an `apply` that also
 *   has a curried form for `pipe`.
 * - A `LayerSpec` is a layer that still needs its input shape, such as `dense(10)`, `conv2d(32, 3)`
 *   or an activation. It carries a type-level function (`ShapeFn`) from the input shape to the
 *   layer it builds, so `sequential` infers every size at compile time, as Keras does at build time.
 *
 * @example
 * ```ts
 * const spec = tg.nn.dense(10);                      // LayerSpec: input size still open
 * const layer = tg.nn.build(spec, [784]);            // Model<[784], [10], { w: Tensor<[784, 10]>; b: Tensor<[10]> }>
 * import { pipe } from "fp-ts/lib/function.js";
 * const x = tg.zeros([32, 784]);
 * const y = pipe(x, layer.apply(layer.init(tg.random.key(0)))); // Tensor<[32, 10]>
 * ```
 * @module
 */
import { withSource } from "../ir/source.js";
import { sameShape } from "../prims/shapes.js";
import type { Key } from "../random/index.js";
import type { ShapeMismatch } from "../shape/dims.js";
import { ShapeError } from "../shape/errors.js";
import type { DType } from "../shape/dtype.js";
import { type AnyTensor, type Shape, Tensor } from "../tensor/tensor.js";
import type { ForwardOptions, Layer } from "./layer.js";
import type { BatchSizeOf, InputCheck, IsBatch } from "./model-types.js";

// ─── types ────────────────────────────────────────────────────────────────────────────────

/**
 * A layer with a known input shape. Its `apply` has two forms: `apply(params, x, opts?)`, and
 * `apply(params, opts?)`, which returns `x => y` for fp-ts `pipe`.
 * @example
 * ```ts
 * const m: tg.nn.Model<[784], [10], tg.nn.DenseParams<784, 10>> = tg.nn.dense(784, 10);
 * ```
 */
export interface Model<I extends Shape, O extends Shape, P = {}, St = {}>
  extends Omit<Layer<I, O, P, St>, "apply"> {
  /** Tells a built layer from a spec. */
  readonly kind: "layer";
  /**
   * Outputs for a batch `x` of shape `[B, ...I]`: `Tensor<[B, ...O], "f32">`. Without `x` (or
   * with options in its place) it is the curried form, for `pipe(x, model.apply(params))`. An `x`
   * of another shape is a `ShapeMismatch` naming the expected and the given shapes.
   */
  apply<X extends Tensor<Shape, DType> | ForwardOptions<St> | undefined = undefined>(
    params: P,
    x?: X & NoInfer<InputCheck<"apply", I, X>>,
    opts?: ForwardOptions<St>,
  ): IsBatch<X> extends true ? Tensor<[BatchSizeOf<X>, ...O], "f32"> : Curried<I, O>;
}

/**
 * The curried `apply(params, opts?)`: a function of a batch, for fp-ts `pipe`.
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(10));
 * const params = model.init(tg.random.key(0));
 * const f: tg.nn.Curried<[784], [10]> = model.apply(params);
 * ```
 */
export type Curried<I extends Shape, O extends Shape> = <B extends number>(
  x: Tensor<readonly [B, ...I], any>,
) => Tensor<[B, ...O], "f32">;

/** Any built model. */
export type AnyModel = Model<any, any, any, any>;

/**
 * A type-level function from an input shape to what a spec builds: a `Model`, or a
 * `ShapeMismatch` that names the layer and the sizes. Specs extend it and read `this["in"]`.
 * @example
 * ```ts
 * interface Same extends tg.nn.ShapeFn { out: tg.nn.Model<tg.nn.In<this>, tg.nn.In<this>> }
 * ```
 */
export interface ShapeFn {
  readonly in: unknown;
  readonly out: unknown;
}

/**
 * The input shape inside a `ShapeFn`: `In<this>` (written `In<this>` rather than `this["in"]` so
 * that it is a plain shape tuple).
 * @example
 * ```ts
 * interface Same extends tg.nn.ShapeFn { out: tg.nn.Model<tg.nn.In<this>, tg.nn.In<this>> }
 * ```
 */
export type In<F extends ShapeFn> = F["in"] extends infer S extends Shape ? Tup<S> : never;

/**
 * What spec `F` builds from input shape `I`.
 * @example
 * ```ts
 * type M = tg.nn.Call<tg.nn.DenseFn<10>, [784]>; // Model<[784], [10], DenseParams<784, 10>>
 * ```
 */
export type Call<F extends ShapeFn, I extends Shape> = (F & { readonly in: I })["out"];

/**
 * A layer that infers its input shape from the layer before it (at compile time through `F`, at
 * runtime through `build`).
 * @example
 * ```ts
 * const s: tg.nn.LayerSpec<tg.nn.DenseFn<10>> = tg.nn.dense(10);
 * ```
 */
export interface LayerSpec<F extends ShapeFn> {
  /** Tells a spec from a built layer. */
  readonly kind: "spec";
  /** The layer's name, for messages. */
  readonly name: string;
  /** The layer for per-example input shape `inputShape`; throws a `ShapeError` when it does not fit. */
  build(inputShape: Shape): AnyModel;
  /** Phantom (never set): the type-level shape function, which `LayerSpec<infer F>` reads. */
  readonly _fn?: F;
}

/** Any spec. */
export type AnySpec = LayerSpec<any>;

/** What `serial` and `sequential` accept: a built layer or a spec. */
export type LayerLike = AnyModel | AnySpec;

/** A shape as a plain mutable tuple (what hovers show). */
export type Tup<S extends Shape> = { -readonly [K in keyof S]: S[K] };

/** The layer a shape-preserving spec (activation, dropout…) builds. */
export interface IdentityFn extends ShapeFn {
  out: Model<In<this>, In<this>, {}, {}>;
}

// ─── constructors ───────────────────────────────────────────────────────────────────────

/** What a layer implementation provides; `layer` adds the rest. */
export interface LayerDef<P, St> {
  name: string;
  inputShape: Shape;
  outputShape: Shape;
  init?: (key: Key) => P;
  initState?: () => St;
  /** Settings the parameters do not hold (see `Layer.config`). */
  config?: Readonly<Record<string, number | string | boolean>>;
  /** A composite's layers, one per entry of its parameter tuple. */
  layers?: readonly Layer<any, any, any, any>[];
  /** The computation on a batch `x` of shape `[B, ...inputShape]`. */
  forward: (
    params: P,
    x: AnyTensor,
    opts: ForwardOptions<St> & { state: St },
  ) => { y: AnyTensor; state: St };
}

/**
 * Makes a `Model` from its definition: checks the input shape at runtime, fills in defaults and
 * the curried `apply`.
 * @example
 * ```ts
 * const double = tg.nn.layer({ name: "double", inputShape: [3], outputShape: [3],
 *   forward: (_p, x, { state }) => ({ y: tg.mul(x, 2), state }) });
 * ```
 */
export function layer<I extends Shape, O extends Shape, P = {}, St = {}>(
  def: LayerDef<P, St>,
): Model<I, O, P, St> {
  const initState = def.initState ?? (() => ({}) as St);
  const forward = (params: P, x: AnyTensor, opts: ForwardOptions<St> = {}) => {
    if (!(x instanceof Tensor)) throw new ShapeError(def.name, "the input must be a tensor");
    if (x.rank !== def.inputShape.length + 1 || !sameShape(x.shape.slice(1), def.inputShape)) {
      throw new ShapeError(
        def.name,
        `expects inputs [batch, ${def.inputShape.join(", ")}] but got [${x.shape.join(", ")}]`,
      );
    }
    const out = withSource(def.name, () =>
      def.forward(params, x, { ...opts, state: opts.state ?? initState() }),
    );
    const want = [x.shape[0], ...def.outputShape];
    if (!sameShape(out.y.shape, want)) {
      throw new ShapeError(
        def.name,
        `internal: produced [${out.y.shape.join(", ")}] instead of [${want.join(", ")}]`,
      );
    }
    return out;
  };
  function apply(params: P, xOrOpts?: unknown, opts?: ForwardOptions<St>): unknown {
    if (xOrOpts instanceof Tensor) return forward(params, xOrOpts, opts).y;
    const o = xOrOpts as ForwardOptions<St> | undefined;
    return (x: AnyTensor) => forward(params, x, o).y;
  }
  return {
    kind: "layer",
    name: def.name,
    inputShape: [...def.inputShape] as unknown as I,
    outputShape: [...def.outputShape] as unknown as O,
    init: def.init ?? (() => ({}) as P),
    initState,
    ...(def.config ? { config: def.config } : {}),
    ...(def.layers ? { layers: def.layers } : {}),
    apply: apply as Model<I, O, P, St>["apply"],
    forward: forward as unknown as Model<I, O, P, St>["forward"],
  };
}

/**
 * Makes a spec from a name and a builder of the layer for an input shape.
 * @example
 * ```ts
 * const double = tg.nn.spec<tg.nn.IdentityFn>("double", (s) => tg.nn.layer({ name: "double",
 *   inputShape: s, outputShape: s, forward: (_p, x, { state }) => ({ y: tg.mul(x, 2), state }) }));
 * ```
 */
export function spec<F extends ShapeFn>(
  name: string,
  build: (inputShape: Shape) => AnyModel,
): LayerSpec<F> {
  return { kind: "spec", name, build };
}

/**
 * Builds a spec (or checks a built layer) for per-example input shape `inputShape`.
 * @example
 * ```ts
 * const layer = tg.nn.build(tg.nn.dense(10), [784]); // Model<[784], [10], …>
 * ```
 */
export function build<const S extends Shape, L extends LayerLike>(
  l: L,
  inputShape: S,
): BuildResult<L, Tup<S>> {
  return buildAny(l, inputShape) as BuildResult<L, Tup<S>>;
}

/** @internal The untyped `build`. */
export function buildAny(l: LayerLike, inputShape: Shape): AnyModel {
  if (l.kind === "spec") return l.build(inputShape);
  if (!sameShape(l.inputShape, inputShape)) {
    throw new ShapeError(
      l.name,
      `takes inputs [${l.inputShape.join(", ")}] but is given [${inputShape.join(", ")}]`,
    );
  }
  return l;
}

/** The model a layer or spec gives for input shape `I` (or a `ShapeMismatch`). */
export type BuildResult<L, I extends Shape> = L extends LayerSpec<infer F> ? Call<F, I> : L;

/** A built spec's model type or the mismatch, as the chain uses it (internal to the layer types). */
export type Mismatch = ShapeMismatch<string>;
