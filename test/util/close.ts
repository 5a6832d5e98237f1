/**
 * The one closeness check of the test suite: `expectClose(got, want, opts)` compares two number
 * sequences entry by entry and throws an Error naming the worst entry (index, got, want, error)
 * when any is out of tolerance. Sequences of different lengths fail; NaN must meet NaN and an
 * infinity the same infinity; with `signedZero`, a wanted ±0 must come back as the same zero.
 * @example
 * ```ts
 * expectClose(y.dataSync(), [1, 2, 3], { tol: 1e-6 });
 * expectClose(loss.item(), 0.25, { atol: 1e-9, rtol: 0 });
 * ```
 * @module
 */

/** Tolerances of {@link expectClose}: entry i passes when |got − want| ≤ max(atol, rtol · sᵢ). */
export interface CloseOptions {
  /** Sets both `atol` and `rtol` (default 1e-6): error relative to max(1, |want|). */
  tol?: number;
  /** Absolute tolerance (default `tol`). */
  atol?: number;
  /** Relative tolerance (default `tol`), times |want[i]|, or times `scale[i]` when given. */
  rtol?: number;
  /** Per-entry scale for `rtol` (e.g. the sum of |terms| of a dot product) instead of |want|. */
  scale?: ArrayLike<number>;
  /** A wanted +0 or −0 must be that exact zero. */
  signedZero?: boolean;
  /** What is compared, for the message. */
  what?: string;
}

/** The outcome of a comparison: the worst entry out of tolerance, and a message naming it. */
export interface Closeness {
  ok: boolean;
  /** Why the comparison failed (null when it passed). */
  message: string | null;
  /** The worst entry out of tolerance (null when none is, or the lengths differ). */
  worst: { index: number; got: number; want: number; error: number } | null;
}

type Numbers = ArrayLike<number> | ArrayLike<bigint> | number;

const toArray = (v: Numbers): number[] =>
  typeof v === "number" ? [v] : Array.from(v as ArrayLike<number | bigint>, Number);

/**
 * Compares without throwing: `ok`, and a message naming the worst entry otherwise.
 * @example
 * ```ts
 * closeness([1, 2], [1, 2.5], { tol: 0.1 }).message; // "... index 1: got 2, want 2.5 ..."
 * ```
 */
export function closeness(got: Numbers, want: Numbers, opts: CloseOptions = {}): Closeness {
  const g = toArray(got);
  const w = toArray(want);
  const what = opts.what ? `${opts.what}: ` : "";
  if (g.length !== w.length)
    return { ok: false, message: `${what}got ${g.length} entries, want ${w.length}`, worst: null };
  if (opts.scale !== undefined && opts.scale.length !== w.length)
    return {
      ok: false,
      message: `${what}${opts.scale.length} scales for ${w.length} entries`,
      worst: null,
    };
  const tol = opts.tol ?? 1e-6;
  const atol = opts.atol ?? tol;
  const rtol = opts.rtol ?? tol;
  let bad = 0;
  let worst = { index: -1, ratio: 0, error: 0, bound: 0, why: "" };
  for (let i = 0; i < w.length; i++) {
    const a = g[i];
    const b = w[i];
    let why = "";
    let error = Math.abs(a - b);
    const bound = Math.max(atol, rtol * (opts.scale ? opts.scale[i] : Math.abs(b)));
    let ratio = error / bound;
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      why = "NaN against a number";
      ratio = Number.POSITIVE_INFINITY;
    } else if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (a === b) continue;
      why = "infinite entries differ";
      ratio = Number.POSITIVE_INFINITY;
    } else if (opts.signedZero && b === 0 && !Object.is(a, b)) {
      why = `want ${Object.is(b, -0) ? "-0" : "+0"}`;
      error = Math.abs(a);
      ratio = Number.POSITIVE_INFINITY;
    } else if (error <= bound) continue;
    bad++;
    if (worst.index < 0 || ratio > worst.ratio) worst = { index: i, ratio, error, bound, why };
  }
  if (bad === 0) return { ok: true, message: null, worst: null };
  const i = worst.index;
  const fmt = (v: number) => (Object.is(v, -0) ? "-0" : String(v));
  return {
    ok: false,
    worst: { index: i, got: g[i], want: w[i], error: worst.error },
    message:
      `${what}${bad} of ${w.length} entries out of tolerance; worst at index ${i}: got ${fmt(g[i])}, ` +
      `want ${fmt(w[i])}, error ${worst.error}` +
      (worst.why ? ` (${worst.why})` : ` > ${worst.bound} (atol ${atol}, rtol ${rtol})`),
  };
}

/**
 * Throws an Error naming the worst entry unless `got` is close to `want` entry by entry.
 * @example
 * ```ts
 * expectClose(tg.exp(x).dataSync(), wantExp, { tol: 1e-6, what: "exp" });
 * ```
 */
export function expectClose(got: Numbers, want: Numbers, opts: CloseOptions = {}): void {
  const r = closeness(got, want, opts);
  if (!r.ok) throw new Error(r.message ?? "not close");
}
