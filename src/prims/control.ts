/**
 * Higher-order primitives: `scan` (a loop whose body is a Program, so a recurrent network over
 * hundreds of steps traces to a few equations) and `custom_vjp` (a function with a backward rule
 * given by the user).
 * @module
 */
import { dce } from "../ir/dce.js";
import { interpreters } from "../ir/rules.js";
import type { CustomVjpParams, Maybe, PrimRule, ScanParams } from "../ir/primitive.js";
import { type Aval, type Eqn, Program, sameAval, fmtAval, type Var } from "../ir/program.js";
import { avalOf, bind, traceFlat } from "../ir/trace.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { filled } from "./constants.js";
import { add } from "./elementwise.js";
import { CHEAP } from "../ir/groups.js";
import { broadcastTo, concat, moveAxisTo, reshape, slice, zerosLike } from "./movement.js";

/** Turns a Program's captured constants into leading inputs, returning the program and the constants. */
export function closeOver(p: Program): [Program, T[]] {
  return [new Program([...p.constVars, ...p.inputs], [], [], p.eqns, p.outputs), [...p.consts]];
}

/**
 * A loop: `carry, y_t = body(carry, x_t)` for t = 0 … length−1 over the leading axis of `xs`.
 * Returns the final carry and the stacked `ys`. The body is traced once.
 * @example
 * ```ts
 * const [zero, xs] = [tg.zeros([]), tg.tensor([1, 2, 3])];
 * const [[total], [partial]] = scan(([c], [x]) => { const s = add(c, x); return [[s], [s]]; }, [zero], [xs]); // 6, [1, 3, 6]
 * ```
 */
export function scan(
  body: (carry: T[], xs: T[]) => [T[], T[]],
  init: T[],
  xs: T[],
  opts: { length?: number; reverse?: boolean } = {},
): [T[], T[]] {
  const length = opts.length ?? xs[0]?.shape[0];
  if (length === undefined) throw new ShapeError("scan", "needs `xs` or an explicit `length`");
  const xAvals = xs.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }));
  let numYs = 0;
  const traced = traceFlat(
    (ins) => {
      const [c, y] = body(ins.slice(0, init.length), ins.slice(init.length));
      numYs = y.length;
      return [...c, ...y];
    },
    [...init.map(avalOf), ...xAvals],
  );
  const [closed, consts] = closeOver(traced);
  const params: ScanParams = {
    body: closed,
    length,
    numConsts: consts.length,
    numCarry: init.length,
    reverse: !!opts.reverse,
  };
  const outs = bind("scan", [...consts, ...init, ...xs], params);
  return [outs.slice(0, init.length), outs.slice(init.length, init.length + numYs)];
}

/** Row `t` of `x` along axis 0. */
function row(x: T, t: number): T {
  const s = slice(
    x,
    x.shape.map((_: number, i: number) => (i === 0 ? t : 0)),
    x.shape.map((d: number, i: number) => (i === 0 ? t + 1 : d)),
  );
  return reshape(s, x.shape.slice(1));
}

function scanAvals(avals: Aval[], p: ScanParams): Aval[] {
  const { body, numConsts: nc, numCarry: nh, length } = p;
  if (body.inputs.length !== avals.length)
    throw new ShapeError("scan", `body takes ${body.inputs.length} inputs, got ${avals.length}`);
  avals.forEach((a, i) => {
    const want = body.inputs[i].aval;
    const got = i < nc + nh ? a : { shape: a.shape.slice(1), dtype: a.dtype };
    if (!sameAval(want, got) || (i >= nc + nh && a.shape[0] !== length)) {
      throw new ShapeError(
        "scan",
        `operand ${i} is ${fmtAval(a)} but the body expects ${fmtAval(want)}${i >= nc + nh ? ` per step of ${length}` : ""}`,
      );
    }
  });
  body.outputs.slice(0, nh).forEach((v, i) => {
    if (!sameAval(v.aval, avals[nc + i])) {
      throw new ShapeError(
        "scan",
        `carry ${i} enters as ${fmtAval(avals[nc + i])} but the body returns ${fmtAval(v.aval)}`,
      );
    }
  });
  return [
    ...body.outputs.slice(0, nh).map((v) => v.aval),
    ...body.outputs
      .slice(nh)
      .map((v) => ({ shape: [length, ...v.aval.shape], dtype: v.aval.dtype })),
  ];
}

