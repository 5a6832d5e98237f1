/**
 * Behaviour checks: an LSTM against its equations written out by hand, batch-norm statistics and
 * running averages, dropout's keep rate and scaling, embedding rows, initializer statistics, the
 * curried apply in fp-ts pipe, and runtime shape errors that name the layer.
 */
import { pipe } from "fp-ts/function";
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { rand, randInt, toF64 } from "./helpers.js";

const arr = (t: T) => Array.from(t.dataSync() as ArrayLike<number>);
const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe("lstm", () => {
  test("matches its equations written out by hand (gate order i, f, c, o)", () => {
    const [B, Tn, F, U] = [2, 3, 2, 2];
    const model = tg.nn.sequential([Tn, F], tg.nn.lstm(U, { returnSequences: true }));
    const p = toF64(model.init(tg.random.key(3)))[0] as Record<string, T>;
    // non-zero biases so every term matters
    const bias = rand([4 * U], 8);
    const params = [{ ...p, bias }] as never;
    const x = rand([B, Tn, F], 5);
    const y = arr(model.apply(params, x) as T);
    const W = arr(p.kernel);
    const R = arr(p.recurrentKernel);
    const b = arr(bias);
    const xs = arr(x);
    for (let n = 0; n < B; n++) {
      let h = new Array(U).fill(0);
      let c = new Array(U).fill(0);
      for (let t = 0; t < Tn; t++) {
        const z = Array.from({ length: 4 * U }, (_, j) => {
          let s = b[j];
          for (let k = 0; k < F; k++) s += xs[(n * Tn + t) * F + k] * W[k * 4 * U + j];
          for (let k = 0; k < U; k++) s += h[k] * R[k * 4 * U + j];
          return s;
        });
        const i = z.slice(0, U).map(sig);
        const f = z.slice(U, 2 * U).map(sig);
        const g = z.slice(2 * U, 3 * U).map(Math.tanh);
        const o = z.slice(3 * U).map(sig);
        c = c.map((cv, k) => f[k] * cv + i[k] * g[k]);
        h = c.map((cv, k) => o[k] * Math.tanh(cv));
        for (let k = 0; k < U; k++) expect(y[(n * Tn + t) * U + k]).toBeCloseTo(h[k], 10);
      }
    }
  });
  test("forget bias starts at 1 and the recurrent kernel is orthogonal", () => {
    const model = tg.nn.sequential([5, 3], tg.nn.lstm(4));
    const [p] = model.init(tg.random.key(0));
    expect(arr(p.bias)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const q = arr(p.recurrentKernel); // [4, 16]: orthonormal rows
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let d = 0;
        for (let k = 0; k < 16; k++) d += q[a * 16 + k] * q[b * 16 + k];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });
  test("a 200-step LSTM traces to a small program (scan)", () => {
    const model = tg.nn.sequential([200, 4], tg.nn.lstm(8), tg.nn.dense(1));
    const params = model.init(tg.random.key(0));
    const x = rand([2, 200, 4], 1, "f32");
    const y = rand([2, 1], 2, "f32");
    const loss = (p: typeof params) => tg.losses.mse(model.apply(p, x) as T, y);
    const prog = tg.makeProgram(loss)(params);
    expect(prog.eqns.length).toBeLessThan(60);
    const gradProg = tg.makeProgram(tg.grad(loss))(params);
    expect(gradProg.eqns.length).toBeLessThan(200);
    const g = tg.grad(loss)(params);
    expect(arr(g[0].recurrentKernel).every(Number.isFinite)).toBe(true);
  });
});

describe("batchNorm", () => {
  const model = tg.nn.sequential([3], tg.nn.batchNorm({ momentum: 0.9 }));
  const params = toF64(model.init(tg.random.key(0)));
  const x = rand([8, 3], 2, "f64", -3, 5);
  test("training: zero mean, unit variance per feature; running averages updated", () => {
    const { y, state } = model.forward(params, x, { training: true, state: model.initState() });
    const ys = arr(y as T);
    const xs = arr(x);
    for (let f = 0; f < 3; f++) {
      const col = ys.filter((_, i) => i % 3 === f);
      const m = col.reduce((a, b) => a + b, 0) / 8;
      const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / 8;
      expect(m).toBeCloseTo(0, 10);
      const xc = xs.filter((_, i) => i % 3 === f);
      const xm = xc.reduce((a, b) => a + b, 0) / 8;
      const xv = xc.reduce((a, b) => a + (b - xm) ** 2, 0) / 8;
      expect(v).toBeCloseTo(xv / (xv + 1e-3), 8);
      expect(arr(state[0].mean)[f]).toBeCloseTo(0.1 * xm, 6);
      expect(arr(state[0].variance)[f]).toBeCloseTo(0.9 + 0.1 * xv, 6);
    }
  });
  test("inference uses the running averages passed in", () => {
    const state = [
      {
        mean: tg.nn.ones(tg.random.key(0), [3], "f64"),
        variance: tg.nn.ones(tg.random.key(0), [3], "f64"),
      },
    ] as never;
    const y = arr(model.apply(params, x, { state }) as T);
    arr(x).forEach((v, i) => expect(y[i]).toBeCloseTo((v - 1) / Math.sqrt(1 + 1e-3), 10));
  });
});

describe("dropout", () => {
  test("keeps about 1 − rate of the elements and scales them by 1/(1 − rate)", () => {
    const layer = tg.nn.build(tg.nn.dropout(0.3), [10000]);
    const x = tg.nn.ones(tg.random.key(0), [1, 10000]);
    const y = arr(layer.apply({}, x, { training: true, key: tg.random.key(4) }) as T);
    const kept = y.filter((v) => v !== 0);
    expect(kept.length / 10000).toBeGreaterThan(0.68);
    expect(kept.length / 10000).toBeLessThan(0.72);
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.7, 5);
    // inference: identity; training without a key: a clear error
    expect(arr(layer.apply({}, x) as T).every((v) => v === 1)).toBe(true);
    expect(() => layer.apply({}, x, { training: true })).toThrow(/needs a random key/);
  });
  test("the same key gives the same mask; serial splits the key per layer", () => {
    const model = tg.nn.serial(tg.nn.dense(4, 64), tg.nn.dropout(0.5), tg.nn.dropout(0.5));
    const p = model.init(tg.random.key(0));
    const x = tg.nn.ones(tg.random.key(0), [2, 4]);
    const a = arr(model.apply(p, x, { training: true, key: tg.random.key(9) }) as T);
    const b = arr(model.apply(p, x, { training: true, key: tg.random.key(9) }) as T);
    expect(a).toEqual(b);
  });
});

