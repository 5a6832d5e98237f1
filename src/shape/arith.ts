/**
 * Decimal arithmetic on number literal types, digit by digit on strings, so that real sizes work:
 * `Mul<224, 224>` is `50176` and `Product<[7, 7, 64]>` is `3136`. Counting tuple lengths would stop
 * near a thousand; this costs one step per digit.
 *
 * Internally numbers are digit strings written least significant digit first (`150528` is
 * `"825051"`), which lets a carry travel left to right through a template literal.
 *
 * A plain `number` in, `number` out: arithmetic on sizes only the runtime knows stays unknown.
 *
 * @example
 * ```ts
 * type A = Mul<224, Mul<224, 3>>; // 150528
 * type B = FloorDiv<28, 3>;        // 9
 * type C = Product<[8, 7, 7, 64]>; // 25088
 * ```
 * @module
 */
import type { AddDigits, CmpDigits, MulDigits, SubDigits } from "./digits.js";
import type { IsK, KindOf, Kinds } from "./dims.js";

// ─── reversed digit strings ──────────────────────────────────────────────────────────────

/**
 * `T[K]` when `K` is a key of `T`. Written as a conditional, not as `T[K & keyof T]`: intersecting
 * a template literal with a table's thousand keys took tsc over a second.
 */
type Lookup<T, K> = K extends keyof T ? T[K] : never;

type Rev<S extends string, Acc extends string = ""> = S extends `${infer H}${infer T}`
  ? Rev<T, `${H}${Acc}`>
  : Acc;

/** Drops most-significant zeros (trailing in the reversed form); keeps a lone "0". */
type Strip<S extends string> = S extends "0"
  ? "0"
  : S extends `${infer R}0`
    ? Strip<R extends "" ? "0" : R>
    : S;

type ToRev<N extends number> = Rev<`${N}`>;
type FromRev<S extends string> = Rev<S> extends `${infer N extends number}` ? N : never;

// Each step matches both operands' next digits with one pattern: declared this way the library's
// own declarations cost far fewer instantiations than with helper aliases (`Head`, `Tail`).

/** A + B on reversed strings (a missing digit is 0; the sum is symmetric, so A runs out last). */
type AddR<
  A extends string,
  B extends string,
  C extends string = "0",
  Acc extends string = "",
> = A extends `${infer a}${infer AT}`
  ? B extends `${infer b}${infer BT}`
    ? Lookup<AddDigits, `${a}${b}${C}`> extends `${infer C2}${infer R}`
      ? AddR<AT, BT, C2, `${Acc}${R}`>
      : never
    : Lookup<AddDigits, `${a}0${C}`> extends `${infer C2}${infer R}`
      ? AddR<AT, "", C2, `${Acc}${R}`>
      : never
  : B extends ""
    ? C extends "1"
      ? `${Acc}1`
      : Acc
    : AddR<B, "", C, Acc>;

/** A − B on reversed strings, for A ≥ B. */
type SubR<
  A extends string,
  B extends string,
  C extends string = "0",
  Acc extends string = "",
> = A extends `${infer a}${infer AT}`
  ? B extends `${infer b}${infer BT}`
    ? Lookup<SubDigits, `${a}${b}${C}`> extends `${infer C2}${infer R}`
      ? SubR<AT, BT, C2, `${Acc}${R}`>
      : never
    : Lookup<SubDigits, `${a}0${C}`> extends `${infer C2}${infer R}`
      ? SubR<AT, "", C2, `${Acc}${R}`>
      : never
  : Strip<Acc>;

type MulDigitR<
  A extends string,
  D extends string,
  C extends string = "0",
  Acc extends string = "",
> = A extends `${infer H}${infer T}`
  ? Lookup<MulDigits, `${H}${D}${C}`> extends `${infer C2}${infer R}`
    ? MulDigitR<T, D, C2, `${Acc}${R}`>
    : never
  : C extends "0"
    ? Acc
    : `${Acc}${C}`;

type MulR<
  A extends string,
  B extends string,
  Shift extends string = "",
  Acc extends string = "0",
> = B extends `${infer D}${infer T}`
  ? MulR<A, T, `${Shift}0`, D extends "0" ? Acc : AddR<Acc, `${Shift}${MulDigitR<A, D>}`>>
  : Strip<Acc>;

/** Order of reversed strings: the most significant differing digit decides. */
type CmpR<
  A extends string,
  B extends string,
  Res extends string = "eq",
> = A extends `${infer a}${infer AT}`
  ? B extends `${infer b}${infer BT}`
    ? CmpR<AT, BT, Lookup<CmpDigits, `${a}${b}`> extends "eq" ? Res : Lookup<CmpDigits, `${a}${b}`>>
    : "gt"
  : B extends ""
    ? Res
    : "lt";

/** How many times B fits into R (0–9) and what is left: `[q, rest]`. */
type DivStep<R extends string, B extends string, Q extends string[] = []> =
  CmpR<R, B> extends "lt" ? [`${Q["length"]}`, R] : DivStep<SubR<R, B>, B, [...Q, "1"]>;

/** Long division, most significant digit of A (in normal order) first. */
type DivR<
  A extends string,
  B extends string,
  R extends string = "0",
  Q extends string = "",
> = A extends `${infer D}${infer T}`
  ? DivStep<Strip<`${D}${R}`>, B> extends [infer q extends string, infer r extends string]
    ? DivR<T, B, r, `${Q}${q}`>
    : never
  : Q;

// ─── public number-literal arithmetic ────────────────────────────────────────────────────