function runScan(ins: T[], p: ScanParams): T[] {
  const { numConsts: nc, numCarry: nh, length } = p;
  const consts = ins.slice(0, nc);
  let carry = ins.slice(nc, nc + nh);
  const xs = ins.slice(nc + nh);
  const ys: T[][] = [];
  for (let k = 0; k < length; k++) {
    const t = p.reverse ? length - 1 - k : k;
    const outs = interpreters().evalProgram(p.body, [
      ...consts,
      ...carry,
      ...xs.map((x) => row(x, t)),
    ]);
    carry = outs.slice(0, nh);
    ys[t] = outs.slice(nh);
  }
  const yAvals = p.body.outputs.slice(nh).map((v) => v.aval);
  const stacked = yAvals.map((a, j) =>
    length === 0
      ? filled([0, ...a.shape], 0, a.dtype)
      : concat(
          ys.map((y) => reshape(y[j], [1, ...a.shape])),
          0,
        ),
  );
  return [...carry, ...stacked];
}

const orZeros = (t: Maybe<T>, like: T): T => t ?? zerosLike(like);

/** Traces a new scan body from a function of (consts, carry, x_t) lists. */
function bodyOf(
  avals: { c: Aval[]; h: Aval[]; x: Aval[] },
  f: (c: T[], h: T[], x: T[]) => [T[], T[]],
): [Program, T[], number] {
  let ny = 0;
  const p = traceFlat(
    (ins) => {
      const nc = avals.c.length;
      const nh = avals.h.length;
      const [h, y] = f(ins.slice(0, nc), ins.slice(nc, nc + nh), ins.slice(nc + nh));
      ny = y.length;
      return [...h, ...y];
    },
    [...avals.c, ...avals.h, ...avals.x],
  );
  const [closed, extra] = closeOver(p);
  return [closed, extra, ny];
}

/** Binds a scan whose body may capture extra constants (they go first). */
function bindScan(
  body: Program,
  extra: T[],
  c: T[],
  h: T[],
  xs: T[],
  length: number,
  reverse: boolean,
): [T[], T[]] {
  const outs = bind("scan", [...extra, ...c, ...h, ...xs], {
    body,
    length,
    numConsts: extra.length + c.length,
    numCarry: h.length,
    reverse,
  });
  return [outs.slice(0, h.length), outs.slice(h.length)];
}

/**
 * Splits the joint step of a scan's VJP, whose inputs are `[extra (ne), consts (nc), acc (nc),
 * ct carry (nh), carry in (nh), x_t (nx), ct y_t]`, into the part that depends on the step's
 * primal inputs and on no cotangent (run in the forward loop) and the rest (the backward step).
 * Equations that read only constants stay in the backward step. Returns the forward part (inputs
 * `[extra, consts, carry in, x_t]`, outputs the residuals), the backward step (inputs `[extra,
 * consts, acc, ct carry, residuals, ct y_t]`, the joint's outputs) and the residual variables.
 */
