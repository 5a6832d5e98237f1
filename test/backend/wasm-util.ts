/**
 * Helpers shared by the wasm backend tests: buffers from arrays, float64 oracles and tolerances.
 * @module
 */
import type { DType } from "../../src/shape/dtype.js";
import type { Buf } from "../../src/backend/backend.js";
import { wasmBackend as B } from "../../src/backend/wasm/backend.js";

/** A wasm buffer holding `data`. */
export function buf(dtype: DType, data: ArrayLike<number>): Buf {
  const b = B.alloc(dtype, data.length);
  B.write(b, data);
  return b;
}

/** Reads a buffer as plain numbers. */
export function read(b: Buf): number[] {
  return Array.from(B.read(b));
}

/** Deterministic pseudo-random numbers in [lo, hi) (a small LCG, so failures reproduce). */
export function rand(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0 || 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround(lo + ((s >>> 8) / 16777216) * (hi - lo));
  }
  return out;
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Calls `f(index, flatOffset)` for every multi-index of `shape` in row-major order. */
export function forEachIndex(
  shape: readonly number[],
  f: (idx: number[], flat: number) => void,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

/** The error function in float64 (series below 3, continued fraction above). */
export function erf64(x: number): number {
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    r = (sum * 2) / Math.sqrt(Math.PI);
  } else {
    let f = a;
    for (let k = 200; k > 0; k--) f = a + (k * 0.5) / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}
