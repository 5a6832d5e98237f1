/**
 * Branching combinators: `residual` (x + branch(x)), `parallel` (the sum of branches fed the same
 * input) and `concat` (branch outputs joined along the last axis). Branches may be built layers or
 * specs; with a built first layer the result is a built model, otherwise a spec that takes its
 * input shape from the layer before it. Shapes are checked at compile time.
 *
 * @example
 * ```ts
 * const block = tg.nn.residual(tg.nn.dense(64, 64), tg.nn.relu);           // Model<[64], [64], …>
 * const wide = tg.nn.sequential([32], tg.nn.concat(tg.nn.dense(8), tg.nn.dense(4))); // → [12]
 * ```
 * @module
 */
import { split } from "../random/index.js";
import type { Sum } from "../shape/arith.js";
import type { Fmt, ShapeMismatch } from "../shape/dims.js";
import { ShapeError } from "../shape/errors.js";
import { add } from "../prims/elementwise.js";
import { concat as concatPrim } from "../prims/movement.js";
import type { AnyTensor, Shape } from "../tensor/tensor.js";
import {
  buildChain,
  type Chain,
  chainModels,
  type ModelParts,
  type ShapeFits,
  type ValidateChain,
} from "./chain.js";
import type { ForwardOptions } from "./layer.js";
import {
  type AnyModel,
  buildAny,
  type BuildResult,
  type Call,
  type In,
  type LayerLike,
  type LayerSpec,
  layer,
  type Model,
  type ShapeFn,
  spec,
} from "./model.js";

type FirstIn<L> = L extends readonly [infer H, ...unknown[]]
  ? H extends { kind: "layer"; inputShape: infer I extends Shape }
    ? I
    : null
  : null;

/**
 * What a combinator returns: a built model when its first layer fixes the input shape, otherwise
 * a spec.
 */
export type CombinatorResult<F extends ShapeFn, L> =
  FirstIn<L> extends infer I extends Shape ? Call<F, I> : LayerSpec<F>;

// ─── residual ─────────────────────────────────────────────────────────────────────────────

/** The model `residual(...layers)` builds from input shape `I`, or the mismatch. */
export type ResidualOf<I extends Shape, L extends readonly unknown[]> =
  Chain<"residual", I, L> extends infer C
    ? C extends { error: infer E extends string }
      ? ShapeMismatch<E>
      : C extends { out: infer O extends Shape; params: infer P; state: infer S }
        ? ShapeFits<O, I> extends true
          ? Model<I, I, P, S>
          : ShapeMismatch<`residual: the branch maps ${Fmt<I>} to ${Fmt<O>}; it must keep the shape`>
        : never
    : never;

/** What `residual(...layers)` builds. */
export interface ResidualFn<L extends readonly unknown[]> extends ShapeFn {
  out: ResidualOf<In<this>, L>;
}

/** `unknown` when a residual branch keeps its input shape, the mismatch otherwise. */
export type ResidualCheck<L extends readonly unknown[]> =
  FirstIn<L> extends infer I extends Shape
    ? Chain<"residual", I, L> extends infer C
      ? C extends { error: string }
        ? C
        : C extends { out: infer O extends Shape }
          ? ShapeFits<O, I> extends true
            ? unknown
            : {
                error: `residual: the branch maps ${Fmt<I>} to ${Fmt<O>}; it must keep the shape`;
                at: LastIndex<L>;
              }
          : unknown
      : unknown
    : unknown;
type LastIndex<L extends readonly unknown[]> = L extends readonly [unknown, ...infer R]
  ? R["length"]
  : 0;

/**
 * `x + branch(x)`, where the branch is the layers in a row and must keep the shape.
 * @example
 * ```ts
 * tg.nn.sequential([64], tg.nn.residual(tg.nn.dense(64), tg.nn.relu), tg.nn.dense(10));
 * ```
 */