function splitJoint(
  joint: Program,
  ne: number,
  nc: number,
  nh: number,
  nx: number,
): { fwd: Program; bwd: Program; residuals: Var[] } {
  const ins = joint.inputs;
  const statics = new Set<Var>(ins.slice(0, ne + nc));
  const tangent = new Set<Var>([
    ...ins.slice(ne + nc, ne + 2 * nc + nh),
    ...ins.slice(ne + 2 * nc + 2 * nh + nx),
  ]);
  const primalIns = ins.slice(ne + 2 * nc + nh, ne + 2 * nc + 2 * nh + nx);
  const primal = new Set<Var>(primalIns);
  const fwdEqns: Eqn[] = [];
  const bwdEqns: Eqn[] = [];
  for (const e of joint.eqns) {
    if (e.inputs.some((v) => tangent.has(v))) {
      bwdEqns.push(e);
      for (const v of e.outputs) tangent.add(v);
    } else if (e.inputs.some((v) => primal.has(v))) {
      fwdEqns.push(e);
      for (const v of e.outputs) primal.add(v);
    } else {
      // constants only: both sides may need it
      fwdEqns.push(e);
      bwdEqns.push(e);
      for (const v of e.outputs) statics.add(v);
    }
  }
  // cheap elementwise primal equations that only the backward step reads move back to it when
  // that stacks no more residuals (e.g. tanh's 1 − y², recomputed from y where the backward step
  // fuses it with the cotangent product instead of a kernel and a stack of its own)
  const needed = new Set<Var>();
  for (const e of bwdEqns) for (const v of e.inputs) if (primal.has(v)) needed.add(v);
  for (const v of joint.outputs) if (primal.has(v)) needed.add(v);
  const fwdUses = new Map<Var, number>();
  for (const e of fwdEqns) for (const v of e.inputs) fwdUses.set(v, (fwdUses.get(v) ?? 0) + 1);
  const moved = new Set<Eqn>();
  for (let i = fwdEqns.length - 1; i >= 0; i--) {
    const e = fwdEqns[i];
    const out = e.outputs[0];
    if (!CHEAP.has(e.prim) || e.outputs.length !== 1 || (fwdUses.get(out) ?? 0) > 0) continue;
    if (!needed.has(out)) continue;
    const fresh = new Set(e.inputs.filter((v) => primal.has(v) && !needed.has(v)));
    if (fresh.size > 1) continue;
    moved.add(e);
    needed.delete(out);
    for (const v of e.inputs) {
      if (primal.has(v)) needed.add(v);
      fwdUses.set(v, (fwdUses.get(v) ?? 1) - 1);
    }
  }
  const bwdSet = new Set<Eqn>([...bwdEqns, ...moved]);
  const residuals: Var[] = [];
  const need = (v: Var) => {
    if (primal.has(v) && !residuals.includes(v)) residuals.push(v);
  };
  const bwdAll = joint.eqns.filter((e) => bwdSet.has(e));
  const stays = (v: Var) => !bwdAll.some((e) => moved.has(e) && e.outputs.includes(v));
  for (const e of bwdAll) for (const v of e.inputs) if (stays(v)) need(v);
  for (const v of joint.outputs) if (stays(v)) need(v);
  const fwd = new Program(
    [...ins.slice(0, ne + nc), ...primalIns],
    [],
    [],
    fwdEqns.filter((e) => !moved.has(e)),
    residuals,
  );
  const bwd = new Program(
    [...ins.slice(0, ne + 2 * nc + nh), ...residuals, ...ins.slice(ne + 2 * nc + 2 * nh + nx)],
    [],
    [],
    bwdAll,
    joint.outputs,
  );
  return { fwd: dce(fwd), bwd: dce(bwd), residuals };
}

