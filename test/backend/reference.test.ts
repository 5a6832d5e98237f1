/**
 * Checks of the reference backend against hand computations (small worked examples for every
 * kernel) and against its own algebra (adjoint pairs, transposes, known-answer vectors).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Buf, Conv2dGeometry } from "../../src/backend/backend.js";
import { erf, referenceBackend as be, threefry2x32 } from "../../src/backend/reference.js";
import type { DType } from "../../src/shape/dtype.js";

/** A buffer holding `data` as `dtype`. */
function buf(dtype: DType, data: readonly number[]): Buf {
  const b = be.alloc(dtype, data.length);
  be.write(b, data);
  return b;
}
/** The contents of a buffer as a plain array. */
function arr(b: Buf): number[] {
  return Array.from(be.read(b));
}
function dot(a: Buf, b: Buf): number {
  const x = be.read(a);
  const y = be.read(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
const randomData = (n: number, seed: number) =>
  fc.sample(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n }), {
    numRuns: 1,
    seed,
  })[0];

describe("buffers", () => {
  it("alloc zero-fills, write converts, read copies, view is live", () => {
    const b = be.alloc("i32", 4);
    expect(arr(b)).toEqual([0, 0, 0, 0]);
    be.write(b, [1.9, -1.9, 2 ** 31, Number.NaN]);
    expect(arr(b)).toEqual([1, -1, -(2 ** 31), 0]);
    const r = be.read(b);
    r[0] = 99;
    expect(arr(b)[0]).toBe(1);
    be.view(b)[0] = 7;
    expect(arr(b)[0]).toBe(7);
    const f = buf("f32", [0.1]);
    expect(arr(f)[0]).toBe(Math.fround(0.1));
    expect(arr(buf("bool", [0, 2, -0.5, Number.NaN]))).toEqual([0, 1, 1, 1]);
  });
  it("fill, free (twice is a no-op), use after free throws", () => {
    const b = be.alloc("f64", 3);
    be.fill(b, 2.5);
    expect(arr(b)).toEqual([2.5, 2.5, 2.5]);
    be.free(b);
    be.free(b);
    expect(() => be.read(b)).toThrow(/after free/);
  });
});

describe("unary", () => {
  const ap = (op: Parameters<typeof be.unary>[0], xs: number[], dtype: DType = "f64") => {
    const x = buf(dtype, xs);
    const out = be.alloc(dtype, xs.length);
    be.unary(op, x, out);
    return arr(out);
  };
  it("computes each op", () => {
    expect(ap("neg", [1, -2])).toEqual([-1, 2]);
    expect(ap("exp", [0, 1])).toEqual([1, Math.E]);
    expect(ap("log", [1, Math.E, 0, -1])).toEqual([0, 1, -Infinity, Number.NaN]);
    expect(ap("sin", [0, Math.PI / 2])).toEqual([0, 1]);
    expect(ap("cos", [0])).toEqual([1]);
    expect(ap("tanh", [0, 1000])).toEqual([0, 1]);
    expect(ap("logistic", [0, 1000, -1000])).toEqual([0.5, 1, 0]);
    expect(ap("logistic", [2])[0]).toBeCloseTo(0.8807970779778823, 15);
    expect(ap("sqrt", [4, 2])).toEqual([2, Math.SQRT2]);
    expect(ap("abs", [-3, 3])).toEqual([3, 3]);
    expect(ap("sign", [-3, 0, 5])).toEqual([-1, 0, 1]);
    expect(ap("floor", [-1.5, 1.5, 2])).toEqual([-2, 1, 2]);
  });
  it("wraps i32 neg/abs at -2^31", () => {
    expect(ap("neg", [-(2 ** 31), 5], "i32")).toEqual([-(2 ** 31), -5]);
    expect(ap("abs", [-(2 ** 31), -5], "i32")).toEqual([-(2 ** 31), 5]);
    expect(ap("sign", [-7, 0, 9], "i32")).toEqual([-1, 0, 1]);
  });
  it("rounds f32 results", () => {
    expect(ap("exp", [1], "f32")).toEqual([Math.fround(Math.E)]);
  });
  it("erf matches tabulated values to 1e-15 and is odd", () => {
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.5, 0.999593047982555],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v)).toBeLessThanOrEqual(2e-15 * v);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(erf(0)).toBe(0);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(10)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(Number.NaN)).toBeNaN();
  });
});

