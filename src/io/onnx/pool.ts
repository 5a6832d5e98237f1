/**
 * Pooling as ONNX `MaxPool` / `AveragePool`. typegrad pools non-overlapping windows by viewing
 * `[n, h, w, c]` as `[n, oh, kh, ow, kw, c]` and reducing axes 2 and 4; the exporter recognizes
 * that pair of equations and emits one pooling node in NCHW between two transposes, which
 * `foldTransposes` then cancels against the convolution's. Other windows (overlapping, strided)
 * export as the slices and reductions they are made of.
 * @example
 * ```ts
 * import { staticShapes } from "./sym.js";
 * const program = tg.makeProgram((x: tg.Tensor<[1, 4, 4, 1]>) => tg.maxPool2d(x, 2))(tg.zeros([1, 4, 4, 1]));
 * const uses = new Map<Var, number>(program.eqns.flatMap((e) => e.inputs).map((v) => [v, 1]));
 * const [i, outputs, info] = [program.eqns.findIndex((e) => e.prim === "reshape"), new Set(program.outputs), staticShapes(program)];
 * const m = matchPool(program.eqns, i, uses, outputs, info); // { kind: "max", kh: 2, kw: 2, … }
 * ```
 * @module
 */
import type { Eqn, Var } from "../../ir/program.js";
import type { OnnxGraph } from "./graph.js";
import type { ShapeInfo } from "./sym.js";

/** A matched pooling: the window, and the reduction equation it ends with. */
export interface PoolMatch {
  kind: "max" | "sum";
  kh: number;
  kw: number;
  /** The reduction that gives the pooled value (the equation after the reshape). */
  reduce: Eqn;
}

/**
 * Whether equations `i` and `i + 1` are a window reshape and its max or sum over axes 2 and 4,
 * with the reshaped value used nowhere else.
 * @example
 * ```ts
 * import { staticShapes } from "./sym.js";
 * const p = tg.makeProgram((x: tg.Tensor<[1, 4, 4, 1]>) => tg.avgPool2d(x, 2))(tg.zeros([1, 4, 4, 1]));
 * const [uses, info] = [new Map<Var, number>(p.eqns.flatMap((e) => e.inputs).map((v) => [v, 1])), staticShapes(p)];
 * matchPool(p.eqns, p.eqns.findIndex((e) => e.prim === "reshape"), uses, new Set(p.outputs), info); // { kind: "sum", … }
 * ```
 */
export function matchPool(
  eqns: readonly Eqn[],
  i: number,
  uses: ReadonlyMap<Var, number>,
  outputs: ReadonlySet<Var>,
  info: ShapeInfo,
): PoolMatch | undefined {
  const e = eqns[i];
  const next = eqns[i + 1];
  if (e.prim !== "reshape" || !next) return undefined;
  if (next.prim !== "reduce_max" && next.prim !== "reduce_sum") return undefined;
  const [x] = e.inputs;
  const [v] = e.outputs;
  if (next.inputs[0] !== v || uses.get(v) !== 1 || outputs.has(v)) return undefined;
  if (x.aval.dtype !== "f32" && x.aval.dtype !== "f64") return undefined;
  const axes = [...(next.params as { axes: readonly number[] }).axes].sort();
  if (axes.length !== 2 || axes[0] !== 2 || axes[1] !== 4) return undefined;
  const a = x.aval.shape;
  const b = v.aval.shape;
  if (a.length !== 4 || b.length !== 6) return undefined;
  const [, oh, kh, ow, kw, c] = b;
  if (a[0] !== b[0] || a[1] !== oh * kh || a[2] !== ow * kw || a[3] !== c) return undefined;
  // only the batch axis may follow the batch size
  if (
    info
      .shapeOf(v)
      .slice(1)
      .some((d) => typeof d !== "number")
  )
    return undefined;
  return { kind: next.prim === "reduce_max" ? "max" : "sum", kh, kw, reduce: next };
}

/**
 * The nodes of a matched pooling on NHWC value `x`; returns the NHWC result.
 * @example
 * ```ts
 * import { OnnxGraph } from "./graph.js";
 * const p = tg.makeProgram((x: tg.Tensor<[1, 4, 4, 1]>) => tg.max(x, 1))(tg.zeros([1, 4, 4, 1]));
 * const [g, reduce] = [new OnnxGraph("main"), p.eqns[0]];
 * const y = emitPool(g, "x", { kind: "max", kh: 2, kw: 2, reduce }, "f32");
 * ```
 */
export function emitPool(g: OnnxGraph, x: string, m: PoolMatch, dtype: "f32" | "f64"): string {
  const [nchw] = g.node("Transpose", [x], { perm: { ints: [0, 3, 1, 2] } }, ["nchw"]);
  const attrs = { kernel_shape: { ints: [m.kh, m.kw] }, strides: { ints: [m.kh, m.kw] } };
  let [y] = g.node(m.kind === "max" ? "MaxPool" : "AveragePool", [nchw], attrs);
  // a window sum is the window mean times the window size
  if (m.kind === "sum") [y] = g.node("Mul", [y, g.initializer("window", dtype, [], [m.kh * m.kw])]);
  return g.node("Transpose", [y], { perm: { ints: [0, 2, 3, 1] } }, ["nhwc"])[0];
}
