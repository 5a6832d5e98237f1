/**
 * One table drives every gradient check (its rows are in `table-rows.ts`). It is keyed by primitive and typed over the whole
 * primitive enum (`satisfies Record<Prim, …>`), so a new primitive without an entry does not
 * compile. An entry is either rows (a composition exercising the primitive, a generator of its
 * arguments, and flags), each checked for reverse and forward mode against central finite
 * differences in float64, second order, jit(f) == f and vmap(f) == a loop over f; or an
 * exemption with its reason (no derivative to check), whose rows are still checked for jit and
 * vmap.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import type { Prim } from "../../src/ir/primitive.js";
import { constant } from "../../src/prims/constants.js";
import { customVjp } from "../../src/prims/control.js";
import * as E from "../../src/prims/elementwise.js";
import * as M from "../../src/prims/movement.js";
import * as R from "../../src/prims/reduce.js";
import { checkGrads } from "../../src/testing/check-grads.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { grad, vjp } from "../../src/transforms/grad.js";
import { jit } from "../../src/transforms/jit.js";
import { vmap } from "../../src/transforms/vmap.js";
import { expectClose } from "../util/close.js";
import { CHECKS, type Exempt, ROWS, type Row, TABLE } from "./table-rows.js";

// the table's type is what makes it complete: an entry missing (here all but one) does not compile
// @ts-expect-error a primitive without rows or an exemption is a compile error
const _incomplete = { neg: TABLE.neg } satisfies Record<Prim, readonly Row[] | Exempt>;

/** `n` examples: each argument broadcast along a new axis 0, example i shifted by 0.1·i. */
function shifted(args: T[], n: number): T[] {
  return args.map((a) =>
    E.add(
      M.broadcastTo(M.reshape(a, [1, ...a.shape]), [n, ...a.shape]),
      M.reshape(
        constant(
          Array.from({ length: n }, (_, i) => i * 0.1),
          [n],
          "f64",
        ),
        [n, ...a.shape.map(() => 1)],
      ),
    ),
  );
}

/** Example `i` of a tensor batched on axis 0. */
const example = (b: T, i: number): T =>
  M.reshape(
    M.slice(
      b,
      b.shape.map((_: number, j: number) => (j === 0 ? i : 0)),
      b.shape.map((d: number, j: number) => (j === 0 ? i + 1 : d)),
    ),
    b.shape.slice(1),
  );

/** vmap(f) on `n` batched examples equals f on each example. */
function vmapMatchesLoop(f: (...a: T[]) => T, batched: T[], n: number): void {
  const got = vmap(f)(...batched) as T;
  for (let i = 0; i < n; i++) {
    const one = f(...batched.map((b) => example(b, i)));
    expectClose(example(got, i).dataSync(), one.dataSync(), { tol: 1e-10 });
  }
}

/** jit(f)(args) equals f(args) exactly. */
function jitMatches(f: (...a: T[]) => T, args: T[]): void {
  expect(Array.from(jit(f)(...args).dataSync())).toEqual(Array.from(f(...args).dataSync()));
}

describe.each(ROWS)("$name", (row) => {
  const runs = { numRuns: 6, seed: 42 };
  test("reverse and forward mode match finite differences", () => {
    fc.assert(
      fc.property(row.args, (args) => {
        const r = checkGrads(row.f, args, { tol: row.tol ?? 1e-5, eps: row.eps });
        if (!r.ok) throw new Error(`${row.name}: ${JSON.stringify(r.worst)}`);
      }),
      runs,
    );
  });
  test.skipIf(row.firstOrderOnly)("second order matches finite differences", () => {
    fc.assert(
      fc.property(row.args, (args) => {
        // d/dx of the gradient of <u, f>: grad(grad) composes through the primitives' rules
        const u = (y: T) => R.reduceSum(E.mul(y, E.sin(y)));
        const g = (...a: T[]) => grad((x0: T) => u(row.f(x0, ...a.slice(1))))(a[0]);
        const r = checkGrads(g, args, { tol: 1e-4, modes: ["rev"] });
        if (!r.ok) throw new Error(`${row.name}: ${JSON.stringify(r.worst)}`);
      }),
      { numRuns: 3, seed: 7 },
    );
  });
  test("jit(f) equals f", () => {
    fc.assert(
      fc.property(row.args, (args) => {
        jitMatches(row.f, args);
        const [, back] = vjp(row.f, ...args);
        const gj = jit((...xs: T[]) => vjp(row.f, ...xs)[1](row.f(...xs)))(...args);
        const ge = back(row.f(...args));
        gj.forEach((g: T, i: number) =>
          expect(Array.from(g.dataSync())).toEqual(Array.from(ge[i].dataSync())),
        );
      }),
      { numRuns: 3, seed: 3 },
    );
  });
  test.skipIf(row.noVmap !== undefined)("vmap(f) equals a loop over f", () => {
    fc.assert(
      fc.property(row.args, fc.integer({ min: 1, max: 3 }), (args, n) =>
        vmapMatchesLoop(row.f, shifted(args, n), n),
      ),
      { numRuns: 3, seed: 5 },
    );
  });
});

