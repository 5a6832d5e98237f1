/**
 * `lstm`, `gru` and `simpleRnn` layers as ONNX's own `LSTM`, `GRU` and `RNN` nodes instead of a
 * `Scan`. A recurrent
 * layer traces to an input projection `x·kernel + bias` over the whole sequence and a `scan`
 * whose body is one cell step. The exporter recognizes that pair when
 *
 * - the scan's body is equation for equation the body that typegrad's own `lstm(units)`,
 *   `gru(units)` or `simpleRnn(units)` (tanh) traces to for the same sizes (so the cell computes exactly what that layer
 *   does; any other loop stays a `Scan`),
 * - the kernel, bias, recurrent kernel (and GRU's recurrent bias) are constants, the projection
 *   feeds the scan alone, and the scan runs forward,
 *
 * and emits one node whose weights are converted at export time: ONNX wants `[gates·units, in]`
 * matrices, LSTM gates in the order i, o, f, c (typegrad's are i, f, c, o) and GRU gates z, r, h
 * (typegrad's order too). typegrad's GRU is the "reset after" form, ONNX's `linear_before_reset=1`.
 * A `simpleRnn` with another activation than tanh traces to another body, and stays a `Scan`.
 * @example
 * ```ts
 * const model = tg.nn.sequential([7, 3], tg.nn.lstm(8), tg.nn.dense(2));
 * const params = model.init(tg.random.key(0));
 * tg.io.exportOnnx((p, x) => model.apply(p, x), params, tg.zeros([2, 7, 3])); // one LSTM node
 * ```
 * @module
 */
import type { Eqn, Program, Var } from "../../ir/program.js";
import { gru, lstm, simpleRnn } from "../../nn/recurrent.js";
import { buildAny, type LayerLike } from "../../nn/model.js";
import { filled } from "../../prims/constants.js";
import { key } from "../../random/index.js";
import type { AnyTensor } from "../../tensor/tensor.js";
import { traceTree } from "../../transforms/trace-tree.js";
import type { OnnxGraph } from "./graph.js";

/** A recognized recurrent layer: the equations it replaces and its weights. */
export interface RecurrentMatch {
  readonly kind: Kind;
  readonly units: number;
  /** The scan's input sequence before the projection, `[time, batch, features]`. */
  readonly x: Var;
  /** The projection's equations (matmul and bias add), emitted as part of the node. */
  readonly skip: readonly Eqn[];
  readonly kernel: AnyTensor;
  readonly bias: AnyTensor;
  readonly recurrentKernel: AnyTensor;
  readonly recurrentBias?: AnyTensor;
  /** The scan's initial carries: `h` (and `c` for an LSTM). */
  readonly init: readonly Var[];
}

/** ONNX's gate order, as indices of typegrad's gate blocks. */
const ONNX_GATES = { lstm: [0, 3, 1, 2], gru: [0, 1, 2], simpleRnn: [0] } as const;

/** The recurrent layers with an ONNX node of their own. */
type Kind = keyof typeof ONNX_GATES;
const ONNX_OP = { lstm: "LSTM", gru: "GRU", simpleRnn: "RNN" } as const;
/** The layer specs, as functions of the units (the default options: tanh for `simpleRnn`). */
const LAYERS: Record<Kind, (units: number) => LayerLike> = {
  lstm: (u) => lstm(u),
  gru: (u) => gru(u),
  simpleRnn: (u) => simpleRnn(u),
};

/**
 * Whether `p.eqns[i]` is a scan that an `lstm`, `gru` or `simpleRnn` layer made (see the module comment), with
 * `prepare` the simplification the exporter ran on `p`.
 * @example
 * ```ts
 * const m = tg.nn.sequential([5, 2], tg.nn.gru(4));
 * const params = m.init(tg.random.key(0));
 * const p = tg.makeProgram((x: tg.Tensor<[2, 5, 2]>) => m.apply(params, x))(tg.zeros([2, 5, 2]));
 * const uses = new Map<Var, number>();
 * for (const e of p.eqns) for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
 * matchRecurrent(p, p.eqns.findIndex((e) => e.prim === "scan"), uses, new Set(p.outputs), (q) => q)?.kind; // "gru"
 * ```
 */
