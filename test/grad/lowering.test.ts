/**
 * What lowering makes of a gradient step: relu and its gradient fuse into one kernel each (the
 * mask is recomputed in the backward pass), the VJP of a scan keeps the forward's residuals
 * instead of running the forward step again, and the gradient of slices is a concat. Each jitted result is checked against eager mode.
 */
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";
import { checkProgram } from "../../src/ir/check.js";
import type { FusedParams, ScanParams } from "../../src/ir/primitive.js";
import type { Program } from "../../src/ir/program.js";
import { fromArray } from "../../src/tensor/create.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { expectClose } from "../util/close.js";

const arr = (t: T) => Array.from(t.dataSync() as ArrayLike<number>);
const floats = (shape: number[], seed: number) =>
  fromArray(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) =>
      Math.sin(seed * 7 + i * 1.3),
    ),
    shape,
  );
const flat = (t: unknown): T[] =>
  t instanceof tg.Tensor
    ? [t as T]
    : Array.isArray(t)
      ? t.flatMap(flat)
      : t && typeof t === "object"
        ? Object.keys(t)
            .sort()
            .flatMap((k) => flat((t as Record<string, unknown>)[k]))
        : [];

/** A small LSTM model's parameters and a scalar loss over fixed inputs (keys from the seeds). */
function lstmLoss(
  paramSeed: number,
  inputSeed: number,
): { params: unknown; loss: (p: unknown) => T } {
  const model = tg.nn.sequential([5, 3], tg.nn.lstm(4), tg.nn.dense(2)) as unknown as {
    init(k: tg.random.Key): unknown;
    apply(p: unknown, x: T): T;
  };
  const x = floats([2, 5, 3], inputSeed);
  const loss = (p: unknown) => tg.sum(tg.square(model.apply(p, x))) as T;
  return { params: model.init(tg.random.key(paramSeed)), loss };
}

describe("lowering of gradient steps", () => {
  test("relu and its gradient are one fused kernel each", () => {
    const model = tg.nn.serial(tg.nn.dense(6, 5), tg.nn.relu, tg.nn.dense(5, 3)) as unknown as {
      init(k: tg.random.Key): unknown;
      apply(p: unknown, x: T): T;
    };
    const params = model.init(tg.random.key(0));
    const x = floats([4, 6], 1);
    const loss = (p: unknown) => tg.sum(tg.square(model.apply(p, x))) as T;
    const g = tg.jit(tg.grad(loss));
    const prog: Program = g.lower(params);
    const prims = prog.eqns.map((e) => e.prim);
    expect(prims).not.toContain("gt");
    expect(prims).not.toContain("where");
    const masks = prog.eqns.filter(
      (e) => e.prim === "fused" && (e.params as FusedParams).ops.some((o) => o.op === "where"),
    );
    expect(masks.length).toBe(2);
    const a = flat(g(params));
    const b = flat(tg.grad(loss)(params));
    expect(a.length).toBe(4);
    a.forEach((t, i) => expectClose(arr(t), arr(b[i]), { atol: 5e-6, rtol: 0 }));
  });

  test("the backward loop of an LSTM does not run the forward step again", () => {
    const { params, loss } = lstmLoss(1, 2);
    const g = tg.jit(tg.grad(loss));
    const prog: Program = g.lower(params);
    const scans = prog.eqns.filter((e) => e.prim === "scan");
    // one forward loop (the primal loop merged with the one that stacks residuals), one backward
    expect(scans.length).toBe(2);
    const [fwd, bwd] = scans.map((e) => (e.params as ScanParams).body);
    const matmuls = (p: Program) => p.eqns.filter((e) => e.prim === "matmul").length;
    expect(matmuls(fwd)).toBe(1);
    // dz·Uᵀ only: no h·U, and Σₜ hₜᵀ·dzₜ is one matmul after the loop (hoist-scan-accumulators)
    expect(matmuls(bwd)).toBe(1);
    // … reading Uᵀ transposed once before the loop (pretranspose-scan-consts)
    const dh = bwd.eqns.find((e) => e.prim === "matmul")!;
    expect(dh.params).toEqual({ transA: false, transB: false });
    expect(bwd.eqns.some((e) => e.prim === "add" && e.outputs[0].aval.shape[0] === 4)).toBe(false);
    const after = prog.eqns.slice(prog.eqns.indexOf(scans[1]) + 1);
    expect(
      after.some(
        (e) =>
          e.prim === "matmul" &&
          e.inputs[0].aval.shape[0] === 2 * 5 &&
          e.outputs[0].aval.shape[0] === 4,
      ),
    ).toBe(true);
    expect(bwd.eqns.some((e) => e.prim === "logistic" || e.prim === "tanh")).toBe(false);
    // the gradient of the four gate slices is one concat, not four pads and three adds
    expect(bwd.eqns.filter((e) => e.prim === "concat").length).toBe(1);
    expect(bwd.eqns.some((e) => e.prim === "pad")).toBe(false);
    const a = flat(g(params));
    const b = flat(tg.grad(loss)(params));
    expect(a.length).toBe(b.length);
    a.forEach((t, i) => expectClose(arr(t), arr(b[i]), { atol: 5e-6, rtol: 0 }));
  });

  test("an LSTM cell is one fused kernel with an output per value the backward loop keeps", () => {
    const { params, loss } = lstmLoss(3, 4);
    const vg = tg.jit(tg.valueAndGrad(loss));
    const prog: Program = vg.lower(params);
    const [fwd, bwd] = prog.eqns
      .filter((e) => e.prim === "scan")
      .map((e) => (e.params as ScanParams).body);
    for (const body of [fwd, bwd]) checkProgram(body);
    // forward: z = xw + h·U, four gate slices (moved up before the chain), one fused kernel for
    // the gates, the new cell state and the new hidden state (13 equations before)
    expect(fwd.eqns.map((e) => e.prim)).toEqual([
      "matmul",
      "add",
      "slice",
      "slice",
      "slice",
      "slice",
      "fused",
    ]);
    const cell = fwd.eqns[6];
    // the four gates, tanh(c'), c' and h' are read outside the chain (residuals and carries)
    expect(cell.outputs.length).toBe(7);
    expect((cell.params as FusedParams).results.length).toBe(7);
    for (const v of fwd.outputs)
      if (v.aval.shape.join() === "2,4" && !fwd.inputs.includes(v))
        expect(cell.outputs).toContain(v);
    // backward: the gates' gradients are one fused kernel with four outputs and the carry's
    expect(bwd.eqns.filter((e) => e.prim === "fused").length).toBe(1);
    expect(bwd.eqns.filter((e) => e.prim === "mul" || e.prim === "add").length).toBe(0);
    const [va, ga] = vg(params) as [T, unknown];
    const [vb, gb] = tg.valueAndGrad(loss)(params) as [T, unknown];
    expectClose(arr(va), arr(vb), { atol: 5e-6, rtol: 0 });
    const a = flat(ga);
    const b = flat(gb);
    expect(a.length).toBe(b.length);
    a.forEach((t, i) => expectClose(arr(t), arr(b[i]), { atol: 5e-6, rtol: 0 }));
  });
});
