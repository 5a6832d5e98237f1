/**
 * Folding the layout transposes of an exported graph. typegrad computes images in NHWC and ONNX's
 * `Conv` and pooling work in NCHW, so each of them is wrapped in a `Transpose` pair. This pass moves
 * every `Transpose` below the elementwise nodes that follow it (their constants are transposed at
 * export time instead), and merges two transposes in a row, so `Conv → bias → relu → MaxPool`
 * runs in NCHW with no transpose between them. What remains is where the layout really matters:
 * at the input, and before a flatten.
 * @example
 * ```ts
 * import { OnnxGraph } from "./graph.js";
 * const graph = new OnnxGraph("main");
 * const [t] = graph.node("Transpose", [graph.input("x", "f32", [1, 2, 2, 3])], { perm: { ints: [0, 3, 1, 2] } });
 * graph.output(graph.node("Relu", [t])[0], "y", "f32", [1, 3, 2, 2]);
 * foldTransposes(graph); // in place; the model computes the same values
 * ```
 * @module
 */
import type { OnnxGraph, OnnxNode } from "./graph.js";

/** Nodes that act elementwise on inputs that broadcast as numpy does. */
const ELEMENTWISE = new Set([
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Max",
  "Min",
  "Less",
  "LessOrEqual",
  "Greater",
  "GreaterOrEqual",
  "Equal",
  "Not",
  "Where",
  "Neg",
  "Exp",
  "Log",
  "Sin",
  "Cos",
  "Tanh",
  "Sigmoid",
  "Sqrt",
  "Abs",
  "Sign",
  "Floor",
  "Erf",
  "Cast",
  "Identity",
]);

const permOf = (n: OnnxNode): readonly number[] => {
  const a = n.attrs.perm;
  return a && "ints" in a ? a.ints : [];
};
const inverse = (p: readonly number[]): number[] => {
  const q: number[] = [];
  p.forEach((v, i) => {
    q[v] = i;
  });
  return q;
};
const isIdentity = (p: readonly number[]) => p.every((v, i) => v === i);

/**
 * Moves transposes below elementwise nodes and merges transposes in a row, in the main graph of
 * `g` (subgraph bodies are left as they are), then drops the nodes nothing reads.
 * @example
 * ```ts
 * const model = tg.nn.sequential([8, 8, 1], tg.nn.conv2d(4, 3), tg.nn.relu, tg.nn.maxPool2d(2));
 * // exportOnnx runs this pass on its graph: Conv → relu → MaxPool with no Transpose between them
 * const bytes = tg.io.exportOnnx((p, x) => model.apply(p, x), model.init(tg.random.key(0)), tg.zeros([1, 8, 8, 1]));
 * ```
 */
export function foldTransposes(g: OnnxGraph): void {
  for (let round = 0; round < 64; round++) {
    const producer = new Map<string, OnnxNode>();
    for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
    const transposeOf = (name: string) => {
      const p = producer.get(name);
      return p && p.op === "Transpose" ? p : undefined;
    };
    let changed = false;
    for (let i = 0; i < g.nodes.length; i++) {
      const n = g.nodes[i];
      if (n.op === "Transpose") {
        // two in a row: one transpose by the composed permutation, or none
        const first = transposeOf(n.inputs[0]);
        if (!first) continue;
        const p = permOf(first);
        const q = permOf(n);
        const composed = q.map((a) => p[a]);
        g.nodes[i] = isIdentity(composed)
          ? g.makeNode("Identity", [first.inputs[0]], n.outputs)
          : g.makeNode("Transpose", [first.inputs[0]], n.outputs, { perm: { ints: composed } });
        changed = true;
        continue;
      }
      const moved =
        n.outputs.length !== 1
          ? undefined
          : ELEMENTWISE.has(n.op)
            ? sink(g, n, transposeOf)
            : REDUCE.has(n.op)
              ? sinkReduce(g, n, transposeOf)
              : n.op === "Slice"
                ? sinkSlice(g, n, transposeOf)
                : undefined;
      if (moved) {
        g.nodes.splice(i, 1, ...moved);
        i += moved.length - 1;
        changed = true;
      }
    }
    changed = prune(g) || changed;
    if (!changed) break;
  }
  dropIdentities(g);
}

/** Identity nodes (left where two transposes cancelled) removed: their readers read the input. */
function dropIdentities(g: OnnxGraph): void {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const alias = new Map<string, string>();
  const resolve = (x: string): string => {
    let y = x;
    while (alias.has(y)) y = alias.get(y) as string;
    return y;
  };
  for (const n of g.nodes)
    if (n.op === "Identity" && !outputs.has(n.outputs[0])) alias.set(n.outputs[0], n.inputs[0]);
  if (alias.size === 0) return;
  const rename = (graph: OnnxGraph) => {
    for (const n of graph.nodes) {
      n.inputs = n.inputs.map(resolve);
      for (const a of Object.values(n.attrs)) if ("g" in a) rename(a.g);
    }
  };
  rename(g);
  const kept = g.nodes.filter((n) => !(n.op === "Identity" && alias.has(n.outputs[0])));
  g.nodes.splice(0, g.nodes.length, ...kept);
}

