/**
 * word2vec: skip-gram with negative sampling (Mikolov et al., 2013), trained by sparse SGD in plain
 * TypeScript over Float32Arrays, as the original C tool does it: a dynamic window, negatives drawn
 * from the unigram distribution to the power 3/4, a learning rate that decays linearly, optional
 * subsampling of frequent words. Randomness comes from an explicit key.
 * @module
 */
import { fromTyped } from "../data/host.js";
import { fastStream, foldStream, type Key, keyWords } from "../data/rng.js";
import type { Tensor } from "../tensor/tensor.js";
import { type Vocabulary, vocabulary } from "./vocabulary.js";

/** Options of `word2vec`. */
export interface Word2VecOptions {
  /** The embedding size. Default 50. */
  dim?: number;
  /** The largest distance between a centre word and a context word (each step draws 1…window). Default 5. */
  window?: number;
  /** Negative samples per positive pair. Default 5. */
  negative?: number;
  /** Passes over the corpus. Default 5. */
  epochs?: number;
  /** The starting learning rate, decayed linearly to lr·10⁻⁴. Default 0.025. */
  lr?: number;
  /** Leave out words seen fewer times than this. Default 1. */
  minCount?: number;
  /** The largest vocabulary (`<unk>` included). Default: no limit. */
  maxSize?: number;
  /** Subsampling threshold for frequent words (word2vec's `-sample`, such as 1e-3). Default 0: off. */
  sample?: number;
  /** The random key (initial vectors, windows, negatives). Default: the words of key 0. */
  key?: Key;
}

/** A trained word2vec model. */
export interface Word2Vec {
  /** The vocabulary; row `i` of `embeddings` is the vector of `vocab.word(i)`. */
  readonly vocab: Vocabulary;
  /** The word vectors, `[V, dim]` f32 (the input vectors of the model). */
  readonly embeddings: Tensor<[number, number], "f32">;
  /** The vector of a word, or null if it is not in the vocabulary. */
  vector(word: string): Float32Array | null;
  /** The `k` words closest to `word` by cosine similarity (itself and `<unk>` left out); empty if unknown. */
  mostSimilar(word: string, k?: number): { word: string; similarity: number }[];
  /** The cosine similarity of two words' vectors (0 if either is unknown). */
  similarity(a: string, b: string): number;
}

const MAX_EXP = 6;

function sigmoid(x: number): number {
  if (x > MAX_EXP) return 1;
  if (x < -MAX_EXP) return 0;
  return 1 / (1 + Math.exp(-x));
}

/**
 * One SGD step of skip-gram with negative sampling: the input vector at `l1` against the output
 * vectors of `targets[0]` (label 1) and `targets[1 … nt-1]` (label 0).
 */
function sgnsStep(
  win: Float32Array,
  wout: Float32Array,
  grad: Float32Array,
  dim: number,
  l1: number,
  targets: Int32Array,
  nt: number,
  lr: number,
): void {
  grad.fill(0);
  for (let t = 0; t < nt; t++) {
    const l2 = targets[t] * dim;
    let f = 0;
    for (let k = 0; k < dim; k++) f += win[l1 + k] * wout[l2 + k];
    const g = ((t === 0 ? 1 : 0) - sigmoid(f)) * lr;
    for (let k = 0; k < dim; k++) {
      grad[k] += g * wout[l2 + k];
      wout[l2 + k] += g * win[l1 + k];
    }
  }
  for (let k = 0; k < dim; k++) win[l1 + k] += grad[k];
}

/**
 * Trains word vectors on tokens (one list, or a list of sentences: windows never cross sentences).
 * Called with options only, returns a trainer whose `fit(tokens)` does the same.
 * @example
 * ```ts
 * const w2v = tg.text.word2vec(tg.text.tokenize(corpus), { dim: 32, window: 3, negative: 5, epochs: 10 });
 * w2v.mostSimilar("king", 3); // [{ word: "queen", similarity: 0.8 }, …]
 * tg.text.word2vec({ dim: 32 }).fit(tokens);
 * ```
 */
export function word2vec(
  tokens: readonly string[] | readonly (readonly string[])[],
  options?: Word2VecOptions,
): Word2Vec;
export function word2vec(options: Word2VecOptions): {
  fit(tokens: readonly string[] | readonly (readonly string[])[]): Word2Vec;
};
export function word2vec(
  a: readonly string[] | readonly (readonly string[])[] | Word2VecOptions,
  b: Word2VecOptions = {},
): Word2Vec | { fit(tokens: readonly string[] | readonly (readonly string[])[]): Word2Vec } {
  if (!Array.isArray(a)) return { fit: (tokens) => train(tokens, a as Word2VecOptions) };
  return train(a as readonly string[] | readonly (readonly string[])[], b);
}