const scanRule: PrimRule<"scan"> = {
  abstractEval: (avals, p) => scanAvals(avals, p),
  kernel: () => {
    throw new Error(
      "scan runs through its eager rule or the jit executor, never as a single kernel",
    );
  },
  eager: (ins, p) => runScan(ins, p),
  jvp: (primals, tangents, p) => {
    const { numConsts: nc, numCarry: nh } = p;
    const split = <X>(a: X[]) => [a.slice(0, nc), a.slice(nc, nc + nh), a.slice(nc + nh)] as const;
    const [c, h, x] = split(primals);
    const [tc, th, tx] = split(tangents.map((t, i) => orZeros(t, primals[i])));
    const av = (ts: T[], step: boolean) =>
      ts.map((t) => ({ shape: step ? t.shape.slice(1) : t.shape, dtype: t.dtype }));
    const [body, extra] = bodyOf(
      { c: av([...c, ...tc], false), h: av([...h, ...th], false), x: av([...x, ...tx], true) },
      (cc, hh, xx) => {
        const [outs, touts] = interpreters().jvpProgram(
          p.body,
          [...cc.slice(0, nc), ...hh.slice(0, nh), ...xx.slice(0, x.length)],
          [...cc.slice(nc), ...hh.slice(nh), ...xx.slice(x.length)],
        );
        const full = touts.map((t, i) => orZeros(t, outs[i]));
        return [
          [...outs.slice(0, nh), ...full.slice(0, nh)],
          [...outs.slice(nh), ...full.slice(nh)],
        ];
      },
    );
    const [hOut, yOut] = bindScan(
      body,
      extra,
      [...c, ...tc],
      [...h, ...th],
      [...x, ...tx],
      p.length,
      p.reverse,
    );
    const ny = p.body.outputs.length - nh;
    return [...hOut.slice(nh), ...yOut.slice(ny)];
  },
  vjp: (cts, primals, outs, p) => {
    const { numConsts: nc, numCarry: nh, length } = p;
    const c = primals.slice(0, nc);
    const h0 = primals.slice(nc, nc + nh);
    const xs = primals.slice(nc + nh);
    const nx = xs.length;
    const ny = p.body.outputs.length - nh;
    const av = (ts: T[], step: boolean) =>
      ts.map((t) => ({ shape: step ? t.shape.slice(1) : t.shape, dtype: t.dtype }));
    const ctH = cts.slice(0, nh).map((t, i) => orZeros(t, outs[i]));
    const ctYs = cts.slice(nh).map((t, i) => orZeros(t, outs[nh + i]));
    const accInit = c.map((t) => zerosLike(t));
    // 1. one step of the backward pass, traced with its forward: (consts, carry in, x_t) and the
    //    cotangents → the cotangents of the consts (accumulated in the carry), the carry and x_t
    const [joint, jx] = bodyOf(
      {
        c: av(c, false),
        h: av([...accInit, ...ctH], false),
        x: [...av(h0, false), ...av([...xs, ...ctYs], true)],
      },
      (cc, hh, xx) => {
        const ht = xx.slice(0, nh);
        const xt = xx.slice(nh, nh + nx);
        const cty = xx.slice(nh + nx);
        const lin = interpreters().vjpProgram(p.body, [...cc, ...ht, ...xt]);
        const g = lin.backward([...hh.slice(nc), ...cty]);
        const dc = g.slice(0, nc).map((t, i) => (t ? add(hh[i], t) : hh[i]));
        const dh = g.slice(nc, nc + nh).map((t, i) => orZeros(t, ht[i]));
        const dx = g.slice(nc + nh).map((t, i) => orZeros(t, xt[i]));
        return [[...dc, ...dh], dx];
      },
    );
    // 2. split it: what depends on the step's primal inputs but on no cotangent runs in the
    //    forward loop, which stacks the values the backward step reads (the residuals), so the
    //    backward loop does not run the forward again
    const { fwd: primalPart, bwd, residuals } = splitJoint(joint, jx.length, nc, nh, nx);
    const ne = jx.length;
    const xtIndex = (v: Var) => joint.inputs.indexOf(v) - (ne + 2 * nc + 2 * nh);
    const stacked = residuals.filter((v) => xtIndex(v) < 0 || xtIndex(v) >= nx);
    const [fwd, fx] = bodyOf(
      { c: av(c, false), h: av(h0, false), x: av(xs, true) },
      (cc, hh, xx) => {
        const o = interpreters().evalProgram(p.body, [...cc, ...hh, ...xx]);
        const r = interpreters().evalProgram(primalPart, [...jx, ...cc, ...hh, ...xx]);
        return [
          o.slice(0, nh),
          [...o.slice(nh), ...r.filter((_, i) => stacked.includes(primalPart.outputs[i]))],
        ];
      },
    );
    const [, ysAndRs] = bindScan(fwd, fx, c, h0, xs, length, p.reverse);
    const rs = residuals.map((v) => {
      const k = xtIndex(v);
      return k >= 0 && k < nx ? xs[k] : ysAndRs[ny + stacked.indexOf(v)];
    });
    // 3. backward in the opposite order, accumulating the constants' cotangents in the carry
    const [acc, dxs] = bindScan(
      bwd,
      jx,
      c,
      [...accInit, ...ctH],
      [...rs, ...ctYs],
      length,
      !p.reverse,
    );
    return [...acc.slice(0, nc), ...acc.slice(nc), ...dxs];
  },
  batch: (args, dims, p) => {
    const { numConsts: nc, numCarry: nh } = p;
    const size = args[dims.findIndex((d) => d !== null)].shape[dims.find((d) => d !== null)!];
    // consts keep their batching; every carry is batched at 0; xs are batched at 1 (time stays first)
    const c = args.slice(0, nc).map((a, i) => (dims[i] === null ? a : moveAxisTo(a, dims[i]!, 0)));
    const cd = dims.slice(0, nc).map((d) => (d === null ? null : 0));
    const h = args.slice(nc, nc + nh).map((a, i) => {
      const d = dims[nc + i];
      return d === null
        ? broadcastTo(reshape(a, [1, ...a.shape]), [size, ...a.shape])
        : moveAxisTo(a, d, 0);
    });
    const xs = args.slice(nc + nh).map((a, i) => {
      const d = dims[nc + nh + i];
      return d === null
        ? broadcastTo(reshape(a, [a.shape[0], 1, ...a.shape.slice(1)]), [
            a.shape[0],
            size,
            ...a.shape.slice(1),
          ])
        : moveAxisTo(a, d, 1);
    });
    const av = (ts: T[], step: boolean) =>
      ts.map((t) => ({ shape: step ? t.shape.slice(1) : t.shape, dtype: t.dtype }));
    const [body, extra] = bodyOf(
      { c: av(c, false), h: av(h, false), x: av(xs, true) },
      (cc, hh, xx) => {
        const [outs, od] = interpreters().vmapProgram(
          p.body,
          [...cc, ...hh, ...xx],
          [...cd, ...hh.map(() => 0), ...xx.map(() => 0)],
        );
        const fixed = outs.map((o, i) => {
          const d = od[i];
          return d === null
            ? broadcastTo(reshape(o, [1, ...o.shape]), [size, ...o.shape])
            : moveAxisTo(o, d, 0);
        });
        return [fixed.slice(0, nh), fixed.slice(nh)];
      },
    );
    const [hOut, yOut] = bindScan(body, extra, c, h, xs, p.length, p.reverse);
    return [
      [...hOut, ...yOut],
      [...hOut.map(() => 0), ...yOut.map(() => 1)],
    ];
  },
};

