/**
 * The edge-case table against PyTorch: one row per exported op, run on the fixtures that
 * scripts/fixtures/torch-edges.py wrote (NaN, ±Inf, ±0, ties, denormals, extremes, integer
 * overflow and division, empty shapes). Each case runs eagerly on the reference and wasm backends
 * and under `jit` on wasm; values and the vector-Jacobian products are compared under the row's
 * tolerance (docs/numerics.md). Where typegrad differs from PyTorch on purpose the row says how
 * (`differs`), and docs/numerics.md lists it. An exported op without a row fails a test.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { getBackend, setBackend } from "../../src/backend/registry.js";
import { DTypeError, ShapeError } from "../../src/shape/errors.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";
import {
  type Case,
  dec,
  type Enc,
  expectSame,
  loadFixtures,
  MIN_NORMAL,
  runCase,
  type Tol,
  type Want,
  wantOf,
} from "./edges.harness.js";

type Params = Record<string, any>;
type Run = (ins: AnyTensor[], p: Params) => AnyTensor;

/** A stated difference from PyTorch: why, and what typegrad gives instead (PyTorch's answer adjusted). */
interface Difference {
  reason: string;
  /** Turns PyTorch's answer into typegrad's; `ins` are the case's decoded inputs. */
  adjust: (want: Want, ins: number[][], c: Case) => void;
}

interface Row {
  /** The op on a case's inputs and params (typegrad's argument names). */
  run: Run;
  /** Tolerance on values (and on gradients, unless `gradTol`). */
  tol: Tol;
  gradTol?: Tol;
  /** Whether the sign of a zero result is compared: only where IEEE 754 decides it. */
  zeroSign: boolean;
  /** Differences from PyTorch on purpose, by case name. */
  differs?: Record<string, Difference>;
}

// ─── tolerances (docs/numerics.md, "Tolerances") ───────────────────────────────────────────

/** Correctly rounded IEEE operations and data movement: bit for bit (NaN payloads aside). */
const EXACT: Tol = { rtol: 0, atol: 0 };
/** Transcendental functions: a few ulp, and the smallest normal as absolute slack. */
const MATH: Tol = { rtol: 4e-6, atol: MIN_NORMAL };
/** Sums of a few terms (reductions, matmul, pooling, softmax): the order of summation differs. */
const SUMS: Tol = { rtol: 1e-5, atol: 1e-30 };
/**
 * Gradients (unless a row says otherwise): derivatives are compositions of primitives (1/x's is
 * −(1/x)/x, not −(1/x)²), so a few ulp even for exact ops, and the smallest normal as slack.
 */
const GRADS: Tol = { rtol: 4e-6, atol: MIN_NORMAL };

// ─── rows ──────────────────────────────────────────────────────────────────────────────────

const un =
  (f: (x: any) => AnyTensor): Run =>
  ([x]) =>
    f(x);
const bin =
  (f: (a: any, b: any) => AnyTensor): Run =>
  ([a, b]) =>
    f(a, b);
const axisOf = (p: Params) => (p.axis === null ? undefined : p.axis);

/** Sets `grads[g][i]` to NaN wherever input `input` is NaN (typegrad: NaN in, NaN derivative). */
const nanGradAtNaN =
  (input = 0, g = 0) =>
  (want: Want, ins: number[][]) => {
    const grad = want.grads?.[g];
    if (!grad) return;
    ins[input].forEach((v, i) => {
      if (Number.isNaN(v)) grad[i] = Number.NaN;
    });
  };

/** Sets every gradient to NaN at positions where any input is NaN (elementwise, same shapes). */
const nanGradsAtAnyNaN = (want: Want, ins: number[][]) => {
  ins[0].forEach((_, i) => {
    if (ins.some((x) => Number.isNaN(x[i])))
      for (const g of want.grads ?? []) if (g) g[i] = Number.NaN;
  });
};

/** typegrad's integer division: truncating, x/0 = 0, INT_MIN/−1 = INT_MIN (wrapping). */
const intDiv = (want: Want, [a, b]: number[][]) => {
  want.error = false;
  want.out = {
    shape: [a.length],
    dtype: "i32",
    data: a.map((x, i) => (b[i] === 0 ? 0 : Math.trunc(x / b[i]) | 0)),
  };
};