function train(
  tokens: readonly string[] | readonly (readonly string[])[],
  o: Word2VecOptions,
): Word2Vec {
  const dim = o.dim ?? 50;
  const window = o.window ?? 5;
  const negative = o.negative ?? 5;
  const epochs = o.epochs ?? 5;
  const lr0 = o.lr ?? 0.025;
  const sentences: readonly (readonly string[])[] =
    tokens.length > 0 && typeof tokens[0] === "string"
      ? [tokens as readonly string[]]
      : (tokens as readonly (readonly string[])[]);
  const vocab = vocabulary(sentences, { minCount: o.minCount, maxSize: o.maxSize });
  const v = vocab.size;
  // Sentences as ids, leaving out unknown words (as word2vec does).
  const corpus = sentences.map((s) => vocab.ids(s).filter((id) => id !== 0));
  const total = corpus.reduce((n, s) => n + s.length, 0);
  const words = o.key ? keyWords(o.key, "word2vec") : ([0, 0] as [number, number]);
  const init = foldStream(words, 0);
  const win = new Float32Array(v * dim);
  for (let i = 0; i < win.length; i++) win[i] = (init.uniform() - 0.5) / dim;
  const wout = new Float32Array(v * dim);

  // The unigram^0.75 table negatives are drawn from.
  const tableSize = Math.max(1000, Math.min(1e7, 100 * v));
  const table = new Int32Array(tableSize);
  let norm = 0;
  for (let i = 1; i < v; i++) norm += vocab.counts[i] ** 0.75;
  if (v > 1) {
    let i = 1;
    let cum = vocab.counts[1] ** 0.75 / norm;
    for (let t = 0; t < tableSize; t++) {
      table[t] = i;
      if (t / tableSize > cum && i < v - 1) cum += vocab.counts[++i] ** 0.75 / norm;
    }
  }
  const keep = new Float64Array(v).fill(1);
  if (o.sample && o.sample > 0) {
    for (let i = 1; i < v; i++) {
      const f = vocab.counts[i] / total;
      keep[i] = Math.min(1, (Math.sqrt(f / o.sample) + 1) * (o.sample / f));
    }
  }

  const grad = new Float32Array(dim);
  const targets = new Int32Array(negative + 1);
  const steps = Math.max(1, epochs * total);
  let done = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const r = fastStream(words, epoch + 1);
    for (const sentence of corpus) {
      const s = o.sample ? sentence.filter((id) => r.uniform() < keep[id]) : sentence;
      for (let pos = 0; pos < s.length; pos++, done++) {
        const lr = Math.max(lr0 * 1e-4, lr0 * (1 - done / steps));
        const center = s[pos];
        const b = 1 + r.int(window);
        for (let c = Math.max(0, pos - b); c <= Math.min(s.length - 1, pos + b); c++) {
          if (c === pos) continue;
          // As word2vec.c: the context word's input vector predicts the centre word (and negatives).
          targets[0] = center;
          let nt = 1;
          for (let d = 0; d < negative; d++) {
            const t = table[r.int(tableSize)];
            if (t !== center) targets[nt++] = t;
          }
          sgnsStep(win, wout, grad, dim, s[c] * dim, targets, nt, lr);
        }
      }
    }
  }

  const unit = new Float32Array(v * dim);
  for (let i = 0; i < v; i++) {
    let n = 0;
    for (let k = 0; k < dim; k++) n += win[i * dim + k] ** 2;
    n = Math.sqrt(n) || 1;
    for (let k = 0; k < dim; k++) unit[i * dim + k] = win[i * dim + k] / n;
  }
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += unit[i * dim + k] * unit[j * dim + k];
    return s;
  };
  return {
    vocab,
    embeddings: fromTyped(win, [v, dim], "f32") as Tensor<[number, number], "f32">,
    vector: (w) => (vocab.has(w) ? win.slice(vocab.id(w) * dim, (vocab.id(w) + 1) * dim) : null),
    similarity: (a, b) => (vocab.has(a) && vocab.has(b) ? dot(vocab.id(a), vocab.id(b)) : 0),
    mostSimilar: (w, k = 10) => {
      if (!vocab.has(w)) return [];
      const i = vocab.id(w);
      const all: { word: string; similarity: number }[] = [];
      for (let j = 1; j < v; j++)
        if (j !== i) all.push({ word: vocab.word(j), similarity: dot(i, j) });
      return all.sort((x, y) => y.similarity - x.similarity).slice(0, k);
    },
  };
}
