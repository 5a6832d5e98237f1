/**
 * The kernel op list: every elementwise, comparison and reduction op a backend runs, in one place.
 * The op-name types of the backend interface, the wasm kernel codes and the Rust dispatch all
 * derive from these arrays: a code is an op's index in its list (fused chains add a per-family
 * offset), and `wasm/src/opcodes.rs` is generated from this file (`npm run gen:opcodes`; a test
 * fails when it is stale). Adding an op means adding its name here (a unary op: its row in
 * `./unary.ts`), its kernel in Rust, and its primitive rule.
 *
 * @example
 * ```ts
 * UNARY_CODE.exp; // 1: the `op` argument of tg_unary_f32
 * FUSED_CODE.add; // 16: add inside a fused chain
 * ```
 * @module
 */
import { UNARY, type UnaryName } from "./unary.js";

/** Elementwise functions of one argument, in code order (the rows of `./unary.ts`). */
export const UNARY_OPS: readonly UnaryName[] = Object.keys(UNARY) as UnaryName[];
/** Arithmetic on two arguments of one dtype, in code order. */
export const ARITH_OPS = ["add", "sub", "mul", "div", "max", "min", "pow"] as const;
/** Comparisons (output bool), in code order. */
export const COMPARE_OPS = ["lt", "le", "gt", "ge", "eq", "ne"] as const;
/** Reductions over the middle axis of a `[outer, mid, inner]` view, in code order. */
export const REDUCE_OPS = ["sum", "max", "min", "argmax", "argmin"] as const;
/** Dtypes stored in wasm memory, in code order (the ABI's dtype codes). */
export const WASM_DTYPES = ["f32", "i32", "bool"] as const;
/** The unary ops a fused elementwise chain may hold (f32 only, SIMD in Rust). */
export const FUSED_UNARY = ["neg", "exp", "log", "tanh", "logistic", "sqrt", "abs"] as const;
/** The arithmetic ops a fused chain may hold. */
export const FUSED_ARITH = ["add", "sub", "mul", "div", "max", "min"] as const;

/** Elementwise functions of one argument. */
export type UnaryOp = UnaryName;
/** Elementwise arithmetic on two arguments of the same dtype. */
export type ArithOp = (typeof ARITH_OPS)[number];
/** Comparisons; output `bool`. */
export type CompareOp = (typeof COMPARE_OPS)[number];
/** Reductions; argmax/argmin give i32 (first index on ties). */
export type ReduceOp = (typeof REDUCE_OPS)[number];
/**
 * The ops a fused elementwise chain may hold. Values are f32 inside the chain: a comparison gives
 * 1 or 0, `where(c, a, b)` picks `a` where `c ≠ 0`, and `cast` (of a bool input to f32) copies.
 */
export type FusedOpName =
  | (typeof FUSED_UNARY)[number]
  | (typeof FUSED_ARITH)[number]
  | CompareOp
  | "cast"
  | "where";

/** `{ name: index }` of a list. */
function codes<const L extends readonly string[]>(
  list: L,
  offset = 0,
): { readonly [K in L[number]]: number } {
  return Object.fromEntries(list.map((op, i) => [op, offset + i])) as { [K in L[number]]: number };
}

/** Codes of `tg_unary_*`. */
export const UNARY_CODE = codes(UNARY_OPS);
/** Codes of `tg_binary_*`. */
export const ARITH_CODE = codes(ARITH_OPS);
/** Codes of `tg_compare_*`. */
export const COMPARE_CODE = codes(COMPARE_OPS);
/** Codes of `tg_reduce_*`. */
export const REDUCE_CODE = codes(REDUCE_OPS);
/** Dtype codes of the ABI (`tg_cast` and others). */
export const DTYPE_CODE = codes(WASM_DTYPES);

/** Where each family starts among the fused codes (unary ops keep their unary codes). */
export const FUSED_BASE = { unary: 0, arith: 16, compare: 24, cast: 30, where: 31 } as const;

