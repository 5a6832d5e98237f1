/**
 * Vocabularies: the words of a corpus, most frequent first, with id 0 reserved for `<unk>` (every
 * word that is not in the vocabulary).
 * @module
 */
import { fromTyped } from "../data/host.js";
import type { Tensor } from "../tensor/tensor.js";

/** The token every unknown word maps to; its id is 0. */
export const UNK = "<unk>";

/** Options of `vocabulary`. */
export interface VocabularyOptions {
  /** The largest vocabulary, `<unk>` included. Default: no limit. */
  maxSize?: number;
  /** Leave out words seen fewer times than this. Default 1. */
  minCount?: number;
}

/** A vocabulary: words ↔ ids, with id 0 for `<unk>`. */
export interface Vocabulary {
  /** The number of ids, `<unk>` included. */
  readonly size: number;
  /** The words by id; `words[0]` is `"<unk>"`. */
  readonly words: readonly string[];
  /** How often each word occurred in the corpus, by id (`counts[0]`: the words left out). */
  readonly counts: readonly number[];
  /** The id of a word, 0 if unknown. */
  id(word: string): number;
  /** The word of an id. */
  word(id: number): string;
  /** Whether a word has its own id. */
  has(word: string): boolean;
  /** The ids of tokens, as an i32 tensor. */
  encode(tokens: readonly string[]): Tensor<[number], "i32">;
  /** The ids of tokens, as a plain Int32Array. */
  ids(tokens: readonly string[]): Int32Array;
  /** The words of ids. */
  decode(ids: ArrayLike<number> | Tensor<[number], "i32">): string[];
}

/**
 * Builds a vocabulary from tokens (a list, or a list of documents): words sorted by decreasing
 * count (ties alphabetically), cut to `maxSize` and `minCount`, after `<unk>` at id 0.
 * @example
 * ```ts
 * const v = tg.text.vocabulary(tg.text.tokenize("the cat and the hat"), { maxSize: 3 });
 * v.words; // ["<unk>", "the", "and"]
 * v.id("hat"); // 0
 * ```
 */
export function vocabulary(
  tokens: readonly string[] | readonly (readonly string[])[],
  options: VocabularyOptions = {},
): Vocabulary {
  const counts = new Map<string, number>();
  const add = (w: string) => counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const t of tokens) {
    if (typeof t === "string") add(t);
    else for (const w of t) add(w);
  }
  counts.delete(UNK);
  const minCount = options.minCount ?? 1;
  const maxSize = options.maxSize ?? Infinity;
  if (maxSize < 1)
    throw new Error(`vocabulary: maxSize must be at least 1 (for ${UNK}), got ${maxSize}`);
  const sorted = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxSize - 1);
  const words = [UNK, ...sorted.map(([w]) => w)];
  let total = 0;
  for (const c of counts.values()) total += c;
  const kept = sorted.reduce((a, [, c]) => a + c, 0);
  const wordCounts = [total - kept, ...sorted.map(([, c]) => c)];
  const index = new Map(words.map((w, i) => [w, i]));
  const ids = (ts: readonly string[]) => Int32Array.from(ts, (w) => index.get(w) ?? 0);
  return {
    size: words.length,
    words,
    counts: wordCounts,
    id: (w) => index.get(w) ?? 0,
    word: (i) => words[i] ?? UNK,
    has: (w) => index.has(w) && w !== UNK,
    ids,
    encode: (ts) => fromTyped(ids(ts), [ts.length], "i32") as Tensor<[number], "i32">,
    decode: (xs) => {
      const arr =
        typeof (xs as Tensor<[number], "i32">).dataSync === "function"
          ? (xs as Tensor<[number], "i32">).dataSync()
          : (xs as ArrayLike<number>);
      return Array.from(arr, (i) => words[i] ?? UNK);
    },
  };
}
