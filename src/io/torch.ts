/**
 * PyTorch weights in and out through safetensors: `loadTorch` reads a PyTorch `state_dict` saved as
 * safetensors into a typegrad parameter (or state) tree, converting names and layouts layer by
 * layer (see `torch-layout.ts`); `saveTorch` writes the reverse, a file that
 * `model.load_state_dict(safetensors.torch.load_file(path))` accepts. Normalization epsilons
 * are not weights: `loadTorch` checks them against the PyTorch model's and `saveTorch` records
 * them in the file's metadata (see `torch-eps.ts`); both need `{ model }` for that.
 *
 * Names: a typegrad layer at path `3` (its index in `sequential`) reads PyTorch's module `3`, as
 * in an `nn.Sequential` built in the same order (activations included); `modules` renames paths
 * (`{ "0": "rnn", "1": "fc" }` for a module with attributes `rnn` and `fc`).
 * @example
 * ```ts
 * const model = tg.nn.sequential([6], tg.nn.dense(16), tg.nn.relu, tg.nn.dense(3));
 * const bytes = tg.io.saveTorch(model.init(tg.random.key(1))); // e.g. a state_dict saved by PyTorch
 * const params = E.getOrElseW(() => undefined)(tg.io.loadTorch(bytes, model.init(tg.random.key(0))));
 * const back = tg.io.saveTorch(params); // the same names and layouts as PyTorch's state_dict
 * ```
 * @module
 */
import * as E from "fp-ts/lib/Either.js";
import type { Either } from "./either.js";
import { isTensor } from "../data/dataset.js";
import { fromTyped } from "../data/host.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor } from "../tensor/tensor.js";
import type { AnyLayer } from "../nn/layer.js";
import { type LoadError, loadError } from "./load-error.js";
import { parseSafetensors, readSafetensors, saveSafetensors } from "./safetensors.js";
import {
  epsKey,
  fmtEps,
  type NormLayer,
  normAt,
  normLayers,
  sameEps,
  TORCH_EPS,
} from "./torch-eps.js";
import { type Host, host, type LayerRow, layerRow } from "./torch-layout.js";
import { mapTree } from "./tree.js";

/** Options of `loadTorch` and `saveTorch`. */
export interface TorchOptions {
  /**
   * PyTorch module names by typegrad path (or path prefix): `{ "0": "rnn", "1": "fc" }`. An empty
   * name drops the prefix: `saveTorch({ params, state }, { modules: { params: "", state: "" } })`
   * writes parameters and running averages into one state_dict. The key `""` prefixes every
   * path: `{ "": "model" }` reads `model.0.weight` for layer 0.
   */
  modules?: Readonly<Record<string, string>>;
  /**
   * Dense layers fed by a flatten of an image map, by the dense layer's path: the `[h, w, c]` map
   * it flattens. PyTorch flattens NCHW maps channel first, typegrad NHWC maps channel last, so the
   * dense kernel's rows are reordered.
   */
  flattened?: Readonly<Record<string, readonly [number, number, number]>>;
  /** Reject file entries that no parameter reads (default false: a state_dict also holds buffers). */
  strict?: boolean;
  /**
   * The typegrad model the tree belongs to. Needed when the tree holds batch- or layer-norm
   * parameters or statistics: their `epsilon` is part of the layer, not of the tree. `loadTorch`
   * checks it against the PyTorch model's; `saveTorch` records it in the file's metadata.
   */
  model?: AnyLayer;
  /**
   * The `eps` of the PyTorch model's normalization layers: one number for all, or one per PyTorch
   * module name (`{ "1": 1e-3, "bn2": 1e-4 }`). Default 1e-5, PyTorch's. `loadTorch` reads it
   * only for a file whose metadata does not record it (a state_dict saved by PyTorch); `saveTorch`
   * requires each typegrad layer's epsilon to equal it.
   */
  epsilon?: number | Readonly<Record<string, number>>;
}

/** One layer's parameters (a row of torch-layout), or a lone tensor read under its own name. */
type Unit =
  | { path: string; row: LayerRow; leaves: Record<string, AnyTensor> }
  | { path: string; row: undefined; leaf: AnyTensor };

