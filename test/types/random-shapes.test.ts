// Random constructors return the same mutable shape types as zeros/ones, so a tensor kept in a
// const fits a parameter typed the way users write it (found by trying the README as a new user).
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tg from "../../src/index.js";

const takes = (x: tg.Tensor<[64, 3]>) => x;

describe("random shapes", () => {
  it("normal, uniform, bernoulli and randint give Tensor<[..]> like zeros", () => {
    const k = tg.random.key(0);
    const n = tg.random.normal(k, [64, 3]);
    const u = tg.random.uniform(k, [64, 3]);
    expectTypeOf(n).toEqualTypeOf<tg.Tensor<[64, 3], "f32">>();
    expectTypeOf(u).toEqualTypeOf<tg.Tensor<[64, 3], "f32">>();
    expectTypeOf(tg.random.bernoulli(k, 0.5, [2])).toEqualTypeOf<tg.Tensor<[2], "bool">>();
    expectTypeOf(tg.random.randint(k, [4], 0, 5)).toEqualTypeOf<tg.Tensor<[4], "i32">>();
    takes(n);
    takes(tg.zeros([64, 3]));
    // @ts-expect-error: the sizes still have to fit
    takes(tg.random.normal(k, [64, 4]));
  });

  it("the dtype option is the dtype of the type: random draws, initializers and lstsq", () => {
    const k = tg.random.key(0);
    const n = tg.random.normal(k, [2, 3], { dtype: "f64" });
    const u = tg.random.uniform(k, [2], { min: -1, dtype: "f64" });
    expectTypeOf(n).toEqualTypeOf<tg.Tensor<[2, 3], "f64">>();
    expectTypeOf(u).toEqualTypeOf<tg.Tensor<[2], "f64">>();
    expect([n.dtype, u.dtype]).toEqual(["f64", "f64"]);
    expectTypeOf(tg.random.normal(k, [2], { std: 2 })).toEqualTypeOf<tg.Tensor<[2], "f32">>();
    const w = tg.nn.glorotUniform(k, [3, 2], "f64");
    expectTypeOf(w).toEqualTypeOf<tg.Tensor<[3, 2], "f64">>();
    expect(w.dtype).toBe("f64");
    expectTypeOf(tg.nn.orthogonal(k, [3, 3])).toEqualTypeOf<tg.Tensor<[3, 3], "f32">>();
    const a = tg.tensor([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    const x32 = tg.linalg.lstsq(a, tg.tensor([1, 3, 5])).x;
    const x64 = tg.linalg.lstsq(a, tg.cast(tg.tensor([1, 3, 5]), "f64")).x;
    expectTypeOf(x32).toEqualTypeOf<tg.Tensor<readonly [2], "f32">>();
    expectTypeOf(x64).toEqualTypeOf<tg.Tensor<readonly [2], "f64">>();
    expect([x32.dtype, x64.dtype]).toEqual(["f32", "f64"]);
    // @ts-expect-error an f64 draw is not an f32 tensor
    const wrong: tg.Tensor<[2, 3], "f32"> = n;
    expect(wrong.dtype).toBe("f64");
    // @ts-expect-error lstsq of f64 data is f64
    const wrong2: tg.Tensor<readonly [2], "f32"> = x64;
    expect(wrong2.dtype).toBe("f64");
  });
});
