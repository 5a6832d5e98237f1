/**
 * `tg_pow`, the f32 `pow` of the webgpu kernels, in WGSL: as accurate as the wasm backend's
 * (which computes `exp(y·ln|x|)` in f64 and rounds once) and with its special values, where
 * WGSL's `pow` is `exp2(b·log2(a))` in f32, off by 1e-5 relative on SwiftShader and by up to half
 * the value for large |b| (the rounding error of `log2(a)` is multiplied by `b`).
 *
 * Values are carried as double-f32 pairs `hi + lo` (about 44 significant bits). A product's
 * rounding error is recovered exactly by Dekker's splitting (`tg_split`), not by `fma`, which
 * SwiftShader does not fuse. WGSL forbids reassociation, but SwiftShader's shader optimizer
 * merges literals: it folds `(c + x) − c` to `x` (measured: the low part of `2/ln 2 + x` came out
 * 0, and pow was off by 57 ulp near overflow) and `4097·(1/x)` to `4097/x` (the split of `1/x`
 * was then inexact, and 12 % of reciprocals were misrounded). So no error-free sum takes a
 * literal operand and no split value is a literal's quotient: their 1 is `1 + z`, with z = `|a| −
 * |a|` a zero the compiler cannot see, and the other constants enter through products only.
 * `test/webgpu/pow.test.ts` catches any such loss.
 *
 * - Integer exponents with |b·log2 a| < 60 square in double-f32 (`tg_powi`; every partial product
 *   stays within 2^±60, so no error term falls into the flushed subnormals), which is exact for
 *   small results such as `3 ** 2` and correctly rounded but for near-ties; a negative exponent
 *   takes the reciprocal with one Newton step.
 * - Other exponents: `log2|a|` in double-f32 (the exponent and mantissa m in [√½, √2) come from
 *   the bits, subnormal a included; s = (m − 1)/(m + 1) and log₂ m = (2/ln 2)·atanh s, a series
 *   in s² whose first two terms are double-f32), times b in double-f32, then `exp2`: the nearest
 *   integer k by `ldexp` (in two halves, so k = 128 and results near 2⁻¹⁴⁹ are in range), and for
 *   the fraction f ∈ [−½, ½], e^g with g = f·ln 2 as 1 + g + g²/2 (double-f32) + a degree-8
 *   Taylor tail, rounded once.
 * - Measured (1.2 million pairs per domain of the tests): never more than 1 ulp from the correctly
 *   rounded f32, and correctly rounded for 99.8 % of non-integer and 99.97 % of integer exponents
 *   (wasm: all of them in the same samples).
 * - Special values as wasm and JavaScript's `**`: b NaN → NaN, b = 0 → 1 (even for a NaN), a NaN
 *   → NaN, |a| = 1 with b = ±∞ → NaN, a = ±0 or ±∞ → 0 or ∞ signed as a when b is an odd
 *   integer, a < 0 with a non-integer b → NaN, overflow → ∞. Results below the smallest normal
 *   f32 may come back as 0 (GPUs flush subnormals).
 * @module
 */