function units(tree: unknown): Unit[] {
  const out: Unit[] = [];
  const walk = (node: unknown, path: string) => {
    const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
    if (isTensor(node)) out.push({ path, row: undefined, leaf: node });
    else if (Array.isArray(node)) node.forEach((c, i) => walk(c, at(i)));
    else if (node !== null && typeof node === "object") {
      const rec = node as Record<string, unknown>;
      const row = layerRow(rec);
      if (row) out.push({ path, row, leaves: rec as Record<string, AnyTensor> });
      else for (const [k, v] of Object.entries(rec)) walk(v, at(k));
    }
  };
  walk(tree, "");
  return out;
}

/** The PyTorch module name of a typegrad path (the longest matching prefix of `modules` renamed). */
function moduleName(path: string, modules: Readonly<Record<string, string>> = {}): string {
  let best: string | undefined;
  for (const k of Object.keys(modules))
    if ((k === "" || path === k || path.startsWith(`${k}.`)) && k.length >= (best?.length ?? 0))
      best = k;
  if (best === undefined) return path;
  const rest = path.slice(best.length).replace(/^\./, "");
  const mod = modules[best];
  return rest === "" ? mod : mod === "" ? rest : `${mod}.${rest}`;
}

const join = (a: string, b: string) => (a ? `${a}.${b}` : b);

/**
 * Loads a PyTorch `state_dict` saved as safetensors into a tree of the structure, shapes and
 * dtypes of `like` (parameters, or a layer state holding batch-norm running averages). Returns a
 * `LoadError` naming the PyTorch entry when one is missing or has the wrong shape. A tree with
 * batch- or layer-norm parameters or statistics needs `{ model }`: each such layer's `epsilon`
 * must equal the PyTorch module's `eps` (the file's `"<module>.eps"` metadata, else `{ epsilon }`,
 * else PyTorch's default 1e-5), or the result is a `bad-argument` error naming both.
 * @example
 * ```ts
 * const rnn = tg.nn.sequential([5, 3], tg.nn.lstm(8), tg.nn.dense(2));
 * const bytes = tg.io.saveTorch(rnn.init(tg.random.key(1)), { modules: { "0": "rnn", "1": "fc" } });
 * tg.io.loadTorch(bytes, rnn.init(tg.random.key(0)), { modules: { "0": "rnn", "1": "fc" } });
 * // nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8)), saved by PyTorch: eps 1e-5
 * const ln = tg.nn.sequential([4], tg.nn.dense(8), tg.nn.layerNorm({ epsilon: 1e-5 }));
 * const sd = tg.io.saveTorch(ln.init(tg.random.key(1)), { model: ln });
 * tg.io.loadTorch(sd, ln.init(tg.random.key(0)), { model: ln }); // Right: 1e-5 on both sides
 * ```
 */
export function loadTorch<T>(
  bytes: Uint8Array,
  like: T,
  opts: TorchOptions = {},
): Either<LoadError, T> {
  const file = readSafetensors(bytes);
  if (E.isLeft(file)) return file;
  const entries = file.right;
  const meta = parsed(bytes); // parsed above already, so a Right
  const metadata: Meta = E.isRight(meta) ? meta.right : {};
  const norms = opts.model ? normLayers(opts.model) : undefined;
  const used = new Set<string>();
  const values = new Map<string, Host>();
  const want = new Map<string, string>(); // typegrad path → the PyTorch entries it came from
  for (const u of units(like)) {
    const mod = moduleName(u.path, opts.modules);
    if (!u.row) {
      const name = mod;
      if (!Object.hasOwn(entries, name)) return E.left(missing(name, u.path, entries));
      used.add(name);
      values.set(u.path, host(entries[name]));
      want.set(u.path, name);
      continue;
    }
    const row = u.row;
    if (isNorm(row.kind)) {
      const bad = checkEps(u.path, mod, row.kind, norms, metadata, opts.epsilon);
      if (bad) return E.left(bad);
    }
    for (const n of row.torchNames) {
      const name = join(mod, n);
      if (!Object.hasOwn(entries, name))
        return E.left(missing(name, `${u.path} (${row.kind})`, entries));
      used.add(name);
    }
    let got: Record<string, Host>;
    try {
      got = row.load((n) => host(entries[join(mod, n)]), { flattened: opts.flattened?.[u.path] });
    } catch (e) {
      return E.left(
        loadError(
          "shape-mismatch",
          `loadTorch: ${row.kind} ${mod || "(root)"}: ${(e as Error).message}`,
        ),
      );
    }
    const from = row.torchNames
      .map((n) => `${join(mod, n)} [${entries[join(mod, n)].shape.join(", ")}]`)
      .join(", ");
    for (const [k, v] of Object.entries(got)) {
      values.set(join(u.path, k), v);
      want.set(join(u.path, k), from);
    }
  }
  if (opts.strict) {
    const extra = Object.keys(entries).filter((k) => !used.has(k));
    if (extra.length)
      return E.left(
        loadError(
          "unexpected-key",
          `loadTorch: ${extra.length} entries that no parameter reads: ${extra.slice(0, 8).join(", ")}${extra.length > 8 ? ", …" : ""}`,
        ),
      );
  }
  let bad: LoadError | undefined;
  const out = mapTree(like, (path, t) => {
    const v = values.get(path);
    if (bad) return t;
    if (!v || v.shape.length !== t.rank || v.shape.some((d, i) => d !== t.shape[i])) {
      bad = loadError(
        "shape-mismatch",
        `loadTorch: ${path} is [${t.shape.join(", ")}] but PyTorch's ${want.get(path) ?? path} give${v ? ` [${v.shape.join(", ")}]` : " nothing"}`,
      );
      return t;
    }
    return fromTyped(v.data, v.shape, t.dtype);
  });
  return bad ? E.left(bad) : E.right(out);
}

