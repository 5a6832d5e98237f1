/**
 * Reading and comparing the PyTorch edge-case fixtures (test/fixtures/torch-edges.json, written by
 * scripts/fixtures/torch-edges.py): decoding, running a case on typegrad (eager or under `jit`,
 * value and vector-Jacobian product), and the comparison rules of docs/numerics.md.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as tg from "../../src/index.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";

/** A JSON-safe float: non-finite values and −0 are strings. */
export type Enc = number | boolean | "nan" | "inf" | "-inf" | "-0";
/** A tensor in the fixtures: a shape, a dtype and flat row-major data. */
export interface EncTensor {
  shape: number[];
  dtype: "f32" | "i32" | "bool";
  data: Enc[];
}
/** One edge case: PyTorch's value (or its error) and gradients of `sum(out · ct)`. */
export interface Case {
  name: string;
  inputs: EncTensor[];
  params: Record<string, unknown>;
  note?: string;
  out?: EncTensor;
  error?: string;
  ct?: Enc[];
  grads?: (Enc[] | null)[];
}
/** The fixture file. */
export interface Fixtures {
  generator: string;
  torch: string;
  debianPackage: string | null;
  dtype: "float32";
  ops: Record<string, Case[]>;
}

/** What typegrad must give on a case: PyTorch's answer, adjusted by a row's stated difference. */
export interface Want {
  out?: { shape: number[]; dtype: string; data: number[] };
  /** typegrad must throw a ShapeError or DTypeError. */
  error: boolean;
  grads?: (number[] | null)[];
}

export function dec(v: Enc): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === "nan") return Number.NaN;
  if (v === "inf") return Number.POSITIVE_INFINITY;
  if (v === "-inf") return Number.NEGATIVE_INFINITY;
  if (v === "-0") return -0;
  return v;
}

export function loadFixtures(): Fixtures {
  const url = new URL("../fixtures/torch-edges.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as Fixtures;
}

/** The tensor an encoded input stands for. */
export function toTensor(t: EncTensor): AnyTensor {
  const data = t.data.map(dec);
  if (t.dtype === "bool") return tg.fromArray(Uint8Array.from(data), t.shape, "bool");
  if (t.dtype === "i32") return tg.fromArray(Int32Array.from(data), t.shape, "i32");
  return tg.fromArray(Float32Array.from(data), t.shape, "f32");
}

/** PyTorch's answer on `c`, decoded. */
export function wantOf(c: Case): Want {
  return {
    error: c.error !== undefined,
    out: c.out && { shape: c.out.shape, dtype: c.out.dtype, data: c.out.data.map(dec) },
    grads: c.grads?.map((g) => (g === null ? null : g.map(dec))),
  };
}

/** What typegrad gave. */
export interface Got {
  out?: { shape: number[]; dtype: string; data: number[] };
  error?: unknown;
  grads?: (number[] | null)[];
}

const flat = (t: AnyTensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);

/** Runs `f` on a case's inputs, eagerly or under `jit`, with the VJP of `ct` when there is one. */
export function runCase(
  f: (ins: AnyTensor[], params: Record<string, unknown>) => AnyTensor,
  c: Case,
  jit: boolean,
): Got {
  const ins = c.inputs.map(toTensor);
  const call = (xs: AnyTensor[]) => f(xs, c.params);
  let out: AnyTensor;
  try {
    out = jit ? tg.jit((...xs: AnyTensor[]) => call(xs))(...ins) : call(ins);
  } catch (error) {
    return { error };
  }
  const got: Got = { out: { shape: [...out.shape], dtype: out.dtype, data: flat(out) } };
  if (c.grads && c.ct) {
    const diff = c.grads.map((g) => g !== null);
    const ct = tg.fromArray(Float32Array.from(c.ct.map(dec)), out.shape, "f32");
    const pullback = (...args: AnyTensor[]): AnyTensor[] => {
      const fl = args.slice(0, -1);
      const merged = (xs: AnyTensor[]) => {
        let k = 0;
        return ins.map((x, i) => (diff[i] ? xs[k++] : x));
      };
      const [, back] = tg.vjp((...xs: AnyTensor[]) => call(merged(xs)), ...fl);
      return back(args[args.length - 1]) as AnyTensor[];
    };
    const fl = ins.filter((_, i) => diff[i]);
    const gs = jit ? tg.jit(pullback)(...fl, ct) : pullback(...fl, ct);
    let k = 0;
    got.grads = diff.map((d) => (d ? flat(gs[k++]) : null));
  }
  return got;
}

/** A tolerance: `|got − want| ≤ atol + rtol·|want|`. */
export interface Tol {
  rtol: number;
  atol: number;
}

/** The smallest positive normal float32, 2⁻¹²⁶. */
export const MIN_NORMAL = 2 ** -126;

/**
 * Compares one value: NaN-ness always exactly; infinities exactly; the sign of a zero when
 * `zeroSign` (where IEEE 754 decides it); others within `tol`. With `flushOk` (under `jit`, whose
 * fused kernels flush subnormal results to zero), any two values below the smallest normal match.
 */
export function sameValue(
  got: number,
  want: number,
  tol: Tol,
  zeroSign: boolean,
  flushOk = false,
): boolean {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  if (flushOk && Math.abs(got) < MIN_NORMAL && Math.abs(want) < MIN_NORMAL) return true;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return got === want;
  if (zeroSign && want === 0 && got === 0) return Object.is(got, want);
  return Math.abs(got - want) <= tol.atol + tol.rtol * Math.abs(want);
}

/** Formats values the way failures show them (−0 and NaN visible). */
const show = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

/** Fails with the positions, inputs and values that differ. */
export function expectSame(
  label: string,
  got: number[],
  want: number[],
  tol: Tol,
  zeroSign: boolean,
  inputs: EncTensor[],
  flushOk = false,
): void {
  expect(got.length, `${label}: length`).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 8; i++) {
    if (!sameValue(got[i], want[i], tol, zeroSign, flushOk)) {
      const at = inputs.map((t) => (t.data.length === want.length ? String(t.data[i]) : "…"));
      bad.push(`[${i}] inputs (${at.join(", ")}): got ${show(got[i])}, want ${show(want[i])}`);
    }
  }
  expect(bad, `${label} (rtol ${tol.rtol}, atol ${tol.atol})`).toEqual([]);
}
