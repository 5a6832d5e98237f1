/**
 * Where the IR finds what the layers above it provide: the primitive rule table (installed by
 * `src/prims/table.ts`) and the interpreters that higher-order primitives (`scan`, `custom_vjp`,
 * `fused`) run their bodies with (installed by `src/transforms/interpreters.ts`). Installing them
 * from above keeps imports pointing one way: ir never imports prims or transforms.
 * `src/backends.ts`, which the package index loads first, installs both.
 * @example
 * ```ts
 * rules().exp.abstractEval([{ shape: [2], dtype: "f32" }], {});
 * interpreters().evalProgram(program, [x]);
 * ```
 * @module
 */
import type { Maybe, RuleTable } from "./primitive.js";
import type { Program } from "./program.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

let table: RuleTable | null = null;

/**
 * Installs the rule table (once, from `src/prims/table.ts`).
 * @example
 * ```ts
 * installRules({ ...elementwiseRules, ...reduceRules });
 * ```
 */
export function installRules(t: RuleTable): void {
  table = t;
}

/**
 * Every primitive's rules.
 * @example
 * ```ts
 * rules().add.abstractEval([a, b], {});
 * ```
 */
export function rules(): RuleTable {
  if (table === null) {
    throw new Error(
      "typegrad: the primitive rule table is not installed; import typegrad's index (src/index.ts), which installs it",
    );
  }
  return table;
}

/** A linearized program: its outputs, and the map from output cotangents to input cotangents. */
export interface LinearizedLike {
  readonly outs: T[];
  backward(cts: readonly Maybe<T>[]): Maybe<T>[];
}

/** The program interpreters higher-order primitives need (each lives in `src/transforms/`). */
export interface Interpreters {
  /** Runs a program on concrete or traced values. */
  evalProgram(p: Program, args: readonly T[]): T[];
  /** Forward mode: values and tangents. */
  jvpProgram(p: Program, primals: readonly T[], tangents: readonly Maybe<T>[]): [T[], Maybe<T>[]];
  /** Reverse mode: the program linearized at `primals` (only `wrt` inputs differentiated). */
  vjpProgram(p: Program, primals: readonly T[], wrt?: readonly boolean[]): LinearizedLike;
  /** Batching: outputs and their batch axes. */
  vmapProgram(
    p: Program,
    args: readonly T[],
    dims: readonly Maybe<number>[],
  ): [T[], Maybe<number>[]];
}

let interp: Interpreters | null = null;

/**
 * Installs the interpreters (once, from `src/transforms/interpreters.ts`).
 * @example
 * ```ts
 * installInterpreters({ evalProgram, jvpProgram, vjpProgram, vmapProgram });
 * ```
 */
export function installInterpreters(i: Interpreters): void {
  interp = i;
}

/**
 * The installed interpreters.
 * @example
 * ```ts
 * const [outs, tangents] = interpreters().jvpProgram(body, primals, tangents);
 * ```
 */
export function interpreters(): Interpreters {
  if (interp === null) {
    throw new Error(
      "typegrad: the program interpreters are not installed; import typegrad's index (src/index.ts), which installs them",
    );
  }
  return interp;
}
