/**
 * `exportOnnx`: a function of parameters and inputs, traced, as an ONNX model. The parameters
 * become initializers (named by their dotted paths, as in safetensors files), the inputs the
 * graph's inputs, and each equation becomes the nodes of its row in `onnxOps`. The batch size
 * stays symbolic: the function is traced at three batch sizes and every size that follows it is
 * computed from the input's shape at run time.
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(10), tg.nn.softmax);
 * const params = model.init(tg.random.key(0));
 * const bytes = tg.io.exportOnnx((p, x) => model.apply(p, x), params, tg.zeros([1, 784]));
 * import { writeFileSync } from "node:fs";
 * writeFileSync("model.onnx", bytes); // InferenceSession.create("model.onnx") runs any batch size
 * ```
 * @module
 */
import { type Aval, type Eqn, fmtAval, Program, type Var } from "../../ir/program.js";
import { cse, dce, foldConstants } from "../../lower/passes.js";
import { intoScans } from "../../lower/scan-bodies.js";
import { ShapeError } from "../../shape/errors.js";
import type { AnyTensor } from "../../tensor/tensor.js";
import { traceTree } from "../../transforms/trace-tree.js";
import { flattenTree } from "../tree.js";
import { encodeModel, OnnxGraph } from "./graph.js";
import { type OnnxCtx, OnnxExportError, type OnnxRule, onnxOps, RANDOM_REASON } from "./ops.js";
import { emitPool, matchPool } from "./pool.js";
import { emitRecurrent, matchRecurrent, type RecurrentMatch } from "./recurrent.js";
import { type SDim, type ShapeInfo, staticShapes, symbolicBatch } from "./sym.js";
import { foldTransposes } from "./transposes.js";

/** Options of `exportOnnxWith`. */
export interface ExportOnnxOptions {
  /** The ONNX opset of the default domain, 17 to 24 (default 17). From 18, reductions take their axes as an input. */
  opset?: number;
  /** Keep the batch size (axis 0 of the inputs) symbolic (default true). */
  dynamicBatch?: boolean;
  /** How many leading arguments are parameters, exported as initializers (default 1 when there are two or more arguments, else 0). */
  params?: number;
  /** Names of the graph's inputs, one per input tensor (default `input`, or `input_0`, `input_1`, …). */
  inputNames?: readonly string[];
  /** Names of the graph's outputs, one per output tensor (default `output`, or `output_0`, …). */
  outputNames?: readonly string[];
  /** The model's `doc_string`. */
  doc?: string;
  /**
   * Pool with ONNX `MaxPool`/`AveragePool` and fold the NHWC↔NCHW transposes around convolutions
   * and pooling where the nodes between them are elementwise (default true). False exports each
   * primitive as its own nodes.
   */
  foldLayouts?: boolean;
  /**
   * Compute what depends on the parameters only (a batch norm's scale `γ/√(σ²+ε)`, a transposed
   * kernel) at export time, as initializers (default true).
   */
  foldConstants?: boolean;
  /**
   * Export `lstm`, `gru` and (tanh) `simpleRnn` layers as ONNX `LSTM`, `GRU` and `RNN` nodes,
   * their weights converted to ONNX's layout and gate order (default true). False, or a loop that
   * is not exactly one of those layers, exports as a `Scan`.
   */
  recurrentOps?: boolean;
}

/**
 * An ONNX model (the bytes of a `ModelProto`, opset 17) of `f` traced on `args`. The first
 * argument holds the parameters, which become initializers; the others are the model's inputs,
 * whose leading (batch) axis stays symbolic. Run the model in inference mode (no dropout key):
 * random primitives have no ONNX form, and a primitive that cannot be exported throws an
 * `OnnxExportError` naming it and the equation.
 * @example
 * ```ts
 * const cnn = tg.nn.sequential([28, 28, 1], tg.nn.conv2d(8, 3), tg.nn.relu, tg.nn.flatten, tg.nn.dense(10));
 * const params = cnn.init(tg.random.key(0));
 * const bytes = tg.io.exportOnnx((p, x) => cnn.apply(p, x), params, tg.zeros([1, 28, 28, 1]));
 * ```
 */
