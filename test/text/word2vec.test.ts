/**
 * word2vec on autodiff: the negative-sampling loss and its gradient against a float64 reference
 * written from the formulas, CBOW learning co-occurrence, and the analogy arithmetic.
 */
import "../data/backend.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStream } from "../../src/data/rng.js";
import { constant } from "../../src/prims/constants.js";
import { gather } from "../../src/prims/indexing.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { type Lookup, sgnsLoss, type Tables, word2vec } from "../../src/text/word2vec.js";
import { valueAndGrad } from "../../src/transforms/grad.js";

const lookup: Lookup = {
  input: (p, ids) => gather(p.table, ids, 0),
  output: (p, ids) => gather(p.table, ids, 0),
};
const logSigmoid = (s: number) => Math.min(s, 0) - Math.log1p(Math.exp(-Math.abs(s)));
const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

/** The loss and its gradients from the formulas, in float64. */
function reference(
  v: number,
  d: number,
  inp: number[],
  out: number[],
  ctx: number[][],
  mask: number[][],
  targets: number[][],
  weight: number[],
) {
  const k1 = targets[0].length;
  const gIn = new Array(v * d).fill(0);
  const gOut = new Array(v * d).fill(0);
  let loss = 0;
  ctx.forEach((row, b) => {
    const n = Math.max(
      1,
      mask[b].reduce((a, x) => a + x, 0),
    );
    const h = new Array(d).fill(0);
    row.forEach((id, c) => {
      for (let j = 0; j < d; j++) h[j] += (mask[b][c] * inp[id * d + j]) / n;
    });
    const dh = new Array(d).fill(0);
    for (let k = 0; k < k1; k++) {
      const sign = k === 0 ? 1 : -1;
      const t = targets[b][k];
      let s = 0;
      for (let j = 0; j < d; j++) s += h[j] * out[t * d + j];
      loss -= weight[b] * logSigmoid(sign * s);
      // d/ds of −log σ(sign·s) = −sign·(1 − σ(sign·s))
      const g = -weight[b] * sign * (1 - sigmoid(sign * s));
      for (let j = 0; j < d; j++) {
        gOut[t * d + j] += g * h[j];
        dh[j] += g * out[t * d + j];
      }
    }
    row.forEach((id, c) => {
      for (let j = 0; j < d; j++) gIn[id * d + j] += (mask[b][c] * dh[j]) / n;
    });
  });
  return { loss, gIn, gOut };
}

describe("word2vec", () => {
  it("sgnsLoss and its gradient (a scatter-add into both tables) match the formulas", () => {
    const arb = fc
      .record({
        b: fc.integer({ min: 1, max: 4 }),
        c: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 3 }),
      })
      .chain(({ b, c, k }) =>
        fc.record({
          b: fc.constant(b),
          inp: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
            minLength: 18,
            maxLength: 18,
          }),
          out: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
            minLength: 18,
            maxLength: 18,
          }),
          ctx: fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: c, maxLength: c }), {
            minLength: b,
            maxLength: b,
          }),
          mask: fc.array(fc.array(fc.constantFrom(0, 1), { minLength: c, maxLength: c }), {
            minLength: b,
            maxLength: b,
          }),
          targets: fc.array(
            fc.array(fc.integer({ min: 0, max: 5 }), { minLength: k + 1, maxLength: k + 1 }),
            { minLength: b, maxLength: b },
          ),
          weight: fc.array(fc.constantFrom(0, 1), { minLength: b, maxLength: b }),
        }),
      );
    fc.assert(
      fc.property(arb, ({ b, inp, out, ctx, mask, targets, weight }) => {
        const c = ctx[0].length;
        const k1 = targets[0].length;
        const p: Tables = {
          input: { table: constant(inp, [6, 3], "f64") },
          output: { table: constant(out, [6, 3], "f64") },
        };
        const args = [
          constant(ctx.flat(), [b, c], "i32"),
          constant(mask.flat(), [b, c], "f64"),
          constant(targets.flat(), [b, k1], "i32"),
          constant(
            Array.from({ length: k1 }, (_, i) => (i === 0 ? 1 : -1)),
            [1, k1],
            "f64",
          ),
          constant(weight, [b, 1], "f64"),
        ] as const;
        const [loss, g] = valueAndGrad((q: Tables) => sgnsLoss(lookup, q, ...args))(p);
        const want = reference(6, 3, inp, out, ctx, mask, targets, weight);
        expect((loss as T).item()).toBeCloseTo(want.loss, 9);
        const gi = (g as Tables).input.table.dataSync();
        const go = (g as Tables).output.table.dataSync();
        want.gIn.forEach((x, i) => expect(gi[i]).toBeCloseTo(x, 9));
        want.gOut.forEach((x, i) => expect(go[i]).toBeCloseTo(x, 9));
      }),
      { numRuns: 40 },
    );
  });

  /** Sentences from two topics that never share a sentence. */
  function corpus(sentences: number): string[][] {
    const topics = [
      ["cat", "dog", "pet", "fur", "paw", "bark"],
      ["car", "road", "wheel", "engine", "fuel", "drive"],
    ];
    const r = new RandomStream([3, 4]);
    return Array.from({ length: sentences }, () => {
      const t = topics[r.int(2)];
      return Array.from({ length: 8 }, () => t[r.int(t.length)]);
    });
  }

  it("CBOW also puts co-occurring words closer than unrelated ones, and the loss falls", () => {
    const w = word2vec(corpus(200), {
      model: "cbow",
      dim: 8,
      window: 3,
      negative: 5,
      epochs: 4,
      lr: 0.1,
      batchSize: 128,
    });
    expect(w.losses).toHaveLength(4);
    expect(w.losses[3]).toBeLessThan(w.losses[0]);
    const within =
      (w.similarity("cat", "dog") + w.similarity("car", "road") + w.similarity("fur", "bark")) / 3;
    const across =
      (w.similarity("cat", "car") + w.similarity("dog", "road") + w.similarity("fur", "engine")) /
      3;
    expect(within).toBeGreaterThan(across + 0.3);
  });

  it("analogy ranks the words nearest to b − a + c (unit vectors), leaving a, b and c out", () => {
    const w = word2vec(corpus(30), { dim: 4, epochs: 1 });
    const unit = (x: string) => {
      const v = Array.from(w.vector(x) ?? []);
      const n = Math.hypot(...v) || 1;
      return v.map((e) => e / n);
    };
    const [a, b, c] = [unit("cat"), unit("dog"), unit("car")];
    const q = a.map((_, j) => b[j] - a[j] + c[j]);
    const qn = Math.hypot(...q);
    const want = w.vocab.words
      .slice(1)
      .filter((x) => !["cat", "dog", "car"].includes(x))
      .map((x) => ({ word: x, similarity: unit(x).reduce((s, e, j) => s + e * q[j], 0) / qn }))
      .sort((x, y) => y.similarity - x.similarity)
      .slice(0, 3);
    const got = w.analogy("cat", "dog", "car", 3);
    expect(got.map((g) => g.word)).toEqual(want.map((g) => g.word));
    got.forEach((g, i) => expect(g.similarity).toBeCloseTo(want[i].similarity, 5));
    expect(w.analogy("cat", "dog", "unknown")).toEqual([]);
  });
});