/** f32 → i32 saturates: NaN → 0, out of range → INT_MIN or INT_MAX, else truncation. */
const saturate = (want: Want, [x]: number[][]) => {
  want.out!.data = x.map((v) =>
    Number.isNaN(v) ? 0 : Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.trunc(v) + 0)),
  );
};

/**
 * typegrad's max-pool gradient (NHWC, one channel): each window's cotangent is split evenly among
 * the positions attaining its maximum; a window whose maximum is NaN gives NaN to all its
 * positions. PyTorch routes it to one position (the first maximum, or the NaN).
 */
const maxPoolGrad = (want: Want, [x]: number[][], c: Case) => {
  const [, h, w] = c.inputs[0].shape;
  const size = c.params.size as number;
  const stride = (c.params.stride as number | undefined) ?? size;
  const oh = Math.floor((h - size) / stride) + 1;
  const ow = Math.floor((w - size) / stride) + 1;
  const ct = c.ct!.map(dec);
  const g = new Array<number>(h * w).fill(0);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const at: number[] = [];
      for (let a = 0; a < size; a++)
        for (let b = 0; b < size; b++) at.push((i * stride + a) * w + j * stride + b);
      const m = Math.max(...at.map((k) => x[k]));
      const hits = at.filter((k) => x[k] === m);
      for (const k of Number.isNaN(m) ? at : hits)
        g[k] += Number.isNaN(m) ? Number.NaN : ct[i * ow + j] / hits.length;
    }
  }
  want.grads![0] = g.map((v) => Math.fround(v));
};

/**
 * The broadcast case's a = [[NaN], [−0], [2]]: its NaN row poisons a's first gradient and, through
 * the broadcast sum, every gradient of b.
 */
const nanBroadcast = (want: Want) => {
  want.grads![0]![0] = Number.NaN;
  want.grads![1] = want.grads![1]!.map(() => Number.NaN);
};

const POW_ONE =
  "pow(1, y) for y NaN or ±∞ and pow(−1, ±∞) are NaN, as JavaScript's Math.pow (C, IEEE 754's pow and PyTorch give 1)";
/** pow's NaN where the base is ±1 and the exponent NaN or infinite (and the gradients there). */
/** pow's derivative in the exponent is 0 wherever the base is ±0. */
const powZeroBase = (want: Want, [a]: number[][]) => {
  a.forEach((x, i) => x === 0 && (want.grads![1]![i] = 0));
};
const powOne = (want: Want, [a, b]: number[][]) => {
  a.forEach((x, i) => {
    if (Math.abs(x) === 1 && !Number.isFinite(b[i]) && !(x === -1 && Number.isNaN(b[i]))) {
      want.out!.data[i] = Number.NaN;
      for (const g of want.grads ?? []) if (g) g[i] = Number.NaN;
    }
  });
};

const POOL_TIES =
  "the gradient of a window is split evenly among tied maxima (as max and torch.amax) and is NaN over a window whose maximum is NaN; PyTorch's max_pool2d routes it to one position";

const NAN_GRAD =
  "the derivative at NaN is NaN: a NaN input gives a NaN gradient, never a finite one that hides it";

const unary = (f: (x: any) => AnyTensor, tol: Tol, differs?: Row["differs"]): Row => ({
  run: un(f),
  tol,
  zeroSign: true,
  differs,
});
const binary = (f: (a: any, b: any) => AnyTensor, tol: Tol, differs?: Row["differs"]): Row => ({
  run: bin(f),
  tol,
  zeroSign: true,
  differs,
});
const reduction = (
  f: (x: any, axis?: any) => AnyTensor,
  tol: Tol,
  differs?: Row["differs"],
): Row => ({ run: ([x], p) => f(x, axisOf(p)), tol, zeroSign: false, differs });
const movement = (run: Run, differs?: Row["differs"]): Row => ({
  run,
  tol: EXACT,
  zeroSign: true,
  differs,
});

/**
 * Every numeric export of `typegrad`, with how to run it on a fixture case. Keys are the export
 * names; the test below fails when an exported function has no row here and is not excluded.
 */
