/**
 * How typegrad's layer parameters correspond to PyTorch's `state_dict` entries: one row per layer
 * kind, recognized by the keys of its parameter record, with the names PyTorch gives each tensor
 * and the layout change in both directions.
 *
 * | typegrad record                          | PyTorch module | change                              |
 * |------------------------------------------|----------------|-------------------------------------|
 * | dense `{ w: [in, out], b }`              | `Linear`       | `weight` is `[out, in]`             |
 * | conv2d `{ w: [kh, kw, cin, cout], b }`   | `Conv2d`       | `weight` is `[cout, cin, kh, kw]`   |
 * | dense / conv2d `{ w }` (`useBias: false`) | `bias=False`  | `weight` alone                      |
 * | lstm `{ kernel, recurrentKernel, bias }` | `LSTM`         | transposed; `bias_ih + bias_hh`     |
 * | gru `{ …, recurrentBias }`               | `GRU`          | gates (z, r, h) ↔ (r, z, n)         |
 * | simpleRnn `{ kernel, … }` (one gate)     | `RNN`          | transposed; `bias_ih + bias_hh`     |
 * | embedding `{ table }`                    | `Embedding`    | `weight`, as it is                  |
 * | batchNorm / layerNorm `{ gamma, beta }`  | `BatchNorm*`, `LayerNorm` | `weight`, `bias`         |
 * | batchNorm state `{ mean, variance }`     | `BatchNorm*`   | `running_mean`, `running_var`       |
 * @example
 * ```ts
 * layerRow({ w: tg.zeros([4, 3]), b: tg.zeros([3]) })?.kind; // "linear"
 * ```
 * @module
 */
import { isTensor } from "../data/dataset.js";
import type { AnyTensor } from "../tensor/tensor.js";

/** A tensor's values on the host, in float64, with its shape. */
export interface Host {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

/** The host copy of a tensor. */
export function host(t: AnyTensor): Host {
  return { data: Float64Array.from(t.dataSync() as ArrayLike<number>), shape: [...t.shape] };
}

/** `x` with its axes permuted (`out.shape[i] = x.shape[perm[i]]`). */
export function permute(x: Host, perm: readonly number[]): Host {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = strides(x.shape);
  const outStrides = strides(shape);
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    let rest = o;
    for (let a = 0; a < shape.length; a++) {
      const i = Math.floor(rest / outStrides[a]);
      rest -= i * outStrides[a];
      src += i * inStrides[perm[a]];
    }
    data[o] = x.data[src];
  }
  return { data, shape };
}

function strides(shape: readonly number[]): number[] {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** The transpose of a matrix. */
const t2 = (x: Host): Host => permute(x, [1, 0]);

/**
 * Reorders the `gates` equal blocks of axis 0 by `order` (block `i` of the result is block
 * `order[i]` of `x`).
 */
export function gateOrder(x: Host, gates: number, order: readonly number[]): Host {
  const block = x.data.length / gates;
  const data = new Float64Array(x.data.length);
  order.forEach((from, i) =>
    data.set(x.data.subarray(from * block, (from + 1) * block), i * block),
  );
  return { data, shape: x.shape };
}

function sum(a: Host, b: Host): Host {
  return { data: a.data.map((v, i) => v + b.data[i]), shape: a.shape };
}

function zerosLike(a: Host): Host {
  return { data: new Float64Array(a.data.length), shape: a.shape };
}

/**
 * Reorders the input rows of a dense kernel fed by a flattened `[h, w, c]` map: PyTorch flattens
 * NCHW maps in (c, h, w) order, typegrad NHWC maps in (h, w, c) order. `toTorch` goes from
 * typegrad's row order to PyTorch's.
 */
export function flattenOrder(x: Host, hwc: readonly number[], toTorch: boolean): Host {
  const [h, w, c] = hwc;
  const cols = x.shape[1];
  if (x.shape[0] !== h * w * c)
    throw new RangeError(`${x.shape[0]} input features are not a flattened [${hwc.join(", ")}]`);
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let k = 0; k < c; k++) {
        const ours = (i * w + j) * c + k;
        const theirs = (k * h + i) * w + j;
        const [from, to] = toTorch ? [ours, theirs] : [theirs, ours];
        data.set(x.data.subarray(from * cols, (from + 1) * cols), to * cols);
      }
  return { data, shape: x.shape };
}

/** GRU gates: typegrad (z, r, h) from PyTorch (r, z, n); the swap is its own inverse. */
const GRU_ORDER = [1, 0, 2];

/** The options a row needs beyond the tensors. */
export interface RowOptions {
  /** For a dense layer fed by a flatten: the `[h, w, c]` map it flattens. */
  flattened?: readonly number[];
}

/** One layer kind: its PyTorch entry names, and the conversions both ways. */
export interface LayerRow {
  readonly kind: string;
  /** The PyTorch entry names (without the module prefix) that `load` reads. */
  readonly torchNames: readonly string[];
  /** typegrad leaves (by key) from PyTorch entries (by name). */
  load(get: (name: string) => Host, o: RowOptions): Record<string, Host>;
  /** PyTorch entries (by name) from typegrad leaves (by key). */
  save(leaves: Record<string, Host>, o: RowOptions): Record<string, Host>;
}

/** Linear's `weight [out, in]` ↔ dense's `w [in, out]` (rows reordered after a flatten). */
const linearIn = (weight: Host, o: RowOptions): Host => {
  const w = t2(weight);
  return o.flattened ? flattenOrder(w, o.flattened, false) : w;
};
const linearOut = (w: Host, o: RowOptions): Host =>
  t2(o.flattened ? flattenOrder(w, o.flattened, true) : w);