describe("binary", () => {
  const ap = (
    op: Parameters<typeof be.binary>[0],
    a: number[],
    b: number[],
    dtype: DType = "f64",
  ) => {
    const out = be.alloc(
      ["lt", "le", "gt", "ge", "eq", "ne"].includes(op) ? "bool" : dtype,
      a.length,
    );
    be.binary(op, buf(dtype, a), buf(dtype, b), out, [a.length], [1], [1]);
    return arr(out);
  };
  it("computes float arithmetic", () => {
    expect(ap("add", [1, 2], [3, 4])).toEqual([4, 6]);
    expect(ap("sub", [1, 2], [3, 4])).toEqual([-2, -2]);
    expect(ap("mul", [1, 2], [3, 4])).toEqual([3, 8]);
    expect(ap("div", [1, 1, -1, 0], [4, 0, 0, 0])).toEqual([0.25, Infinity, -Infinity, Number.NaN]);
    expect(ap("max", [1, 5, Number.NaN], [3, 4, 0])).toEqual([3, 5, Number.NaN]);
    expect(ap("min", [1, 5], [3, 4])).toEqual([1, 4]);
    expect(ap("pow", [2, 4, -2], [10, 0.5, 3])).toEqual([1024, 2, -8]);
  });
  it("computes i32 arithmetic with wrapping and truncating division", () => {
    const M = 2 ** 31;
    expect(ap("add", [M - 1], [1], "i32")).toEqual([-M]);
    expect(ap("sub", [-M], [1], "i32")).toEqual([M - 1]);
    expect(ap("mul", [65536, 46341], [65536, 46341], "i32")).toEqual([0, -2147479015]);
    expect(ap("div", [7, -7, 7, -M, 5], [2, 2, 0, -1, -5], "i32")).toEqual([3, -3, 0, -M, -1]);
    expect(ap("pow", [3, 2, 2, -1, 5, 0], [4, 31, -1, -3, 0, 0], "i32")).toEqual([
      81,
      -M,
      0,
      -1,
      1,
      1,
    ]);
    expect(ap("max", [-3], [2], "i32")).toEqual([2]);
  });
  it("compares to bool, NaN compares false except ne", () => {
    const a = [1, 2, 3, Number.NaN];
    const b = [2, 2, 2, Number.NaN];
    expect(ap("lt", a, b)).toEqual([1, 0, 0, 0]);
    expect(ap("le", a, b)).toEqual([1, 1, 0, 0]);
    expect(ap("gt", a, b)).toEqual([0, 0, 1, 0]);
    expect(ap("ge", a, b)).toEqual([0, 1, 1, 0]);
    expect(ap("eq", a, b)).toEqual([0, 1, 0, 0]);
    expect(ap("ne", a, b)).toEqual([1, 0, 1, 1]);
  });
  it("broadcasts with stride 0: [2,1] + [1,3] → [2,3]", () => {
    const out = be.alloc("f64", 6);
    be.binary("add", buf("f64", [10, 20]), buf("f64", [1, 2, 3]), out, [2, 3], [1, 0], [0, 1]);
    expect(arr(out)).toEqual([11, 12, 13, 21, 22, 23]);
  });
  it("reads transposed operands through strides", () => {
    // a is [[1,2],[3,4]] read transposed; b contiguous.
    const out = be.alloc("f64", 4);
    be.binary(
      "sub",
      buf("f64", [1, 2, 3, 4]),
      buf("f64", [0, 0, 0, 0]),
      out,
      [2, 2],
      [1, 2],
      [2, 1],
    );
    expect(arr(out)).toEqual([1, 3, 2, 4]);
  });
});

describe("where, cast", () => {
  it("selects with broadcasting", () => {
    const out = be.alloc("f32", 4);
    be.where(
      buf("bool", [1, 0, 0, 1]),
      buf("f32", [1, 2, 3, 4]),
      buf("f32", [-1]),
      out,
      [4],
      [1],
      [1],
      [0],
    );
    expect(arr(out)).toEqual([1, -1, -1, 4]);
  });
  it("casts between dtypes", () => {
    const c = (from: DType, to: DType, xs: number[]) => {
      const out = be.alloc(to, xs.length);
      be.cast(buf(from, xs), out);
      return arr(out);
    };
    expect(c("f32", "i32", [-1.5, 2.5, -0.5])).toEqual([-1, 2, 0]);
    const M = 2 ** 31;
    expect(c("f32", "i32", [3e9, -3e9, Infinity, -Infinity, Number.NaN])).toEqual([
      M - 1,
      -M,
      M - 1,
      -M,
      0,
    ]);
    expect(c("f32", "bool", [0, -0, 0.25, -3])).toEqual([0, 0, 1, 1]);
    expect(c("bool", "f32", [1, 0])).toEqual([1, 0]);
    expect(c("i32", "f32", [16777217])).toEqual([16777216]);
    expect(c("f64", "f32", [0.1])).toEqual([Math.fround(0.1)]);
    expect(c("i32", "bool", [0, -4])).toEqual([0, 1]);
  });
});

