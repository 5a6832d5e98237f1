/**
 * Each optimizer's update against its formula, computed by hand in float64 on random values, for
 * three steps on a two-leaf parameter tree; eagerly and inside `jit`.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import { constant } from "../../src/prims/constants.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { jit } from "../../src/transforms/jit.js";
import { expectClose } from "../util/close.js";

type Tree = { w: T; b: T };
type HostTree = { w: number[]; b: number[] };
const SHAPES = { w: [3, 2], b: [4] } as const;

const arbVec = (n: number) =>
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n });
const arbHost = fc.record({ w: arbVec(6), b: arbVec(4) });
const arbCase = fc.record({ p: arbHost, gs: fc.array(arbHost, { minLength: 3, maxLength: 3 }) });

const toTree = (h: HostTree): Tree => ({
  w: constant(h.w, SHAPES.w, "f32"),
  b: constant(h.b, SHAPES.b, "f32"),
});
const f32 = (h: HostTree): HostTree => ({ w: h.w.map(Math.fround), b: h.b.map(Math.fround) });

/** A float64 reference: per-coordinate state `s`, step `t` (1-based) → new p and s. */
type Ref = (p: number, g: number, s: number[], t: number) => [number, number[]];

function runRef(ref: Ref, nState: number, p0: HostTree, gs: HostTree[]): HostTree {
  const out: HostTree = { w: [], b: [] };
  for (const k of ["w", "b"] as const) {
    for (let i = 0; i < p0[k].length; i++) {
      let p = p0[k][i];
      let s = new Array(nState).fill(0);
      gs.forEach((g, t) => {
        [p, s] = ref(p, g[k][i], s, t + 1);
      });
      out[k].push(p);
    }
  }
  return out;
}

function runOpt(
  opt: optim.Optimizer<any>,
  p0: HostTree,
  gs: HostTree[],
  jitted: boolean,
): HostTree {
  let params = toTree(p0);
  let state = opt.init(params);
  const update = jitted
    ? jit((g: Tree, s: unknown, p: Tree) => opt.update(g, s, p))
    : opt.update.bind(opt);
  for (const g of gs)
    ({ params, state } = update(toTree(g), state, params) as { params: Tree; state: unknown });
  return { w: Array.from(params.w.dataSync()), b: Array.from(params.b.dataSync()) };
}

function expectCloseTree(got: HostTree, want: HostTree): void {
  for (const k of ["w", "b"] as const) expectClose(got[k], want[k], { tol: 1e-4, what: k });
}

interface Row {
  name: string;
  opt: () => optim.Optimizer<any>;
  ref: Ref;
  nState: number;
}