export function matchRecurrent(
  p: Program,
  i: number,
  uses: ReadonlyMap<Var, number>,
  outputs: ReadonlySet<Var>,
  prepare: (p: Program) => Program,
): RecurrentMatch | undefined {
  const e = p.eqns[i];
  if (e.prim !== "scan") return undefined;
  const { body, numConsts, numCarry, reverse } = e.params as {
    body: Program;
    numConsts: number;
    numCarry: number;
    reverse: boolean;
  };
  if (reverse || e.inputs.length !== numConsts + numCarry + 1) return undefined;
  const carry = e.inputs[numConsts];
  if (carry.aval.dtype !== "f32" || carry.aval.shape.length !== 2) return undefined;
  const [batch, units] = carry.aval.shape;
  // the layer by its carries (h and c, or h) and its gates (the width of a step's input)
  const width = e.inputs[e.inputs.length - 1].aval.shape[2];
  const kind: Kind | undefined =
    numCarry === 2 ? "lstm" : numCarry !== 1 ? undefined : width === units ? "simpleRnn" : "gru";
  if (!kind) return undefined;
  const gates = ONNX_GATES[kind].length;

  // the projection x·kernel + bias that feeds the scan alone
  const xs = e.inputs[e.inputs.length - 1];
  const producer = (v: Var) => p.eqns.find((q) => q.outputs.includes(v));
  const once = (v: Var) => uses.get(v) === 1 && !outputs.has(v);
  const add = producer(xs);
  if (add?.prim !== "add" || !once(xs)) return undefined;
  const constOf = (v: Var) => {
    const k = p.constVars.indexOf(v);
    return k < 0 ? undefined : p.consts[k];
  };
  const [a0, a1] = add.inputs;
  const mmVar = constOf(a1) ? a0 : a1;
  const bias = constOf(mmVar === a0 ? a1 : a0);
  const mm = producer(mmVar);
  if (bias?.rank !== 1 || mm?.prim !== "matmul" || !once(mmVar)) return undefined;
  const { transA, transB } = mm.params as { transA: boolean; transB: boolean };
  const kernel = constOf(mm.inputs[1]);
  const x = mm.inputs[0];
  if (transA || transB || !kernel || kernel.rank !== 2 || x.aval.shape.length !== 3)
    return undefined;
  if (kernel.shape[1] !== gates * units || bias.shape[0] !== gates * units) return undefined;

  // the body must be the one typegrad's own layer traces to
  const ref = referenceScan(kind, units, batch, prepare);
  if (!ref) return undefined;
  const consts = e.inputs.slice(0, numConsts).map(constOf);
  if (ref.numConsts !== numConsts || consts.some((t) => !t)) return undefined;
  for (let k = 0; k < numConsts; k++) {
    const role = ref.roles[k];
    const t = consts[k] as AnyTensor;
    if (typeof role !== "string" && !sameValues(role, t)) return undefined;
  }
  if (!sameProgram(ref.body, body)) return undefined;
  const byRole = (r: string) => consts[ref.roles.indexOf(r)] as AnyTensor | undefined;
  const recurrentKernel = byRole("recurrentKernel");
  if (!recurrentKernel) return undefined;
  const recurrentBias = kind === "gru" ? byRole("recurrentBias") : undefined;
  if (kind === "gru" && !recurrentBias) return undefined;
  return {
    kind,
    units,
    x,
    skip: [mm, add],
    kernel,
    bias,
    recurrentKernel,
    ...(recurrentBias ? { recurrentBias } : {}),
    init: e.inputs.slice(numConsts, numConsts + numCarry),
  };
}