describe("reduce", () => {
  const red = (
    op: Parameters<typeof be.reduce>[0],
    xs: number[],
    o: number,
    m: number,
    i: number,
  ) => {
    const out = be.alloc(op.startsWith("arg") ? "i32" : "f64", o * i);
    be.reduce(op, buf("f64", xs), out, o, m, i);
    return arr(out);
  };
  // x [2, 3] = [[3, 1, 3], [-1, 5, 5]]
  const x = [3, 1, 3, -1, 5, 5];
  it("reduces rows and columns", () => {
    expect(red("sum", x, 2, 3, 1)).toEqual([7, 9]);
    expect(red("sum", x, 1, 2, 3)).toEqual([2, 6, 8]);
    expect(red("max", x, 2, 3, 1)).toEqual([3, 5]);
    expect(red("min", x, 1, 2, 3)).toEqual([-1, 1, 3]);
    expect(red("argmax", x, 2, 3, 1)).toEqual([0, 1]);
    expect(red("argmin", x, 2, 3, 1)).toEqual([1, 0]);
    expect(red("argmax", x, 1, 2, 3)).toEqual([0, 1, 1]);
  });
  it("sums an empty axis to 0, and propagates NaN in max/argmax", () => {
    expect(red("sum", [], 2, 0, 1)).toEqual([0, 0]);
    expect(red("max", [1, Number.NaN, 3], 1, 3, 1)).toEqual([Number.NaN]);
    expect(red("argmax", [1, Number.NaN, 3, Number.NaN], 1, 4, 1)).toEqual([1]);
  });
});

describe("copy", () => {
  it("transposes, slices with steps, and writes at an offset", () => {
    const x = buf("f64", [1, 2, 3, 4, 5, 6]); // [2, 3]
    const t = be.alloc("f64", 6);
    be.copy(x, 0, [1, 3], t, 0, [2, 1], [3, 2]);
    expect(arr(t)).toEqual([1, 4, 2, 5, 3, 6]);
    const s = be.alloc("f64", 6);
    be.fill(s, -1);
    be.copy(x, 0, [3, 2], s, 1, [2, 1], [2, 2]); // x[:, ::2] into s[1:5]
    expect(arr(s)).toEqual([-1, 1, 3, 4, 6, -1]);
    const b = be.alloc("f64", 6);
    be.copy(buf("f64", [7, 8]), 0, [0, 1], b, 0, [2, 1], [3, 2]); // broadcast a row
    expect(arr(b)).toEqual([7, 8, 7, 8, 7, 8]);
  });
});

describe("matmul", () => {
  it("multiplies a worked example", () => {
    // [[1,2,3],[4,5,6]] @ [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    const out = be.alloc("f64", 4);
    be.matmul(
      buf("f64", [1, 2, 3, 4, 5, 6]),
      buf("f64", [1, 0, 0, 1, 1, 1]),
      out,
      1,
      2,
      3,
      2,
      false,
      false,
      6,
      6,
    );
    expect(arr(out)).toEqual([4, 5, 10, 11]);
  });
  it("reuses one matrix across the batch with a batch stride of 0", () => {
    const out = be.alloc("f64", 2);
    // batch of two [1,1]x[1,1]: a = [2, 3], b = [5] shared.
    be.matmul(buf("f64", [2, 3]), buf("f64", [5]), out, 2, 1, 1, 1, false, false, 1, 0);
    expect(arr(out)).toEqual([10, 15]);
  });
  it("with trans flags equals matmul of explicitly transposed inputs", () => {
    const dims = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      m: fc.integer({ min: 0, max: 5 }),
      k: fc.integer({ min: 0, max: 5 }),
      n: fc.integer({ min: 0, max: 5 }),
      transA: fc.boolean(),
      transB: fc.boolean(),
      shareB: fc.boolean(),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(dims, ({ batch, m, k, n, transA, transB, shareB, seed }) => {
        const aData = randomData(batch * m * k, seed);
        const bData = randomData((shareB ? 1 : batch) * k * n, seed + 1);
        const a = buf("f64", aData);
        const b = buf("f64", bData);
        // Transpose each stored matrix explicitly with copy when the flag is set.
        const at = be.alloc("f64", a.size);
        if (transA) be.copy(a, 0, [m * k, 1, k], at, 0, [m * k, m, 1], [batch, k, m]);
        else be.copy(a, 0, [1], at, 0, [1], [a.size]);
        const bt = be.alloc("f64", b.size);
        const bb = shareB ? 1 : batch;
        if (transB) be.copy(b, 0, [k * n, 1, n], bt, 0, [k * n, k, 1], [bb, n, k]);
        else be.copy(b, 0, [1], bt, 0, [1], [b.size]);
        const want = be.alloc("f64", batch * m * n);
        be.matmul(a, b, want, batch, m, k, n, false, false, m * k, shareB ? 0 : k * n);
        const got = be.alloc("f64", batch * m * n);
        be.matmul(at, bt, got, batch, m, k, n, transA, transB, m * k, shareB ? 0 : k * n);
        expect(arr(got)).toEqual(arr(want));
      }),
      { numRuns: 50 },
    );
  });
});

const geometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    inH: fc.integer({ min: 1, max: 6 }),
    inW: fc.integer({ min: 1, max: 6 }),
    inC: fc.integer({ min: 1, max: 3 }),
    outC: fc.integer({ min: 1, max: 3 }),
    kH: fc.integer({ min: 1, max: 3 }),
    kW: fc.integer({ min: 1, max: 3 }),
    strideH: fc.integer({ min: 1, max: 3 }),
    strideW: fc.integer({ min: 1, max: 3 }),
    padTop: fc.integer({ min: 0, max: 2 }),
    padLeft: fc.integer({ min: 0, max: 2 }),
    padBottom: fc.integer({ min: 0, max: 2 }),
    padRight: fc.integer({ min: 0, max: 2 }),
  })
  .map(
    ({ padBottom, padRight, ...g }): Conv2dGeometry => ({
      ...g,
      outH: Math.max(0, Math.floor((g.inH + g.padTop + padBottom - g.kH) / g.strideH) + 1),
      outW: Math.max(0, Math.floor((g.inW + g.padLeft + padRight - g.kW) / g.strideW) + 1),
    }),
  );

describe("conv2d", () => {
  it("computes a worked example with stride and padding", () => {
    // x 1×3×3×1 = 1..9, w 2×2×1×1 = [[1, 0], [0, -1]], stride 2, pad 1 → out 2×2
    const g: Conv2dGeometry = {
      batch: 1,
      inH: 3,
      inW: 3,
      inC: 1,
      outH: 2,
      outW: 2,
      outC: 1,
      kH: 2,
      kW: 2,
      strideH: 2,
      strideW: 2,
      padTop: 1,
      padLeft: 1,
    };
    const y = be.alloc("f64", 4);
    be.conv2d(buf("f64", [1, 2, 3, 4, 5, 6, 7, 8, 9]), buf("f64", [1, 0, 0, -1]), y, g);
    // y[oh,ow] = x[2oh-1, 2ow-1] - x[2oh, 2ow]
    expect(arr(y)).toEqual([-1, -3, -7, 5 - 9]);
  });
  it("mixes channels through the HWIO filter", () => {
    // 1×1 conv, x 1×1×2×2 channels [[1,2],[3,4]] (two pixels), w [1,1,2,3]
    const g: Conv2dGeometry = {
      batch: 1,
      inH: 1,
      inW: 2,
      inC: 2,
      outH: 1,
      outW: 2,
      outC: 3,
      kH: 1,
      kW: 1,
      strideH: 1,
      strideW: 1,
      padTop: 0,
      padLeft: 0,
    };
    const y = be.alloc("f64", 6);
    be.conv2d(buf("f64", [1, 2, 3, 4]), buf("f64", [1, 0, 1, 0, 1, 1]), y, g);
    expect(arr(y)).toEqual([1, 2, 3, 3, 4, 7]);
  });
  it("backprop kernels are the adjoints of conv2d", () => {
    fc.assert(
      fc.property(geometry, fc.integer(), (g, seed) => {
        const nx = g.batch * g.inH * g.inW * g.inC;
        const nw = g.kH * g.kW * g.inC * g.outC;
        const ny = g.batch * g.outH * g.outW * g.outC;
        const x = buf("f64", randomData(nx, seed));
        const w = buf("f64", randomData(nw, seed + 1));
        const dy = buf("f64", randomData(ny, seed + 2));
        const y = be.alloc("f64", ny);
        const dx = be.alloc("f64", nx);
        const dw = be.alloc("f64", nw);
        be.fill(dx, 99); // must be overwritten
        be.fill(dw, 99);
        be.conv2d(x, w, y, g);
        be.conv2dBackpropInput(dy, w, dx, g);
        be.conv2dBackpropFilter(x, dy, dw, g);
        const lhs = dot(y, dy);
        expect(dot(x, dx)).toBeCloseTo(lhs, 10);
        expect(dot(w, dw)).toBeCloseTo(lhs, 10);
      }),
      { numRuns: 60 },
    );
  });
});