export function exportOnnx<A extends unknown[]>(
  f: (...args: A) => unknown,
  ...args: A
): Uint8Array {
  return exportOnnxWith({}, f, ...args);
}

/**
 * `exportOnnx` with options (opset, input and output names, which arguments are parameters, a
 * static batch size).
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(10));
 * const [params, x] = [model.init(tg.random.key(0)), tg.zeros([1, 784])];
 * const apply = (p: typeof params, x: tg.Tensor<[1, 784]>) => model.apply(p, x);
 * tg.io.exportOnnxWith({ inputNames: ["image"], outputNames: ["logits"] }, apply, params, x);
 * ```
 */
export function exportOnnxWith<A extends unknown[]>(
  opts: ExportOnnxOptions,
  f: (...args: A) => unknown,
  ...args: A
): Uint8Array {
  const opset = opts.opset ?? 17;
  if (!(Number.isInteger(opset) && opset >= 17 && opset <= 24))
    throw new OnnxExportError("", `opset must be an integer from 17 to 24, got ${opset}`);
  const nParams = opts.params ?? (args.length > 1 ? 1 : 0);
  const fn = f as (...a: unknown[]) => unknown;
  const folding = opts.foldConstants ?? true;
  try {
    return build(opts, opset, fn, args, nParams, folding);
  } catch (e) {
    // folding can turn a filled constant of batch size into one that is not filled: export the
    // computation on it instead
    if (!(folding && e instanceof ShapeError && e.message.includes("not filled with one value")))
      throw e;
    return build(opts, opset, fn, args, nParams, false);
  }
}

function build(
  opts: ExportOnnxOptions,
  opset: number,
  fn: (...a: unknown[]) => unknown,
  args: readonly unknown[],
  nParams: number,
  folding: boolean,
): Uint8Array {
  const traced = traceTree(fn, args);
  const { leaves, owner } = traced;
  const isInput = (i: number) => owner[i] >= nParams;
  // the parameters are constants of the exported model: they become initializers
  const prepare = (p: Program) => simplify(closeParams(p, leaves, isInput), folding);
  const program = prepare(traced.program);
  if (program.outputs.length === 0)
    throw new OnnxExportError("", "the function returns no tensors, so the model has no outputs");

  // the batch size: axis 0 of the first input; inputs with the same leading size follow it
  const first = leaves.findIndex((t, i) => isInput(i) && t.rank > 0);
  const b = first >= 0 ? leaves[first].shape[0] : -1;
  const follows = (t: AnyTensor, i: number) => isInput(i) && t.rank > 0 && t.shape[0] === b;
  let info: ShapeInfo = staticShapes(program);
  if ((opts.dynamicBatch ?? true) && b >= 0) {
    const sizes = [b, b + 1, b + 3];
    const at = (n: number): Aval[] =>
      leaves.map((t, i) => ({
        shape: follows(t, i) ? [n, ...t.shape.slice(1)] : t.shape,
        dtype: t.dtype,
      }));
    const others = sizes.slice(1).map((n) => {
      try {
        return prepare(traceTree(fn, args, at(n)).program);
      } catch (e) {
        throw new ShapeError(
          "exportOnnx",
          `the function fails at batch size ${n} (${(e as Error).message}), so axis 0 of its inputs is not a batch axis: export with { dynamicBatch: false }`,
        );
      }
    });
    info = symbolicBatch([program, ...others], sizes);
  }

  const g = new OnnxGraph("typegrad");
  const paths = new Map<AnyTensor, string>();
  args.slice(0, nParams).forEach((a, k) => {
    for (const [path, t] of flattenTree(a, nParams > 1 ? `params${k}` : ""))
      if (!paths.has(t)) paths.set(t, path || "param");
  });
  const bound = program.inputs.map((v, k) => {
    const name = opts.inputNames?.[k] ?? (program.inputs.length === 1 ? "input" : `input_${k}`);
    return g.input(name, v.aval.dtype, info.shapeOf(v));
  });

  // the batch size as a 1-D int64 value, read from an input whose axis 0 is the batch
  let batch: string | undefined;
  if (info.dynamic) {
    const i = program.inputs.findIndex((v) => {
      const d = info.shapeOf(v)[0];
      return d !== undefined && typeof d !== "number" && d.k === 1 && d.c === 0;
    });
    if (i < 0)
      throw new OnnxExportError("", "sizes follow the batch size but no input has it on axis 0");
    [batch] = g.node("Shape", [bound[i]], { start: { i: 0 }, end: { i: 1 } }, ["batch"]);
  }

  const fold = opts.foldLayouts ?? true;
  const recurrent = (opts.recurrentOps ?? true) ? (p: Program) => simplify(p, folding) : undefined;
  const lowering = new Lowering(info, batch, fold, paths, opset, recurrent);
  const outs = lowering.lower(program, g, bound);
  program.outputs.forEach((v, j) => {
    const name = opts.outputNames?.[j] ?? (program.outputs.length === 1 ? "output" : `output_${j}`);
    g.output(outs[j], name, v.aval.dtype, info.shapeOf(v));
  });
  if (fold) foldTransposes(g);
  return encodeModel(g, { opset, doc: opts.doc });
}