describe.each(CHECKS)("$name (no derivative to check)", (row) => {
  test("jit(f) equals f", () => {
    fc.assert(
      fc.property(row.args, (args) => jitMatches(row.f, args)),
      { numRuns: 3, seed: 3 },
    );
  });
  test("vmap(f) equals a loop over f", () => {
    fc.assert(
      fc.property(row.args, fc.integer({ min: 1, max: 3 }), (args, n) =>
        vmapMatchesLoop(row.f, (row.batch ?? shifted)(args, n), n),
      ),
      { numRuns: 3, seed: 5 },
    );
  });
});

test("every primitive has rows or a stated exemption", () => {
  for (const [prim, v] of Object.entries(TABLE)) {
    if ("exempt" in v) expect(v.exempt.length, prim).toBeGreaterThan(0);
    else expect(v.length, prim).toBeGreaterThan(0);
  }
});

test("custom_vjp uses the given backward rule", () => {
  const clipGrad = customVjp(
    (x: T) => [E.mul(x, 1)],
    (_ins, _outs, [ct]) => [E.minimum(E.maximum(ct, -0.5), 0.5)],
  );
  const x = constant([1, 2], [2], "f64");
  const g = grad((v: T) => R.reduceSum(E.mul(clipGrad(v)[0], 3)))(x);
  expect(Array.from(g.dataSync())).toEqual([0.5, 0.5]);
});

describe("custom_vjp under vmap keeps its rule", () => {
  // the rule clips each cotangent to [-0.5, 0.5]; differentiating the forward function would
  // give 3·x² instead (x·x·x), so only the rule gives these numbers
  const clipped = customVjp(
    (x: T, w: T) => [E.mul(E.mul(x, x), E.mul(x, w))],
    (_ins, _outs, [ct]) => [E.minimum(E.maximum(ct, -0.5), 0.5), null],
  );
  const xs = constant([1, -2, 3, 0.25, -1, 2], [3, 2], "f64");
  const w = constant([1, 1], [2], "f64");
  const want = [0.5, -0.5, 0.5, 0.5, -0.5, 0.5];
  const f = (v: T) => vmap((row: T) => clipped(row, w)[0])(v) as T;

  test("grad of vmap (batched argument, unbatched captured weight)", () => {
    const g = grad((v: T) => R.reduceSum(E.mul(f(v), E.sign(f(v)))))(xs);
    expect(Array.from(g.dataSync())).toEqual(want);
  });

  test("grad of vmap with the batch on axis 1, and under jit", () => {
    const xt = M.transpose(xs, [1, 0]);
    const h = (v: T) => vmap((col: T) => clipped(col, w)[0], { inAxes: [1] })(v) as T;
    const g = grad((v: T) => R.reduceSum(E.mul(h(v), 7)))(xt);
    expect(Array.from(M.transpose(g, [1, 0]).dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const gj = jit(grad((v: T) => R.reduceSum(E.mul(f(v), -7))))(xs) as T;
    expect(Array.from(gj.dataSync())).toEqual([-0.5, -0.5, -0.5, -0.5, -0.5, -0.5]);
  });

  test("the forward values are the batched forward function's", () => {
    expect(Array.from(f(xs).dataSync())).toEqual([1, -8, 27, 0.25 ** 3, -1, 8]);
  });
});

test("stop_gradient blocks the derivative", () => {
  const x = constant([1, 2], [2], "f64");
  const g = grad((v: T) => R.reduceSum(E.mul(E.stopGradient(v), v)))(x);
  expect(Array.from(g.dataSync())).toEqual([1, 2]);
});