export function residual<L extends readonly [LayerLike, ...LayerLike[]]>(
  ...layers: ValidateChain<L, ResidualCheck<L>>
): CombinatorResult<ResidualFn<L>, L> {
  const ls = layers as unknown as LayerLike[];
  const make = (shape: Shape) => {
    const inner = chainModels("residual", shape, buildChain("residual", shape, ls));
    const out = inner.outputShape as Shape;
    if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) {
      throw new ShapeError(
        "residual",
        `the branch maps [${shape.join(", ")}] to [${out.join(", ")}]; it must keep the shape`,
      );
    }
    return layer<any, any, unknown[], unknown[]>({
      name: "residual",
      inputShape: shape,
      outputShape: shape,
      init: inner.init,
      initState: inner.initState,
      ...(inner.layers ? { layers: inner.layers } : {}),
      forward: (p, x, opts) => {
        const r = inner.forward(p, x, opts);
        return { y: add(x, r.y), state: r.state };
      },
    });
  };
  const s = spec<ResidualFn<L>>("residual", make);
  return (ls[0].kind === "layer" ? make(ls[0].inputShape) : s) as never;
}

// ─── parallel and concat ───────────────────────────────────────────────────────────────────

type Branches<
  I extends Shape,
  L extends readonly unknown[],
  Os extends Shape[] = [],
  Ps extends unknown[] = [],
  Ss extends unknown[] = [],
> = L extends readonly [infer H, ...infer R]
  ? BuildResult<H, I> extends infer M
    ? M extends ShapeMismatch<infer E>
      ? ShapeMismatch<`branch ${[...Os, 0]["length"]}: ${E}`>
      : ModelParts<M> extends [infer BI extends Shape, infer O extends Shape, infer P, infer S]
        ? ShapeFits<I, BI> extends true
          ? Branches<I, R, [...Os, O], [...Ps, P], [...Ss, S]>
          : ShapeMismatch<`branch ${[...Os, 0]["length"]} takes ${Fmt<BI>} but the input is ${Fmt<I>}`>
        : never
    : never
  : { outs: Os; params: Ps; state: Ss };

type AllSame<Os extends Shape[], Op extends string> = Os extends [
  infer A extends Shape,
  infer B extends Shape,
  ...infer R extends Shape[],
]
  ? ShapeFits<A, B> extends true
    ? AllSame<[A, ...R], Op>
    : ShapeMismatch<`${Op}: branch outputs ${Fmt<A>} and ${Fmt<B>} differ`>
  : Os extends [infer A extends Shape, ...unknown[]]
    ? A
    : ShapeMismatch<`${Op}: needs at least one branch`>;

type Init<S> = S extends [...infer H extends number[], number] ? H : never;
type LastOf<S> = S extends [...number[], infer C extends number] ? C : never;
type SumLasts<Os extends Shape[], Acc extends number[] = []> = Os extends [
  infer A,
  ...infer R extends Shape[],
]
  ? SumLasts<R, [...Acc, LastOf<A>]>
  : Sum<Acc>;
type InitsOf<Os extends Shape[]> = { [K in keyof Os]: Init<Os[K]> };

/** The model `parallel` or `concat` builds from input shape `I`, or the mismatch. */
export type Merged<
  Op extends "parallel" | "concat",
  I extends Shape,
  L extends readonly unknown[],
> =
  Branches<I, L> extends infer B
    ? B extends ShapeMismatch<infer E>
      ? ShapeMismatch<`${Op}: ${E}`>
      : B extends { outs: infer Os extends Shape[]; params: infer P; state: infer S }
        ? Op extends "parallel"
          ? AllSame<Os, "parallel"> extends infer O
            ? O extends Shape
              ? Model<I, O, P, S>
              : O
            : never
          : AllSame<InitsOf<Os> & Shape[], "concat"> extends infer H
            ? H extends number[]
              ? Model<I, [...H, SumLasts<Os>], P, S>
              : H
            : never
        : never
    : never;

