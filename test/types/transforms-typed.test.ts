/**
 * Compile-time tests of the transformations' types (issue 13): `vmap` with every form of `inAxes`
 * (number, null, per-argument list, pytree, negative) and `outAxes`, nested and composed with
 * `grad` and `jit`; `grad` with several argnums; `hessian` and `hvp`. Each inferred type is
 * checked with `expectTypeOf`, each mismatch with `@ts-expect-error`, and the runtime shapes are
 * compared with the types' shapes from one table.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tg from "../../src/index.js";

type T<S extends tg.Shape, D extends tg.DType = "f32"> = tg.Tensor<S, D>;
const double = (r: T<[3]>) => tg.mul(r, 2);
const dot = (w: T<[3]>, x: T<[3]>) => tg.sum(tg.mul(w, x));

describe("vmap places the batch where the axes say", () => {
  // Each row: the result of a vmapped call, its type checked beside it, and the runtime shape.
  const rows = [
    {
      name: "default: axis 0 in and out",
      y: tg.vmap((r: T<[3]>) => tg.sum(r))(tg.ones([8, 3])),
      shape: [8],
    },
    { name: "inAxes 1", y: tg.vmap(double, { inAxes: 1 })(tg.ones([3, 5])), shape: [5, 3] },
    { name: "inAxes -1", y: tg.vmap(double, { inAxes: -1 })(tg.ones([3, 5])), shape: [5, 3] },
    {
      name: "per-argument list with null",
      y: tg.vmap(dot, { inAxes: [null, 0] })(tg.ones([3]), tg.ones([4, 3])),
      shape: [4],
    },
    {
      name: "negative axis in a list",
      y: tg.vmap(dot, { inAxes: [-1, null] })(tg.ones([3, 6]), tg.ones([3])),
      shape: [6],
    },
    {
      name: "a pytree of axes",
      y: tg.vmap((p: { w: T<[3]>; x: T<[3]> }) => tg.sum(tg.mul(p.w, p.x)), {
        inAxes: [{ w: null, x: 0 }],
      })({ w: tg.ones([3]), x: tg.ones([7, 3]) }),
      shape: [7],
    },
    { name: "outAxes 1", y: tg.vmap(double, { outAxes: 1 })(tg.ones([8, 3])), shape: [3, 8] },
    { name: "outAxes -1", y: tg.vmap(double, { outAxes: -1 })(tg.ones([8, 3])), shape: [3, 8] },
    {
      name: "inAxes 1 and outAxes 1",
      y: tg.vmap(double, { inAxes: 1, outAxes: 1 })(tg.ones([3, 2])),
      shape: [3, 2],
    },
  ] as const;

  it("the inferred types", () => {
    expectTypeOf(rows[0].y).toEqualTypeOf<T<[8]>>();
    expectTypeOf(rows[1].y).toEqualTypeOf<T<[5, 3]>>();
    expectTypeOf(rows[2].y).toEqualTypeOf<T<[5, 3]>>();
    expectTypeOf(rows[3].y).toEqualTypeOf<T<[4]>>();
    expectTypeOf(rows[4].y).toEqualTypeOf<T<[6]>>();
    expectTypeOf(rows[5].y).toEqualTypeOf<T<[7]>>();
    expectTypeOf(rows[6].y).toEqualTypeOf<T<[3, 8]>>();
    expectTypeOf(rows[7].y).toEqualTypeOf<T<[3, 8]>>();
    expectTypeOf(rows[8].y).toEqualTypeOf<T<[3, 2]>>();
  });
  it.each(rows)("$name: the runtime shape is the type's", ({ y, shape }) => {
    expect(y.shape).toEqual(shape);
  });

  it("the function type itself: generic in the batch, unbatched arguments untouched", () => {
    const v = tg.vmap(dot, { inAxes: [null, 1] });
    const asWritten: <B extends number>(w: T<[3]>, x: T<[3, B]>) => T<[B]> = v;
    expectTypeOf(asWritten(tg.ones([3]), tg.ones([3, 2]))).toEqualTypeOf<T<[2]>>();
    const vs = tg.vmap((x: T<[2]>, k: number) => tg.mul(x, k), { inAxes: [0, null] });
    expectTypeOf(vs(tg.ones([5, 2]), 3)).toEqualTypeOf<T<[5, 2]>>();
    function batched<B extends number>(x: T<[3, B]>): T<[B]> {
      return v(tg.ones([3]), x);
    }
    expect(batched(tg.ones([3, 4])).shape).toEqual([4]);
  });

  it("code generic over the example's shape or the parameters compiles", () => {
    function perRow<S extends tg.Shape>(f: (x: T<S>) => T<[]>) {
      const v = tg.vmap(f);
      return <B extends number>(xs: T<[B, ...S]>): T<[B]> => v(xs);
    }
    const sums = perRow((r: T<[3]>) => tg.sum(r))(tg.ones([4, 3]));
    expectTypeOf(sums).toEqualTypeOf<T<[4]>>();
    expect(sums.toArray()).toEqual([3, 3, 3, 3]);
    const perExample = <P>(loss: (p: P, x: T<[3]>) => T<[]>) =>
      tg.vmap(tg.grad(loss), { inAxes: [null, 0] });
    const g = perExample((p: { w: T<[3]> }, x: T<[3]>) => tg.sum(tg.mul(p.w, x)));
    const gw = g({ w: tg.ones([3]) }, tg.ones([5, 3]));
    expectTypeOf(gw).toEqualTypeOf<{ w: T<[5, 3]> }>();
    expect(gw.w.shape).toEqual([5, 3]);
  });

  it("mismatches do not compile, and the runtime agrees", () => {
    const w = tg.ones([3, 2]);
    const perRow = tg.vmap((r: T<[3]>) => tg.matmul(r, w));
    // @ts-expect-error rows of 4 are not rows of 3 (matmul with [3, 2] fails at run time)
    expect(() => perRow(tg.ones([8, 4]))).toThrow(tg.ShapeError);
    const outOfRange = tg.vmap(double, { inAxes: 2 });
    // @ts-expect-error vmap: batch axis 2 is out of range for a tensor of shape [3]
    expect(() => outOfRange(tg.ones([3, 5]))).toThrow(tg.ShapeError);
    // @ts-expect-error the unbatched argument keeps its own shape: [3], not [5]
    expect(() => tg.vmap(dot, { inAxes: [null, 0] })(tg.ones([5]), tg.ones([4, 3]))).toThrow();
    const sumW = (p: { w: T<[3]> }) => tg.sum(p.w);
    // @ts-expect-error an inAxes record names a key the argument does not have
    expect(() => tg.vmap(sumW, { inAxes: [{ v: 0 }] })({ w: tg.ones([2, 3]) })).toThrow(
      /inAxes\[0\] names "v"/,
    );
    const first = (p: [T<[3]>, T<[3]>]) => tg.sum(p[0]);
    // a missing entry is null (not batched); an extra one is an error
    const f1 = tg.vmap(first, { inAxes: [[0]] })([tg.ones([2, 3]), tg.ones([3])]);
    expectTypeOf(f1).toEqualTypeOf<T<[2]>>();
    expect(f1.shape).toEqual([2]);
    const extra = tg.vmap(first, { inAxes: [[0, 0, 0]] });
    // @ts-expect-error vmap: an inAxes list has more entries than the argument
    expect(() => extra([tg.ones([2, 3]), tg.ones([2, 3])])).toThrow(
      /inAxes\[0\] has 3 entries but the argument there has 2/,
    );
    // @ts-expect-error inAxes is a number, null or a list, not a string
    tg.vmap(double, { inAxes: "0" });
  });

  it("outAxes as a pytree: each output its own axis, null for an unbatched output", () => {
    const stats = (w: T<[3]>, x: T<[3]>) => ({ y: tg.mul(w, x), norm: tg.sum(tg.mul(w, w)) });
    const v = tg.vmap(stats, { inAxes: [null, 0], outAxes: { y: 1, norm: null } });
    const out = v(tg.ones([3]), tg.ones([5, 3]));
    expectTypeOf(out.y).toEqualTypeOf<T<[3, 5]>>();
    expectTypeOf(out.norm).toEqualTypeOf<T<[]>>();
    expect(out.y.shape).toEqual([3, 5]);
    expect(out.norm.shape).toEqual([]);
    expect(out.norm.item()).toBe(3);
    // a list for a tuple output; a missing entry is null (that output must not depend on the batch)
    const pair = tg.vmap((x: T<[2]>) => [tg.mul(x, 2), tg.ones([7])] as const, { outAxes: [-1] });
    const [a, b] = pair(tg.ones([4, 2]));
    expectTypeOf(a).toEqualTypeOf<T<[2, 4]>>();
    expectTypeOf(b).toEqualTypeOf<T<[7]>>();
    expect(a.shape).toEqual([2, 4]);
    expect(b.shape).toEqual([7]);
    // @ts-expect-error outAxes null keeps the output unbatched: T<[7]>, not T<[4, 7]>
    const wrong: T<[4, 7]> = b;
    expect(wrong.shape).toEqual([7]);
    expect(() => tg.vmap((x: T<[2]>) => tg.sum(x), { outAxes: null })(tg.ones([4, 2]))).toThrow(
      /outAxes is null for output 0 .* depends on the batched arguments/,
    );
    // a record naming an output key that does not exist: a mismatch type and a runtime error
    const misnamed = tg.vmap(stats, { inAxes: [null, 0], outAxes: { z: 0 } });
    expectTypeOf<ReturnType<typeof misnamed>>().toEqualTypeOf<
      tg.ShapeMismatch<"vmap: outAxes names z, which the output does not have">
    >();
    expect(() => misnamed(tg.ones([3]), tg.ones([5, 3]))).toThrow(/outAxes names "z"/);
    // nested: the inner vmap's outAxes tree, then the outer's
    const nested = tg.vmap(tg.vmap(stats, { inAxes: [null, 0], outAxes: { y: 0, norm: null } }), {
      inAxes: [null, 0],
      outAxes: { y: 2, norm: null },
    });
    const n = nested(tg.ones([3]), tg.ones([6, 5, 3]));
    expectTypeOf(n.y).toEqualTypeOf<T<[5, 3, 6]>>();
    expect(n.y.shape).toEqual([5, 3, 6]);
    expect(n.norm.shape).toEqual([]);
  });
});

describe("vmap composes", () => {
  type Params = { w: T<[3, 2]>; b: T<[2]> };
  const params: Params = { w: tg.ones([3, 2]), b: tg.zeros([2]) };
  const loss = (p: Params, x: T<[3]>, y: T<[2]>) =>
    tg.sum(tg.square(tg.sub(tg.add(tg.matmul(x, p.w), p.b), y)));

  it("per-example gradients: vmap(grad(loss), { inAxes: [null, 0, 0] })", () => {
    const perExample = tg.vmap(tg.grad(loss), { inAxes: [null, 0, 0] });
    const g = perExample(params, tg.ones([5, 3]), tg.zeros([5, 2]));
    expectTypeOf(g).toEqualTypeOf<{ w: T<[5, 3, 2]>; b: T<[5, 2]> }>();
    expectTypeOf(g).toEqualTypeOf<tg.Batched<Params, 5>>();
    expect([g.w.shape, g.b.shape]).toEqual([
      [5, 3, 2],
      [5, 2],
    ]);
    // every example is the same, so every per-example gradient equals the single one
    expect(g.b.toArray()[4]).toEqual(
      tg
        .grad(loss)(params, tg.ones([3]), tg.zeros([2]))
        .b.toArray(),
    );
    // @ts-expect-error the labels must be batched like the inputs: [5, 2], not [2]
    expect(() => perExample(params, tg.ones([5, 3]), tg.zeros([2]))).toThrow();
  });

  it("jit(vmap(f)) keeps the type and the values", () => {
    const v = tg.vmap(dot, { inAxes: [null, 0] });
    const j = tg.jit(v);
    const y = j(tg.tensor([1, 2, 3]), tg.ones([4, 3]));
    expectTypeOf(y).toEqualTypeOf<T<[4]>>();
    expect(y.toArray()).toEqual([6, 6, 6, 6]);
  });

  it("nested vmap: both batch dimensions in the type", () => {
    const scale = (x: T<[]>) => tg.mul(x, 2);
    const inner = tg.vmap(scale);
    const outer = tg.vmap(inner);
    const y = outer(tg.ones([4, 5]));
    expectTypeOf(y).toEqualTypeOf<T<[4, 5]>>();
    expect(y.shape).toEqual([4, 5]);
    const cols = tg.vmap(
      tg.vmap((r: T<[3]>) => tg.sum(r)),
      { inAxes: 1 },
    )(tg.ones([2, 6, 3]));
    expectTypeOf(cols).toEqualTypeOf<T<[6, 2]>>();
    expect(cols.shape).toEqual([6, 2]);
  });

  it("three levels of vmap keep all three batch sizes, each at its own axis", () => {
    const scale = (x: T<[]>) => tg.mul(x, 2);
    const v3 = tg.vmap(tg.vmap(tg.vmap(scale)));
    const y = v3(tg.ones([2, 4, 5]));
    expectTypeOf(y).toEqualTypeOf<T<[2, 4, 5]>>();
    expect(y.shape).toEqual([2, 4, 5]);
    // the innermost maps axis 1 of a [3]-row pair, the middle axis 1, the outer axis 0
    const dot = (a: T<[3]>, b: T<[3]>) => tg.sum(tg.mul(a, b));
    const grid = tg.vmap(tg.vmap(tg.vmap(dot, { inAxes: [null, 0] }), { inAxes: [0, null] }), {
      inAxes: [0, 0],
    });
    const g = grid(tg.ones([7, 5, 3]), tg.ones([7, 6, 3]));
    expectTypeOf(g).toEqualTypeOf<T<[7, 5, 6]>>();
    expect(g.shape).toEqual([7, 5, 6]);
    expect(g.toArray()[6]?.[4]?.[5]).toBe(3);
    // @ts-expect-error the three sizes are [2, 4, 5], not [2, 4, 4]
    const wrong: T<[2, 4, 4]> = v3(tg.ones([2, 4, 5]));
    expect(wrong.shape).toEqual([2, 4, 5]);
  });
});

describe("grad, hessian and hvp types", () => {
  const f = (a: T<[2]>, b: T<[3]>) => tg.add(tg.sum(tg.mul(a, a)), tg.sum(b));
  it("argnums [0, 1] gives the tuple of the gradients' types", () => {
    const [ga, gb] = tg.grad(f, { argnums: [0, 1] })(tg.ones([2]), tg.ones([3]));
    expectTypeOf(tg.grad(f, { argnums: [0, 1] })(tg.ones([2]), tg.ones([3]))).toEqualTypeOf<
      [T<[2]>, T<[3]>]
    >();
    expectTypeOf(tg.grad(f, { argnums: 1 })(tg.ones([2]), tg.ones([3]))).toEqualTypeOf<T<[3]>>();
    const [, grads] = tg.valueAndGrad(f, { argnums: [1, 0] })(tg.ones([2]), tg.ones([3]));
    expectTypeOf(grads).toEqualTypeOf<[T<[3]>, T<[2]>]>();
    expect([ga.toArray(), gb.toArray()]).toEqual([
      [2, 2],
      [1, 1, 1],
    ]);
    // @ts-expect-error the gradient of b is [3], not [2]
    const wrong: [T<[2]>, T<[2]>] = tg.grad(f, { argnums: [0, 1] })(tg.ones([2]), tg.ones([3]));
    expect(wrong[1].shape).toEqual([3]);
  });
  it("hessian is Tensor<[...S, ...S], D>; hvp is Tensor<S, D>", () => {
    const cube = (x: T<[2]>) => tg.sum(tg.mul(x, tg.mul(x, x)));
    const h = tg.hessian(cube)(tg.tensor([1, 2]));
    expectTypeOf(h).toEqualTypeOf<T<[2, 2]>>();
    expect(h.toArray()).toEqual([
      [6, 0],
      [0, 12],
    ]);
    const hv = tg.hvp(cube, tg.tensor([1, 2]), tg.tensor([1, 1]));
    expectTypeOf(hv).toEqualTypeOf<T<[2]>>();
    expect(hv.toArray()).toEqual([6, 12]);
    const m = (x: T<[2, 3]>) => tg.sum(tg.square(x));
    expectTypeOf(tg.hessian(m)).toEqualTypeOf<(x: T<[2, 3]>) => T<[2, 3, 2, 3]>>();
    // @ts-expect-error the direction must have the shape of x
    expect(() => tg.hvp(cube, tg.tensor([1, 2]), tg.ones([3]))).toThrow();
  });
});
