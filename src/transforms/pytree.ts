/**
 * Pytrees: tensors nested in records and arrays. Transformations flatten their arguments into a
 * list of tensors, and rebuild results with the same structure.
 *
 * @example
 * ```ts
 * const [leaves, def] = flatten({ w: tg.zeros([2]), b: [tg.ones([1])] });
 * unflatten(def, leaves); // the same structure again
 * ```
 * @module
 */
import { Tensor, type AnyTensor as T } from "../tensor/tensor.js";

/** The structure of a pytree without its tensors. Non-tensor leaves are kept as static values. */
export type TreeDef =
  | { kind: "leaf" }
  | { kind: "array"; children: TreeDef[] }
  | { kind: "record"; keys: string[]; children: TreeDef[] }
  | { kind: "static"; value: unknown };

/**
 * The tensors of a tree, in a fixed order (record keys sorted), and its structure.
 * @example
 * ```ts
 * flatten([tg.zeros([1]), { a: tg.ones([2]) }])[0].length; // 2
 * ```
 */
export function flatten(tree: unknown): [T[], TreeDef] {
  const leaves: T[] = [];
  const walk = (x: unknown): TreeDef => {
    if (x instanceof Tensor) {
      leaves.push(x);
      return { kind: "leaf" };
    }
    if (Array.isArray(x)) return { kind: "array", children: x.map(walk) };
    if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
      const keys = Object.keys(x).sort();
      return {
        kind: "record",
        keys,
        children: keys.map((k) => walk((x as Record<string, unknown>)[k])),
      };
    }
    return { kind: "static", value: x };
  };
  const def = walk(tree);
  return [leaves, def];
}

/**
 * Rebuilds a tree of structure `def` from its tensors.
 * @example
 * ```ts
 * const x = tg.tensor([1, 2]);
 * const [l, d] = flatten({ a: x }); unflatten<{ a: T }>(d, l).a === x; // true
 * ```
 */
export function unflatten<R = unknown>(def: TreeDef, leaves: readonly T[]): R {
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        return leaves[i++];
      case "array":
        return d.children.map(build);
      case "record": {
        const out: Record<string, unknown> = {};
        d.keys.forEach((k, j) => (out[k] = build(d.children[j])));
        return out;
      }
      case "static":
        return d.value;
    }
  };
  return build(def) as R;
}

/** A string that identifies a structure (with its static values), for caching traces. */
export function treeKey(def: TreeDef): string {
  switch (def.kind) {
    case "leaf":
      return "T";
    case "array":
      return `[${def.children.map(treeKey).join(",")}]`;
    case "record":
      return `{${def.keys.map((k, j) => `${k}:${treeKey(def.children[j])}`).join(",")}}`;
    case "static":
      return typeof def.value === "function" ? "fn" : (JSON.stringify(def.value) ?? "undefined");
  }
}

/**
 * Applies `f` to every tensor of a tree, keeping its structure.
 * @example
 * ```ts
 * const params = tg.nn.dense(3, 2).init(tg.random.key(0));
 * treeMap(params, (w) => tg.mul(w, 0.5)); // every leaf halved, same structure
 * ```
 */
export function treeMap<R>(tree: R, f: (t: T, i: number) => T): R {
  const [leaves, def] = flatten(tree);
  return unflatten<R>(def, leaves.map(f));
}