const TABLE: Record<string, Row> = {
  // one-argument elementwise
  neg: unary(tg.neg, EXACT),
  exp: unary(tg.exp, MATH),
  log: unary(tg.log, MATH),
  sqrt: unary(tg.sqrt, EXACT),
  rsqrt: unary(tg.rsqrt, MATH),
  reciprocal: unary(tg.reciprocal, EXACT),
  abs: unary(tg.abs, EXACT, {
    "f32 edges": {
      reason: `${NAN_GRAD} (abs′ is sign, and sign(NaN) is NaN)`,
      adjust: nanGradAtNaN(),
    },
  }),
  sign: {
    ...unary(tg.sign, EXACT),
    zeroSign: false, // sign(−0) is −0 in typegrad (as NumPy), +0 in PyTorch; IEEE has no sign()
    differs: {
      "f32 edges": {
        reason: "sign(NaN) is NaN (as NumPy and JAX); PyTorch 1.13 gives 0",
        adjust: (want, [x]) =>
          x.forEach((v, i) => Number.isNaN(v) && (want.out!.data[i] = Number.NaN)),
      },
    },
  },
  square: unary(tg.square, EXACT, {
    "f32 edges": {
      reason:
        "the derivative of x² is computed as g·x + g·x, which cannot overflow where 2x does: at x = ±3e38 it is finite, PyTorch's (2x)·g is ±∞",
      adjust: (want, [x], c) => {
        const ct = c.ct!.map(dec);
        want.grads![0] = want.grads![0]!.map((g, i) =>
          Number.isFinite(x[i]) && !Number.isFinite(g) ? Math.fround(2 * x[i] * ct[i]) : g,
        );
      },
    },
  }),
  sin: unary(tg.sin, MATH),
  cos: unary(tg.cos, MATH),
  floor: unary(tg.floor, EXACT),
  erf: unary(tg.erf, MATH),
  sigmoid: unary(tg.sigmoid, MATH),
  tanh: unary(tg.tanh, MATH),
  softplus: unary(tg.softplus, MATH),
  stopGradient: unary(tg.stopGradient, EXACT),
  relu: {
    ...unary(tg.relu, EXACT),
    zeroSign: false,
    differs: { "f32 edges": { reason: NAN_GRAD, adjust: nanGradAtNaN() } },
  },
  leakyRelu: {
    run: ([x], p) => tg.leakyRelu(x, p.alpha),
    tol: EXACT,
    zeroSign: true,
    differs: { "f32 edges": { reason: NAN_GRAD, adjust: nanGradAtNaN() } },
  },
  elu: {
    run: ([x], p) => tg.elu(x, p.alpha),
    tol: MATH,
    zeroSign: false,
    differs: {
      "f32 edges": { reason: NAN_GRAD, adjust: nanGradAtNaN() },
      "alpha 0.5": { reason: NAN_GRAD, adjust: nanGradAtNaN() },
    },
  },
  gelu: {
    run: ([x], p) => tg.gelu(x, p.approximate),
    tol: MATH,
    // gelu′(−10) = Φ(−10) − 10·φ(−10) ≈ −7.7e-22: typegrad gets it, PyTorch's kernel underflows to 0
    gradTol: { rtol: MATH.rtol, atol: 1e-20 },
    zeroSign: false,
  },
  clip: {
    run: ([x], p) => tg.clip(x, p.lo, p.hi),
    tol: EXACT,
    zeroSign: false,
    differs: {
      "f32 edges": { reason: NAN_GRAD, adjust: nanGradAtNaN() },
      "lo > hi": { reason: NAN_GRAD, adjust: nanGradAtNaN() },
    },
  },

  // two-argument elementwise
  add: binary(tg.add, EXACT),
  sub: binary(tg.sub, EXACT),
  mul: binary(tg.mul, EXACT),
  div: binary(tg.div, EXACT, {
    "i32 by zero": {
      reason: "integer division by zero gives 0 (PyTorch's CPU kernel traps: SIGFPE)",
      adjust: intDiv,
    },
    "i32 min over -1": {
      reason: "INT_MIN / −1 wraps to INT_MIN, as i32 arithmetic does (PyTorch's CPU kernel traps)",
      adjust: intDiv,
    },
  }),
  pow: binary(tg.pow, MATH, {
    "f32 pairs": {
      reason: `${POW_ONE}; and d(aᵇ)/db is 0 wherever a = 0 (PyTorch: −∞ for b < 0, NaN for NaN b)`,
      adjust: (want, ins) => {
        powOne(want, ins);
        powZeroBase(want, ins);
      },
    },
    "negative base, integer exponents": { reason: POW_ONE, adjust: powOne },
  }),
  maximum: {
    ...binary(tg.maximum, EXACT),
    zeroSign: false,
    differs: {
      "f32 pairs": { reason: NAN_GRAD, adjust: nanGradsAtAnyNaN },
      "broadcast [3,1]·[4]": { reason: NAN_GRAD, adjust: nanBroadcast },
    },
  },
  minimum: {
    ...binary(tg.minimum, EXACT),
    zeroSign: false,
    differs: {
      "f32 pairs": { reason: NAN_GRAD, adjust: nanGradsAtAnyNaN },
      "broadcast [3,1]·[4]": { reason: NAN_GRAD, adjust: nanBroadcast },
    },
  },
  less: binary(tg.less, EXACT),
  lessEqual: binary(tg.lessEqual, EXACT),
  greater: binary(tg.greater, EXACT),
  greaterEqual: binary(tg.greaterEqual, EXACT),
  equal: binary(tg.equal, EXACT),
  notEqual: binary(tg.notEqual, EXACT),
  where: { run: ([c, a, b]) => tg.where(c as never, a, b as never), tol: EXACT, zeroSign: true },
  cast: {
    run: ([x], p) => tg.cast(x, p.dtype),
    tol: EXACT,
    zeroSign: true,
    differs: {
      "f32 to i32": {
        reason:
          "f32 → i32 saturates (NaN → 0, ±∞ and out of range → INT_MAX or INT_MIN, as WebAssembly's trunc_sat); in PyTorch it is C++ undefined behaviour (INT_MIN on x86)",
        adjust: saturate,
      },
    },
  },

  // reductions
  sum: reduction(tg.sum, SUMS),
  mean: reduction(tg.mean, SUMS),
  max: reduction(tg.max, EXACT),
  min: reduction(tg.min, EXACT),
  logsumexp: reduction(tg.logsumexp, MATH, {
    "rows, axis 1": {
      reason:
        "the gradient is the softmax of the shifted row, so it sums to 1 even when log 2 vanishes against 3e38; PyTorch's exp(x − logsumexp) gives 1 to each of two 3e38 entries",
      adjust: (want, [x]) => {
        const big = Math.fround(3e38);
        x.forEach((v, i) => v === big && (want.grads![0]![i] /= 2));
      },
    },
  }),
  argmax: reduction(tg.argmax, EXACT),
  argmin: reduction(tg.argmin, EXACT),
  softmax: { run: ([x], p) => tg.softmax(x, p.axis), tol: MATH, zeroSign: false },
  logSoftmax: { run: ([x], p) => tg.logSoftmax(x, p.axis), tol: MATH, zeroSign: false },

  // movement
  reshape: movement(([x], p) => tg.reshape(x, p.shape)),
  flatten: movement(([x], p) => tg.flatten(x, p.axis)),
  transpose: movement(([x]) => tg.transpose(x)),
  expandDims: movement(([x], p) => tg.expandDims(x, p.axis)),
  squeeze: movement(([x], p) => tg.squeeze(x, p.axis)),
  concat: movement((xs, p) => tg.concat(xs as never, p.axis)),
  stack: movement((xs, p) => tg.stack(xs as never, p.axis)),
  slice: movement(([x], p) => tg.slice(x, p.begin, p.size)),
  pad: movement(([x], p) => tg.pad(x, p.paddings, dec(p.value))),
  broadcastTo: movement(([x], p) => tg.broadcastTo(x, p.shape)),

  // indexing
  gather: movement(([x, i], p) => tg.gather(x, i as never, p.axis)),
  take: movement(([x, i]) => tg.take(x, i as never)),
  oneHot: movement(([i], p) => tg.oneHot(i as never, p.depth), {
    "out of range": {
      reason:
        "indices outside [0, depth) give all-zero rows (as TensorFlow and JAX); PyTorch raises",
      adjust: (want, [i], c) => {
        const depth = c.params.depth as number;
        want.error = false;
        want.out = {
          shape: [i.length, depth],
          dtype: "f32",
          data: i.flatMap((k) => Array.from({ length: depth }, (_, j) => (j === k ? 1 : 0))),
        };
      },
    },
  }),

  // linear algebra
  matmul: { run: bin(tg.matmul), tol: SUMS, zeroSign: false },
  dot: { run: bin(tg.dot), tol: SUMS, zeroSign: false },
  outer: binary(tg.outer, EXACT),

  // images
  conv2d: {
    run: ([x, f], p) => tg.conv2d(x, f as never, { stride: p.stride, padding: p.padding }),
    tol: SUMS,
    zeroSign: false,
  },
  maxPool2d: {
    run: ([x], p) => tg.maxPool2d(x, p.size as never, { stride: p.stride ?? p.size }),
    tol: EXACT,
    gradTol: SUMS,
    zeroSign: false,
    differs: {
      "ties, NaN, -inf": { reason: POOL_TIES, adjust: maxPoolGrad },
      "overlapping windows": { reason: POOL_TIES, adjust: maxPoolGrad },
    },
  },
  avgPool2d: { run: ([x], p) => tg.avgPool2d(x, p.size as never), tol: SUMS, zeroSign: false },

  // constructors
  tensor: movement((_, p) => tg.tensor((p.values as Enc[]).map(dec))),
  fromArray: movement((_, p) => tg.fromArray((p.values as Enc[]).map(dec), p.shape)),
  scalar: movement((_, p) => tg.scalar(dec(p.value))),
  full: movement((_, p) => tg.full(p.shape, dec(p.value))),
  zeros: movement((_, p) => tg.zeros(p.shape)),
  ones: movement((_, p) => tg.ones(p.shape)),
  zerosLike: movement(([x]) => tg.zerosLike(x)),
  onesLike: movement(([x]) => tg.onesLike(x)),
  eye: movement((_, p) => tg.eye(p.n)),
  arange: { run: (_, p) => tg.arange(p.start, p.stop, p.step), tol: EXACT, zeroSign: true },
  linspace: {
    run: (_, p) => tg.linspace(p.start, p.stop, p.num),
    // PyTorch's linspace steps from both ends; typegrad's is start + (stop − start)·i/(n − 1)
    tol: { rtol: 1e-6, atol: 1e-7 },
    zeroSign: false,
  },
};

