/**
 * API.md's "Transformations" section, compiled and run as written, with the types it promises:
 * gradients have the exact type of the parameters, grad of a non-scalar does not compile, vmap
 * adds the batch dimension.
 */
import { describe, expect, expectTypeOf, test } from "vitest";
import * as tg from "../../src/index.js";

describe("API.md transformations", () => {
  test("grad: (w) => Tensor<[3]>", () => {
    const df = tg.grad((w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w)));
    const g = df(tg.tensor([1, 2, 3]));
    expectTypeOf(g).toEqualTypeOf<tg.Tensor<[3]>>();
    expect(g.toArray()).toEqual([2, 4, 6]);
  });

  test("valueAndGrad: grads has the exact type of params", () => {
    type Params = { w: tg.Tensor<[3, 2]>; b: tg.Tensor<[2]> };
    const params: Params = { w: tg.ones([3, 2]), b: tg.zeros([2]) };
    const x = tg.tensor([[1, 2, 3]]);
    const y = tg.tensor([[1, 0]]);
    const lossFn = (p: Params, xb: tg.Tensor<[1, 3]>, yb: tg.Tensor<[1, 2]>) =>
      tg.sum(tg.square(tg.sub(tg.add(tg.matmul(xb, p.w), p.b), yb)));
    const [loss, grads] = tg.valueAndGrad(lossFn)(params, x, y);
    expectTypeOf(grads).toEqualTypeOf<Params>();
    expectTypeOf(loss).toEqualTypeOf<tg.Tensor<[], "f32">>();
    // prediction 6 for both outputs: loss = 25 + 36; d/db = 2·(6 − y)
    expect(loss.item()).toBeCloseTo(61, 4);
    expect(grads.b.toArray()).toEqual([10, 12]);
  });

  test("argnums, vjp, jvp, vmap, jit, makeProgram", () => {
    const f = (a: tg.Tensor<[2]>, b: tg.Tensor<[2]>) => tg.sum(tg.mul(a, b));
    const [ga, gb] = tg.grad(f, { argnums: [0, 1] })(tg.tensor([1, 2]), tg.tensor([3, 4]));
    expectTypeOf(ga).toEqualTypeOf<tg.Tensor<[2]>>();
    expect([ga.toArray(), gb.toArray()]).toEqual([
      [3, 4],
      [1, 2],
    ]);

    const [y, back] = tg.vjp((x: tg.Tensor<[2]>) => tg.exp(x), tg.zeros([2]));
    expect(back(tg.ones([2]))[0].toArray()).toEqual([1, 1]);
    expect(y.toArray()).toEqual([1, 1]);

    const [, t] = tg.jvp((x: tg.Tensor<[2]>) => tg.sin(x), [tg.zeros([2])], [tg.ones([2])]);
    expect(t.toArray()).toEqual([1, 1]);

    const perRow = tg.vmap((r: tg.Tensor<[3]>) => tg.sum(r));
    const s = perRow(tg.ones([8, 3]));
    expectTypeOf(s).toEqualTypeOf<tg.Tensor<[8], "f32">>();
    expect(s.shape).toEqual([8]);
    expect(
      tg
        .vmap(f, { inAxes: [0, null] })(tg.ones([4, 2]), tg.tensor([1, 2]))
        .toArray(),
    ).toEqual([3, 3, 3, 3]);

    const step = tg.jit((w: tg.Tensor<[2]>, g: tg.Tensor<[2]>) => tg.sub(w, tg.mul(g, 0.5)), {
      donate: [0],
    });
    expect(step(tg.tensor([1, 2]), tg.tensor([2, 2])).toArray()).toEqual([0, 1]);

    expect(
      tg
        .makeProgram(f)(tg.zeros([2]), tg.zeros([2]))
        .toString(),
    ).toContain("reduce_sum");
  });

  test("grad of a function whose output is not a scalar does not compile", () => {
    const notScalar = (w: tg.Tensor<[3]>) => tg.mul(w, w);
    // @ts-expect-error grad needs a function that returns Tensor<[]>
    expect(() => tg.grad(notScalar)(tg.ones([3]))).toThrow(/must return a scalar/);
  });
});
