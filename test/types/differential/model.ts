/**
 * The program description shared by the generator, the TypeScript emitter and the runtime
 * interpreter of the differential test (types vs runtime).
 *
 * A program starts from one input `x` and applies a chain of steps; each step reads earlier values
 * by index (0 is `x`). Sizes are tracked symbolically while generating: a number literal, `"B"`
 * (the input's first size when it is not a literal: plain `number` or a type parameter `B`), or
 * `"?"` (a size computed from `B`, such as `2·B`).
 */
import type fc from "fast-check";

/** The dtypes the programs use. */
export type DT = "f32" | "i32" | "bool";
/** A size while generating. */
export type Dim = number | "B" | "?";
/** The predicted shape and dtype of a value (a guide for the generator; the runtime decides). */
export interface Val {
  shape: Dim[];
  dtype: DT;
}
/**
 * How the input's first size is typed: a literal (`Tensor<[3, 5]>`), plain `number`
 * (`Tensor<[number, 5]>`), or a type parameter of a generic function called at a concrete size.
 */
export type Kind = "literal" | "number" | "generic";

/** One step: an op of the table, its inputs (value indices) and JSON parameters. */
export interface Step {
  op: string;
  ins: number[];
  p: Record<string, unknown>;
}

/** A chain of tensor ops on one input. */
export interface OpsProgram {
  family: "ops";
  kind: Kind;
  input: Val;
  steps: Step[];
  /** Whether a size computed from `B` (`"?"`, typed `number`) occurs: then the runtime decides it. */
  computed: boolean;
}

/** An `nn.sequential` stack applied to a batch of inputs. */
export interface ModelProgram {
  family: "model";
  kind: Exclude<Kind, "number">;
  inputShape: number[];
  layers: Layer[];
}

/** A layer of an `nn.sequential` stack. */
export type Layer =
  | { l: "dense"; units: number; inputs?: number }
  | { l: "conv2d"; filters: number; kernel: number; stride: number; padding: "valid" | "same" }
  | { l: "maxPool2d" | "avgPool2d"; size: number; padding: "valid" | "same" }
  | { l: "flatten" | "relu" | "tanh" };

/** A generated program. */
export type Program = OpsProgram | ModelProgram;

/** The `fc.gen()` function: draws a value from an arbitrary, reproducibly. */
export type Gen = fc.GeneratorValue;

/** Draws from fast-check arbitraries. */
export interface Draw {
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** A `Draw` on a fast-check generator. */
export function drawOf(g: Gen, fcm: typeof fc): Draw {
  return {
    int: (lo, hi) => g(fcm.integer, { min: lo, max: hi }),
    pick: <T>(xs: readonly T[]) => xs[g(fcm.integer, { min: 0, max: xs.length - 1 })],
    chance: (p) => g(fcm.integer, { min: 0, max: 999 }) < p * 1000,
  };
}

/** Whether every size is a literal. */
export const allLit = (s: readonly Dim[]): s is number[] => s.every((d) => typeof d === "number");

/** numpy broadcasting of two symbolic shapes, or null when they do not broadcast. */
export function broadcastSym(a: readonly Dim[], b: readonly Dim[]): Dim[] | null {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else return null;
  }
  return out;
}
