// Random constructors return the same mutable shape types as zeros/ones, so a tensor kept in a
// const fits a parameter typed the way users write it (found by trying the README as a new user).
import { describe, expectTypeOf, it } from "vitest";
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
});