/**
 * The ONNX `LSTM` or `GRU` node of a match, with its weights converted; returns the names of
 * the scan's outputs (final carries, then the per-step outputs `[time, batch, units]`).
 * @example
 * ```ts
 * import { OnnxGraph } from "./graph.js";
 * const m = tg.nn.sequential([5, 2], tg.nn.lstm(4));
 * const params = m.init(tg.random.key(0));
 * const p = tg.makeProgram((x: tg.Tensor<[2, 5, 2]>) => m.apply(params, x))(tg.zeros([2, 5, 2]));
 * const uses = new Map<Var, number>();
 * for (const e of p.eqns) for (const v of e.inputs) uses.set(v, (uses.get(v) ?? 0) + 1);
 * const match = matchRecurrent(p, p.eqns.findIndex((e) => e.prim === "scan"), uses, new Set(p.outputs), (q) => q);
 * const g = new OnnxGraph("main");
 * if (match) emitRecurrent(g, match, "x", ["h0", "c0"], () => "0"); // [h, c, ys]: Squeeze nodes of the LSTM's outputs
 * ```
 */
export function emitRecurrent(
  g: OnnxGraph,
  m: RecurrentMatch,
  x: string,
  init: readonly string[],
  name: (t: AnyTensor) => string,
): string[] {
  const u = m.units;
  const order = ONNX_GATES[m.kind];
  const w = toOnnx(m.kernel, order);
  const r = toOnnx(m.recurrentKernel, order);
  const bw = gateBlocks(m.bias, order);
  const br = m.recurrentBias ? gateBlocks(m.recurrentBias, order) : new Float32Array(bw.length);
  const b = new Float32Array(bw.length * 2);
  b.set(bw);
  b.set(br, bw.length);
  const base = name(m.kernel).replace(/\.kernel$/, "") || m.kind;
  const gates = order.length * u;
  const W = g.initializer(`${base}.W`, "f32", [1, gates, w.length / gates], w);
  const R = g.initializer(`${base}.R`, "f32", [1, gates, u], r);
  const B = g.initializer(`${base}.B`, "f32", [1, 2 * gates], b);
  const axis0 = g.int64s([0]);
  const initial = init.map((v) => g.node("Unsqueeze", [v, axis0], {}, ["initial"])[0]);
  const attrs = {
    hidden_size: { i: u },
    ...(m.kind === "gru" ? { linear_before_reset: { i: 1 } } : {}),
  };
  const outs = m.kind === "lstm" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
  const [y, ...finals] = g.node(
    ONNX_OP[m.kind],
    [x, W, R, B, "", ...initial],
    attrs,
    outs.map((o) => `${m.kind}_${o}`),
  );
  const squeeze = (v: string, axis: number) =>
    g.node("Squeeze", [v, g.int64s([axis])], {}, ["squeeze"])[0];
  return [...finals.map((v) => squeeze(v, 0)), squeeze(y, 1)];
}

/** `[in, gates·units]` (typegrad's gate order) → ONNX's `[gates·units, in]` in `order`. */
function toOnnx(t: AnyTensor, order: readonly number[]): Float32Array {
  const [rows, cols] = t.shape;
  const d = t.dataSync() as ArrayLike<number>;
  const u = cols / order.length;
  const out = new Float32Array(rows * cols);
  order.forEach((from, gi) => {
    for (let j = 0; j < u; j++)
      for (let i = 0; i < rows; i++) out[(gi * u + j) * rows + i] = d[i * cols + from * u + j];
  });
  return out;
}

/** A `[gates·units]` vector with its gate blocks in `order`. */
function gateBlocks(t: AnyTensor, order: readonly number[]): Float32Array {
  const d = t.dataSync() as ArrayLike<number>;
  const u = d.length / order.length;
  const out = new Float32Array(d.length);
  order.forEach((from, gi) => {
    for (let j = 0; j < u; j++) out[gi * u + j] = d[from * u + j];
  });
  return out;
}

/** The scan typegrad's own layer traces to: its body, and what each of its constants is. */
interface Reference {
  body: Program;
  numConsts: number;
  /** Per scan constant: the parameter it is (`recurrentKernel`…), or a fixed value. */
  roles: (string | AnyTensor)[];
}

/** Reference scans by simplification (one per export) and by sizes. */
const references = new WeakMap<(p: Program) => Program, Map<string, Reference | null>>();