/**
 * Whether `N` is a known non-negative integer literal (`true`), or `number` (`false`).
 * @example
 * ```ts
 * type T = IsLiteral<3>;      // true
 * type F = IsLiteral<number>; // false
 * ```
 */
export type IsLiteral<N extends number> = number extends N
  ? false
  : `${N}` extends `${bigint}`
    ? true
    : false;

type Known<A extends number, B extends number> = IsLiteral<A> extends true ? IsLiteral<B> : false;

/**
 * `A + B` for non-negative integer literals; `number` if either is unknown.
 * @example
 * ```ts
 * type S = Add<999, 1>; // 1000
 * ```
 */
export type Add<A extends number, B extends number> =
  Known<A, B> extends true ? FromRev<AddR<ToRev<A>, ToRev<B>>> : number;

/**
 * `A − B` for integer literals with A ≥ B; `never` when B > A; `number` if either is unknown.
 * @example
 * ```ts
 * type D = Sub<1000, 1>; // 999
 * ```
 */
export type Sub<A extends number, B extends number> =
  Known<A, B> extends true
    ? CmpR<ToRev<A>, ToRev<B>> extends "lt"
      ? never
      : FromRev<SubR<ToRev<A>, ToRev<B>>>
    : number;

/**
 * `A × B` for integer literals; `number` if either is unknown.
 * @example
 * ```ts
 * type P = Mul<224, 224>; // 50176
 * ```
 */
export type Mul<A extends number, B extends number> =
  Known<A, B> extends true ? FromRev<MulR<ToRev<A>, ToRev<B>>> : number;

/**
 * `⌊A / B⌋` for integer literals (B > 0); `number` if either is unknown.
 * @example
 * ```ts
 * type Q = FloorDiv<150528, 3>; // 50176
 * ```
 */
export type FloorDiv<A extends number, B extends number> =
  Known<A, B> extends true
    ? B extends 0
      ? never
      : Rev<Strip<Rev<DivR<`${A}`, ToRev<B>>>>> extends `${infer N extends number}`
        ? N
        : never
    : number;

/**
 * `⌈A / B⌉` for integer literals (B > 0).
 * @example
 * ```ts
 * type Q = CeilDiv<7, 2>; // 4
 * ```
 */
export type CeilDiv<A extends number, B extends number> = FloorDiv<Add<A, Sub<B, 1>>, B>;

/**
 * The order of two integer literals: `"lt"`, `"eq"` or `"gt"`; `"unknown"` for `number`.
 * @example
 * ```ts
 * type O = Compare<10, 9>; // "gt"
 * ```
 */
export type Compare<A extends number, B extends number> =
  Known<A, B> extends true ? CmpR<ToRev<A>, ToRev<B>> : "unknown";

/**
 * The product of a shape's sizes: a literal when all are literals, else `number`.
 * @example
 * ```ts
 * type N = Product<[224, 224, 3]>; // 150528
 * ```
 */
export type Product<S extends readonly number[], Acc extends number = 1> = S extends readonly [
  infer H extends number,
  ...infer T extends readonly number[],
]
  ? IsLiteral<H> extends true
    ? Product<T, Mul<Acc, H>>
    : number
  : number extends S["length"]
    ? number
    : Acc;

/**
 * The sum of a list of sizes, as `Product` but adding.
 * @example
 * ```ts
 * type N = Sum<[3, 4, 5]>; // 12
 * ```
 */
export type Sum<S extends readonly number[], Acc extends number = 0> = S extends readonly [
  infer H extends number,
  ...infer T extends readonly number[],
]
  ? IsLiteral<H> extends true
    ? Sum<T, Add<Acc, H>>
    : number
  : number extends S["length"]
    ? number
    : Acc;

// ─── arithmetic on sizes that may be type parameters ─────────────────────────────────────

/**
 * Whether `A` and `B` are both number literals: `AllLit<[A, B], K>` without building the pair (a
 * tuple costs its array type's members each time the checker instantiates it).
 */
type BothLit<A, B, K extends Kinds> =
  KindOf<A, K> extends "lit" ? (KindOf<B, K> extends "lit" ? true : false) : false;

/** Whether every entry of `L` is a number literal (decided at the use site). */
export type AllLit<L extends readonly unknown[], K extends Kinds> = L extends readonly [
  infer H,
  ...infer T,
]
  ? KindOf<H, K> extends "lit"
    ? AllLit<T, K>
    : false
  : true;

/** `A + B` on sizes: the sum when both are literals, `A` when B is 0, else `number`. */
export type DimAdd<A extends number, B extends number, K extends Kinds> =
  BothLit<A, B, K> extends true
    ? Add<A, B>
    : IsK<B, K, "zero"> extends true
      ? A
      : IsK<A, K, "zero"> extends true
        ? B
        : number;

/** `A − B` on sizes: as `Sub` when both are literals (`never` when B > A), else `number`. */
export type DimSub<A extends number, B extends number, K extends Kinds> =
  BothLit<A, B, K> extends true ? Sub<A, B> : IsK<B, K, "zero"> extends true ? A : number;

/** The order of two sizes, `"unknown"` unless both are literals. */
export type DimCompare<A extends number, B extends number, K extends Kinds> =
  BothLit<A, B, K> extends true ? Compare<A, B> : "unknown";

/** The product of a shape's sizes: a literal when all are literals, else `number`. */
export type DimProduct<S extends readonly number[], K extends Kinds> = number extends S["length"]
  ? number
  : AllLit<S, K> extends true
    ? Product<S>
    : number;