const lr = 0.05;
const rows: Row[] = [
  { name: "sgd", opt: () => optim.sgd({ lr }), nState: 0, ref: (p, g) => [p - lr * g, []] },
  {
    name: "sgd weight decay",
    opt: () => optim.sgd({ lr, weightDecay: 0.1 }),
    nState: 0,
    ref: (p, g) => [p - lr * (g + 0.1 * p), []],
  },
  {
    name: "sgd momentum",
    opt: () => optim.sgd({ lr, momentum: 0.9 }),
    nState: 1,
    ref: (p, g, [v]) => {
      const v1 = 0.9 * v + g;
      return [p - lr * v1, [v1]];
    },
  },
  {
    name: "sgd nesterov",
    opt: () => optim.sgd({ lr, momentum: 0.8, nesterov: true }),
    nState: 1,
    ref: (p, g, [v]) => {
      const v1 = 0.8 * v + g;
      return [p - lr * (g + 0.8 * v1), [v1]];
    },
  },
  {
    name: "rmsprop",
    opt: () => optim.rmsprop({ lr, rho: 0.9, eps: 1e-7 }),
    nState: 1,
    ref: (p, g, [s]) => {
      const s1 = 0.9 * s + 0.1 * g * g;
      return [p - (lr * g) / (Math.sqrt(s1) + 1e-7), [s1]];
    },
  },
  {
    name: "rmsprop centered momentum",
    opt: () => optim.rmsprop({ lr, rho: 0.8, eps: 1e-3, momentum: 0.5, centered: true }),
    nState: 3,
    ref: (p, g, [s, m, b]) => {
      const s1 = 0.8 * s + 0.2 * g * g;
      const m1 = 0.8 * m + 0.2 * g;
      const b1 = 0.5 * b + g / (Math.sqrt(s1 - m1 * m1) + 1e-3);
      return [p - lr * b1, [s1, m1, b1]];
    },
  },
  {
    name: "adagrad",
    opt: () => optim.adagrad({ lr, eps: 1e-10, initialAccumulator: 0.1 }),
    nState: 1,
    ref: (p, g, [s], t) => {
      const s1 = (t === 1 ? 0.1 : s) + g * g;
      return [p - (lr * g) / (Math.sqrt(s1) + 1e-10), [s1]];
    },
  },
  {
    name: "adam",
    opt: () => optim.adam({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }),
    nState: 2,
    ref: (p, g, [m, v], t) => {
      const m1 = 0.9 * m + 0.1 * g;
      const v1 = 0.999 * v + 0.001 * g * g;
      const mh = m1 / (1 - 0.9 ** t);
      const vh = v1 / (1 - 0.999 ** t);
      return [p - (lr * mh) / (Math.sqrt(vh) + 1e-8), [m1, v1]];
    },
  },
  {
    name: "adamw",
    opt: () => optim.adamw({ lr, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }),
    nState: 2,
    ref: (p, g, [m, v], t) => {
      const m1 = 0.8 * m + 0.2 * g;
      const v1 = 0.99 * v + 0.01 * g * g;
      const mh = m1 / (1 - 0.8 ** t);
      const vh = v1 / (1 - 0.99 ** t);
      return [p - lr * (mh / (Math.sqrt(vh) + 1e-6) + 0.1 * p), [m1, v1]];
    },
  },
];

describe("optimizers follow their formulas (float64 reference, 3 steps)", () => {
  for (const row of rows) {
    test(row.name, () => {
      fc.assert(
        fc.property(arbCase, ({ p, gs }) => {
          const p0 = f32(p);
          const g0 = gs.map(f32);
          const want = runRef(row.ref, row.nState, p0, g0);
          expectCloseTree(runOpt(row.opt(), p0, g0, false), want);
          expectCloseTree(runOpt(row.opt(), p0, g0, true), want);
        }),
        { numRuns: 15 },
      );
    });
  }
});

describe("optimizer plumbing", () => {
  test("a schedule as lr sees the step count 0, 1, 2", () => {
    const seen: number[] = [];
    const sched = optim.stepDecay({ lr: 1, every: 1, factor: 0.5 });
    const opt = optim.sgd({ lr: sched });
    let params = { w: constant([0], [1], "f32") };
    let state = opt.init(params);
    for (let i = 0; i < 3; i++) {
      ({ params, state } = opt.update({ w: constant([-1], [1], "f32") }, state, params));
      seen.push(params.w.item());
    }
    expect(seen).toEqual([1, 1.5, 1.75]);
    expect(state.step.item()).toBe(3);
  });

  test("state and params keep the tree structure", () => {
    const opt = optim.adam();
    const params = { layers: [{ w: constant([1, 2], [2], "f32") }], b: constant([3], [], "f32") };
    const state = opt.init(params);
    const r = opt.update(params, state, params);
    expect(Object.keys(r.params)).toEqual(["layers", "b"].sort());
    expect((r.state.m as typeof params).layers[0].w.shape).toEqual([2]);
  });

  test("mismatched trees are an error", () => {
    const opt = optim.sgd({ lr: 0.1 });
    const p = { a: constant([1], [1], "f32"), b: constant([1], [1], "f32") };
    expect(() => opt.update({ a: p.a } as unknown as typeof p, opt.init(p), p)).toThrow(
      /structure/,
    );
  });

  test("nesterov without momentum is rejected", () => {
    expect(() => optim.sgd({ nesterov: true })).toThrow(RangeError);
  });
});