/**
 * `op(transpose(a, P), c)` as `transpose(op(a, c'), P)` when every input is a transpose by the
 * same P or a constant (c' is c transposed by P's inverse); undefined when it does not apply.
 */
function sink(
  g: OnnxGraph,
  n: OnnxNode,
  transposeOf: (name: string) => OnnxNode | undefined,
): OnnxNode[] | undefined {
  let perm: readonly number[] | undefined;
  for (const x of n.inputs) {
    const t = transposeOf(x);
    if (t) {
      const p = permOf(t);
      if (perm && (perm.length !== p.length || perm.some((v, i) => v !== p[i]))) return undefined;
      perm = p;
    } else if (!g.constantOf(x)) return undefined;
  }
  if (!perm) return undefined;
  const inv = inverse(perm);
  const inputs: string[] = [];
  for (const x of n.inputs) {
    const t = transposeOf(x);
    if (t) inputs.push(t.inputs[0]);
    else {
      const c = g.constantOf(x);
      if (!c || c.dims.length > perm.length) return undefined;
      // a scalar broadcasts the same in any layout
      const moved = c.dims.length === 0 ? x : g.transposeConstant(x, inv);
      if (moved === undefined) return undefined;
      inputs.push(moved);
    }
  }
  const inner = g.fresh(`${n.outputs[0]}_nchw`);
  return [
    g.makeNode(n.op, inputs, [inner], n.attrs),
    g.makeNode("Transpose", [inner], n.outputs, { perm: { ints: perm } }),
  ];
}

const REDUCE = new Set(["ReduceSum", "ReduceMax", "ReduceMin"]);

/**
 * `reduce(transpose(a, P), axes)` as `transpose(reduce(a, P[axes]), P')`, P' the order of the
 * axes that remain (no transpose when it keeps them in place).
 */
function sinkReduce(
  g: OnnxGraph,
  n: OnnxNode,
  transposeOf: (name: string) => OnnxNode | undefined,
): OnnxNode[] | undefined {
  const t = transposeOf(n.inputs[0]);
  const keep = n.attrs.keepdims;
  if (!t || !keep || !("i" in keep) || keep.i !== 0) return undefined;
  const perm = permOf(t);
  const attr = n.attrs.axes;
  const axes = attr && "ints" in attr ? attr.ints : g.int64Values(n.inputs[1] ?? "");
  if (!axes || axes.length === 0) return undefined;
  const norm = axes.map((a) => (a < 0 ? a + perm.length : a));
  const moved = norm.map((a) => perm[a]);
  const remaining = perm.filter((_, i) => !norm.includes(i)); // axes of `a`, in the result's order
  const sorted = [...remaining].sort((x, y) => x - y);
  const rest = remaining.map((a) => sorted.indexOf(a));
  const inner = g.fresh(`${n.outputs[0]}_nchw`);
  const reduce =
    attr && "ints" in attr
      ? g.makeNode(n.op, [t.inputs[0]], [inner], { ...n.attrs, axes: { ints: moved } })
      : g.makeNode(n.op, [t.inputs[0], g.int64s(moved, "axes")], [inner], n.attrs);
  const after = isIdentity(rest)
    ? g.makeNode("Identity", [inner], n.outputs)
    : g.makeNode("Transpose", [inner], n.outputs, { perm: { ints: rest } });
  return [reduce, after];
}

/** `slice(transpose(a, P), axes)` as `transpose(slice(a, P[axes]), P)` (constant axes only). */
function sinkSlice(
  g: OnnxGraph,
  n: OnnxNode,
  transposeOf: (name: string) => OnnxNode | undefined,
): OnnxNode[] | undefined {
  const t = transposeOf(n.inputs[0]);
  const axes = g.int64Values(n.inputs[3] ?? "");
  if (!t || !axes) return undefined;
  const perm = permOf(t);
  const moved = axes.map((a) => perm[a < 0 ? a + perm.length : a]);
  const inner = g.fresh(`${n.outputs[0]}_nchw`);
  const inputs = [
    t.inputs[0],
    n.inputs[1],
    n.inputs[2],
    g.int64s(moved, "axes"),
    ...n.inputs.slice(4),
  ];
  return [
    g.makeNode("Slice", inputs, [inner]),
    g.makeNode("Transpose", [inner], n.outputs, { perm: { ints: perm } }),
  ];
}

/** Drops nodes whose outputs nothing reads (in this graph, its subgraphs, or its outputs). */
function prune(g: OnnxGraph): boolean {
  const read = new Set<string>(g.outputs.map((o) => o.name));
  const readBy = (graph: OnnxGraph) => {
    for (const n of graph.nodes) {
      for (const x of n.inputs) read.add(x);
      for (const a of Object.values(n.attrs)) if ("g" in a) readBy(a.g);
    }
  };
  // one backward sweep: the nodes are in topological order
  const kept: OnnxNode[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => read.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) read.add(x);
    for (const a of Object.values(n.attrs)) if ("g" in a) readBy(a.g);
  }
  if (kept.length === g.nodes.length) return false;
  g.nodes.splice(0, g.nodes.length, ...kept.reverse());
  return true;
}