/**
 * Exports that are not numeric ops, so have no row: each with the reason.
 */
const NOT_OPS: Record<string, string> = {
  // transformations: they run the ops of the table, they compute nothing themselves
  grad: "transformation",
  valueAndGrad: "transformation",
  vjp: "transformation",
  jvp: "transformation",
  vmap: "transformation",
  jit: "transformation",
  hessian: "transformation",
  hvp: "transformation",
  makeProgram: "transformation (prints the traced IR)",
  scan: "control flow over a user's function",
  customVjp: "wraps a user's function and derivative",
  // tree utilities, shape assertions and the runtime
  treeFlatten: "pytree utility",
  treeMap: "pytree utility",
  treeUnflatten: "pytree utility",
  assertShape: "shape assertion, no arithmetic",
  reduceWith: "internal helper of the reductions, exported by accident of `export *`",
  getBackend: "runtime setting",
  setBackend: "runtime setting",
  useBackend: "runtime setting",
  webgpuInfo: "runtime information",
  setThreads: "runtime setting",
  backendInfo: "runtime information",
  memoryStats: "runtime information",
  tidy: "memory scope, no arithmetic",
  deviceGet: "copies tensors between backends, no arithmetic",
  isFloat: "dtype predicate",
  // classes
  Tensor: "class",
  Program: "class (the IR)",
  ShapeError: "error class",
  DTypeError: "error class",
};