/**
 * Wraps `f` so that reverse mode uses `bwd` instead of differentiating `f`.
 * `bwd(inputs, outputs, outputCotangents)` returns one cotangent (or null) per input.
 * @example
 * ```ts
 * const { log, div } = tg;
 * const safeLog = customVjp((x) => [log(x)], ([x], _y, [ct]) => [div(ct, x)]);
 * ```
 */
export function customVjp(
  f: (...xs: T[]) => T[],
  bwd: CustomVjpParams["bwd"],
  name = f.name || "custom",
): (...xs: T[]) => T[] {
  return (...xs: T[]) => {
    const [fn, consts] = closeOver(traceFlat((ins) => f(...ins), xs.map(avalOf)));
    const n = consts.length;
    const full: CustomVjpParams["bwd"] = n
      ? (ins, outs, cts) => [...consts.map(() => null), ...bwd(ins.slice(n), outs, cts)]
      : bwd;
    return bind("custom_vjp", [...consts, ...xs], { fn, bwd: full, name });
  };
}

const customVjpRule: PrimRule<"custom_vjp"> = {
  abstractEval: (avals, { fn, name }) => {
    avals.forEach((a, i) => {
      if (!sameAval(a, fn.inputs[i].aval))
        throw new ShapeError(
          name,
          `input ${i} is ${fmtAval(a)}, expected ${fmtAval(fn.inputs[i].aval)}`,
        );
    });
    return fn.outputs.map((v) => v.aval);
  },
  kernel: () => {
    throw new Error("custom_vjp runs through its eager rule or is inlined by the jit executor");
  },
  eager: (ins, { fn }) => interpreters().evalProgram(fn, ins),
  jvp: (primals, tangents, { fn }) => interpreters().jvpProgram(fn, primals, tangents)[1],
  vjp: (cts, primals, outs, { bwd }) =>
    bwd(
      primals,
      outs,
      cts.map((t, i) => orZeros(t, outs[i])),
    ),
  batch: (args, dims, params) => [batchCustomVjp(args, dims, params), args.map(() => 0)],
};