describe("gather, scatterAdd", () => {
  it("gathers rows and columns", () => {
    const x = buf("f64", [1, 2, 3, 4, 5, 6]); // [3, 2]
    const out = be.alloc("f64", 6);
    be.gather(x, buf("i32", [2, 0, 2]), out, 1, 3, 2, 3);
    expect(arr(out)).toEqual([5, 6, 1, 2, 5, 6]);
    const cols = be.alloc("f64", 3);
    be.gather(x, buf("i32", [1]), cols, 3, 2, 1, 1);
    expect(arr(cols)).toEqual([2, 4, 6]);
  });
  it("scatter-adds with repeated indices", () => {
    const out = be.alloc("f64", 3);
    be.fill(out, 7);
    be.scatterAdd(buf("f64", [1, 2, 3, 4]), buf("i32", [2, 0, 2, 2]), out, 1, 3, 1, 4);
    expect(arr(out)).toEqual([2, 0, 8]);
  });
  it("scatterAdd is the adjoint of gather", () => {
    const args = fc
      .record({
        outer: fc.integer({ min: 0, max: 3 }),
        axisLen: fc.integer({ min: 1, max: 5 }),
        inner: fc.integer({ min: 0, max: 3 }),
        seed: fc.integer(),
      })
      .chain((r) =>
        fc.record({
          r: fc.constant(r),
          idx: fc.array(fc.integer({ min: 0, max: r.axisLen - 1 }), { maxLength: 7 }),
        }),
      );
    fc.assert(
      fc.property(args, ({ r: { outer, axisLen, inner, seed }, idx }) => {
        const n = idx.length;
        const x = buf("f64", randomData(outer * axisLen * inner, seed));
        const u = buf("f64", randomData(outer * n * inner, seed + 1));
        const i = buf("i32", idx);
        const gx = be.alloc("f64", outer * n * inner);
        const su = be.alloc("f64", outer * axisLen * inner);
        be.gather(x, i, gx, outer, axisLen, inner, n);
        be.scatterAdd(u, i, su, outer, axisLen, inner, n);
        expect(dot(gx, u)).toBeCloseTo(dot(x, su), 12);
      }),
      { numRuns: 60 },
    );
  });
});

describe("random", () => {
  it("passes the Random123 known-answer tests for threefry2x32_20", () => {
    expect(threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([
      0x1cb996fc, 0xbb002be7,
    ]);
    expect(threefry2x32(-1, -1, -1, -1)).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([
      0xc4923a9c, 0x483df7a0,
    ]);
  });
  it("writes bits and uniforms per key and counter", () => {
    const keys = buf("i32", [0, 0, 0x13198a2e, 0x03707344]);
    const bits = be.alloc("i32", 6);
    be.random("bits", keys, bits, 2, 3);
    const b = arr(bits);
    expect(b[0]).toBe(0x6b200159 | 0);
    for (let k = 0; k < 2; k++) {
      for (let c = 0; c < 3; c++) {
        const key = [
          [0, 0],
          [0x13198a2e, 0x03707344],
        ][k];
        expect(b[k * 3 + c]).toBe(threefry2x32(key[0], key[1], c, 0)[0] | 0);
      }
    }
    const u = be.alloc("f32", 6);
    be.random("uniform", keys, u, 2, 3);
    expect(arr(u)).toEqual(b.map((h) => (h >>> 8) / 2 ** 24));
    expect(arr(u)[0]).toBe(0x6b2001 / 2 ** 24);
  });
  it("gives uniforms in [0, 1) with mean near 1/2", () => {
    const keys = buf("i32", [1, 2]);
    const u = be.alloc("f64", 4000);
    be.random("uniform", keys, u, 1, 4000);
    const xs = arr(u);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });
});
