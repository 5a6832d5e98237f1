/**
 * Bag-of-words document vectors over a vocabulary: counts, presence, frequencies or TF-IDF.
 * @module
 */
import { allocFilled } from "../data/host.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Vocabulary } from "./vocabulary.js";

/** Options of `bagOfWords`. */
export interface BagOfWordsOptions {
  /**
   * `"count"` (default): how often each word occurs; `"binary"`: 1 if it occurs; `"frequency"`:
   * count / document length; `"tfidf"`: count · (ln((1 + D) / (1 + df)) + 1), rows L2-normalised
   * (scikit-learn's smooth IDF).
   */
  mode?: "count" | "binary" | "frequency" | "tfidf";
}

/**
 * A `[D, V]` f32 matrix: row `d` describes document `d` (a list of tokens) over the vocabulary's
 * ids; unknown words fall in column 0 (`<unk>`).
 * @example
 * ```ts
 * const docs = ["the cat sat", "the dog"].map((s) => tg.text.tokenize(s));
 * const v = tg.text.vocabulary(docs);
 * tg.text.bagOfWords(docs, v).shape; // [2, 5]
 * ```
 */
export function bagOfWords(
  docs: readonly (readonly string[])[],
  vocab: Vocabulary,
  options: BagOfWordsOptions = {},
): Tensor<[number, number], "f32"> {
  const mode = options.mode ?? "count";
  const d = docs.length;
  const v = vocab.size;
  const m = new Float64Array(d * v);
  docs.forEach((doc, i) => {
    for (const w of doc) m[i * v + vocab.id(w)] += 1;
  });
  if (mode === "binary") for (let i = 0; i < m.length; i++) m[i] = m[i] > 0 ? 1 : 0;
  else if (mode === "frequency") {
    docs.forEach((doc, i) => {
      if (doc.length) for (let j = 0; j < v; j++) m[i * v + j] /= doc.length;
    });
  } else if (mode === "tfidf") {
    const df = new Float64Array(v);
    for (let i = 0; i < d; i++) for (let j = 0; j < v; j++) if (m[i * v + j] > 0) df[j]++;
    for (let i = 0; i < d; i++) {
      let norm = 0;
      for (let j = 0; j < v; j++) {
        const x = m[i * v + j] * (Math.log((1 + d) / (1 + df[j])) + 1);
        m[i * v + j] = x;
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      if (norm > 0) for (let j = 0; j < v; j++) m[i * v + j] /= norm;
    }
  }
  return allocFilled([d, v], "f32", (out) => out.set(m as unknown as Float32Array)) as Tensor<
    [number, number],
    "f32"
  >;
}