/** The program with the inputs that hold parameters turned into captured constants. */
function closeParams(p: Program, leaves: readonly AnyTensor[], isInput: (i: number) => boolean) {
  const params = p.inputs.flatMap((v, i) => (isInput(i) ? [] : [[v, leaves[i]] as const]));
  return new Program(
    p.inputs.filter((_, i) => isInput(i)),
    [...params.map(([v]) => v), ...p.constVars],
    [...params.map(([, t]) => t), ...p.consts],
    p.eqns,
    p.outputs,
  );
}

/**
 * Equations nothing uses (a gradient's unused forward values) go, repeated ones are shared, and
 * (when folding) what depends on parameters only, such as a batch norm's scale, is computed now.
 */
function simplify(p: Program, folding: boolean): Program {
  const q = cse(intoScans(dce)(p));
  if (!folding) return q;
  // random numbers from a fixed key would fold into a fixed mask: refuse them by name first
  const random = q.eqns.findIndex((e) => e.prim === "random_bits" || e.prim === "random_uniform");
  if (random >= 0) {
    const e = q.eqns[random];
    const sig = `${e.outputs.map((v) => fmtAval(v.aval)).join(" ")} = ${e.prim} ${e.inputs.map((v) => fmtAval(v.aval)).join(" ")}`;
    throw new OnnxExportError(
      e.prim,
      `the primitive ${e.prim} cannot be exported: ${RANDOM_REASON}`,
      `equation ${random}: ${sig}`,
    );
  }
  return dce(foldConstants(q));
}

function data(t: AnyTensor): ArrayLike<number> {
  return t.dataSync() as ArrayLike<number>;
}

/** Lowers Programs (the main one and nested bodies) into ONNX graphs. */
class Lowering {
  constructor(
    private readonly info: ShapeInfo,
    private readonly batch: string | undefined,
    /** Emit pooling windows as MaxPool/AveragePool (else as their reshape and reduction). */
    private readonly pools: boolean,
    /** The names of the parameters' initializers (their paths). */
    private readonly paths: ReadonlyMap<AnyTensor, string>,
    private readonly opset: number,
    /** The exporter's simplification, to recognize recurrent layers by; undefined keeps Scans. */
    private readonly recurrent: ((p: Program) => Program) | undefined,
  ) {}