type Meta = Readonly<Record<string, string>>;
const parsed = (bytes: Uint8Array): Either<LoadError, Meta> =>
  E.map((f: { metadata: Meta }) => f.metadata)(parseSafetensors(bytes));

/** Rows whose layer has an epsilon: batch- or layer-norm parameters, batch-norm statistics. */
const isNorm = (kind: string) => kind === "norm" || kind === "batchNorm state";

/** The typegrad layer of a normalization unit, or why it cannot be known. */
function normOf(
  op: string,
  path: string,
  kind: string,
  norms: readonly NormLayer[] | undefined,
): NormLayer | string {
  const what = kind === "norm" ? "batch- or layer-norm parameters" : "batch-norm statistics";
  if (!norms)
    return `${op}: ${path || "(root)"} holds ${what}, and their epsilon is part of the layer, not of the tree: pass { model } so that it can be ${op === "loadTorch" ? "checked against the PyTorch model's" : "recorded in the file"}`;
  const n = normAt(norms, path);
  return (
    n ??
    `${op}: ${path || "(root)"} holds ${what}, but { model } has no normalization layer there (it has ${norms.map((l) => `${l.name} at ${l.path || "(root)"}`).join(", ") || "none"})`
  );
}

/**
 * The PyTorch module's eps and where it comes from: the file's metadata, else `{ epsilon }`, else
 * PyTorch's default; or why it is not a valid epsilon.
 */
function torchEps(
  op: string,
  mod: string,
  metadata: Meta,
  stated: TorchOptions["epsilon"],
): { eps: number; source: string } | string {
  const key = epsKey(mod);
  if (Object.hasOwn(metadata, key)) {
    const eps = Number(metadata[key]);
    if (!(eps > 0)) return `${op}: metadata "${key}" is "${metadata[key]}", not an epsilon`;
    return { eps, source: `the file's metadata "${key}"` };
  }
  if (typeof stated === "number" || (stated && Object.hasOwn(stated, mod))) {
    const eps = typeof stated === "number" ? stated : stated[mod];
    if (!(eps > 0))
      return `${op}: { epsilon } gives ${eps} for ${mod || "(root)"}, not a positive number`;
    return { eps, source: "{ epsilon }" };
  }
  const none = op === "loadTorch" ? "; the file does not record it" : "";
  return { eps: TORCH_EPS, source: `PyTorch's default${none}` };
}