/** What `parallel(...branches)` builds. */
export interface ParallelFn<L extends readonly unknown[]> extends ShapeFn {
  out: Merged<"parallel", In<this>, L>;
}
/** What `concat(...branches)` builds. */
export interface ConcatFn<L extends readonly unknown[]> extends ShapeFn {
  out: Merged<"concat", In<this>, L>;
}

function fanOut(op: "parallel" | "concat", branches: LayerLike[], shape: Shape): AnyModel {
  if (branches.length === 0) throw new ShapeError(op, "needs at least one branch");
  const models = branches.map((b, i) => {
    try {
      return buildAny(b, shape);
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(op, `branch ${i + 1}: ${e.message}`);
      throw e;
    }
  });
  const outs = models.map((m) => m.outputShape as Shape);
  const fmt = (s: Shape) => `[${s.join(", ")}]`;
  const head = (s: Shape) => (op === "concat" ? s.slice(0, -1) : s);
  for (const o of outs) {
    const a = head(outs[0]);
    const b = head(o);
    if (
      a.length !== b.length ||
      a.some((d, i) => d !== b[i]) ||
      (op === "concat" && o.length === 0)
    ) {
      throw new ShapeError(op, `branch outputs ${fmt(outs[0])} and ${fmt(o)} differ`);
    }
  }
  const outputShape =
    op === "parallel" ? outs[0] : [...head(outs[0]), outs.reduce((n, o) => n + o[o.length - 1], 0)];
  return layer<any, any, unknown[], unknown[]>({
    name: op,
    inputShape: shape,
    outputShape,
    layers: models,
    init: (key) => {
      const keys = models.length > 1 ? split(key, models.length) : [key];
      return models.map((m, i) => m.init(keys[i]));
    },
    initState: () => models.map((m) => m.initState()),
    forward: (p, x, opts) => {
      const keys =
        opts.training && opts.key && models.length > 1 ? split(opts.key, models.length) : null;
      const rs = models.map((m, i) => {
        const o: ForwardOptions<unknown> = {
          training: opts.training,
          key: keys ? keys[i] : opts.key,
          state: opts.state?.[i],
        };
        return m.forward(p[i], x, o);
      });
      const ys = rs.map((r) => r.y as AnyTensor);
      const y = op === "parallel" ? ys.reduce((a, b) => add(a, b)) : concatPrim(ys, x.rank - 1);
      return { y, state: rs.map((r) => r.state) };
    },
  });
}

/**
 * Feeds the same input to every branch and adds their outputs (which must have one shape).
 * @example
 * ```ts
 * tg.nn.parallel(tg.nn.dense(8, 4), tg.nn.serial(tg.nn.dense(8, 16), tg.nn.relu, tg.nn.dense(16, 4))); // Model<[8], [4], …>
 * ```
 */
export function parallel<L extends readonly [LayerLike, ...LayerLike[]]>(
  ...branches: L
): CombinatorResult<ParallelFn<L>, L> {
  const bs = branches as unknown as LayerLike[];
  const s = spec<ParallelFn<L>>("parallel", (shape) => fanOut("parallel", bs, shape));
  return (bs[0].kind === "layer" ? fanOut("parallel", bs, bs[0].inputShape) : s) as never;
}

/**
 * Feeds the same input to every branch and joins their outputs along the last axis.
 * @example
 * ```ts
 * tg.nn.concat(tg.nn.dense(8, 4), tg.nn.dense(8, 6)); // Model<[8], [10], …>
 * ```
 */
export function concat<L extends readonly [LayerLike, ...LayerLike[]]>(
  ...branches: L
): CombinatorResult<ConcatFn<L>, L> {
  const bs = branches as unknown as LayerLike[];
  const s = spec<ConcatFn<L>>("concat", (shape) => fanOut("concat", bs, shape));
  return (bs[0].kind === "layer" ? fanOut("concat", bs, bs[0].inputShape) : s) as never;
}