const fixtures = loadFixtures();

/** PyTorch's answer adjusted by the row's stated difference for this case, if any. */
function wanted(row: Row, c: Case): Want {
  const want = wantOf(c);
  const ins = c.inputs.map((t) => t.data.map(dec));
  row.differs?.[c.name]?.adjust(want, ins, c);
  return want;
}

describe("the table covers the exports and the fixtures", () => {
  const exported = Object.keys(tg).filter((k) => typeof (tg as any)[k] === "function");
  it("every exported function has a row or a stated exclusion", () => {
    const missing = exported.filter((k) => !(k in TABLE) && !(k in NOT_OPS));
    expect(missing).toEqual([]);
  });
  it("rows name real exports", () => {
    const stale = Object.keys(TABLE).filter((k) => !(k in tg));
    expect(stale).toEqual([]);
  });
  it("every row has fixture cases, and every fixture op has a row", () => {
    expect(Object.keys(TABLE).filter((k) => !(fixtures.ops[k]?.length > 0))).toEqual([]);
    expect(Object.keys(fixtures.ops).filter((k) => !(k in TABLE))).toEqual([]);
  });
  it("every stated difference names a case that exists", () => {
    for (const [op, row] of Object.entries(TABLE)) {
      for (const name of Object.keys(row.differs ?? {})) {
        expect(fixtures.ops[op].map((c) => c.name)).toContain(name);
      }
    }
  });
  it("docs/numerics.md lists every op that differs from PyTorch", () => {
    const docs = readFileSync(new URL("../../docs/numerics.md", import.meta.url), "utf8");
    const section = docs.slice(docs.indexOf("## Differences from PyTorch"));
    expect(section.length).toBeGreaterThan(0);
    for (const [op, row] of Object.entries(TABLE)) {
      if (row.differs) expect(section, op).toContain(`\`${op}\``);
    }
  });
  it("records the PyTorch version", () => {
    expect(fixtures.torch).toMatch(/^\d+\.\d+/);
  });
});

