/**
 * The op table of the differential test: for each op, how to draw its parameters (mostly valid,
 * sometimes deliberately wrong), how to write the call as TypeScript, and how to run it. One entry
 * drives all three, so the program the type checker sees is the program the runtime runs. The
 * entries live in `ops-compute.ts` (arithmetic, linear algebra, indexing, convolution) and
 * `ops-shape.ts` (movement and reductions); this file holds what they share.
 */
import * as tg from "../../../src/index.js";
import type { AnyTensor } from "../../../src/index.js";
import { allLit, type Dim, type Draw, type DT, type Kind, type Step, type Val } from "./model.js";

/** An operand of a binary op: an earlier value, a constant of zeros, or a number. */
export type Operand = { v: number } | { c: Dim[]; dt: DT } | { n: number };

/** Writes sizes as TypeScript: `"B"` is the input's first size, read from `x.shape[0]`. */
export const dimTs = (d: Dim): string => (d === "B" ? "x.shape[0]" : String(d));
export const shapeTs = (s: readonly Dim[]) => `[${s.map(dimTs).join(", ")}]`;
export const concrete = (s: readonly Dim[], b: number) =>
  s.map((d) => (d === "B" ? b : (d as number)));
export const json = (v: unknown) => JSON.stringify(v);

export function operandTs(o: Operand, name: (i: number) => string): string {
  if ("v" in o) return name(o.v);
  if ("n" in o) return String(o.n);
  return `tg.zeros(${shapeTs(o.c)}, "${o.dt}")`;
}
export function operandRun(o: Operand, vals: AnyTensor[], b: number): AnyTensor | number {
  if ("v" in o) return vals[o.v];
  if ("n" in o) return o.n;
  return tg.zeros(concrete(o.c, b), o.dt) as AnyTensor;
}

/** Any op, untyped, for the interpreter. */
export const ops = tg as unknown as Record<string, (...args: unknown[]) => AnyTensor>;

/** A rule: draw, write, run. `gen` returns the step and the predicted result (null: meant to fail). */
export interface OpRule {
  when(v: Val, kind: Kind): boolean;
  gen(
    d: Draw,
    v: Val,
    src: number,
    kind: Kind,
    vals: readonly Val[],
  ): { step: Step; out: Val | null };
  emit(s: Step, name: (i: number) => string): string;
  run(s: Step, vals: AnyTensor[], b: number): AnyTensor;
}

export const FLOAT_UNARY = [
  "exp",
  "log",
  "sqrt",
  "sin",
  "floor",
  "sigmoid",
  "tanh",
  "softmax",
  "logSoftmax",
  "gelu",
  "elu",
  "leakyRelu",
];
export const NUMERIC_UNARY = ["abs", "neg", "square"];
/** Any dtype. */
export const ANY_UNARY = ["relu"];
export const ARITH = ["add", "sub", "mul", "div", "maximum", "minimum"];
export const COMPARE = ["less", "equal", "greaterEqual"];
export const isFloat = (dt: DT) => dt === "f32";

/** A shape that broadcasts against `s`: sizes dropped from the front, kept or set to 1. */
export function broadcastPartner(d: Draw, s: readonly Dim[]): Dim[] {
  const drop = d.int(0, s.length);
  const tail = s.slice(drop).map((x) => (typeof x === "number" && d.chance(0.6) ? x : 1));
  return drop === 0 && d.chance(0.15) ? [d.int(1, 3), ...tail] : tail;
}

/** Changes one size so that it cannot broadcast with `s` (null when no size can be changed). */
export function breakPartner(d: Draw, c: Dim[], s: readonly Dim[]): Dim[] | null {
  const off = s.length - c.length;
  const at = c.map((_, i) => i).filter((i) => i + off >= 0 && s[i + off] !== 1);
  if (at.length === 0) return null;
  const i = d.pick(at);
  const target = s[i + off];
  const out = [...c];
  out[i] = typeof target === "number" ? target + 1 : 7;
  return out;
}

export const perm = (d: Draw, n: number): number[] => {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = d.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};

/** Divisors of n (for reshapes). */
export const divisors = (n: number) =>
  Array.from({ length: n }, (_, i) => i + 1).filter((k) => n % k === 0);

/** A random factorization of n into 1–3 factors. */
export function factor(d: Draw, n: number): number[] {
  const parts = d.int(1, 3);
  const out: number[] = [];
  let rest = n;
  for (let i = 1; i < parts; i++) {
    const k = d.pick(divisors(rest));
    out.push(k);
    rest /= k;
  }
  out.push(rest);
  return out;
}

export const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const normAxis = (a: number, r: number) => (a < 0 ? a + r : a);

/** Whether a shape's only non-literal size is a leading `"?"`. */
export function d0Only(s: readonly Dim[]): boolean {
  return s.length > 0 && s[0] === "?" && allLit(s.slice(1));
}

import { COMPUTE } from "./ops-compute.js";
import { SHAPE } from "./ops-shape.js";

/** Every op rule, by name. */
export const TABLE: Record<string, OpRule> = { ...COMPUTE, ...SHAPE };
