/**
 * Where the IR finds what the layers above it provide: the primitive rule table (installed by
 * `src/prims/table.ts`) and the interpreters that higher-order primitives (`scan`, `custom_vjp`,
 * `fused`) run their bodies with (installed by `src/transforms/interpreters.ts`). Installing them
 * from above keeps imports pointing one way: ir never imports prims or transforms.
 * `src/backends.ts`, which the package index loads first, installs both.
 * @example
 * ```ts
 * rules().exp.abstractEval([{ shape: [2], dtype: "f32" }], {});
 * const x = tg.tensor([1, 2]);
 * const program = tg.makeProgram((v: tg.Tensor<[2]>) => tg.exp(v))(x);
 * interpreters().evalProgram(program, [x]); // [Tensor [e, e²]]
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
 * // src/prims/table.ts installs the whole table at load; a test may swap one rule, then restore it
 * const saved = rules();
 * installRules({ ...saved, exp: { ...saved.exp } });
 * installRules(saved);
 * ```
 */
export function installRules(t: RuleTable): void {
  table = t;
}

/**
 * Every primitive's rules.
 * @example
 * ```ts
 * const [a, b] = [{ shape: [2, 3], dtype: "f32" as const }, { shape: [3], dtype: "f32" as const }];
 * rules().add.abstractEval([a, b], {}); // [{ shape: [2, 3], dtype: "f32" }]
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
 * // src/transforms/interpreters.ts, at load:
 * const { evalProgram, jvpProgram, vjpProgram, vmapProgram } = interpreters();
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
 * const primals = [tg.tensor([1, 2])];
 * const body = tg.makeProgram((v: tg.Tensor<[2]>) => tg.mul(v, v))(primals[0]);
 * const [outs, tangents] = interpreters().jvpProgram(body, primals, [tg.ones([2])]); // tangents [[2, 4]]
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
