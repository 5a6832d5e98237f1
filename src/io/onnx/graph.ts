/**
 * An ONNX graph under construction (nodes, initializers, inputs and outputs with unique value
 * names) and its encoding as the `GraphProto` and `ModelProto` messages of onnx.proto.
 * @example
 * ```ts
 * const g = new OnnxGraph("main");
 * import { affine as batch } from "./sym.js";
 * const x = g.input("x", "f32", [batch(1, 0), 3]);
 * g.output(g.node("Relu", [x])[0], "y", "f32", [batch(1, 0), 3]);
 * encodeModel(g, { opset: 17 }); // Uint8Array
 * ```
 * @module
 */
import { ProtoWriter } from "./protobuf.js";
import { type SDim, fmtDim } from "./sym.js";

/** ONNX `TensorProto.DataType` codes of the element types typegrad uses (and int64 for shapes). */
export const ONNX_DTYPE = { f32: 1, i32: 6, i64: 7, bool: 9, f64: 11 } as const;
/** An element type of an exported value. */
export type OnnxElem = keyof typeof ONNX_DTYPE;

/** An attribute value of a node, tagged by its `AttributeProto` type. */
export type Attr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { g: OnnxGraph };

/** A node of a graph. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
  name: string;
}

interface Initializer {
  name: string;
  elem: OnnxElem;
  dims: readonly number[];
  raw: Uint8Array;
}

interface ValueInfo {
  name: string;
  elem: OnnxElem;
  dims: readonly SDim[];
}

/** Unique names across a model (ONNX values are SSA over the main graph and its subgraphs). */
class Names {
  private used = new Set<string>();
  fresh(base: string): string {
    const b = base.replace(/[^A-Za-z0-9_.:/-]/g, "_") || "v";
    let n = b;
    for (let i = 1; this.used.has(n); i++) n = `${b}_${i}`;
    this.used.add(n);
    return n;
  }
}

/** The raw little-endian bytes of typed data, as `TensorProto.raw_data` stores them. */
export function rawBytes(elem: OnnxElem, data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  switch (elem) {
    case "f32":
      return new Uint8Array(Float32Array.from(data).buffer);
    case "f64":
      return new Uint8Array(Float64Array.from(data).buffer);
    case "i32":
      return new Uint8Array(Int32Array.from(data).buffer);
    case "i64": {
      const b = new BigInt64Array(n);
      for (let i = 0; i < n; i++) b[i] = BigInt(data[i]);
      return new Uint8Array(b.buffer);
    }
    case "bool":
      return Uint8Array.from(data, (v) => (v ? 1 : 0));
  }
}

/**
 * An ONNX graph being built. Subgraphs (a `Scan` body) share the model's names and put their
 * initializers in the main graph, where every subgraph can see them.
 * @example
 * ```ts
 * const g = new OnnxGraph("main");
 * const [y] = g.node("Neg", [g.input("x", "f32", [3])]);
 * ```
 */
export class OnnxGraph {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly constants = new Map<string, Initializer>();
  private readonly names: Names;
  private readonly root: OnnxGraph;

  constructor(
    readonly name: string,
    parent?: OnnxGraph,
  ) {
    this.names = parent ? parent.names : new Names();
    this.root = parent ? parent.root : this;
  }

  /** A subgraph (the body of a control-flow node) sharing this model's names and initializers. */
  subgraph(name: string): OnnxGraph {
    return new OnnxGraph(this.names.fresh(name), this);
  }

  /** A new unique value name. */
  fresh(base: string): string {
    return this.names.fresh(base);
  }

  /** Declares an input of this graph; returns its value name. */
  input(name: string, elem: OnnxElem, dims: readonly SDim[]): string {
    const n = this.names.fresh(name);
    this.inputs.push({ name: n, elem, dims });
    return n;
  }

  /** Declares `value` as an output of this graph under a new name (through an `Identity`). */
  output(value: string, name: string, elem: OnnxElem, dims: readonly SDim[]): string {
    const [n] = this.node("Identity", [value], {}, [name]);
    this.outputs.push({ name: n, elem, dims });
    return n;
  }

  /** Adds a constant tensor to the model; returns its value name. */
  initializer(
    name: string,
    elem: OnnxElem,
    dims: readonly number[],
    data: ArrayLike<number>,
  ): string {
    const n = this.names.fresh(name);
    this.root.addConstant({ name: n, elem, dims: [...dims], raw: rawBytes(elem, data) });
    return n;
  }

  /** The initializer named `name`, if the value is one (for folding constant transposes). */
  constantOf(name: string): Initializer | undefined {
    return this.root.constants.get(name);
  }

  /**
   * A new constant holding constant `name` transposed by `perm` (a filter's layout change made at
   * export time instead of by a node), or undefined when `name` is not a constant. A constant of
   * lower rank than `perm` is first given leading axes of size 1, as broadcasting would.
   */
  transposeConstant(name: string, perm: readonly number[]): string | undefined {
    const c = this.constantOf(name);
    if (!c || perm.length < c.dims.length) return undefined;
    // a constant of lower rank broadcasts as if it had leading axes of size 1
    const t = { ...c, dims: [...Array(perm.length - c.dims.length).fill(1), ...c.dims] };
    const size =
      t.raw.length /
      Math.max(
        1,
        t.dims.reduce((a, d) => a * d, 1),
      );
    const dims = perm.map((p) => t.dims[p]);
    const inStrides = stridesOf(t.dims);
    const outStrides = stridesOf(dims);
    const n = dims.reduce((a, d) => a * d, 1);
    const raw = new Uint8Array(t.raw.length);
    for (let o = 0; o < n; o++) {
      let src = 0;
      let rest = o;
      for (let a = 0; a < dims.length; a++) {
        const idx = Math.floor(rest / outStrides[a]);
        rest -= idx * outStrides[a];
        src += idx * inStrides[perm[a]];
      }
      raw.set(t.raw.subarray(src * size, (src + 1) * size), o * size);
    }
    const out = this.names.fresh(`${name}_t`);
    this.root.addConstant({ name: out, elem: t.elem, dims, raw });
    return out;
  }

