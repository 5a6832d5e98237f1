/**
 * Compile-time tests of the public surface (issue 13): the types that appear in public signatures
 * can be named by a user, `toArray` follows the shape and dtype, and a bare `embedding` has an
 * `init` and an `apply`. Each inferred type has `expectTypeOf`, each mismatch a `@ts-expect-error`.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tg from "../../src/index.js";

describe("toArray is typed by shape and dtype", () => {
  const cases = [
    {
      t: tg.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
      want: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    },
    { t: tg.tensor([true, false]), want: [true, false] },
    { t: tg.sum(tg.ones([3])), want: 3 },
  ] as const;
  it("nested arrays of the right depth, booleans for bool", () => {
    const a = cases[0].t.toArray();
    expectTypeOf(a).toEqualTypeOf<number[][]>();
    const b = cases[1].t.toArray();
    expectTypeOf(b).toEqualTypeOf<boolean[]>();
    const c = cases[2].t.toArray();
    expectTypeOf(c).toEqualTypeOf<number>();
    expectTypeOf(tg.zeros([2, 3, 4], "i32").toArray()).toEqualTypeOf<number[][][]>();
    for (const { t, want } of cases) expect(t.toArray()).toEqual(want);
  });
  it("a generic batch keeps the depth; an unknown rank gives NestedArray", () => {
    const rows = <B extends number>(x: tg.Tensor<[B, 3]>): number[][] => x.toArray();
    expect(rows(tg.ones([2, 3]))).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const anyRank = tg.ones([2]) as tg.Tensor<tg.Shape>;
    expectTypeOf(anyRank.toArray()).toEqualTypeOf<tg.NestedArray>();
    expectTypeOf<tg.NestedArrayOf<[2, 3], "bool">>().toEqualTypeOf<boolean[][]>();
  });
  it("the wrong depth or element type does not compile", () => {
    const m = tg.zeros([2, 2]);
    // @ts-expect-error a [2, 2] tensor is not a flat array
    const flat: number[] = m.toArray();
    // @ts-expect-error an f32 tensor holds numbers, not booleans
    const bools: boolean[][] = m.toArray();
    expect([flat, bools]).toEqual([m.toArray(), m.toArray()]);
  });
  it("a shape-generic tensor stays covariant in its shape", () => {
    const t: tg.Tensor<readonly number[]> = tg.zeros([2, 3]);
    expect(t.shape).toEqual([2, 3]);
  });
});

describe("a bare embedding initializes and applies", () => {
  const emb = tg.nn.embedding(50, 4);
  it("init gives the table, apply any shape of ids", () => {
    const params = emb.init(tg.random.key(0));
    expectTypeOf(params).toEqualTypeOf<tg.nn.EmbeddingParams<50, 4>>();
    expectTypeOf(emb.initState()).toEqualTypeOf<{}>();
    const y = emb.apply(params, tg.tensor([[3, 1, 4]], "i32"));
    expectTypeOf(y).toEqualTypeOf<tg.Tensor<[1, 3, 4]>>();
    expect(y.shape).toEqual([1, 3, 4]);
    expect(y.toArray()[0][1]).toEqual(params.table.toArray()[1]);
  });
  it("float ids do not compile and throw a DTypeError", () => {
    const params = emb.init(tg.random.key(0));
    // @ts-expect-error token ids must be i32
    expect(() => emb.apply(params, tg.tensor([1, 2]))).toThrow(tg.DTypeError);
  });
  it("it is still a spec inside sequential", () => {
    const m = tg.nn.sequential([5], emb, tg.nn.flatten, tg.nn.dense(2));
    expectTypeOf(m.outputShape).toEqualTypeOf<[2]>();
    const p = m.init(tg.random.key(1));
    expectTypeOf(p[0]).toEqualTypeOf<tg.nn.EmbeddingParams<50, 4>>();
    expect(m.apply(p, tg.zeros([3, 5], "i32")).shape).toEqual([3, 2]);
  });
});

describe("types in public signatures can be named", () => {
  it("jit, grad, pytrees and tensors", () => {
    const f = (w: tg.Tensor<[2]>) => tg.sum(tg.mul(w, w));
    const j: tg.Jitted<typeof f> = tg.jit(f);
    const g: (w: tg.Tensor<[2]>) => tg.GradOf<[tg.Tensor<[2]>], 0> = tg.grad(f);
    const s: tg.ScalarFn = f;
    const any: tg.AnyTensor = j(tg.ones([2]));
    const data: tg.TypedArray = g(tg.ones([2])).dataSync();
    const [, def]: [tg.AnyTensor[], tg.TreeDef] = tg.treeFlatten({ a: any });
    expect([s(tg.ones([2])).item(), Array.from(data), def.kind]).toEqual([2, [2, 2], "record"]);
    expect(tg.isFloat("f32")).toBe(true);
  });
});