/** Codes of `tg_fused_f32`: one number space for every op a chain may hold. */
export const FUSED_CODE: { readonly [K in FusedOpName]: number } = {
  ...(Object.fromEntries(FUSED_UNARY.map((op) => [op, UNARY_CODE[op]])) as Record<
    (typeof FUSED_UNARY)[number],
    number
  >),
  ...codes(FUSED_ARITH, FUSED_BASE.arith),
  ...codes(COMPARE_OPS, FUSED_BASE.compare),
  cast: FUSED_BASE.cast,
  where: FUSED_BASE.where,
};

/**
 * The Rust module `wasm/src/opcodes.rs`, rendered from the lists above: one `pub const` per op
 * and family, so that the kernels' `match` arms name ops instead of numbers, and the unary f32
 * kernels with their dispatch (a unary op's Rust side is then only its functions in `math.rs`).
 * @example
 * ```ts
 * renderOpcodesRs().includes("pub const EXP: i32 = 1;"); // true
 * ```
 */
export function renderOpcodesRs(): string {
  const family = (name: string, doc: string, entries: [string, number][]): string[] => [
    `/// ${doc}`,
    `pub mod ${name} {`,
    ...entries.map(([op, c]) => `    pub const ${op.toUpperCase()}: i32 = ${c};`),
    "}",
    "",
  ];
  return [
    "//! Op codes shared with the TypeScript side, and the unary f32 kernels. GENERATED from",
    "//! src/backend/ops.ts and src/backend/unary.ts by",
    "//! `npm run gen:opcodes`; do not edit (test/backend/opcodes.test.ts fails when it is stale).",
    "",
    ...family("unary", "`tg_unary_*`.", Object.entries(UNARY_CODE)),
    ...family("arith", "`tg_binary_*`.", Object.entries(ARITH_CODE)),
    ...family("compare", "`tg_compare_*`.", Object.entries(COMPARE_CODE)),
    ...family("reduce", "`tg_reduce_*`.", Object.entries(REDUCE_CODE)),
    ...family("dtype", "Dtype codes of the ABI.", Object.entries(DTYPE_CODE)),
    ...family(
      "fused",
      "`tg_fused_f32`: one number space for a chain's ops.",
      Object.entries(FUSED_CODE),
    ),
    ...unaryKernelsRs(),
  ].join("\n");
}

/**
 * The Rust macro that defines the f32 kernel of every unary op over its functions in `math.rs`
 * (`math::<op>`, and `math::<op>_v` for a row with `simd`) and the dispatch from code to kernel,
 * whose unknown codes trap. `elementwise.rs` expands it once with its two loop shapes.
 */
function unaryKernelsRs(): string[] {
  const up = (op: string) => `$crate::opcodes::unary::${op.toUpperCase()}`;
  return [
    "/// The f32 kernels of the unary ops, one per op (`exp_f32`), and `unary_f32_kernel(code)`, which",
    "/// picks one; an unknown code traps. `$vec!(name, scalar, vector)` defines a kernel with a 4-lane",
    "/// path (`math::<op>_v`), `$map!(name, scalar)` one without. Expanded once, in `elementwise.rs`.",
    "macro_rules! unary_f32_kernels {",
    "    ($vec:ident, $map:ident) => {",
    ...UNARY_OPS.map((op) =>
      UNARY[op].simd
        ? `        $vec!(${op}_f32, $crate::math::${op}, $crate::math::${op}_v);`
        : `        $map!(${op}_f32, $crate::math::${op});`,
    ),
    "        /// The f32 kernel of unary code `op`; an unknown code traps.",
    "        fn unary_f32_kernel(op: i32) -> unsafe fn(*const f32, *mut f32, usize) {",
    "            match op {",
    ...UNARY_OPS.map((op) => `                ${up(op)} => ${op}_f32,`),
    "                _ => $crate::trap(),",
    "            }",
    "        }",
    "    };",
    "}",
    "pub(crate) use unary_f32_kernels;",
    "",
  ];
}
