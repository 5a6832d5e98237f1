/**
 * `serial` and `sequential`: layers in a row, checked at compile time. Each layer's output shape
 * must fit the next layer's input; specs such as `dense(10)` take their input size from the layer
 * before them. A mismatch is a compile error on the offending layer that names it and the sizes.
 *
 * @example
 * ```ts
 * const model = tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dense(128, 10)); // Model<[784], [10], …>
 * // @ts-expect-error: the layers do not fit
 * tg.nn.serial(tg.nn.dense(784, 128), tg.nn.dense(64, 10));
 * //                                   ~~~~~~~~~~~~~~~~~~ error: "serial: layer 2 takes [64] but layer 1 gives [128]"
 * ```
 * @module
 */
import { withSource } from "../ir/source.js";
import type { Key } from "../random/index.js";
import { split } from "../random/index.js";
import type { Fmt, Same, ShapeMismatch } from "../shape/dims.js";
import { ShapeError } from "../shape/errors.js";
import type { Shape } from "../tensor/tensor.js";
import type { ForwardOptions } from "./layer.js";
import {
  type AnyModel,
  buildAny,
  type Call,
  type LayerLike,
  type LayerSpec,
  layer,
  type Model,
  type Tup,
} from "./model.js";

// ─── type-level chain ─────────────────────────────────────────────────────────────────────

/** Whether two sizes may be equal (literal = literal, or either unknown). */
type DimFits<A, B> =
  Same<A, B> extends true ? true : number extends A ? true : number extends B ? true : false;

/**
 * Whether a produced shape fits an expected one: same rank and every size fits. An unknown rank
 * fits anything (checked at runtime).
 * @example
 * ```ts
 * type T = tg.nn.ShapeFits<[2, 3], [2, number]>; // true
 * ```
 */
export type ShapeFits<A extends Shape, B extends Shape> = number extends A["length"]
  ? true
  : number extends B["length"]
    ? true
    : A["length"] extends B["length"]
      ? FitsR<A, B>
      : false;
type FitsR<A extends Shape, B extends Shape> = A extends readonly [
  infer a,
  ...infer AR extends Shape,
]
  ? B extends readonly [infer b, ...infer BR extends Shape]
    ? DimFits<a, b> extends true
      ? FitsR<AR, BR>
      : false
    : true
  : true;

/** The parts of a built model type: `[input, output, params, state]`. */
export type ModelParts<M> = M extends {
  kind: "layer";
  inputShape: infer I extends Shape;
  outputShape: infer O extends Shape;
  init(k: Key): infer P;
  initState(): infer S;
}
  ? [I, O, P, S]
  : never;

type Where<N extends unknown[]> = N["length"] extends 0
  ? "the input shape"
  : `layer ${N["length"]}`;

/** One step: what layer `H` (number `N.length + 1`) builds from the previous output `Prev`. */
type Step<
  Op extends string,
  Prev extends Shape,
  H,
  N extends unknown[],
> = number extends Prev["length"]
  ? UnknownRank<H>
  : H extends LayerSpec<infer F>
    ? Call<F, Prev> extends infer M
      ? M extends ShapeMismatch<infer E>
        ? ShapeMismatch<`${Op}: layer ${[...N, 0]["length"]}: ${E}`>
        : M
      : never
    : H extends { kind: "layer"; inputShape: infer I extends Shape }
      ? ShapeFits<Prev, I> extends true
        ? H
        : ShapeMismatch<`${Op}: layer ${[...N, 0]["length"]} takes ${Fmt<I>} but ${Where<N>} gives ${Fmt<Prev>}`>
      : ShapeMismatch<`${Op}: argument ${[...N, 0]["length"]} is not a layer`>;

/** After a shape of unknown rank, only the runtime can check: the output rank is unknown too. */
type UnknownRank<H> = H extends { kind: "layer"; outputShape: unknown }
  ? H
  : Model<number[], number[], H extends LayerSpec<any> ? any : never, any>;

/**
 * Runs the chain at the type level: `{ out, params, state }`, or `{ error, at }` for the first
 * layer that does not fit (`at` is its argument index).
 */
export type Chain<
  Op extends string,
  Prev extends Shape,
  L extends readonly unknown[],
  N extends unknown[] = [],
  P extends unknown[] = [],
  S extends unknown[] = [],
> = L extends readonly [infer H, ...infer R]
  ? Step<Op, Prev, H, N> extends infer M
    ? M extends ShapeMismatch<infer E>
      ? { error: E; at: N["length"] }
      : ModelParts<M> extends [any, infer O extends Shape, infer PP, infer SS]
        ? Chain<Op, O, R, [...N, 0], [...P, PP], [...S, SS]>
        : { error: `${Op}: layer ${[...N, 0]["length"]} is not a layer`; at: N["length"] }
    : never
  : { out: Prev; params: P; state: S };

/**
 * The arguments, with the mismatch (`{ error: "…" }`) intersected into the offending one, so that
 * tsc reports it on that argument with its message.
 */
