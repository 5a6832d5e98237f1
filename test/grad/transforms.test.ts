/**
 * The transformations as a user calls them: pytrees, argnums, aux outputs, composition
 * (grad∘grad, vmap∘grad, jit∘vmap), jvp/vjp agreement, the program printer, and clear errors.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import * as E from "../../src/prims/elementwise.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import * as M from "../../src/prims/movement.js";
import { reduceSum } from "../../src/prims/reduce.js";
import { arbShape, arbTensor } from "../../src/testing/arbitraries.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { expectClose } from "../util/close.js";

const arr = (t: T) => Array.from(t.dataSync() as ArrayLike<number>);
const f64 = (data: number[], shape: number[]) => constant(data, shape, "f64");

describe("grad and valueAndGrad", () => {
  test("gradients have the structure of the parameters", () => {
    const params = { w: f64([1, 2, 3, 4], [2, 2]), layers: [{ b: f64([0.5, -0.5], [2]) }] };
    const x = f64([1, -1], [1, 2]);
    const loss = (p: typeof params, xb: T) =>
      reduceSum(E.square(E.add(matmulPrim(xb, p.w), p.layers[0].b)));
    const [value, g] = tg.valueAndGrad(loss)(params, x);
    // y = x·w + b = [1-3+0.5, 2-4-0.5] = [-1.5, -2.5]; loss = 2.25 + 6.25
    expect(value.item()).toBeCloseTo(8.5, 12);
    expectClose(arr(g.layers[0].b), [-3, -5], { atol: 5e-10, rtol: 0 });
    expectClose(arr(g.w), [-3, -5, 3, 5], { atol: 5e-10, rtol: 0 });
  });

  test("argnums picks arguments; a list gives a tuple", () => {
    const f = (a: T, b: T) => reduceSum(E.mul(a, E.mul(b, b)));
    const a = f64([1, 2], [2]);
    const b = f64([3, 4], [2]);
    expectClose(arr(tg.grad(f, { argnums: 1 })(a, b)), [6, 16], { atol: 5e-10, rtol: 0 });
    const [ga, gb] = tg.grad(f, { argnums: [0, 1] })(a, b);
    expectClose(arr(ga), [9, 16], { atol: 5e-10, rtol: 0 });
    expectClose(arr(gb), [6, 16], { atol: 5e-10, rtol: 0 });
  });

  test("hasAux returns auxiliary outputs without differentiating them", () => {
    const f = (w: T): [T, { norm: T }] => [
      reduceSum(E.square(w)),
      { norm: E.sqrt(reduceSum(E.square(w))) },
    ];
    const [[loss, aux], g] = tg.valueAndGrad(f, { hasAux: true })(f64([3, 4], [2]));
    expect(loss.item()).toBeCloseTo(25, 12);
    expect(aux.norm.item()).toBeCloseTo(5, 12);
    expectClose(arr(g), [6, 8], { atol: 5e-10, rtol: 0 });
  });

  test("grad(grad(f)) is the second derivative", () => {
    const f = (x: T) => reduceSum(E.mul(E.sin(x), E.exp(x)));
    const d2 = tg.grad((x: T) => reduceSum(tg.grad(f)(x)))(f64([0.3, -1.2], [2]));
    expectClose(
      arr(d2),
      [0.3, -1.2].map((x) => 2 * Math.cos(x) * Math.exp(x)),
      { atol: 5e-10, rtol: 0 },
    );
  });

  test("a non-scalar output is a clear error", () => {
    expect(() => tg.grad((x: T) => E.exp(x) as any)(f64([1, 2], [2]))).toThrow(
      /grad: the function must return a scalar \(shape \[\]\), got \[2\]/,
    );
  });
});

describe("vjp, jvp and their agreement", () => {
  test("<vjp(u), v> == <u, jvp(v)> on random inputs", () => {
    const f = (x: T) =>
      E.tanh(matmulPrim(M.reshape(x, [2, -1]), M.transpose(M.reshape(x, [2, -1]))));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((k) =>
            fc.tuple(
              arbTensor([2 * k], { dtype: "f64" }),
              arbTensor([2 * k], { dtype: "f64" }),
              arbTensor([2, 2], { dtype: "f64" }),
            ),
          ),
        ([x, v, u]) => {
          const [, back] = tg.vjp(f, x);
          const [ct] = back(u);
          const [, t] = tg.jvp(f, [x], [v]);
          const lhs = reduceSum(E.mul(ct, v)).item();
          const rhs = reduceSum(E.mul(u, t)).item();
          expect(lhs).toBeCloseTo(rhs, 10);
        },
      ),
      { numRuns: 20 },
    );
  });

  test("Hessian-vector products and the full Hessian", () => {
    const f = (x: T) => reduceSum(E.mul(x, E.mul(x, x)));
    const x = f64([1, -2, 0.5], [3]);
    expectClose(arr(tg.hvp(f, x, f64([1, 1, 1], [3]))), [6, -12, 3], { atol: 5e-10, rtol: 0 });
    expectClose(arr(tg.hessian(f)(x)), [6, 0, 0, 0, -12, 0, 0, 0, 3], { atol: 5e-10, rtol: 0 });
  });
});

describe("vmap", () => {
  test("per-example gradients: vmap(grad(f))", () => {
    const w = f64([0.5, -1], [2]);
    const loss = (wt: T, x: T) => reduceSum(E.square(E.mul(wt, x)));
    const xs = f64([1, 2, 3, 4, 5, 6], [3, 2]);
    const per = tg.vmap((x: T) => tg.grad(loss)(w, x), { inAxes: [0] })(xs) as T;
    expect(per.shape).toEqual([3, 2]);
    // d/dw Σ (w·x)² = 2 w x²
    expectClose(arr(per), [1, -8, 9, -32, 25, -72], { atol: 5e-10, rtol: 0 });
  });

  test("jit(vmap(f)) equals vmap(f), and inAxes/outAxes place the batch", () => {
    const f = (a: T, b: T) => reduceSum(E.mul(a, b));
    const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = f64([1, 0, 1], [3]);
    const v = tg.vmap(f, { inAxes: [0, null] });
    expectClose(arr(tg.jit(v)(a, b)), arr(v(a, b)), { atol: 5e-10, rtol: 0 });
    expectClose(arr(v(a, b)), [4, 10], { atol: 5e-10, rtol: 0 });
    const cols = tg.vmap((x: T) => E.mul(x, 2), { inAxes: [1], outAxes: 1 })(a) as T;
    expect(cols.shape).toEqual([2, 3]);
    expectClose(arr(cols), [2, 4, 6, 8, 10, 12], { atol: 5e-10, rtol: 0 });
  });

  test("vmap equals a loop over random shapes", () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((s) =>
          arbTensor(s, { dtype: "f64" }),
        ),
        (x) => {
          const f = (r: T) => E.exp(E.sub(r, reduceSum(r)));
          const got = tg.vmap(f)(x) as T;
          for (let i = 0; i < x.shape[0]; i++) {
            const row = M.reshape(
              M.slice(
                x,
                x.shape.map((_: number, j: number) => (j === 0 ? i : 0)),
                x.shape.map((d: number, j: number) => (j === 0 ? i + 1 : d)),
              ),
              x.shape.slice(1),
            );
            const g = M.reshape(
              M.slice(
                got,
                got.shape.map((_: number, j: number) => (j === 0 ? i : 0)),
                got.shape.map((d: number, j: number) => (j === 0 ? i + 1 : d)),
              ),
              got.shape.slice(1),
            );
            expectClose(arr(g), arr(f(row)), { atol: 5e-10, rtol: 0 });
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("jit", () => {
  test("traces once per signature", () => {
    let traces = 0;
    const f = tg.jit((x: T) => {
      traces++;
      return E.mul(x, 2);
    });
    f(constant([1, 2], [2], "f32"));
    f(constant([3, 4], [2], "f32"));
    expect(traces).toBe(1);
    f(constant([1, 2, 3], [3], "f32"));
    expect(traces).toBe(2);
  });

  test("a call retraces exactly when structure, static values, dtypes or shapes change", () => {
    let traces = 0;
    const f = tg.jit((p: Record<string, unknown>, x: T) => {
      traces++;
      const s = typeof p.s === "number" ? p.s : 1;
      return E.mul(E.add(x, p.a as T), s);
    });
    const v = (d: number[], dt: "f32" | "i32" = "f32") => constant(d, [d.length], dt);
    // each call: its arguments, the result, and whether it is a new signature
    const calls: [Record<string, unknown>, T, number[], boolean][] = [
      [{ a: v([1, 2]), s: 2 }, v([1, 1]), [4, 6], true],
      [{ s: 2, a: v([0, 0]) }, v([1, 1]), [2, 2], false], // key order does not matter
      [{ a: v([1, 2]), s: 3 }, v([1, 1]), [6, 9], true], // static value
      [{ a: v([1, 2]), s: 2 }, v([1, 1]), [4, 6], false], // back to the first
      [{ a: v([1, 2]), t: 2 }, v([1, 1]), [2, 3], true], // key name
      [{ a: v([1, 2]), s: 2, t: 0 }, v([1, 1]), [4, 6], true], // an extra key
      [{ a: v([1, 2, 3]), s: 2 }, v([1, 1, 1]), [4, 6, 8], true], // shapes
      [{ a: v([1, 2], "i32"), s: 2 }, v([1, 1], "i32"), [4, 6], true], // dtypes
      [{ a: v([1, 2]), s: [2] }, v([1, 1]), [2, 3], true], // a static leaf became an array
      [{ a: v([1, 2]), s: "2" }, v([1, 1]), [2, 3], true], // a number became a string
      [{ a: v([1, 2]), s: "2" }, v([1, 1]), [2, 3], false],
    ];
    let expected = 0;
    for (const [p, x, want, fresh] of calls) {
      if (fresh) expected++;
      expect(arr(f(p, x))).toEqual(want);
      expect(traces).toBe(expected);
    }
  });

  test("donated arguments are consumed and their memory reused", () => {
    const step = tg.jit((w: T, g: T) => E.sub(w, E.mul(g, 0.5)), { donate: [0] });
    const w = constant([1, 2, 3], [3], "f32");
    const buf = w._storage!.buf;
    const w2 = step(w, constant([2, 2, 2], [3], "f32"));
    expect(arr(w2)).toEqual([0, 1, 2]);
    expect(w2._storage!.buf).toBe(buf);
    expect(w.isDisposed).toBe(true);
  });

  test("grad through jit and jit of grad agree", () => {
    const f = (x: T) => reduceSum(E.tanh(E.mul(x, x)));
    const x = f64([0.1, 0.7, -0.4], [3]);
    expectClose(arr(tg.grad(tg.jit(f))(x)), arr(tg.grad(f)(x)), { atol: 5e-10, rtol: 0 });
    expectClose(arr(tg.jit(tg.grad(f))(x)), arr(tg.grad(f)(x)), { atol: 5e-10, rtol: 0 });
  });
});

describe("the program printer and errors", () => {
  test("makeProgram shows typed equations", () => {
    const p = tg.makeProgram((x: T) => reduceSum(E.exp(x)))(constant([0, 0, 0], [3], "f32"));
    expect(p.toString()).toBe(
      [
        "{ lambda a:f32[3] .",
        "  b:f32[3] = exp a",
        "  c:f32[] = reduce_sum[axes=[0]] b",
        "  in c }",
      ].join("\n"),
    );
  });

  test("a tracer that escapes its transformation is a clear error", () => {
    let leaked: T | null = null;
    tg.grad((x: T) => {
      leaked = x;
      return reduceSum(x);
    })(f64([1], [1]));
    expect(() => E.exp(leaked!)).toThrow(/escaped|traced value/);
  });
});

test("a jitted function that returns a captured constant shares its storage (donating it later is safe)", () => {
  const c = constant([5], [1], "f32");
  const f = tg.jit((x: T) => ({ y: E.add(x, 1), c }), { donate: [0] });
  const r = f(constant([1], [1], "f32"));
  tg.jit((a: T, b: T) => E.add(a, b), { donate: [0, 1] })(r.y, r.c);
  expect(arr(f(constant([1], [1], "f32")).c)).toEqual([5]);
  expect(arr(c)).toEqual([5]);
});

test("donating a handle whose storage others share does not overwrite it", () => {
  const w = constant([1, 2], [2], "f32");
  const view = M.reshape(w, [2, 1]);
  const out = tg.jit((a: T) => E.mul(a, 10), { donate: [0] })(w);
  expect(arr(out)).toEqual([10, 20]);
  expect(arr(view)).toEqual([1, 2]);
});

test("a result computed through f64 lives on the backend of its own dtype", () => {
  const y = tg.random.randint(tg.random.key(2), [4], 0, 10);
  expect(y._storage!.backend.name).toBe(tg.getBackend());
  const f = E.cast(constant([1.5, 2.5], [2], "f64"), "f32");
  expect(f._storage!.backend.name).toBe(tg.getBackend());
});