/** WGSL of `tg_pow(a: f32, b: f32) -> f32` and its helpers (pasted into every kernel's prelude). */
export const POW_WGSL = `
var<private> tg_inf_nan: vec2u = vec2u(0x7f800000u, 0x7fc00000u);
fn tg_split(a: f32) -> vec2f {
  let c = 4097.0 * a;
  let h = c - (c - a);
  return vec2f(h, a - h);
}
fn tg_two_sum(a: f32, b: f32) -> vec2f {
  let s = a + b;
  let v = s - a;
  return vec2f(s, (a - (s - v)) + (b - v));
}
fn tg_dadd(x: vec2f, y: vec2f) -> vec2f {
  let s = tg_two_sum(x.x, y.x);
  let e = s.y + (x.y + y.y);
  let h = s.x + e;
  return vec2f(h, e - (h - s.x));
}
fn tg_dmul(x: vec2f, y: vec2f) -> vec2f {
  let p = x.x * y.x;
  if (!(max(abs(x.x), abs(y.x)) <= 1e30 && abs(p) <= 1e30)) { return vec2f(p, 0.0); }
  let a = tg_split(x.x);
  let b = tg_split(y.x);
  let e = (((a.x * b.x - p) + a.x * b.y + a.y * b.x) + a.y * b.y) + (x.x * y.y + x.y * y.x);
  let s = p + e;
  return vec2f(s, e - (s - p));
}
fn tg_powi(a: f32, n: f32) -> f32 {
  var e = u32(abs(n));
  var b = vec2f(a, 0.0);
  var r = vec2f(1.0, 0.0);
  loop {
    if ((e & 1u) == 1u) { r = tg_dmul(r, b); }
    e = e >> 1u;
    if (e == 0u) { break; }
    b = tg_dmul(b, b);
  }
  if (n > 0.0) { return r.x + r.y; }
  // 1 + (a − a), not 1: a literal numerator lets the compiler fold 4097·(1/x) into 4097/x,
  // and the split of q is no longer exact
  let q = (1.0 + (a - a)) / r.x;
  if (abs(q) > 0.0 && r.x <= 1e30) {
    // one Newton step on the residual 1 − q·(hi + lo), in double-f32
    let qr = tg_dmul(vec2f(q, 0.0), r);
    return q + q * ((1.0 - qr.x) - qr.y);
  }
  return q;
}
fn tg_log2d(ua: u32, z: f32) -> vec2f {
  var e = i32(ua >> 23u) - 127;
  var mb = ua & 0x7fffffu;
  if (e == -127) {
    let sh = countLeadingZeros(mb) - 8u;
    mb = (mb << sh) & 0x7fffffu;
    e = -126 - i32(sh);
  }
  var m = bitcast<f32>(mb | 0x3f800000u);
  if (m > 1.4142135) {
    m = m * 0.5;
    e = e + 1;
  }
  let num = m - 1.0;
  let den = tg_two_sum(m, 1.0 + z);
  let sh = num / den.x;
  let p = tg_dmul(vec2f(sh, 0.0), vec2f(den.x, 0.0));
  let sl = (((num - p.x) - p.y) - sh * den.y) / den.x;
  let s = tg_two_sum(sh, sl);
  let s2 = tg_dmul(s, s);
  let y = s2.x;
  let tail = y * y * (0.5770780444145203 + y * (0.41219857335090637 + y * (0.32059890031814575 + y * (0.26230818033218384 + y * 0.22195307910442352))));
  let w = tg_dadd(tg_dmul(vec2f(0.9617967009544373, -7.028461812552678e-9), s2), vec2f(tail, 0.0));
  let l = tg_dadd(tg_dmul(s, vec2f(2.885390043258667, 3.851926067000022e-8)), tg_dmul(s, w));
  return tg_dadd(vec2f(f32(e), 0.0), l);
}
fn tg_exp2d(t: vec2f, z: f32) -> f32 {
  if (t.x >= 129.0) { return bitcast<f32>(tg_inf_nan.x); }
  if (t.x < -152.0) { return 0.0; }
  let k = floor(t.x + 0.5);
  let f = tg_two_sum(t.x - k, t.y);
  let g = tg_dmul(f, vec2f(0.6931471824645996, -1.9046542121259336e-9));
  let x = g.x;
  let x2 = tg_dmul(vec2f(x, 0.0), vec2f(x, 0.0));
  let tail = x * x * x * (0.1666666716337204 + x * (0.0416666679084301 + x * (0.008333333767950535 + x * (0.0013888889225199819 + x * (0.00019841270113829523 + x * 0.000024801587642286904)))));
  let q = tg_dadd(g, tg_dadd(x2 * 0.5, vec2f(tail + x * g.y, 0.0)));
  let p = tg_dadd(vec2f(1.0 + z, 0.0), q);
  let m = p.x + p.y;
  let ki = i32(k);
  if (ki >= 128 && m >= 1.0) { return bitcast<f32>(tg_inf_nan.x); }
  let h = ki / 2;
  return ldexp(ldexp(m, h), ki - h);
}
fn tg_pow(a: f32, b: f32) -> f32 {
  let inf = bitcast<f32>(tg_inf_nan.x);
  let nan = bitcast<f32>(tg_inf_nan.y);
  let ua = bitcast<u32>(a) & 0x7fffffffu;
  let ub = bitcast<u32>(b) & 0x7fffffffu;
  if (ub > 0x7f800000u) { return nan; }
  if (ub == 0u) { return 1.0; }
  if (ua > 0x7f800000u) { return a; }
  let ax = abs(a);
  if (ub == 0x7f800000u) {
    if (ax == 1.0) { return nan; }
    return select(0.0, inf, (ax > 1.0) == (b > 0.0));
  }
  let whole = floor(b) == b;
  let odd = whole && abs(b) < 16777216.0 && (u32(abs(b)) & 1u) == 1u;
  let neg = (bitcast<u32>(a) >> 31u) == 1u;
  var m: f32;
  if (ua == 0u || ua == 0x7f800000u) {
    m = select(0.0, inf, (ax == 0.0) == (b < 0.0));
  } else if (neg && !whole) {
    return nan;
  } else if (whole && abs(b * log2(ax)) < 60.0) {
    m = tg_powi(ax, b);
  } else {
    let z = ax - ax;
    m = tg_exp2d(tg_dmul(vec2f(b, 0.0), tg_log2d(ua, z)), z);
  }
  return select(m, -m, neg && odd);
}
`;
