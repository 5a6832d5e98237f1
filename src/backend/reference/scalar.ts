/**
 * Float64 scalar functions that `Math` lacks, which define what the unary ops `erf` and `logistic`
 * mean (the rows of `../unary.ts` point here).
 * @module
 */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function, accurate to a few units in the last place of float64 (relative ≈ 1e-15).
 *
 * - `|x| < 2.5`: the series `erf x = 2/√π · e^{−x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·5···(2n+1))`, whose
 *   terms are all positive (no cancellation).
 * - `2.5 ≤ |x| < 6`: `erf x = 1 − erfc x` with the continued fraction
 *   `erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))`.
 * - `|x| ≥ 6`: `±1` (erfc 6 ≈ 2e−17 is below half an ulp of 1).
 *
 * Odd: `erf(−x) = −erf(x)`, and `erf(−0) = −0`.
 * @example
 * ```ts
 * erf(1); // 0.8427007929497149
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === 0) return x;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= (2 * ax * ax) / (2 * n + 1);
      sum += term;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * sum;
  } else if (ax < 6) {
    // Evaluate the continued fraction from the tail back; 80 levels converge for x ≥ 2.5.
    let f = ax;
    for (let n = 80; n >= 1; n--) f = ax + n / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}

/**
 * The logistic sigmoid `1 / (1 + e^{−x})`, written so that it never overflows.
 * @example
 * ```ts
 * logistic(0); // 0.5
 * ```
 */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
