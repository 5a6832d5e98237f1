/**
 * The numeric conventions of docs/numerics.md that the PyTorch edge table (edges.test.ts) does not
 * state by itself: NaN through the ReLU family forward and backward on every backend and under
 * `jit`, float results of float-valued reductions of integers (value and type), clip's derivative
 * at its bounds, and the user-facing op name in error messages.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tg from "../../src/index.js";
import { getBackend, setBackend } from "../../src/backend/registry.js";

const NaN32 = Number.NaN;
const backends = ["reference", "wasm"] as const;

/** Runs `body` on each backend, restoring the one in effect. */
function onEach(body: (backend: string) => void): void {
  const before = getBackend();
  try {
    for (const b of backends) {
      setBackend(b);
      body(b);
    }
  } finally {
    setBackend(before);
  }
}

const gradOf = (f: (x: tg.Tensor<[number]>) => tg.Tensor<[number]>) =>
  tg.grad((x: tg.Tensor<[number]>) => tg.sum(f(x)));

describe("NaN through the ReLU family", () => {
  const x = () => tg.tensor([NaN32, -1, 0, 2]) as tg.Tensor<[number]>;
  const rows: [string, (x: tg.Tensor<[number]>) => tg.Tensor<[number]>, number[], number[]][] = [
    ["relu", tg.relu, [NaN32, 0, 0, 2], [NaN32, 0, 0, 1]],
    ["nn.relu", tg.nn.relu, [NaN32, 0, 0, 2], [NaN32, 0, 0, 1]],
    ["leakyRelu", (v) => tg.leakyRelu(v, 0.25), [NaN32, -0.25, 0, 2], [NaN32, 0.25, 0.25, 1]],
    ["nn.leakyRelu", (v) => tg.nn.leakyRelu(v, 0.25), [NaN32, -0.25, 0, 2], [NaN32, 0.25, 0.25, 1]],
    [
      "elu",
      (v) => tg.elu(v, 2),
      [NaN32, 2 * (Math.exp(-1) - 1), 0, 2],
      [NaN32, 2 * Math.exp(-1), 2, 1],
    ],
    ["clip", (v) => tg.clip(v, -1, 0), [NaN32, -1, 0, 0], [NaN32, 1, 1, 0]],
  ];
  for (const [name, f, value, derivative] of rows) {
    it(`${name}: value and derivative at NaN, below, at and above 0, eager and under jit`, () => {
      onEach(() => {
        const check = (got: number[], want: number[]) =>
          want.forEach((w, i) =>
            Number.isNaN(w) ? expect(got[i]).toBeNaN() : expect(got[i]).toBeCloseTo(w, 6),
          );
        check(f(x()).toArray() as number[], value);
        check(gradOf(f)(x()).toArray() as number[], derivative);
        check(tg.jit(f)(x()).toArray() as number[], value);
        check(tg.jit(gradOf(f))(x()).toArray() as number[], derivative);
      });
    });
  }
});

describe("float-valued reductions of integers", () => {
  it("mean and logsumexp of i32 (and mean of bool) are f32, not truncated", () => {
    onEach(() => {
      const i = tg.tensor([1, 2], "i32");
      const m = tg.mean(i);
      expectTypeOf(m).toEqualTypeOf<tg.Tensor<[], "f32">>();
      expectTypeOf(m).not.toEqualTypeOf<tg.Tensor<[], "i32">>();
      // @ts-expect-error the mean of an i32 tensor is not an i32 tensor
      const truncated: tg.Tensor<[], "i32"> = m;
      expect(truncated.dtype).toBe("f32");
      expect(m.dtype).toBe("f32");
      expect(m.toArray()).toBe(1.5);
      const l = tg.logsumexp(tg.tensor([[0, 0]], "i32"), 1);
      expectTypeOf(l).toEqualTypeOf<tg.Tensor<[1], "f32">>();
      expect((l.toArray() as number[])[0]).toBeCloseTo(Math.LN2, 6);
      const b = tg.mean(tg.tensor([true, false, false, false]));
      expectTypeOf(b).toEqualTypeOf<tg.Tensor<[], "f32">>();
      expect(b.toArray()).toBe(0.25);
      expectTypeOf(tg.mean(tg.tensor([1, 2]))).toEqualTypeOf<tg.Tensor<[], "f32">>();
    });
  });
});

describe("error messages name the user-facing op", () => {
  // typed calls would not compile (a dtype mismatch is a compile error): these check the runtime
  const i = tg.tensor([1, 2], "i32") as never;
  const cases: [string, () => unknown][] = [
    ["leakyRelu", () => tg.leakyRelu(i)],
    ["elu", () => tg.elu(i)],
    ["avgPool2d", () => tg.avgPool2d(tg.zeros([1, 2, 2, 1], "i32") as never, 2)],
    ["maxPool2d", () => tg.maxPool2d(tg.zeros([1, 2, 2, 1], "bool") as never, 2)],
    ["dot", () => tg.dot(tg.zeros([2]) as never, tg.zeros([3]) as never)],
    ["take", () => tg.take(tg.zeros([2]), tg.tensor([5], "i32"))],
    ["sigmoid", () => tg.sigmoid(i)],
    ["nn.sigmoid", () => tg.nn.sigmoid(i)],
    ["rsqrt", () => tg.rsqrt(i as never)],
    ["gelu", () => tg.gelu(i)],
    ["softmax", () => tg.softmax(i)],
    ["logSoftmax", () => tg.logSoftmax(i)],
    ["nn.softmax", () => tg.nn.softmax(i)],
    ["nn.logSoftmax", () => tg.nn.logSoftmax(i)],
    ["nn.gelu", () => tg.nn.gelu(i)],
    ["maximum", () => tg.maximum(i as never, tg.tensor([1, 2]) as never)],
    ["less", () => tg.less(tg.zeros([2]) as never, tg.zeros([3]) as never)],
  ];
  for (const [name, f] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      const e = err as Error & { op: string; cause?: unknown };
      const op = name.replace(/^nn\./, "");
      expect(e.op).toBe(op);
      expect(e.message.startsWith(`${op}: `)).toBe(true);
      // a primitive's error renamed keeps the original as its cause (logistic's, for sigmoid)
      if (e.cause !== undefined) expect((e.cause as { op: string }).op).not.toBe(op);
      if (name === "sigmoid") expect((e.cause as { op: string }).op).toBe("logistic");
    });
  }
});