describe("embedding, initializers, pipe, errors", () => {
  test("embedding returns the table's rows", () => {
    const model = tg.nn.sequential([3], tg.nn.embedding(5, 2));
    const params = model.init(tg.random.key(0));
    const ids = randInt([2, 3], 5);
    const y = arr(model.apply(params, ids) as T);
    const table = arr(params[0].table);
    arr(ids).forEach((id, i) =>
      expect(y.slice(2 * i, 2 * i + 2)).toEqual(table.slice(2 * id, 2 * id + 2)),
    );
    expect(table.every((v) => Math.abs(v) <= 0.05)).toBe(true);
  });
  test("initializer statistics follow their fans", () => {
    const w = arr(tg.nn.glorotUniform(tg.random.key(0), [200, 300]));
    const lim = Math.sqrt(6 / 500);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(lim);
    const varOf = (xs: number[]) => xs.reduce((a, b) => a + b * b, 0) / xs.length;
    expect(varOf(w)).toBeCloseTo(lim ** 2 / 3, 3);
    expect(varOf(arr(tg.nn.heNormal(tg.random.key(1), [400, 100])))).toBeCloseTo(2 / 400, 3);
    expect(tg.nn.fans([3, 3, 16, 32])).toEqual([144, 288]);
    const q = arr(tg.nn.orthogonal(tg.random.key(2), [6, 3])); // tall: orthonormal columns
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let d = 0;
        for (let k = 0; k < 6; k++) d += q[k * 3 + a] * q[k * 3 + b];
        expect(d).toBeCloseTo(a === b ? 1 : 0, 5);
      }
  });
  test("apply is curried for fp-ts pipe", () => {
    const model = tg.nn.serial(tg.nn.dense(3, 2), tg.nn.relu);
    const p = model.init(tg.random.key(0));
    const x = rand([4, 3], 1, "f32");
    expect(arr(pipe(x, model.apply(p)) as T)).toEqual(arr(model.apply(p, x) as T));
    expect(arr(pipe(x, tg.nn.relu))).toEqual(arr(tg.nn.relu(x)));
  });
  test("runtime shape errors name the layer", () => {
    const model = tg.nn.dense(3, 2);
    const p = model.init(tg.random.key(0));
    expect(() => model.apply(p, rand([4, 5], 1, "f32") as never)).toThrow(
      /dense\(3, 2\): expects inputs \[batch, 3\] but got \[4, 5\]/,
    );
    const dyn: number[] = [28, 28, 1];
    expect(() =>
      tg.nn.sequential(dyn, tg.nn.conv2d(8, 3), tg.nn.flatten, tg.nn.dense(800, 10)),
    ).toThrow(/sequential: layer 3 \(dense\(800, 10\)\).*\[800\].*\[5408\]/);
    const dyn4: number[] = [4];
    expect(() => tg.nn.sequential(dyn4, tg.nn.dense(4), tg.nn.lstm(3))).toThrow(
      /lstm\(3\): takes \[time, features\] but gets \[4\]/,
    );
  });
  test("regularizers", () => {
    const p = { w: tg.nn.ones(tg.random.key(0), [2, 2]), b: [tg.nn.zeros(tg.random.key(0), [3])] };
    expect(tg.nn.l1(p, 0.5).item()).toBeCloseTo(2);
    expect(tg.nn.l2(p).item()).toBeCloseTo(0.04);
  });
});
