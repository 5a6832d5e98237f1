/** The checker accepts what tracing and every lowering pass produce, and rejects broken programs. */
import { expect, test } from "vitest";
import * as tg from "../../src/index.js";
import { checkProgram } from "../../src/ir/check.js";
import { type Eqn, Program, Var } from "../../src/ir/program.js";
import { PASSES } from "../../src/lower/lower.js";
import { constant } from "../../src/prims/constants.js";
import { customVjp, scan } from "../../src/prims/control.js";
import * as E from "../../src/prims/elementwise.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import * as M from "../../src/prims/movement.js";
import { reduceMax, reduceSum } from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

const x = constant([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3], "f32");
const w = constant([1, 0, 0, 1, 1, 1], [3, 2], "f32");
const softclip = customVjp(
  (v: T) => [E.tanh(v)],
  (_i, [y], [ct]) => [E.mul(ct, E.sub(1, E.mul(y, y)))],
);
const PROGRAMS: [string, () => Program][] = [
  [
    "mlp loss gradient",
    () =>
      tg.makeProgram((p: { w: T }) =>
        tg.grad((q: { w: T }) => reduceSum(E.tanh(matmulPrim(x, q.w))))(p),
      )({ w }),
  ],
  [
    "softmax with stop_gradient",
    () =>
      tg.makeProgram((v: T) => {
        const m = E.stopGradient(reduceMax(v, [1]));
        return E.exp(E.sub(v, M.reshape(m, [2, 1])));
      })(x),
  ],
  [
    "second order",
    () =>
      tg.makeProgram((v: T) =>
        tg.grad((u: T) => reduceSum(tg.grad((z: T) => reduceSum(E.sin(z)))(u)))(v),
      )(x),
  ],
  [
    "vmap of grad",
    () =>
      tg.makeProgram((v: T) => tg.vmap((r: T) => tg.grad((z: T) => reduceSum(E.mul(z, z)))(r))(v))(
        x,
      ),
  ],
  [
    "scan and its gradient",
    () =>
      tg.makeProgram((v: T) =>
        tg.grad((z: T) =>
          reduceSum(
            scan(
              ([c], [r]) => {
                const n = E.tanh(E.add(c, r));
                return [[n], [n]];
              },
              [constant([0, 0, 0], [3], "f32")],
              [z],
            )[0][0],
          ),
        )(v),
      )(x),
  ],
  [
    "custom_vjp",
    () => tg.makeProgram((v: T) => tg.grad((z: T) => reduceSum(softclip(z)[0]))(v))(x),
  ],
];

test.each(PROGRAMS)(
  "%s: the checker accepts the trace and the output of every pass",
  (_name, make) => {
    let p = checkProgram(make());
    for (const pass of PASSES) p = checkProgram(pass.run(p));
    expect(p.eqns.length).toBeGreaterThan(0);
  },
);

test("a chain whose intermediate is also a result fuses into one equation with two outputs", () => {
  let p = checkProgram(
    tg.makeProgram((v: T) => {
      const t = E.tanh(v);
      return [t, E.add(E.mul(t, t), v)];
    })(x),
  );
  for (const pass of PASSES) p = checkProgram(pass.run(p));
  expect(p.eqns.map((e) => e.prim)).toEqual(["fused"]);
  expect(p.eqns[0].outputs).toEqual(p.outputs);
  const [t, u] = tg.jit((v: T) => {
    const t = E.tanh(v);
    return [t, E.add(E.mul(t, t), v)];
  })(x) as T[];
  const xs = Array.from(x.dataSync() as Float32Array);
  Array.from(t.dataSync() as Float32Array).forEach((y, i) =>
    expect(y).toBeCloseTo(Math.tanh(xs[i]), 6),
  );
  Array.from(u.dataSync() as Float32Array).forEach((y, i) =>
    expect(y).toBeCloseTo(Math.tanh(xs[i]) ** 2 + xs[i], 6),
  );
});

test("the checker rejects a use before definition and a wrong aval", () => {
  const a = new Var(900001, { shape: [2], dtype: "f32" });
  const b = new Var(900002, { shape: [2], dtype: "f32" });
  const c = new Var(900003, { shape: [3], dtype: "f32" });
  expect(() =>
    checkProgram(
      new Program([a], [], [], [{ prim: "exp", inputs: [b], params: {}, outputs: [c] }], [c]),
    ),
  ).toThrow(/before it is defined/);
  expect(() =>
    checkProgram(
      new Program([a], [], [], [{ prim: "exp", inputs: [a], params: {}, outputs: [c] }], [c]),
    ),
  ).toThrow(/f32\[3\] but the rule gives f32\[2\]/);
});

/** `p` with equation `at`'s sub-program (params key `key`) replaced by `broken(sub)`. */
function withBrokenBody(p: Program, prim: "scan" | "fused", broken: (b: Program) => Program) {
  const at = p.eqns.findIndex((e) => e.prim === prim);
  expect(at, `no ${prim} equation in\n${p}`).toBeGreaterThanOrEqual(0);
  const e = p.eqns[at] as Eqn<"scan" | "fused">;
  const eqns = p.eqns.slice();
  eqns[at] = { ...e, params: { ...e.params, body: broken(e.params.body) } } as Eqn;
  return { program: new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs), at };
}
/** `b` with equation 0 changed by `change` (inputs and outputs keep their avals). */
const changeFirst = (b: Program, change: (e: Eqn) => Eqn) =>
  new Program(b.inputs, b.constVars, b.consts, [change(b.eqns[0]), ...b.eqns.slice(1)], b.outputs);

test("the checker looks inside scan and fused bodies", () => {
  const rnn = tg.makeProgram(
    (v: T) =>
      scan(
        ([c], [r]) => {
          const n = E.tanh(E.add(c, r));
          return [[n], [E.mul(n, n)]];
        },
        [constant([0, 0, 0], [3], "f32")],
        [v],
      )[1][0],
  )(x);
  checkProgram(rnn);
  // equation 0 of the body reads a variable the body never defines
  const stray = withBrokenBody(rnn, "scan", (b) =>
    changeFirst(b, (e) => ({
      ...e,
      inputs: [new Var(900010, e.inputs[0].aval), ...e.inputs.slice(1)],
    })),
  );
  expect(() => checkProgram(stray.program)).toThrow(
    new RegExp(`in equation ${stray.at}'s scan body: equation 0 \\(\\w+\\) uses variable 900010`),
  );

  let fused = tg.makeProgram((v: T) => E.add(E.mul(E.tanh(v), v), v))(x);
  for (const pass of PASSES) fused = checkProgram(pass.run(fused));
  // equation 0 of the body claims an output the shape rule does not give (the body's outputs,
  // and so the fused equation's own shape rule, are untouched)
  const wrong = withBrokenBody(fused, "fused", (b) =>
    changeFirst(b, (e) => ({ ...e, outputs: [new Var(900011, { shape: [7], dtype: "f32" })] })),
  );
  expect(() => checkProgram(wrong.program)).toThrow(
    new RegExp(
      `in equation ${wrong.at}'s fused body: equation 0 \\(\\w+\\) output 0 is f32\\[7\\]`,
    ),
  );
});