/**
 * Bugs this table found outside this test's reach (reported, not fixed here), by mode and case:
 * these cases are expected to fail (`it.fails`), so the fix shows up as a failure to remove here.
 */
const KNOWN_BUGS: Record<string, string> = {
  // the fused where(a = 0, 1, a) flushes a subnormal base to 0 before the log
  "wasm jit|pow: f32 pairs": "the exponent's gradient at a subnormal base is ±∞ or NaN",
};

const MODES = [
  { name: "reference", backend: "reference", jit: false },
  { name: "wasm", backend: "wasm", jit: false },
  { name: "wasm jit", backend: "wasm", jit: true },
] as const;

for (const mode of MODES) {
  describe(`against PyTorch ${fixtures.torch}: ${mode.name}`, () => {
    let before: ReturnType<typeof getBackend>;
    beforeAll(() => {
      before = getBackend();
      setBackend(mode.backend);
    });
    afterAll(() => setBackend(before));
    for (const [op, row] of Object.entries(TABLE)) {
      for (const c of fixtures.ops[op] ?? []) {
        const bug = KNOWN_BUGS[`${mode.name}|${op}: ${c.name}`];
        const test = bug ? it.fails : it;
        test(`${op}: ${c.name}${bug ? ` (known bug: ${bug})` : ""}`, () => {
          const want = wanted(row, c);
          const zeroSign = row.zeroSign && !mode.jit;
          const got = runCase(row.run, c, mode.jit);
          if (want.error) {
            expect(got.error, `${op} should throw`).toBeDefined();
            const typed = got.error instanceof ShapeError || got.error instanceof DTypeError;
            expect(typed, String(got.error)).toBe(true);
            expect((got.error as ShapeError).op).toBe(op);
            return;
          }
          if (got.error) throw got.error;
          const out = got.out!;
          expect(out.shape, "shape").toEqual(want.out!.shape);
          expect(out.dtype, "dtype").toBe(want.out!.dtype);
          // under jit, fused kernels flush subnormal results to 0 (docs/numerics.md, "Denormals")
          const flush = mode.jit;
          expectSame(`${op} value`, out.data, want.out!.data, row.tol, zeroSign, c.inputs, flush);
          want.grads?.forEach((g, i) => {
            if (g === null) return;
            expectSame(
              `${op} gradient of input ${i}`,
              got.grads![i]!,
              g,
              row.gradTol ?? (row.tol.rtol > GRADS.rtol ? row.tol : GRADS),
              false,
              c.inputs,
              flush,
            );
          });
        });
      }
    }
  });
}