/** A LoadError when the typegrad layer's epsilon differs from the PyTorch model's. */
function checkEps(
  path: string,
  mod: string,
  kind: string,
  norms: readonly NormLayer[] | undefined,
  metadata: Meta,
  stated: TorchOptions["epsilon"],
): LoadError | undefined {
  const layer = normOf("loadTorch", path, kind, norms);
  if (typeof layer === "string") return loadError("bad-argument", layer);
  const theirs = torchEps("loadTorch", mod, metadata, stated);
  if (typeof theirs === "string")
    return loadError(theirs.includes("metadata") ? "bad-header" : "bad-argument", theirs);
  if (sameEps(layer.epsilon, theirs.eps)) return undefined;
  const e = fmtEps(theirs.eps);
  return loadError(
    "bad-argument",
    `loadTorch: ${mod || "(root)"} (${layer.name}): the typegrad layer's epsilon is ${fmtEps(layer.epsilon)} but the PyTorch model's is ${e} (${theirs.source}); build the layer as ${layer.name}({ epsilon: ${e} })${theirs.source.startsWith("PyTorch") ? `, or, if the PyTorch module was built with another eps, state it with { epsilon: { "${mod}": … } }` : ""}`,
  );
}

function missing(name: string, what: string, entries: Record<string, unknown>): LoadError {
  const keys = Object.keys(entries);
  return loadError(
    "missing-key",
    `loadTorch: no entry "${name}" for ${what}; the file has ${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""} (map module names with { modules })`,
  );
}

/**
 * The safetensors bytes of a typegrad tree (parameters, or a state with batch-norm running
 * averages) in PyTorch's names and layouts, for `model.load_state_dict`. A batch-norm state also
 * gets `num_batches_tracked` (0), which `load_state_dict(strict=True)` expects. A tree with
 * normalization parameters needs `{ model }` (a `TypeError` says so otherwise): each layer's
 * `epsilon` must equal the PyTorch module's (`{ epsilon }`, else PyTorch's default 1e-5; a
 * `RangeError` names both otherwise), and goes into `__metadata__` as `"<module>.eps"`.
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * const params = tg.nn.sequential([6], tg.nn.dense(16), tg.nn.relu, tg.nn.dense(3)).init(tg.random.key(0));
 * writeFileSync("mlp.safetensors", tg.io.saveTorch(params));
 * // python: model.load_state_dict(safetensors.torch.load_file("mlp.safetensors"))
 * ```
 */
export function saveTorch(tree: unknown, opts: TorchOptions = {}): Uint8Array {
  const flat: [string, AnyTensor][] = [];
  const metadata: Record<string, string> = { format: "pt" };
  const norms = opts.model ? normLayers(opts.model) : undefined;
  for (const u of units(tree)) {
    const mod = moduleName(u.path, opts.modules);
    if (!u.row) {
      flat.push([mod, u.leaf]);
      continue;
    }
    if (isNorm(u.row.kind)) {
      const layer = normOf("saveTorch", u.path, u.row.kind, norms);
      if (typeof layer === "string") throw new TypeError(layer);
      const theirs = torchEps("saveTorch", mod, {}, opts.epsilon);
      if (typeof theirs === "string") throw new RangeError(theirs);
      if (!sameEps(layer.epsilon, theirs.eps)) {
        const [ours, e] = [fmtEps(layer.epsilon), fmtEps(theirs.eps)];
        throw new RangeError(
          `saveTorch: ${mod || "(root)"} (${layer.name}): the typegrad layer's epsilon is ${ours} but the PyTorch model's is ${e} (${theirs.source}); build the PyTorch module with eps=${ours} and state it with { epsilon: { "${mod}": ${ours} } }, or build the typegrad layer as ${layer.name}({ epsilon: ${e} })`,
        );
      }
      metadata[epsKey(mod)] = String(layer.epsilon);
    }
    const leaves = Object.fromEntries(Object.entries(u.leaves).map(([k, t]) => [k, host(t)]));
    const dtype: DType = Object.values(u.leaves)[0].dtype;
    const out = u.row.save(leaves, { flattened: opts.flattened?.[u.path] });
    for (const [n, h] of Object.entries(out)) {
      const dt: DType = n === "num_batches_tracked" ? "i32" : dtype;
      flat.push([join(mod, n), fromTyped(h.data, h.shape, dt)]);
    }
  }
  return saveSafetensors(nest(flat), metadata);
}

/** A tree whose dotted paths (as `flattenTree` gives them) are the given names. */
function nest(flat: [string, AnyTensor][]): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  for (const [name, t] of flat) {
    const parts = name.split(".");
    let node = root;
    for (const p of parts.slice(0, -1)) {
      if (!Object.hasOwn(node, p)) node[p] = Object.create(null);
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = t;
  }
  return root;
}