function referenceScan(
  kind: Kind,
  units: number,
  batch: number,
  prepare: (p: Program) => Program,
): Reference | undefined {
  let refs = references.get(prepare);
  if (!refs) references.set(prepare, (refs = new Map()));
  const k = `${kind} ${units} ${batch}`;
  if (!refs.has(k)) refs.set(k, traceReference(kind, units, batch, prepare));
  return refs.get(k) ?? undefined;
}

function traceReference(
  kind: Kind,
  units: number,
  batch: number,
  prepare: (p: Program) => Program,
): Reference | null {
  const layer = buildAny(LAYERS[kind](units), [2, 1]);
  const params = layer.init(key(0)) as Record<string, AnyTensor>;
  const traced = traceTree(
    (x: AnyTensor) => layer.apply(params, x),
    [filled([batch, 2, 1], 0, "f32")],
  );
  const p = prepare(traced.program);
  const e = p.eqns.find((q) => q.prim === "scan");
  if (!e) return null;
  const { body, numConsts } = e.params as { body: Program; numConsts: number };
  const names = new Map<AnyTensor, string>(Object.entries(params).map(([k, t]) => [t, k]));
  const roles: (string | AnyTensor)[] = [];
  for (const v of e.inputs.slice(0, numConsts)) {
    const k = p.constVars.indexOf(v);
    if (k < 0) return null;
    roles.push(names.get(p.consts[k]) ?? p.consts[k]);
  }
  return { body, numConsts, roles };
}

/** The JSON of plain parameters (numbers, strings, arrays), or undefined for anything else. */
function plainJson(params: unknown): string | undefined {
  const plain = (v: unknown): boolean =>
    v === null ||
    ["number", "string", "boolean"].includes(typeof v) ||
    (Array.isArray(v) && v.every(plain)) ||
    (typeof v === "object" &&
      Object.getPrototypeOf(v) === Object.prototype &&
      Object.values(v as object).every(plain));
  return plain(params) ? JSON.stringify(params) : undefined;
}

function sameValues(a: AnyTensor, b: AnyTensor): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) return false;
  const [sa, sb]: readonly number[][] = [[...a.shape], [...b.shape]];
  if (sa.some((d, i) => d !== sb[i])) return false;
  const x = a.dataSync() as ArrayLike<number>;
  const y = b.dataSync() as ArrayLike<number>;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

const sameAval = (a: Var, b: Var) =>
  a.aval.dtype === b.aval.dtype &&
  a.aval.shape.length === b.aval.shape.length &&
  a.aval.shape.every((d, i) => d === b.aval.shape[i]);

/**
 * Whether two programs are the same computation: equation for equation the same primitives,
 * parameters and wiring, the same input and output types, and equal captured constants.
 */
export function sameProgram(a: Program, b: Program): boolean {
  if (
    a.inputs.length !== b.inputs.length ||
    a.constVars.length !== b.constVars.length ||
    a.eqns.length !== b.eqns.length ||
    a.outputs.length !== b.outputs.length
  )
    return false;
  const map = new Map<Var, Var>();
  const bind = (x: Var, y: Var) => {
    if (!sameAval(x, y)) return false;
    map.set(x, y);
    return true;
  };
  if (!a.inputs.every((v, i) => bind(v, b.inputs[i]))) return false;
  for (let i = 0; i < a.constVars.length; i++)
    if (!bind(a.constVars[i], b.constVars[i]) || !sameValues(a.consts[i], b.consts[i]))
      return false;
  for (let i = 0; i < a.eqns.length; i++) {
    const [x, y] = [a.eqns[i], b.eqns[i]];
    if (x.prim !== y.prim || x.inputs.length !== y.inputs.length) return false;
    if (x.outputs.length !== y.outputs.length) return false;
    const px = plainJson(x.params);
    if (px === undefined || px !== plainJson(y.params)) return false;
    if (!x.inputs.every((v, k) => map.get(v) === y.inputs[k])) return false;
    if (!x.outputs.every((v, k) => bind(v, y.outputs[k]))) return false;
  }
  return a.outputs.every((v, i) => map.get(v) === b.outputs[i]);
}
