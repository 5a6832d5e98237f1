/**
 * Where traced equations come from: layers push their names while they run, and the tracer
 * records the path (`layer 3 › dense`) on each equation it makes, so that a later error (an
 * export that cannot map a primitive, say) can name the layer as well as the primitive.
 * @example
 * ```ts
 * withSource("dense", () => sourcePath()); // "dense"
 * ```
 * @module
 */

const stack: string[] = [];

/**
 * Runs `fn` with `name` as the innermost source of the equations it traces.
 * @example
 * ```ts
 * const y = withSource("layer 2", () => tg.relu(tg.tensor([-1, 2])));
 * ```
 */
export function withSource<R>(name: string, fn: () => R): R {
  stack.push(name);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/**
 * The current source path, or undefined outside every layer.
 * @example
 * ```ts
 * sourcePath(); // "layer 3 › dense"
 * ```
 */
export function sourcePath(): string | undefined {
  return stack.length === 0 ? undefined : stack.join(" › ");
}
