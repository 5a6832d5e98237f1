/**
 * The guide's chapters 6–11 in quick mode: each runs on its small slice and reaches the quality
 * bar its page states, scaled to the slice (the full runs' figures are on the chapter pages).
 */
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, test } from "vitest";
import * as ch06 from "../../examples/guide/06-cnn.js";
import * as ch07 from "../../examples/guide/07-embeddings.js";
import * as ch08 from "../../examples/guide/08-rnn.js";
import * as ch09 from "../../examples/guide/09-text.js";
import * as ch10 from "../../examples/guide/10-generative.js";
import * as ch11 from "../../examples/guide/11-classic-ml.js";

/** Each SVG exists, is a whole document and holds drawing elements; then the temp dir goes. */
function expectSvgs(files: readonly string[]): void {
  for (const f of files) {
    expect(readFileSync(f, "utf8")).toMatch(
      /^<svg[^>]*>[\s\S]*<(rect|polyline|circle|path)[\s\S]*<\/svg>\n$/,
    );
    expect(f.startsWith("docs")).toBe(false);
  }
  if (files.length) rmSync(dirname(files[0]), { recursive: true, force: true });
}

// Each chapter trains real models on its slice: seconds alone, minutes on a crowded machine, so the
// time limit is generous (a test fails on quality, never on timing).
const LIMIT = 600_000;

describe("guide, chapters 6-11 (quick mode)", () => {
  test(
    "06 CNNs: MNIST and Fashion-MNIST on 2,000 images",
    async () => {
      const r = await ch06.main({ quick: true, verbose: false });
      expect(r.mnist.testAccuracy).toBeGreaterThan(0.75);
      expect(r.fashion.testAccuracy).toBeGreaterThan(0.65);
      const total = r.fashion.confusion.flat().reduce((a, b) => a + b, 0);
      expect(total).toBe(1000);
      expect(
        r.fashion.confusion.map((row, i) => row[i]).reduce((a, b) => a + b, 0) / total,
      ).toBeCloseTo(r.fashion.testAccuracy, 6);
      expectSvgs(r.files);
    },
    LIMIT,
  );

  test(
    "07 embeddings: matrix factorisation of 1,000 supermarket baskets",
    async () => {
      const r = await ch07.main({ quick: true, verbose: false });
      expect(r.items).toBeGreaterThan(50);
      // each model beats the one below it on held-out cells
      expect(r.rmse.itemMean).toBeLessThan(r.rmse.globalMean - 0.02);
      expect(r.rmse.biases).toBeLessThan(r.rmse.itemMean);
      expect(r.rmse.factorised).toBeLessThan(r.rmse.biases);
      for (const n of r.nearest) {
        expect(n.near).toHaveLength(4);
        for (const x of n.near) expect(Math.abs(x.similarity)).toBeLessThanOrEqual(1 + 1e-6);
      }
      for (const n of r.nearest) {
        expect(n.near.map((x) => x.item)).not.toContain(n.item);
        const sims = n.near.map((x) => x.similarity);
        expect(sims).toEqual([...sims].sort((a, b) => b - a));
      }
      expectSvgs(r.files);
    },
    LIMIT,
  );

  test(
    "08 RNNs: character LSTM, births forecast, long memory",
    async () => {
      const r = await ch08.main({ quick: true, verbose: false });
      // the language model learned more than character frequencies
      expect(r.lm.valBits.at(-1)).toBeLessThan(r.lm.unigramBits - 0.5);
      expect(r.lm.valBits.at(-1)).toBeLessThan(r.lm.valBits[0]);
      for (const s of r.lm.samples) {
        expect(s.text.startsWith("Call me Ishmael. ")).toBe(true);
        expect(s.text.length).toBe("Call me Ishmael. ".length + 60);
      }
      // the forecast beats predicting the training mean
      expect(r.forecast.lstmRmse).toBeLessThan(r.forecast.meanRmse);
      // the gated cells carry the marked symbol across 20 steps
      const acc = Object.fromEntries(r.memory.map((m) => [m.cell, m.testAccuracy]));
      expect(acc.lstm).toBeGreaterThan(0.9);
      expect(acc.gru).toBeGreaterThan(0.9);
      expect(r.memory.map((m) => m.cell)).toEqual(["simpleRnn", "lstm", "gru"]);
      expectSvgs(r.files);
    },
    LIMIT,
  );

  test(
    "09 text: TF-IDF, spam filter, word2vec on Brown, chatbot",
    async () => {
      const r = await ch09.main({ quick: true, verbose: false });
      for (const row of r.bagOfWords.tfidf) expect(Math.hypot(...row)).toBeCloseTo(1, 2);
      expect(r.spam.accuracy).toBeGreaterThan(Math.max(0.9, r.spam.baselineAccuracy + 0.2));
      expect(r.spam.precision).toBeGreaterThan(0.85);
      expect(r.spam.recall).toBeGreaterThan(0.7);
      for (const w of r.word2vec) {
        expect(w.losses.at(-1)).toBeLessThan(w.losses[0] - 0.1);
        expect(w.nearest.every((n) => n.near.length === 5)).toBe(true);
      }
      expect(r.chatbot.tfidf).toBeGreaterThanOrEqual(0.3);
      expect(r.chatbot.dialogue).toHaveLength(ch09.PARAPHRASES.length);
      expectSvgs(r.files);
    },
    LIMIT,
  );

  test(
    "10 generative: autoencoder and VAE on 3,000 digits",
    async () => {
      const r = await ch10.main({ quick: true, verbose: false });
      expect(r.aeTestLoss).toBeLessThan(r.meanImageLoss - 30);
      expect(r.vaeTestLoss).toBeLessThan(r.meanImageLoss);
      expect(r.vaeTestKl).toBeGreaterThan(1); // the code carries information: no posterior collapse
      expect(r.judgeAccuracy).toBeGreaterThan(0.85);
      expect(r.classCounts.reduce((a, b) => a + b, 0)).toBe(200);
      expectSvgs(r.files);
    },
    LIMIT,
  );

  test(
    "11 classic ML: k-means, PCA, kNN, linear SVM on iris and 600 digits",
    async () => {
      const r = await ch11.main({ quick: true, verbose: false });
      const row = (m: string) => r.rows.find((x) => x.method.startsWith(m)) ?? expect.fail(m);
      expect(row("k-means").iris).toBeGreaterThan(0.7);
      expect(row("k-means").digits).toBeGreaterThan(0.6);
      expect(row("PCA").iris).toBeGreaterThan(0.9); // iris is nearly flat: two directions hold most variance
      expect(row("PCA").digits).toBeGreaterThan(0.1);
      expect(row("PCA").digits).toBeLessThan(0.5); // 64 pixels do not fit in a plane
      for (const m of ["k-nearest", "linear SVM"]) {
        expect(row(m).iris).toBeGreaterThan(0.85);
        expect(row(m).digits).toBeGreaterThan(0.9);
      }
      expectSvgs(r.files);
    },
    LIMIT,
  );
});