  lower(p: Program, g: OnnxGraph, inputs: readonly string[]): string[] {
    const env = new Map<Var, string>();
    p.inputs.forEach((v, i) => env.set(v, inputs[i]));
    p.constVars.forEach((v, i) => env.set(v, this.constant(g, v, p.consts[i])));
    const uses = new Map<Var, number>();
    for (const e of p.eqns) for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
    const outputs = new Set(p.outputs);
    // recurrent layers: each scan with its input projection becomes one LSTM or GRU node
    const native = new Map<Eqn, RecurrentMatch>();
    const skip = new Set<Eqn>();
    if (this.recurrent)
      p.eqns.forEach((e, i) => {
        const m = e.prim === "scan" && matchRecurrent(p, i, uses, outputs, this.recurrent!);
        if (!m) return;
        native.set(e, m);
        for (const q of m.skip) skip.add(q);
      });
    for (let i = 0; i < p.eqns.length; i++) {
      const e = p.eqns[i];
      if (skip.has(e)) continue;
      const ins = e.inputs.map((v) => env.get(v) as string);
      const rec = native.get(e);
      if (rec) {
        const at = (v: Var) => env.get(v) as string;
        const outs = emitRecurrent(
          g,
          rec,
          at(rec.x),
          rec.init.map(at),
          (t) => this.paths.get(t) ?? "",
        );
        e.outputs.forEach((v, j) => env.set(v, outs[j]));
        continue;
      }
      const pool = this.pools ? matchPool(p.eqns, i, uses, outputs, this.info) : undefined;
      if (pool) {
        env.set(pool.reduce.outputs[0], emitPool(g, ins[0], pool, e.inputs[0].aval.dtype as "f32"));
        i++;
        continue;
      }
      const outs = this.equation(g, e, ins, i);
      if (outs.length !== e.outputs.length)
        throw new OnnxExportError(e.prim, `the row of ${e.prim} gave ${outs.length} outputs`);
      e.outputs.forEach((v, j) => env.set(v, outs[j]));
    }
    return p.outputs.map((v) => env.get(v) as string);
  }

  /** A captured constant: an initializer, or a filled value broadcast to a batch-dependent shape. */
  private constant(g: OnnxGraph, v: Var, t: AnyTensor): string {
    const fill = this.info.uniformValue(v);
    if (fill === undefined)
      return g.initializer(this.paths.get(t) ?? "const", t.dtype, t.shape, data(t));
    const s = g.initializer("fill", t.dtype, [], [fill]);
    return g.node("Expand", [s, this.int64s(g, this.info.shapeOf(v))])[0];
  }

  private equation(g: OnnxGraph, e: Eqn, ins: string[], index: number): string[] {
    const info = this.info;
    const ctx: OnnxCtx = {
      g,
      opset: this.opset,
      eqn: e,
      ins,
      inShapes: e.inputs.map((v) => info.shapeOf(v)),
      outShapes: e.outputs.map((v) => info.shapeOf(v)),
      inDtypes: e.inputs.map((v) => v.aval.dtype),
      outDtypes: e.outputs.map((v) => v.aval.dtype),
      int64s: (dims) => this.int64s(g, dims),
      scalar: (value, elem) => g.initializer("scalar", elem, [], [value]),
      transpose: (name, perm) =>
        g.transposeConstant(name, perm) ?? g.node("Transpose", [name], { perm: { ints: perm } })[0],
      lower: (p, sub, inputs) => this.lower(p, sub, inputs),
    };
    const rule = onnxOps[e.prim] as OnnxRule<typeof e.prim>;
    try {
      return rule(ctx, e.params as never, info.paramsOf(e) as never);
    } catch (err) {
      if (!(err instanceof OnnxExportError) || err.equation) throw err;
      const sig = `${e.outputs.map((v) => fmtAval(v.aval)).join(" ")} = ${e.prim} ${e.inputs.map((v) => fmtAval(v.aval)).join(" ")}`;
      const where = e.source === undefined ? "" : ` in ${e.source}`;
      throw new OnnxExportError(err.primitive, err.reason, `equation ${index}${where}: ${sig}`);
    }
  }

  /** A 1-D int64 value: a constant, or concatenated from constants and `k·batch + c` pieces. */
  int64s(g: OnnxGraph, dims: readonly SDim[]): string {
    if (dims.every((d) => typeof d === "number")) return g.int64s(dims as number[]);
    const batch = this.batch;
    if (batch === undefined) throw new OnnxExportError("", "a size follows the batch size");
    const pieces: string[] = [];
    let run: number[] = [];
    for (const d of dims) {
      if (typeof d === "number") {
        run.push(d);
        continue;
      }
      if (run.length) pieces.push(g.int64s(run));
      run = [];
      let v = batch;
      if (d.k !== 1) [v] = g.node("Mul", [v, g.int64s([d.k])]);
      if (d.c !== 0) [v] = g.node("Add", [v, g.int64s([d.c])]);
      pieces.push(v);
    }
    if (run.length) pieces.push(g.int64s(run));
    if (pieces.length === 1) return pieces[0];
    return g.node("Concat", pieces, { axis: { i: 0 } }, ["shape"])[0];
  }
}
