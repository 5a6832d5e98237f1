/**
 * Flattening a pytree of tensors (tensors nested in records and arrays) into dotted names, and
 * rebuilding a tree of the same structure.
 * @module
 */
import { isTensor } from "../data/dataset.js";
import type { AnyTensor } from "../tensor/tensor.js";

/**
 * The tensors of a tree, by dotted path (`"layers.0.w"`), in traversal order (record keys in
 * insertion order, arrays by index). Leaves that are not tensors (numbers, null) are left out.
 * @example
 * ```ts
 * const [w, b] = [tg.zeros([2, 3]), tg.zeros([3])];
 * flattenTree({ layers: [{ w, b }] }); // [["layers.0.w", w], ["layers.0.b", b]]
 * ```
 */
export function flattenTree(tree: unknown, prefix = ""): [string, AnyTensor][] {
  const out: [string, AnyTensor][] = [];
  const walk = (node: unknown, path: string) => {
    if (isTensor(node)) {
      out.push([path, node]);
      return;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], path ? `${path}.${i}` : String(i));
    } else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k.includes("."))
          throw new Error(`flattenTree: the key "${k}" at "${path}" contains a dot`);
        walk(v, path ? `${path}.${k}` : k);
      }
    }
  };
  walk(tree, prefix);
  return out;
}

/**
 * A tree of the structure of `like` whose tensors are replaced by `leaf(path, tensor)`; other
 * leaves are kept.
 * @example
 * ```ts
 * const params = tg.nn.dense(3, 2).init(tg.random.key(0));
 * mapTree(params, (path, t) => tg.zerosLike(t)); // the same tree, every leaf zeros
 * ```
 */
export function mapTree<T>(like: T, leaf: (path: string, t: AnyTensor) => AnyTensor): T {
  const walk = (node: unknown, path: string): unknown => {
    if (isTensor(node)) return leaf(path, node);
    if (Array.isArray(node)) return node.map((c, i) => walk(c, path ? `${path}.${i}` : String(i)));
    if (node !== null && typeof node === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        // defineProperty, not `o[k] =`: a key "__proto__" would set the prototype instead
        const value = walk(v, path ? `${path}.${k}` : k);
        Object.defineProperty(o, k, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
    return node;
  };
  return walk(like, "") as T;
}
