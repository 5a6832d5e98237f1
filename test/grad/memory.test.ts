/**
 * Memory without tidy: a training loop of 10,000 jitted steps, written the obvious way (new
 * parameters replace the old ones each step; the loss is dropped), keeps the wasm memory size
 * unchanged after warm-up. The parameters are donated, so the step overwrites them in place; the
 * loss scalars nobody holds are freed by the finalizers, which run whenever the loop yields.
 */
import { expect, test } from "vitest";
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import * as E from "../../src/prims/elementwise.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import { reduceSum } from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

function setup() {
  const x = tg.random.normal(tg.random.key(1), [32, 16]);
  const y = tg.random.normal(tg.random.key(2), [32, 4]);
  const params = {
    w1: tg.random.normal(tg.random.key(3), [16, 32], { std: 0.1 }),
    w2: tg.random.normal(tg.random.key(4), [32, 4], { std: 0.1 }),
    b: constant(new Array(32).fill(0), [32], "f32"),
  };
  const loss = (p: typeof params) => {
    const h = E.tanh(E.add(matmulPrim(x, p.w1), p.b));
    const d = E.sub(matmulPrim(h, p.w2), y);
    return reduceSum(E.mul(d, d));
  };
  const step = tg.jit(
    (p: typeof params) => {
      const [l, g] = tg.valueAndGrad(loss)(p);
      return { p: tg.treeMap(p, (w, i) => E.sub(w, E.mul([g.b, g.w1, g.w2][i], 1e-3))), l };
    },
    { donate: [0] },
  );
  return { params, step };
}

test("a jitted, donated training step allocates nothing but its loss: 10,000 steps, exactly flat", () => {
  let { params, step } = setup();
  let first = 0;
  let lossStart = 0;
  for (let i = 0; i < 10_000; i++) {
    const out = step(params);
    params = out.p;
    if (i === 0) lossStart = out.l.item();
    if (i === 9_999) expect(out.l.item()).toBeLessThan(lossStart);
    out.l.dispose();
    if (i === 10) first = tg.memoryStats().bytesInUse;
  }
  expect(tg.memoryStats().bytesInUse).toBe(first);
});

test("written the obvious way (losses dropped, not disposed), memory stays bounded", async () => {
  let { params, step } = setup();
  let first = 0;
  for (let i = 0; i < 10_000; i++) {
    params = step(params).p;
    if (i === 100) first = tg.memoryStats().memoryBytes;
    // a real loop yields now and then (progress output, data loading); the finalizers of the
    // results nobody holds any more run in between, whenever the garbage collector has found them
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  // the dropped losses (64 bytes each) are reclaimed by GC; nothing else is allocated per step
  expect(tg.memoryStats().memoryBytes).toBeLessThanOrEqual(first + 2 ** 20);
});

test("dispose and using free at once", () => {
  const before = tg.memoryStats().bytesInUse;
  {
    using t = constant(new Array(100_000).fill(1), [100_000], "f32") as T;
    expect(tg.memoryStats().bytesInUse).toBeGreaterThan(before);
    expect(t.size).toBe(100_000);
  }
  expect(tg.memoryStats().bytesInUse).toBe(before);
});

/** Small versions of the benchmark's models: each row is one model family's training step. */
const STEP_MODELS: { name: string; model: () => unknown; x: number[]; classes: number }[] = [
  {
    name: "MLP (dense, relu)",
    model: () =>
      tg.nn.sequential(
        [12],
        tg.nn.dense(16),
        tg.nn.relu,
        tg.nn.dense(16),
        tg.nn.relu,
        tg.nn.dense(3),
      ),
    x: [8, 12],
    classes: 3,
  },
  {
    name: "CNN (conv, relu, max pool over two axes, dense)",
    model: () =>
      tg.nn.sequential(
        [8, 8, 1],
        tg.nn.conv2d(4, 3),
        tg.nn.relu,
        tg.nn.maxPool2d(2),
        tg.nn.flatten,
        tg.nn.dense(3),
      ),
    x: [4, 8, 8, 1],
    classes: 3,
  },
  {
    name: "LSTM (scan, last state, dense)",
    model: () => tg.nn.sequential([5, 6], tg.nn.lstm(8), tg.nn.dense(3)),
    x: [4, 5, 6],
    classes: 3,
  },
];

test.each(STEP_MODELS)(
  "a jitted, donated Adam step of a $name allocates one buffer, its loss",
  ({ model: make, x: xShape, classes }) => {
    type AnyModel = { init(k: unknown): unknown; apply(p: unknown, x: T): T };
    const model = make() as AnyModel;
    const opt = tg.optim.adam({ lr: 1e-2 });
    const x = tg.random.normal(tg.random.key(7), xShape) as T;
    const labels = Array.from({ length: xShape[0] }, (_, i) => i % classes);
    const y = tg.tensor(labels, "i32") as unknown as T;
    const loss = (p: unknown) =>
      tg.losses.sparseCategoricalCrossEntropy(model.apply(p, x), y, { fromLogits: true });
    const step = tg.jit(
      (p: unknown, s: unknown) => {
        const [l, g] = tg.valueAndGrad(loss)(p);
        const next = opt.update(g as never, s as never, p as never);
        return { p: next.params as unknown, s: next.state as unknown, l: l as T };
      },
      { donate: [0, 1] },
    );
    let params = model.init(tg.random.key(0));
    let state: unknown = opt.init(params as never);
    const losses: number[] = [];
    const allocs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const before = tg.memoryStats().allocations;
      const out = step(params, state);
      allocs.push(tg.memoryStats().allocations - before);
      params = out.p;
      state = out.s;
      losses.push(out.l.item());
      out.l.dispose();
    }
    // the first calls trace, plan and prepare; from then on a step allocates only its loss
    expect(allocs.slice(5)).toEqual(new Array(25).fill(1));
    expect(losses[29]).toBeLessThan(losses[0]);
  },
);