export type ValidateChain<L extends readonly unknown[], C> = {
  [K in keyof L]: L[K] & NoInfer<ErrorAt<K, C>>;
};
type ErrorAt<K, C> = C extends { error: infer E extends string; at: infer A extends number }
  ? K extends `${A}`
    ? ShapeMismatch<E>
    : unknown
  : unknown;

/** The model a chain gives, from input shape `I`. */
export type ChainModel<I extends Shape, C> = C extends {
  out: infer O extends Shape;
  params: infer P;
  state: infer S;
}
  ? Model<Tup<I>, Tup<O>, P, S>
  : Model<Tup<I>, number[], unknown[], unknown[]>;

/** The input shape of the first layer of a list (what `serial` starts from). */
export type FirstInput<L> = L extends readonly [infer H, ...unknown[]]
  ? H extends { kind: "layer"; inputShape: infer I extends Shape }
    ? I
    : never
  : never;

// ─── runtime ────────────────────────────────────────────────────────────────────────────

/** @internal Composes built models into one whose params and state are tuples, one entry per layer. */
export function chainModels(name: string, inputShape: Shape, models: AnyModel[]): AnyModel {
  const outputShape = models.length ? models[models.length - 1].outputShape : inputShape;
  return layer<any, any, unknown[], unknown[]>({
    name,
    inputShape,
    outputShape,
    layers: models,
    init: (key) => {
      const keys = models.length > 1 ? split(key, models.length) : [key];
      return models.map((m, i) => m.init(keys[i]));
    },
    initState: () => models.map((m) => m.initState()),
    forward: (params, x, opts) => {
      const keys =
        opts.training && opts.key && models.length > 1 ? split(opts.key, models.length) : null;
      const state: unknown[] = [];
      let y = x;
      models.forEach((m, i) => {
        const o: ForwardOptions<unknown> = {
          training: opts.training,
          key: keys ? keys[i] : opts.key,
          state: opts.state?.[i],
        };
        const r = withSource(`layer ${i}`, () => m.forward(params[i], y, o));
        y = r.y;
        state.push(r.state);
      });
      return { y, state };
    },
  });
}

/** @internal Builds each layer from the previous output shape, at runtime. */
export function buildChain(
  op: string,
  inputShape: Shape,
  layers: readonly LayerLike[],
): AnyModel[] {
  const models: AnyModel[] = [];
  let shape = inputShape;
  layers.forEach((l, i) => {
    if (!l || (l.kind !== "spec" && l.kind !== "layer"))
      throw new ShapeError(op, `argument ${i + 1} is not a layer`);
    try {
      const m = buildAny(l, shape);
      models.push(m);
      shape = m.outputShape;
    } catch (e) {
      if (e instanceof ShapeError)
        throw new ShapeError(op, `layer ${i + 1} (${l.name}): ${e.message}`);
      throw e;
    }
  });
  return models;
}

/**
 * Composes fully specified layers in a row; the first must be a built layer (it fixes the input
 * shape), the others may be specs (activations, `dropout(0.2)`, `dense(10)`…). The parameters are
 * a tuple with one entry per layer.
 * @example
 * ```ts
 * const model = tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dropout(0.2), tg.nn.dense(128, 10));
 * const params = model.init(tg.random.key(0)); // [{ w: Tensor<[784, 128]>, b: … }, {}, {}, { w: …, b: … }]
 * const x = tg.zeros([32, 784]);
 * const logits = model.apply(params, x);       // Tensor<[32, 10]>
 * ```
 */
export function serial<L extends readonly [AnyModel, ...LayerLike[]]>(
  ...layers: ValidateChain<L, Chain<"serial", FirstInput<L>, L>>
): ChainModel<FirstInput<L>, Chain<"serial", FirstInput<L>, L>> {
  const first = layers[0] as LayerLike | undefined;
  if (first?.kind !== "layer") {
    throw new ShapeError(
      "serial",
      "the first layer must have a known input shape (use sequential(inputShape, ...) otherwise)",
    );
  }
  const models = buildChain("serial", first.inputShape, layers as readonly LayerLike[]);
  return chainModels("serial", first.inputShape, models) as never;
}

/**
 * `serial` started from a per-example input shape: every layer may infer its input size from the
 * layer before it, at compile time and at init.
 * @example
 * ```ts
 * const cnn = tg.nn.sequential([28, 28, 1],
 *   tg.nn.conv2d(32, 3), tg.nn.relu, tg.nn.maxPool2d(2),
 *   tg.nn.conv2d(64, 3), tg.nn.relu, tg.nn.maxPool2d(2),
 *   tg.nn.flatten, tg.nn.dense(10)); // Model<[28, 28, 1], [10], …>
 * ```
 */
export function sequential<const S extends Shape, L extends readonly LayerLike[]>(
  inputShape: S,
  ...layers: ValidateChain<L, Chain<"sequential", Tup<S>, L>>
): ChainModel<S, Chain<"sequential", Tup<S>, L>> {
  const models = buildChain("sequential", inputShape, layers as readonly LayerLike[]);
  return chainModels("sequential", inputShape, models) as never;
}
