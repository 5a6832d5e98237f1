/**
 * Cosine similarity between vectors, or between the rows of two matrices.
 * @module
 */
import { allocFilled } from "../data/host.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor, Tensor } from "../tensor/tensor.js";

/** A vector `cosineSimilarity` accepts: a tensor or an array of numbers. */
export type Vec = AnyTensor | ArrayLike<number>;

function values(x: Vec): { data: ArrayLike<number>; shape: readonly number[] } {
  if (typeof (x as AnyTensor).dataSync === "function")
    return { data: (x as AnyTensor).dataSync(), shape: (x as AnyTensor).shape };
  return { data: x as ArrayLike<number>, shape: [(x as ArrayLike<number>).length] };
}

function cos(
  a: ArrayLike<number>,
  ao: number,
  b: ArrayLike<number>,
  bo: number,
  n: number,
): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[ao + i];
    const y = b[bo + i];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * The cosine of the angle between two vectors, `a·b / (|a| |b|)` (0 if either is zero); or, for
 * matrices `[N, D]` and `[M, D]`, the `[N, M]` f32 tensor of the cosines between their rows.
 * @example
 * ```ts
 * tg.text.cosineSimilarity([1, 0], [1, 1]); // 0.7071…
 * const embeddings = tg.tensor([[1, 0], [0, 1], [1, 1]]); // [V, D] with V = 3
 * tg.text.cosineSimilarity(embeddings, embeddings).shape; // [V, V] = [3, 3]
 * ```
 */
export function cosineSimilarity(
  a: Tensor<[number, number]>,
  b: Tensor<[number, number]>,
): Tensor<[number, number], "f32">;
export function cosineSimilarity(
  a: Tensor<[number]> | ArrayLike<number>,
  b: Tensor<[number]> | ArrayLike<number>,
): number;
export function cosineSimilarity(a: Vec, b: Vec): number | Tensor<[number, number], "f32">;
export function cosineSimilarity(a: Vec, b: Vec): number | AnyTensor {
  const x = values(a);
  const y = values(b);
  if (x.shape.length === 1 && y.shape.length === 1) {
    if (x.data.length !== y.data.length) {
      throw new ShapeError(
        "cosineSimilarity",
        `vectors of lengths ${x.data.length} and ${y.data.length}`,
      );
    }
    return cos(x.data, 0, y.data, 0, x.data.length);
  }
  if (x.shape.length !== 2 || y.shape.length !== 2 || x.shape[1] !== y.shape[1]) {
    throw new ShapeError(
      "cosineSimilarity",
      `expected two vectors or matrices [N, D] and [M, D], got [${x.shape.join(", ")}] and [${y.shape.join(", ")}]`,
    );
  }
  const [n, d] = x.shape;
  const m = y.shape[0];
  return allocFilled([n, m], "f32", (out) => {
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) out[i * m + j] = cos(x.data, i * d, y.data, j * d, d);
  });
}
