// jit must never run the program of another call: static arguments are told apart as Object.is
// does, functions by identity; a donated argument that is also captured is refused before it runs.
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";

describe("jit cache keys", () => {
  it("tells NaN, ±Infinity, null, undefined, 0 and -0 apart", () => {
    let traces = 0;
    const f = tg.jit((x: tg.Tensor<[2]>, c: number | null | undefined) => {
      traces++;
      return tg.mul(x, c === null ? 7 : c === undefined ? 9 : c);
    });
    const x = tg.tensor([1, -1]);
    const cases: [number | null | undefined, number[]][] = [
      [Number.NaN, [Number.NaN, Number.NaN]],
      [Number.POSITIVE_INFINITY, [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
      [Number.NEGATIVE_INFINITY, [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]],
      [null, [7, -7]],
      [undefined, [9, -9]],
      [0, [0, -0]],
      [-0, [-0, 0]],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [c, want] of cases) {
        const got = Array.from(f(x, c).dataSync());
        got.forEach((v, i) =>
          expect(Object.is(v, want[i]), `c=${String(c)} [${i}] = ${v}`).toBe(true),
        );
      }
    }
    expect(traces).toBe(cases.length); // each traced once, then reused
  });

  it("keys functions by identity", () => {
    const apply = tg.jit((f: (t: tg.Tensor<[2]>) => tg.Tensor<[2]>, x: tg.Tensor<[2]>) => f(x));
    const x = tg.tensor([-1, 2]);
    expect(apply(tg.relu, x).toArray()).toEqual([0, 2]);
    expect(apply(tg.neg, x).toArray()).toEqual([1, -2]);
    expect(apply(tg.relu, x).toArray()).toEqual([0, 2]);
  });

  it("refuses arguments it cannot key, and a non-function", () => {
    const f = tg.jit((x: tg.Tensor<[1]>, _o: unknown) => x);
    const x = tg.tensor([1]);
    expect(() => f(x, new Float32Array(2))).toThrow(/jit: argument 2 holds a Float32Array/);
    expect(() => f(x, new Map())).toThrow(/jit: argument 2 holds a Map/);
    expect(() => f(x, Symbol("s"))).toThrow(TypeError);
    expect(() => tg.jit("abc" as never)).toThrow(
      /jit: expected a function to compile, got string "abc"/,
    );
    expect(f(x, "a").toArray()).toEqual([1]);
  });

  it("refuses to donate a tensor the function captures, and the captured tensor keeps its values", () => {
    const w0 = tg.tensor([1, 2, 3]);
    const step = tg.jit((w: tg.Tensor<[3]>) => tg.add(w, w0), { donate: [0] });
    expect(step(tg.tensor([1, 1, 1])).toArray()).toEqual([2, 3, 4]);
    expect(() => step(w0)).toThrow(/donated argument .* is also captured/);
    expect(w0.toArray()).toEqual([1, 2, 3]);
    expect(w0.isDisposed).toBe(false);
    expect(step(tg.tensor([0, 0, 0])).toArray()).toEqual([1, 2, 3]);
  });
});

describe("sparse cross-entropy targets", () => {
  it("an index outside [0, classes) is an error eagerly and, with NaN checks on, under jit", () => {
    const logits = tg.zeros([2, 3]);
    for (const bad of [5, -1, 3]) {
      expect(() =>
        tg.losses.sparseCategoricalCrossEntropy(logits, tg.tensor([0, bad], "i32"), {
          fromLogits: true,
        }),
      ).toThrow(new RegExp(`target ${bad} at flat index 1 is not a class index in \\[0, 3\\)`));
    }
    const f = tg.jit((p: tg.Tensor<[2, 3]>, t: tg.Tensor<[2], "i32">) =>
      tg.losses.sparseCategoricalCrossEntropy(p, t, { fromLogits: true }),
    );
    expect(f(logits, tg.tensor([0, 2], "i32")).item()).toBeCloseTo(Math.log(3));
    const was = tg.debug.nans(true);
    try {
      expect(() => f(logits, tg.tensor([0, 7], "i32"))).toThrow(/target 7/);
    } finally {
      tg.debug.nans(was);
    }
  });
});
