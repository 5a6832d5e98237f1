/** Learning-rate schedules' values against their formulas, and gradient clipping. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import { constant } from "../../src/prims/constants.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { jit } from "../../src/transforms/jit.js";
import { expectClose } from "../util/close.js";

const arbStep = fc.integer({ min: 0, max: 5000 });

describe("schedules", () => {
  test("stepDecay", () => {
    const s = optim.stepDecay({ lr: 0.1, every: 100, factor: 0.5 });
    fc.assert(
      fc.property(arbStep, (n) =>
        expectClose(optim.rateAtStep(s, n), 0.1 * 0.5 ** Math.floor(n / 100), { tol: 1e-5 }),
      ),
      { numRuns: 30 },
    );
  });
  test("exponentialDecay, smooth and staircase", () => {
    const s = optim.exponentialDecay({ lr: 0.01, rate: 0.96, steps: 250 });
    const st = optim.exponentialDecay({ lr: 0.01, rate: 0.96, steps: 250, staircase: true });
    fc.assert(
      fc.property(arbStep, (n) => {
        expectClose(optim.rateAtStep(s, n), 0.01 * 0.96 ** (n / 250), { tol: 1e-5 });
        expectClose(optim.rateAtStep(st, n), 0.01 * 0.96 ** Math.floor(n / 250), { tol: 1e-5 });
      }),
      { numRuns: 30 },
    );
  });
  test("cosineDecay holds its final value after `steps`", () => {
    const s = optim.cosineDecay({ lr: 2, steps: 1000, alpha: 0.1 });
    fc.assert(
      fc.property(arbStep, (n) => {
        const t = Math.min(n, 1000) / 1000;
        expectClose(optim.rateAtStep(s, n), 2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * t)) + 0.1), {
          tol: 1e-5,
        });
      }),
      { numRuns: 30 },
    );
    expectClose(optim.rateAtStep(s, 0), 2, { tol: 1e-5 });
    expectClose(optim.rateAtStep(s, 1000), 0.2, { tol: 1e-5 });
  });
  test("warmup ramps linearly, then hands over to the schedule shifted by `steps`", () => {
    const inner = optim.cosineDecay({ lr: 1, steps: 100 });
    const s = optim.warmup({ steps: 10, target: inner });
    expectClose(optim.rateAtStep(s, 0), 0, { tol: 1e-5 });
    expectClose(optim.rateAtStep(s, 5), 0.5, { tol: 1e-5 });
    expectClose(optim.rateAtStep(s, 10), 1, { tol: 1e-5 });
    expectClose(optim.rateAtStep(s, 60), optim.rateAtStep(inner, 50), { tol: 1e-5 });
    const c = optim.warmup({ steps: 4, target: 0.2, from: 0.1 });
    expect([0, 2, 4, 9].map((n) => Number(optim.rateAtStep(c, n).toFixed(6)))).toEqual([
      0.1, 0.15, 0.2, 0.2,
    ]);
  });
  test("schedules trace inside jit", () => {
    const s = optim.cosineDecay({ lr: 1, steps: 10 });
    const f = jit((step: T) => s(step as optim.Scalar));
    expectClose(f(constant([5], [], "f32")).item(), 0.5, { tol: 1e-5 });
  });
  test("bad arguments are rejected", () => {
    expect(() => optim.stepDecay({ lr: 1, every: 0 })).toThrow(RangeError);
    expect(() => optim.cosineDecay({ lr: 1, steps: -1 })).toThrow(RangeError);
  });
});

const arbVec = fc.array(fc.double({ min: -5, max: 5, noNaN: true }), {
  minLength: 1,
  maxLength: 6,
});

describe("clipping", () => {
  test("clipByValue clamps each component", () => {
    fc.assert(
      fc.property(arbVec, (v) => {
        const t = optim.clipByValue(1);
        const tree = { g: constant(v, [v.length], "f32") };
        const { grads } = t.transform(tree, t.init(tree), tree);
        Array.from(grads.g.dataSync()).forEach((x, i) => {
          expectClose(x, Math.min(1, Math.max(-1, Math.fround(v[i]))), { tol: 1e-5 });
        });
      }),
      { numRuns: 30 },
    );
  });
  test("clipByGlobalNorm rescales to the norm bound, and only when above it", () => {
    fc.assert(
      fc.property(arbVec, arbVec, (a, b) => {
        const tree = { a: constant(a, [a.length], "f32"), b: [constant(b, [b.length], "f32")] };
        const norm = Math.sqrt([...a, ...b].reduce((s, x) => s + Math.fround(x) ** 2, 0));
        expectClose(optim.globalNorm(tree).item(), norm, { tol: 1e-5 });
        const t = optim.clipByGlobalNorm(2);
        const { grads } = t.transform(tree, null, tree);
        const scale = norm > 2 ? 2 / norm : 1;
        Array.from(grads.a.dataSync()).forEach((x, i) => {
          expectClose(x, Math.fround(a[i]) * scale, { tol: 1e-5 });
        });
        Array.from(grads.b[0].dataSync()).forEach((x, i) => {
          expectClose(x, Math.fround(b[i]) * scale, { tol: 1e-5 });
        });
      }),
      { numRuns: 30 },
    );
  });
  test("chain clips before the optimizer and keeps a state per part", () => {
    const opt = optim.chain(optim.clipByGlobalNorm(1), optim.sgd({ lr: 1 }));
    const p = { w: constant([0, 0], [2], "f32") };
    const state = opt.init(p);
    expect(state).toHaveLength(2);
    const r = opt.update({ w: constant([3, 4], [2], "f32") }, state, p);
    expect(Array.from(r.params.w.dataSync()).map((x) => Number(x.toFixed(5)))).toEqual([
      -0.6, -0.8,
    ]);
    expect(opt.name).toBe("chain(clipByGlobalNorm, sgd)");
  });
  test("chain wants an optimizer last", () => {
    expect(() => optim.chain(optim.clipByValue(1) as never)).toThrow(TypeError);
  });
});