/** `t` with its batch axis (`d`, or none: broadcast to `size`) moved to the front. */
function batchFirst(t: T, d: Maybe<number>, size: number): T {
  return d === null
    ? broadcastTo(reshape(t, [1, ...t.shape]), [size, ...t.shape])
    : moveAxisTo(t, d, 0);
}

/**
 * Batches a `custom_vjp` and keeps its rule: the result is a `custom_vjp` of the batched forward
 * function whose backward rule is the given rule mapped over the batch (traced once per example
 * shape and batched like any program; a `null` cotangent stays `null`). Every argument and result
 * carries the batch on axis 0.
 */
function batchCustomVjp(args: T[], dims: Maybe<number>[], { fn, bwd, name }: CustomVjpParams): T[] {
  const at = dims.findIndex((d) => d !== null);
  const size = args[at].shape[dims[at]!];
  const xs = args.map((a, i) => batchFirst(a, dims[i], size));
  const perExample = (ts: readonly T[]) =>
    ts.map((t) => ({ ...avalOf(t), shape: t.shape.slice(1) }));
  const mapped = (p: Program, ins: T[]): T[] => {
    const [outs, ods] = interpreters().vmapProgram(
      p,
      ins,
      ins.map(() => 0),
    );
    return outs.map((o, i) => batchFirst(o, ods[i], size));
  };
  const [bfn, consts] = closeOver(traceFlat((ins) => mapped(fn, ins), xs.map(avalOf)));
  const nc = consts.length;
  const bbwd: CustomVjpParams["bwd"] = (ins, outs, cts) => {
    const flat = [...ins, ...outs, ...cts];
    const k = [ins.length, ins.length + outs.length];
    let isNull: boolean[] = [];
    const rule = traceFlat((f) => {
      const r = bwd(f.slice(0, k[0]), f.slice(k[0], k[1]), f.slice(k[1]));
      isNull = r.map((c) => c === null);
      return r.filter((c): c is T => c !== null);
    }, perExample(flat));
    const got = mapped(rule, flat);
    let j = 0;
    return isNull.map((n) => (n ? null : got[j++]));
  };
  const full: CustomVjpParams["bwd"] = nc
    ? (ins, outs, cts) => [...consts.map(() => null), ...bbwd(ins.slice(nc), outs, cts)]
    : bbwd;
  return bind("custom_vjp", [...consts, ...xs], { fn: bfn, bwd: full, name });
}

/** The control-flow rules. */
export const controlRules: { scan: PrimRule<"scan">; custom_vjp: PrimRule<"custom_vjp"> } = {
  scan: scanRule,
  custom_vjp: customVjpRule,
};
