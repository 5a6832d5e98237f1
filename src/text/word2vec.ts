/**
 * word2vec (Mikolov et al., 2013): skip-gram and CBOW with negative sampling, built on the
 * library's own parts. The two lookup tables are `nn.embedding` parameters, the loss
 * −log σ(h·v₊) − Σₖ log σ(−h·vₖ) is written with tensor ops, `valueAndGrad` differentiates it (the
 * gradient of a lookup is a scatter-add into the table) and `jit` compiles one Adam step.
 * The data side follows the original C tool: a dynamic window (each centre draws 1…window),
 * negatives drawn from the unigram distribution to the power 3/4, optional subsampling of
 * frequent words, a learning rate decayed linearly per word. Randomness comes from an explicit key.
 * @module
 */
import { fromTyped } from "../data/host.js";
import { fastStream, foldStream, type Key, keyWords } from "../data/rng.js";
import { embedding } from "../nn/embedding.js";
import { abs, add, div, exp, log, maximum, minimum, mul, sub } from "../prims/elementwise.js";
import { adam } from "../optim/adam.js";
import { reshape } from "../prims/movement.js";
import { reduceSum } from "../prims/reduce.js";
import { uniform } from "../random/index.js";
import { filled } from "../prims/constants.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { valueAndGrad } from "../transforms/grad.js";
import { jit } from "../transforms/jit.js";
import { type Vocabulary, vocabulary } from "./vocabulary.js";