const linear: LayerRow = {
  kind: "linear",
  torchNames: ["weight", "bias"],
  load: (get, o) => ({ w: linearIn(get("weight"), o), b: get("bias") }),
  save: ({ w, b }, o) => ({ weight: linearOut(w, o), bias: b }),
};

/** A dense layer with `useBias: false`: PyTorch's `Linear(…, bias=False)`. */
const linearNoBias: LayerRow = {
  kind: "linear without bias",
  torchNames: ["weight"],
  load: (get, o) => ({ w: linearIn(get("weight"), o) }),
  save: ({ w }, o) => ({ weight: linearOut(w, o) }),
};

/** Conv2d's `weight` is OIHW, conv2d's `w` HWIO. */
const oihw = (w: Host): Host => permute(w, [3, 2, 0, 1]);
const hwio = (weight: Host): Host => permute(weight, [2, 3, 1, 0]);

const conv2d: LayerRow = {
  kind: "conv2d",
  torchNames: ["weight", "bias"],
  load: (get) => ({ w: hwio(get("weight")), b: get("bias") }),
  save: ({ w, b }) => ({ weight: oihw(w), bias: b }),
};

/** A conv2d layer with `useBias: false`: PyTorch's `Conv2d(…, bias=False)`. */
const conv2dNoBias: LayerRow = {
  kind: "conv2d without bias",
  torchNames: ["weight"],
  load: (get) => ({ w: hwio(get("weight")) }),
  save: ({ w }) => ({ weight: oihw(w) }),
};

const RNN_NAMES = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"];

/** LSTM (gate order i, f, g, o in both) and simple RNN: one fused bias. */
const fusedBias = (kind: string): LayerRow => ({
  kind,
  torchNames: RNN_NAMES,
  load: (get) => ({
    kernel: t2(get("weight_ih_l0")),
    recurrentKernel: t2(get("weight_hh_l0")),
    bias: sum(get("bias_ih_l0"), get("bias_hh_l0")),
  }),
  save: ({ kernel, recurrentKernel, bias }) => ({
    weight_ih_l0: t2(kernel),
    weight_hh_l0: t2(recurrentKernel),
    bias_ih_l0: bias,
    bias_hh_l0: zerosLike(bias),
  }),
});

const gru: LayerRow = {
  kind: "gru",
  torchNames: RNN_NAMES,
  load: (get) => ({
    kernel: t2(gateOrder(get("weight_ih_l0"), 3, GRU_ORDER)),
    recurrentKernel: t2(gateOrder(get("weight_hh_l0"), 3, GRU_ORDER)),
    bias: gateOrder(get("bias_ih_l0"), 3, GRU_ORDER),
    recurrentBias: gateOrder(get("bias_hh_l0"), 3, GRU_ORDER),
  }),
  save: ({ kernel, recurrentKernel, bias, recurrentBias }) => ({
    weight_ih_l0: gateOrder(t2(kernel), 3, GRU_ORDER),
    weight_hh_l0: gateOrder(t2(recurrentKernel), 3, GRU_ORDER),
    bias_ih_l0: gateOrder(bias, 3, GRU_ORDER),
    bias_hh_l0: gateOrder(recurrentBias, 3, GRU_ORDER),
  }),
};

const embedding: LayerRow = {
  kind: "embedding",
  torchNames: ["weight"],
  load: (get) => ({ table: get("weight") }),
  save: ({ table }) => ({ weight: table }),
};

const norm: LayerRow = {
  kind: "norm",
  torchNames: ["weight", "bias"],
  load: (get) => ({ gamma: get("weight"), beta: get("bias") }),
  save: ({ gamma, beta }) => ({ weight: gamma, bias: beta }),
};

const batchNormState: LayerRow = {
  kind: "batchNorm state",
  torchNames: ["running_mean", "running_var"],
  load: (get) => ({ mean: get("running_mean"), variance: get("running_var") }),
  save: ({ mean, variance }) => ({
    running_mean: mean,
    running_var: variance,
    num_batches_tracked: { data: new Float64Array(1), shape: [] },
  }),
};

const sameKeys = (r: Record<string, unknown>, keys: string[]) => {
  const ks = Object.keys(r);
  return ks.length === keys.length && keys.every((k) => isTensor(r[k]));
};

/**
 * The row for a parameter record, or undefined when the record is not one layer's parameters
 * (then its children are looked at).
 * @example
 * ```ts
 * layerRow({ table: tg.zeros([100, 8]) })?.kind; // "embedding"
 * ```
 */
export function layerRow(r: Record<string, unknown>): LayerRow | undefined {
  if (sameKeys(r, ["w", "b"])) {
    const rank = (r.w as AnyTensor).rank;
    return rank === 2 ? linear : rank === 4 ? conv2d : undefined;
  }
  if (sameKeys(r, ["w"])) {
    const rank = (r.w as AnyTensor).rank;
    return rank === 2 ? linearNoBias : rank === 4 ? conv2dNoBias : undefined;
  }
  if (sameKeys(r, ["kernel", "recurrentKernel", "bias"])) {
    const k = r.kernel as AnyTensor;
    const u = (r.recurrentKernel as AnyTensor).shape[0];
    const gates = k.shape[1] / u;
    return gates === 4 ? fusedBias("lstm") : gates === 1 ? fusedBias("simpleRnn") : undefined;
  }
  if (sameKeys(r, ["kernel", "recurrentKernel", "bias", "recurrentBias"])) return gru;
  if (sameKeys(r, ["table"])) return embedding;
  if (sameKeys(r, ["gamma", "beta"])) return norm;
  if (sameKeys(r, ["mean", "variance"])) return batchNormState;
  return undefined;
}
