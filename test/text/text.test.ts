/** Text tools: tokenizing, vocabularies, bag of words, cosine similarity, and word2vec learning co-occurrence. */
import "../data/backend.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constant } from "../../src/prims/constants.js";
import { bagOfWords } from "../../src/text/bag-of-words.js";
import { cosineSimilarity } from "../../src/text/similarity.js";
import { tokenize } from "../../src/text/tokenize.js";
import { vocabulary } from "../../src/text/vocabulary.js";
import { word2vec } from "../../src/text/word2vec.js";
import { RandomStream } from "../../src/data/rng.js";
import type { Tensor } from "../../src/tensor/tensor.js";

describe("tokenize", () => {
  it("lowercases and splits on anything but letters, marks and digits, in any script", () => {
    expect(tokenize("Déjà vu: it's 2 o'clock, ΚΑΛΗΜΕΡΑ! Straße—naïve; 東京 ﬁne")).toEqual([
      "déjà",
      "vu",
      "it's",
      "2",
      "o'clock",
      "καλημερα",
      "straße",
      "naïve",
      "東京",
      "fine",
    ]);
    expect(tokenize("Don’t STOP", { lowercase: false })).toEqual(["Don't", "STOP"]);
    expect(tokenize("don't", { apostrophes: false })).toEqual(["don", "t"]);
    expect(tokenize("a bb ccc", { minLength: 2 })).toEqual(["bb", "ccc"]);
    expect(tokenize("  ...  ")).toEqual([]);
  });
});

describe("vocabulary", () => {
  const tokens = tokenize("the cat and the hat and the bat");
  it("orders words by count, then alphabetically, after <unk>", () => {
    const v = vocabulary(tokens);
    expect(v.words).toEqual(["<unk>", "the", "and", "bat", "cat", "hat"]);
    expect(v.counts).toEqual([0, 3, 2, 1, 1, 1]);
    expect(v.id("the")).toBe(1);
    expect(v.id("dog")).toBe(0);
    expect(v.decode(v.encode(["the", "dog"]))).toEqual(["the", "<unk>"]);
    expect(v.encode(["hat"]).dtype).toBe("i32");
  });
  it("cuts by maxSize (with <unk>) and minCount, counting the rest as <unk>", () => {
    expect(vocabulary(tokens, { maxSize: 3 }).words).toEqual(["<unk>", "the", "and"]);
    const v = vocabulary(tokens, { minCount: 2 });
    expect(v.words).toEqual(["<unk>", "the", "and"]);
    expect(v.counts[0]).toBe(3);
  });
  it("encodes every known word to an id that decodes back", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 30 }), (ts) => {
        const v = vocabulary(ts);
        expect(v.decode(v.ids(ts))).toEqual(ts);
        expect(v.size).toBe(new Set(ts).size + 1);
      }),
    );
  });
});

describe("bagOfWords", () => {
  const docs = [tokenize("the cat sat on the mat"), tokenize("the dog")];
  const v = vocabulary(docs);
  it("counts words per document, unknown words in column 0", () => {
    const m = bagOfWords([...docs, ["zebra", "the"]], v).toArray() as number[][];
    expect(m[0][v.id("the")]).toBe(2);
    expect(m[0][v.id("cat")]).toBe(1);
    expect(m[1][v.id("cat")]).toBe(0);
    expect(m[2][0]).toBe(1);
    expect(bagOfWords(docs, v, { mode: "binary" }).toArray()).toEqual(
      (bagOfWords(docs, v).toArray() as number[][]).map((r) => r.map((x) => (x > 0 ? 1 : 0))),
    );
    const fr = bagOfWords(docs, v, { mode: "frequency" }).toArray() as number[][];
    expect(fr[1][v.id("dog")]).toBeCloseTo(0.5);
  });
  it("tf-idf: rows of unit length, a word in every document weighs less", () => {
    const m = bagOfWords(docs, v, { mode: "tfidf" }).toArray() as number[][];
    for (const row of m) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    // "dog" (1 doc) outweighs "the" (2 docs) in document 1, where each occurs once.
    expect(m[1][v.id("dog")]).toBeGreaterThan(m[1][v.id("the")]);
  });
});

describe("cosineSimilarity", () => {
  it("of vectors and of matrix rows", () => {
    expect(cosineSimilarity([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2);
    expect(cosineSimilarity([1, 2], [-2, -4])).toBeCloseTo(-1);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    const a = constant([1, 0, 0, 1], [2, 2], "f32") as Tensor<[number, number]>;
    const s = cosineSimilarity(
      a,
      constant([1, 1, 0, 2, 3, 0], [3, 2], "f32") as Tensor<[number, number]>,
    );
    expect(s.shape).toEqual([2, 3]);
    const d = s.dataSync();
    expect(d[0]).toBeCloseTo(Math.SQRT1_2);
    expect(d[1]).toBeCloseTo(0);
    expect(d[5]).toBeCloseTo(0);
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(/lengths 2 and 3/);
  });
});

describe("word2vec", () => {
  /** Sentences from two topics that never share a sentence. */
  function corpus(sentences: number): string[][] {
    const topics = [
      ["cat", "dog", "pet", "fur", "paw", "bark"],
      ["car", "road", "wheel", "engine", "fuel", "drive"],
    ];
    const r = new RandomStream([1, 2]);
    return Array.from({ length: sentences }, () => {
      const t = topics[r.int(2)];
      return Array.from({ length: 8 }, () => t[r.int(t.length)]);
    });
  }

  it("puts co-occurring words closer than unrelated ones", () => {
    const w = word2vec(corpus(400), { dim: 16, window: 3, negative: 5, epochs: 5, lr: 0.05 });
    expect(w.embeddings.shape).toEqual([13, 16]);
    const within =
      (w.similarity("cat", "dog") + w.similarity("car", "road") + w.similarity("fur", "bark")) / 3;
    const across =
      (w.similarity("cat", "car") + w.similarity("dog", "road") + w.similarity("fur", "engine")) /
      3;
    expect(within).toBeGreaterThan(across + 0.3);
    const near = w.mostSimilar("engine", 5).map((s) => s.word);
    expect(near.every((x) => ["car", "road", "wheel", "fuel", "drive"].includes(x))).toBe(true);
    expect(w.mostSimilar("unknown")).toEqual([]);
    expect(w.vector("cat")?.length).toBe(16);
  });

  it("is deterministic, and the options-first form trains the same", () => {
    const c = corpus(30);
    const a = word2vec(c, { dim: 4, epochs: 1 }).embeddings.dataSync();
    const b = word2vec({ dim: 4, epochs: 1 }).fit(c).embeddings.dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});