  private addConstant(t: Initializer): void {
    this.initializers.push(t);
    this.constants.set(t.name, t);
  }

  /** The values of an int64 constant, or undefined when `name` is not one. */
  int64Values(name: string): number[] | undefined {
    const c = this.constantOf(name);
    if (c?.elem !== "i64") return undefined;
    const v = new BigInt64Array(c.raw.slice().buffer);
    return Array.from(v, Number);
  }

  /** A 1-D int64 constant (shapes, axes, pads). */
  int64s(values: readonly number[], name = "const"): string {
    return this.initializer(name, "i64", [values.length], values);
  }

  /** A node that is not yet in the graph (for passes that rewrite the node list). */
  makeNode(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, Attr> = {},
  ): OnnxNode {
    return {
      op,
      inputs: [...inputs],
      outputs: [...outputs],
      attrs,
      name: this.names.fresh(`${op}_node`),
    };
  }

  /** Adds a node; returns its output names (fresh ones from `outs` as bases, or one output). */
  node(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    outs: readonly string[] = [op.toLowerCase()],
  ): string[] {
    const outputs = outs.map((o) => this.names.fresh(o));
    this.nodes.push({
      op,
      inputs: [...inputs],
      outputs,
      attrs,
      name: this.names.fresh(`${op}_node`),
    });
    return outputs;
  }

  /** The names every node of this graph and its subgraphs reads. */
  private used(into: Set<string>): Set<string> {
    for (const n of this.nodes) {
      for (const i of n.inputs) into.add(i);
      for (const a of Object.values(n.attrs)) if ("g" in a) a.g.used(into);
    }
    return into;
  }

  /** The `GraphProto` message (initializers that no node reads, such as a filter replaced by its transpose, are left out). */
  encode(): ProtoWriter {
    const w = new ProtoWriter();
    for (const n of this.nodes) w.message(1, encodeNode(n));
    w.string(2, this.name);
    const used = this === this.root ? this.used(new Set()) : new Set<string>();
    for (const t of this.initializers) if (used.has(t.name)) w.message(5, encodeTensor(t));
    for (const v of this.inputs) w.message(11, encodeValueInfo(v));
    for (const v of this.outputs) w.message(12, encodeValueInfo(v));
    return w;
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.op);
  for (const [name, a] of Object.entries(n.attrs)) w.message(5, encodeAttr(name, a));
  return w;
}

// AttributeProto: name 1, f 2, i 3, s 4, g 6, floats 7, ints 8, type 20
function encodeAttr(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ("f" in a) return w.float(2, a.f).int(20, 1);
  if ("i" in a) return w.int(3, a.i).int(20, 2);
  if ("s" in a) return w.string(4, a.s).int(20, 3);
  if ("g" in a) return w.message(6, a.g.encode()).int(20, 5);
  if ("floats" in a) return w.packedFloats(7, a.floats).int(20, 6);
  return w.packedInts(8, a.ints).int(20, 7);
}

// TensorProto: dims 1, data_type 2, name 8, raw_data 9
function encodeTensor(t: Initializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, ONNX_DTYPE[t.elem]).string(8, t.name).bytes(9, t.raw);
}

// ValueInfoProto { name 1, type 2 }; TypeProto { tensor_type 1 }; Tensor { elem_type 1, shape 2 };
// TensorShapeProto { dim 1 }; Dimension { dim_value 1, dim_param 2 }
function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === "number") dim.int(1, d);
    else dim.string(2, fmtDim(d));
    shape.message(1, dim);
  }
  const tensor = new ProtoWriter().int(1, ONNX_DTYPE[v.elem]).message(2, shape);
  const type = new ProtoWriter().message(1, tensor);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

/** The IR version released with an opset (onnx's docs/Versioning.md). */
export function irVersion(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : opset <= 22 ? 10 : opset === 23 ? 11 : 12;
}

/** Options of `encodeModel`. */
export interface ModelOptions {
  /** The default-domain opset version (17 or later). */
  opset: number;
  /** `ModelProto.producer_name` (default "typegrad"). */
  producer?: string;
  /** `ModelProto.doc_string`. */
  doc?: string;
}

/**
 * The `ModelProto` bytes of a graph: the default ONNX domain at `opset`, and the IR version that
 * came with it (8 for opsets 17 and 18, 9 for 19 and 20, 10 for 21 and 22, 11 for 23, 12 for 24).
 * @example
 * ```ts
 * const graph = new OnnxGraph("main");
 * graph.output(graph.node("Relu", [graph.input("x", "f32", [2, 3])])[0], "y", "f32", [2, 3]);
 * const bytes = encodeModel(graph, { opset: 17 });
 * ```
 */
export function encodeModel(g: OnnxGraph, opts: ModelOptions): Uint8Array {
  // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8
  const w = new ProtoWriter()
    .int(1, irVersion(opts.opset))
    .string(2, opts.producer ?? "typegrad")
    .string(3, "0.1.0");
  if (opts.doc) w.string(6, opts.doc);
  w.message(7, g.encode());
  // OperatorSetIdProto: domain 1 (empty: the default domain), version 2
  w.message(8, new ProtoWriter().string(1, "").int(2, opts.opset));
  return w.finish();
}

function stridesOf(dims: readonly number[]): number[] {
  const s = dims.map(() => 1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}