/** Options of `word2vec`. */
export interface Word2VecOptions {
  /** `"skipgram"` (default): each context word predicts the centre word; `"cbow"`: the mean of the context predicts it. */
  model?: "skipgram" | "cbow";
  /** The embedding size. Default 50. */
  dim?: number;
  /** The largest distance between a centre word and a context word (each centre draws 1…window). Default 5. */
  window?: number;
  /** Negative samples per positive example. Default 5. */
  negative?: number;
  /** Passes over the corpus. Default 5. */
  epochs?: number;
  /** Adam's starting learning rate on the batch's mean loss, decayed linearly to lr·10⁻⁴. Default 0.01. */
  lr?: number;
  /** Examples per jitted step. Default 1024. */
  batchSize?: number;
  /** Leave out words seen fewer times than this. Default 1. */
  minCount?: number;
  /** The largest vocabulary (`<unk>` included). Default: no limit. */
  maxSize?: number;
  /** Subsampling threshold for frequent words (word2vec's `-sample`, such as 1e-3). Default 0: off. */
  sample?: number;
  /** The random key (initial vectors, windows, negatives). Default: the words of key 0. */
  key?: Key;
  /** Called after each epoch with the mean loss per example. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** A trained word2vec model. */
export interface Word2Vec {
  /** The vocabulary; row `i` of `embeddings` is the vector of `vocab.word(i)`. */
  readonly vocab: Vocabulary;
  /** The word vectors, `[V, dim]` f32 (the input table of the model). */
  readonly embeddings: Tensor<[number, number], "f32">;
  /** The mean loss per example of each epoch. */
  readonly losses: readonly number[];
  /** The vector of a word, or null if it is not in the vocabulary. */
  vector(word: string): Float32Array | null;
  /** The `k` words closest to `word` by cosine similarity (itself and `<unk>` left out); empty if unknown. */
  mostSimilar(word: string, k?: number): { word: string; similarity: number }[];
  /** The cosine similarity of two words' vectors (0 if either is unknown). */
  similarity(a: string, b: string): number;
  /**
   * "`a` is to `b` as `c` is to ?": the `k` words closest to b − a + c (unit vectors; the three
   * words left out), as word2vec's `compute-accuracy`. Empty if a word is unknown.
   */
  analogy(a: string, b: string, c: string, k?: number): { word: string; similarity: number }[];
}

/** The parameters: the input vectors (the word vectors) and the output vectors, one row per word. */
export interface Tables {
  input: { table: T };
  output: { table: T };
}

/** The two `nn.embedding` lookups. */
export interface Lookup {
  input: (p: { table: T }, ids: T) => T;
  output: (p: { table: T }, ids: T) => T;
}

/**
 * The negative-sampling loss of a batch, summed over it: context ids `[B, C]` whose masked mean
 * is h (C = 1 for skip-gram), targets `[B, 1 + K]` (the true word, then K negatives), their signs
 * `[1, 1 + K]` (+1, then −1) and a weight `[B, 1]` that is 0 for the padding rows of a last,
 * partial batch: −Σ_b w_b Σ_k log σ(sign_k · h_b·v_{target_bk}). log σ(s) is written as
 * min(s, 0) − log(1 + e^−|s|) so that it never overflows. Exported for the gradient tests.
 * @example
 * ```ts
 * import { gather } from "../prims/indexing.js";
 * const lookup: Lookup = { input: (p, ids) => gather(p.table, ids, 0), output: (p, ids) => gather(p.table, ids, 0) };
 * const [input, output] = [{ table: tg.ones([6, 3]) }, { table: tg.ones([6, 3]) }];
 * const [ctx, mask, targets] = [tg.tensor([[1], [2]], "i32"), tg.ones([2, 1]), tg.tensor([[3, 4], [5, 0]], "i32")];
 * const [sign, weight] = [tg.tensor([[1, -1]]), tg.ones([2, 1])]; // skip-gram, one negative, B = 2
 * const loss = sgnsLoss(lookup, { input, output }, ctx, mask, targets, sign, weight); // rank 0
 * ```
 */
export function sgnsLoss(
  lookup: Lookup,
  p: Tables,
  ctx: T,
  mask: T,
  targets: T,
  sign: T,
  weight: T,
): T {
  const [b, c] = ctx.shape;
  const e = lookup.input(p.input, ctx); // [B, C, d]
  const m = reshape(mask, [b, c, 1]);
  const h = div(reduceSum(mul(e, m), [1]), maximum(reshape(reduceSum(mask, [1]), [b, 1]), 1)); // [B, d]
  const o = lookup.output(p.output, targets); // [B, 1+K, d]
  const d = h.shape[1];
  const s = mul(reduceSum(mul(o, reshape(h, [b, 1, d])), [2]), sign); // [B, 1+K]
  const logSig = sub(minimum(s, 0), log(add(exp(mul(abs(s), -1)), 1)));
  return mul(reduceSum(mul(logSig, weight)), -1);
}

/**
 * Trains word vectors on tokens (one list, or a list of sentences: windows never cross sentences).
 * Called with options only, returns a trainer whose `fit(tokens)` does the same.
 * @example
 * ```ts
 * const corpus = "the king rules the land. the queen rules the land. ".repeat(50);
 * const w2v = tg.text.word2vec(tg.text.tokenize(corpus), { dim: 32, window: 3, negative: 5, epochs: 10 });
 * w2v.mostSimilar("king", 3); // the 3 nearest words as [{ word, similarity }, …]; "queen" among them
 * const tokens = tg.text.tokenize(corpus);
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
  const cbow = o.model === "cbow";
  const dim = o.dim ?? 50;
  const window = o.window ?? 5;
  const negative = o.negative ?? 5;
  const epochs = o.epochs ?? 5;
  const lr0 = o.lr ?? 0.01;
  const batchSize = o.batchSize ?? 1024;
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

  // The model: two nn.embedding tables, input uniform in ±0.5/dim and output zeros (as the C tool).
  const inputEmb = embedding(v, dim, {
    initializer: (k, shape, dtype) => uniform(k, shape, { min: -0.5 / dim, max: 0.5 / dim, dtype }),
  });
  const outputEmb = embedding(v, dim, {
    initializer: (_k, shape, dtype) => filled(shape, 0, dtype ?? "f32"),
  });
  const seed = foldStream(words, 0);
  const initKey = fromTyped(Int32Array.from([seed.int(2 ** 31), seed.int(2 ** 31)]), [2], "i32");
  let params: Tables = {
    input: inputEmb.init(initKey as Key),
    output: outputEmb.init(initKey as Key),
  };
  const lookup: Lookup = {
    input: (p, ids) => inputEmb.apply(p as never, ids as never) as T,
    output: (p, ids) => outputEmb.apply(p as never, ids as never) as T,
  };
  // One Adam step on the batch's mean loss (the gradient of a lookup is a scatter-add into the
  // table); the rate decays linearly to lr·10⁻⁴ over the expected number of steps.
  const expected = Math.max(1, Math.ceil((epochs * total * (cbow ? 1 : window + 1)) / batchSize));
  const opt = adam({
    lr: (t) => mul(maximum(sub(1, div(t, expected)), 1e-4), lr0) as typeof t,
  });
  let optState = opt.init(params);
  const step = jit(
    (p: Tables, st: typeof optState, ctx: T, mask: T, targets: T, sign: T, weight: T, n: T) => {
      const [loss, g] = valueAndGrad((q: Tables) =>
        div(sgnsLoss(lookup, q, ctx, mask, targets, sign, weight), n),
      )(p);
      const u = opt.update(g as Tables, st, p);
      return { params: u.params as Tables, state: u.state, loss };
    },
    { donate: [0, 1] },
  );

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

  // The examples of one batch: context ids (masked), the true word and K negatives.
  const C = cbow ? 2 * window : 1;
  const K = negative;
  const ctx = new Int32Array(batchSize * C);
  const mask = new Float32Array(batchSize * C);
  const targets = new Int32Array(batchSize * (K + 1));

  const signRow = Float32Array.from({ length: K + 1 }, (_, i) => (i === 0 ? 1 : -1));
  let n = 0;
  let epochLoss = 0;
  let epochCount = 0;
  const losses: number[] = [];
  const flush = () => {
    if (n === 0) return;
    // a last, partial batch is padded with rows of weight 0, so every step has one shape
    ctx.fill(0, n * C);
    mask.fill(0, n * C);
    targets.fill(0, n * (K + 1));
    const weight = new Float32Array(batchSize).fill(1, 0, n);
    const r = step(
      params,
      optState,
      fromTyped(ctx, [batchSize, C], "i32"),
      fromTyped(mask, [batchSize, C], "f32"),
      fromTyped(targets, [batchSize, K + 1], "i32"),
      fromTyped(signRow, [1, K + 1], "f32"),
      fromTyped(weight, [batchSize, 1], "f32"),
      fromTyped(Float32Array.of(n), [], "f32"),
    ) as { params: Tables; state: typeof optState; loss: T };
    params = r.params;
    optState = r.state;
    epochLoss += r.loss.item() * n;
    epochCount += n;
    r.loss.dispose();
    n = 0;
  };
  const add1 = (r: ReturnType<typeof fastStream>, context: number[], centre: number) => {
    for (let j = 0; j < C; j++) {
      ctx[n * C + j] = j < context.length ? context[j] : 0;
      mask[n * C + j] = j < context.length ? 1 : 0;
    }
    targets[n * (K + 1)] = centre;
    for (let d = 1; d <= K; d++) {
      let t = table[r.int(tableSize)];
      if (t === centre) t = table[r.int(tableSize)];
      targets[n * (K + 1) + d] = t;
    }
    if (++n === batchSize) flush();
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const r = fastStream(words, epoch + 1);
    epochLoss = 0;
    epochCount = 0;
    for (const sentence of corpus) {
      const s = o.sample ? sentence.filter((id) => r.uniform() < keep[id]) : sentence;
      for (let pos = 0; pos < s.length; pos++) {
        const b = 1 + r.int(window);
        const context: number[] = [];
        for (let c = Math.max(0, pos - b); c <= Math.min(s.length - 1, pos + b); c++)
          if (c !== pos) context.push(s[c]);
        if (context.length === 0) continue;
        if (cbow) add1(r, context, s[pos]);
        else for (const c of context) add1(r, [c], s[pos]);
      }
    }
    flush();
    losses.push(epochCount ? epochLoss / epochCount : 0);
    o.onEpoch?.(epoch, losses[epoch]);
  }

  const win = params.input.table.dataSync() as Float32Array;
  const unit = new Float32Array(v * dim);
  for (let i = 0; i < v; i++) {
    let nrm = 0;
    for (let k = 0; k < dim; k++) nrm += win[i * dim + k] ** 2;
    nrm = Math.sqrt(nrm) || 1;
    for (let k = 0; k < dim; k++) unit[i * dim + k] = win[i * dim + k] / nrm;
  }
  const nearest = (q: Float64Array, skip: Set<number>, k: number) => {
    let qn = 0;
    for (let j = 0; j < dim; j++) qn += q[j] * q[j];
    qn = Math.sqrt(qn) || 1;
    const all: { word: string; similarity: number }[] = [];
    for (let i = 1; i < v; i++) {
      if (skip.has(i)) continue;
      let s = 0;
      for (let j = 0; j < dim; j++) s += unit[i * dim + j] * q[j];
      all.push({ word: vocab.word(i), similarity: s / qn });
    }
    return all.sort((x, y) => y.similarity - x.similarity).slice(0, k);
  };
  const row = (i: number) => Float64Array.from(unit.subarray(i * dim, (i + 1) * dim));
  return {
    vocab,
    embeddings: params.input.table as Tensor<[number, number], "f32">,
    losses,
    vector: (w) => (vocab.has(w) ? win.slice(vocab.id(w) * dim, (vocab.id(w) + 1) * dim) : null),
    similarity: (a, b) => {
      if (!vocab.has(a) || !vocab.has(b)) return 0;
      const [x, y] = [vocab.id(a), vocab.id(b)];
      let s = 0;
      for (let k = 0; k < dim; k++) s += unit[x * dim + k] * unit[y * dim + k];
      return s;
    },
    mostSimilar: (w, k = 10) =>
      vocab.has(w) ? nearest(row(vocab.id(w)), new Set([vocab.id(w)]), k) : [],
    analogy: (a, b, c, k = 5) => {
      if (![a, b, c].every((w) => vocab.has(w))) return [];
      const [ia, ib, ic] = [vocab.id(a), vocab.id(b), vocab.id(c)];
      const q = new Float64Array(dim);
      for (let j = 0; j < dim; j++)
        q[j] = unit[ib * dim + j] - unit[ia * dim + j] + unit[ic * dim + j];
      return nearest(q, new Set([ia, ib, ic]), k);
    },
  };
}
