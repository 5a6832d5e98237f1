//! f32 math functions written by hand (there is no libm in `no_std`).
//!
//! The scalar functions take and return f32 and compute internally in f64, which keeps the
//! polynomials short and the results within about one ulp of the correctly rounded value. The
//! vector forms (`*_v`, 4 lanes) used by the SIMD paths are f32 for `exp` (< 1 ulp), `logistic`
//! and `tanh` (≈ 2 ulp; tanh is an odd polynomial for |x| < 0.625, else built on the f32 `exp_v`),
//! and two f64x2 halves for `log` (≈ 0.5 ulp). Special
//! values follow JavaScript's `Math.*` (the reference backend): NaN in gives NaN out, overflow gives
//! ±inf, `exp(-1000) = 0`, `tanh(±1000) = ±1`, `logistic(±1000) ∈ {0, 1}`.
use crate::simd::madd;
use core::arch::wasm32::*;

const LOG2E: f64 = 1.4426950408889634;
const LN2: f64 = 0.6931471805599453;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const FRAC_2_SQRT_PI: f64 = 1.1283791670955126;
const FRAC_1_SQRT_PI: f64 = 0.5641895835477563;

/// −x for f32.
#[inline(always)]
pub fn neg(x: f32) -> f32 {
    -x
}

/// Vector [`neg`].
#[inline(always)]
pub fn neg_v(x: v128) -> v128 {
    f32x4_neg(x)
}

/// |x| for f32 (core has no `abs` on floats in Rust 1.63).
#[inline(always)]
pub fn abs(x: f32) -> f32 {
    f32::from_bits(x.to_bits() & 0x7fff_ffff)
}

/// Vector [`abs`].
#[inline(always)]
pub fn abs_v(x: v128) -> v128 {
    f32x4_abs(x)
}

/// |x| for f64.
#[inline(always)]
fn fabs64(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & 0x7fff_ffff_ffff_ffff)
}

/// Rounds to the nearest integer, ties to even.
#[inline(always)]
fn round64(x: f64) -> f64 {
    f64x2_extract_lane::<0>(f64x2_nearest(f64x2_splat(x)))
}

/// Largest integer ≤ x.
#[inline(always)]
fn floor64(x: f64) -> f64 {
    f64x2_extract_lane::<0>(f64x2_floor(f64x2_splat(x)))
}

/// Largest integer ≤ x, for f32.
#[inline(always)]
pub fn floor(x: f32) -> f32 {
    f32x4_extract_lane::<0>(f32x4_floor(f32x4_splat(x)))
}

/// Vector [`floor`].
#[inline(always)]
pub fn floor_v(x: v128) -> v128 {
    f32x4_floor(x)
}

/// Square root, for f32 (the wasm instruction, correctly rounded).
#[inline(always)]
pub fn sqrt(x: f32) -> f32 {
    f32x4_extract_lane::<0>(f32x4_sqrt(f32x4_splat(x)))
}

/// Vector [`sqrt`].
#[inline(always)]
pub fn sqrt_v(x: v128) -> v128 {
    f32x4_sqrt(x)
}

/// e^x in f64 for |x| ≤ 745 (callers clamp). Relative error about 1e-15.
#[inline]
fn exp64(x: f64) -> f64 {
    let n = round64(x * LOG2E);
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Taylor series to degree 11 on |r| ≤ ln2/2: truncation below 1e-14.
    let mut p = 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let ni = n as i64;
    // Scale by 2^n in two steps so that n down to -1100 stays exact before the final rounding.
    let half = ni / 2;
    let s1 = f64::from_bits(((half + 1023) as u64) << 52);
    let s2 = f64::from_bits(((ni - half + 1023) as u64) << 52);
    p * s1 * s2
}

/// e^x. Overflows to inf above ≈ 88.72. Results below the smallest normal f32 (x < ≈ -87.34)
/// flush to 0, as CPU frameworks do with flush-to-zero: arithmetic on subnormals is about 15×
/// slower on x86, and a softmax's subnormal probabilities would slow every kernel downstream.
pub fn exp(x: f32) -> f32 {
    if x != x {
        return x;
    }
    if x > 89.0 {
        return f32::INFINITY;
    }
    if x < -88.0 {
        return 0.0;
    }
    let y = exp64(x as f64) as f32;
    if y < f32::MIN_POSITIVE {
        0.0
    } else {
        y
    }
}

/// Natural logarithm in f64 of a positive, finite, normal f64.
#[inline]
fn log64(x: f64) -> f64 {
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > core::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …), |s| ≤ 0.1716.
    let mut p = 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    e as f64 * LN2 + 2.0 * s * p
}

/// Natural logarithm: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
pub fn log(x: f32) -> f32 {
    if x != x || x == f32::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x < 0.0 {
        return f32::NAN;
    }
    log64(x as f64) as f32
}

/// Hyperbolic tangent; exactly ±1 for |x| ≥ 9.1.
pub fn tanh(x: f32) -> f32 {
    if x != x {
        return x;
    }
    let a = abs(x);
    if a > 9.1 {
        return if x > 0.0 { 1.0 } else { -1.0 };
    }
    let d = a as f64;
    let t = if a < 0.005 {
        let d2 = d * d;
        d * (1.0 - d2 * (1.0 / 3.0 - d2 * (2.0 / 15.0)))
    } else {
        let e = exp64(2.0 * d);
        (e - 1.0) / (e + 1.0)
    };
    if x < 0.0 {
        -(t as f32)
    } else {
        t as f32
    }
}

/// The logistic sigmoid 1 / (1 + e^-x), in [0, 1].
pub fn logistic(x: f32) -> f32 {
    if x != x {
        return x;
    }
    let d = (x as f64).max(-110.0).min(40.0);
    let y = (1.0 / (1.0 + exp64(-d))) as f32;
    if y < f32::MIN_POSITIVE {
        0.0
    } else {
        y
    }
}

/// The sign: -1, 0 or 1; NaN stays NaN and -0 stays -0 (as `Math.sign`).
#[inline(always)]
pub fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x
    }
}

/// The bits of 2/π, 24 per entry (enough for every finite f32 argument).
const TWO_OVER_PI: [u64; 12] = [
    0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C, 0x439041, 0xFE5163,
    0xABDEBB, 0xC561B7, 0x246E3A,
];
const PIO2_1: f64 = 1.57079631090164184570e+00;
const PIO2_1T: f64 = 1.58932547735281966916e-08;
const INV_PIO2: f64 = 6.36619772367581382433e-01;
const PIO2: f64 = 1.5707963267948966;

/// Reduces a finite f32 `x` to `r ∈ [-π/4, π/4]` with `x = r + q·π/2`; returns `(r, q mod 4)`.
fn rem_pio2(x: f32) -> (f64, u32) {
    let d = x as f64;
    if abs(x) < 2.0e8 {
        let q = round64(d * INV_PIO2);
        return ((d - q * PIO2_1) - q * PIO2_1T, (q as i64 & 3) as u32);
    }
    // Payne–Hanek: x = m·2^e with a 24-bit integer m; take the bits of 2/π that matter mod 4.
    let bits = x.to_bits();
    let neg = bits >> 31 != 0;
    let m = ((bits & 0x7f_ffff) | 0x80_0000) as u64;
    let e = ((bits >> 23) & 0xff) as i32 - 150;
    // Term i has weight 2^(e - 24(i+1)); terms of weight ≥ 4 are multiples of 4 and drop out.
    let mut i0 = 0;
    while e - 24 * (i0 as i32 + 1) >= 2 {
        i0 += 1;
    }
    let mut acc: u128 = 0;
    for i in i0..i0 + 4 {
        let s = e - 24 * (i as i32 + 1) + 100;
        let t = (m * TWO_OVER_PI[i]) as u128;
        acc = acc.wrapping_add(t.wrapping_shl(s as u32));
    }
    acc &= (1u128 << 102) - 1;
    let mut q = (acc >> 100) as u32;
    let mut f = (acc & ((1u128 << 100) - 1)) as f64 * (1.0 / 1267650600228229401496703205376.0);
    if f >= 0.5 {
        f -= 1.0;
        q = (q + 1) & 3;
    }
    let r = f * PIO2;
    if neg {
        (-r, (4 - q) & 3)
    } else {
        (r, q)
    }
}

#[inline]
fn sin_kernel(r: f64) -> f64 {
    let r2 = r * r;
    let mut p = -1.0 / 1307674368000.0;
    p = p * r2 + 1.0 / 6227020800.0;
    p = p * r2 - 1.0 / 39916800.0;
    p = p * r2 + 1.0 / 362880.0;
    p = p * r2 - 1.0 / 5040.0;
    p = p * r2 + 1.0 / 120.0;
    p = p * r2 - 1.0 / 6.0;
    r + r * r2 * p
}

#[inline]
fn cos_kernel(r: f64) -> f64 {
    let r2 = r * r;
    let mut p = 1.0 / 20922789888000.0;
    p = p * r2 - 1.0 / 87178291200.0;
    p = p * r2 + 1.0 / 479001600.0;
    p = p * r2 - 1.0 / 3628800.0;
    p = p * r2 + 1.0 / 40320.0;
    p = p * r2 - 1.0 / 720.0;
    p = p * r2 + 1.0 / 24.0;
    p = p * r2 - 0.5;
    1.0 + r2 * p
}

/// Sine, with exact argument reduction for every finite f32.
pub fn sin(x: f32) -> f32 {
    if !x.is_finite() {
        return f32::NAN;
    }
    if x == 0.0 {
        return x; // ±0: the sign of zero is kept, as IEEE and Math.sin do
    }
    let (r, q) = rem_pio2(x);
    (match q {
        0 => sin_kernel(r),
        1 => cos_kernel(r),
        2 => -sin_kernel(r),
        _ => -cos_kernel(r),
    }) as f32
}

/// Cosine, with exact argument reduction for every finite f32.
pub fn cos(x: f32) -> f32 {
    if !x.is_finite() {
        return f32::NAN;
    }
    let (r, q) = rem_pio2(x);
    (match q {
        0 => cos_kernel(r),
        1 => -sin_kernel(r),
        2 => -cos_kernel(r),
        _ => sin_kernel(r),
    }) as f32
}

/// The error function: a Taylor series below 2.5, a continued fraction for erfc up to 4, then ±1.
pub fn erf(x: f32) -> f32 {
    if x != x || x == 0.0 {
        return x; // NaN, and ±0 with its sign (erf is odd)
    }
    let a = abs(x) as f64;
    let r = if a < 2.5 {
        // erf(a) = 2/√π · Σ (-1)^n a^(2n+1) / (n! (2n+1))
        let a2 = a * a;
        let mut term = a;
        let mut sum = a;
        let mut n = 1.0;
        while n < 60.0 {
            term *= -a2 / n;
            let t = term / (2.0 * n + 1.0);
            sum += t;
            if fabs64(t) < 1e-17 * fabs64(sum) {
                break;
            }
            n += 1.0;
        }
        sum * FRAC_2_SQRT_PI
    } else if a < 4.0 {
        // erfc(a) = e^(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …))))), evaluated backward.
        let mut f = a;
        let mut k = 60.0;
        while k > 0.0 {
            f = a + (k * 0.5) / f;
            k -= 1.0;
        }
        1.0 - exp64(-a * a) * FRAC_1_SQRT_PI / f
    } else {
        1.0
    };
    if x < 0.0 {
        -(r as f32)
    } else {
        r as f32
    }
}

/// softplus(x) = log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), in f64 (no overflow); for
/// e^-|x| < 1e-8, log(1 + u) = u within 5e-9 relative.
pub fn softplus(x: f32) -> f32 {
    if x != x {
        return x;
    }
    let d = x as f64;
    let a = fabs64(d);
    let m = if d > 0.0 { d } else { 0.0 };
    if a > 104.0 {
        return m as f32;
    }
    let u = exp64(-a);
    let l = if u < 1e-8 { u } else { log64(1.0 + u) };
    (m + l) as f32
}

/// Whether an f64 holding an integer value is odd.
#[inline]
fn is_odd_int(y: f64) -> bool {
    let h = y * 0.5;
    fabs64(y) < 9007199254740992.0 && floor64(h) != h
}

/// x^y with the special cases of JavaScript's `**` (e.g. `1 ** NaN` and `1 ** ±inf` are NaN).
pub fn pow(x: f32, y: f32) -> f32 {
    if y != y {
        return f32::NAN;
    }
    if y == 0.0 {
        return 1.0;
    }
    if x != x {
        return x;
    }
    let (xd, yd) = (x as f64, y as f64);
    let ax = fabs64(xd);
    if !y.is_finite() {
        return if ax == 1.0 {
            f32::NAN
        } else if (ax > 1.0) == (y > 0.0) {
            f32::INFINITY
        } else {
            0.0
        };
    }
    let y_int = floor64(yd) == yd;
    let odd = y_int && is_odd_int(yd);
    let neg = x.to_bits() >> 31 != 0; // includes -0 and -inf
    if x == 0.0 || !x.is_finite() {
        // |x| is 0 or inf: the magnitude is 0 or inf, the sign follows x when y is an odd integer.
        let big = (x == 0.0) == (y < 0.0);
        let mag = if big { f32::INFINITY } else { 0.0 };
        return if neg && odd { -mag } else { mag };
    }
    if neg && !y_int {
        return f32::NAN;
    }
    let t = yd * log64(ax);
    let mag = if t > 100.0 {
        f32::INFINITY
    } else if t < -110.0 {
        0.0
    } else {
        exp64(t) as f32
    };
    if neg && odd {
        -mag
    } else {
        mag
    }
}

// ---------------------------------------------------------------------------------------------
// Vector forms (4 × f32 in a v128), computed in two f64x2 halves with the same polynomials.

/// Applies an f64x2 → f64x2 function to the 4 f32 lanes of `x` (promote, compute, demote).
#[inline(always)]
fn via_f64x2(x: v128, f: impl Fn(v128) -> v128) -> v128 {
    let lo = f(f64x2_promote_low_f32x4(x));
    let hi = f(f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(x, x)));
    i32x4_shuffle::<0, 1, 4, 5>(f32x4_demote_f64x2_zero(lo), f32x4_demote_f64x2_zero(hi))
}

/// Lanes of `x` below `lo` become `lo` and lanes above `hi` become `hi`, by compare and select:
/// LLVM 14 turns `f32x4.pmin/pmax` into `f32x4.min/max`, whose NaN-propagating semantics cost V8
/// seven instructions each on x64. NaN lanes pass through unchanged.
#[inline(always)]
fn clamp_v(x: v128, lo: f32, hi: f32) -> v128 {
    let (l, h) = (f32x4_splat(lo), f32x4_splat(hi));
    let x = v128_bitselect(l, x, f32x4_lt(x, l));
    v128_bitselect(h, x, f32x4_gt(x, h))
}

/// Vector [`exp`] in f32 arithmetic (Cephes' `expf` polynomial after a two-constant Cody–Waite
/// reduction), scaled by 2^n in two halves so that overflow to inf comes out right; results below
/// the smallest normal f32 flush to 0, as in [`exp`]. About 1 ulp.
///
/// `n = round(x·log2 e)` comes from adding 1.5·2²³, which leaves `n` in the low mantissa bits (no
/// round or float-to-int conversion, which V8 expands into several instructions), and the
/// polynomial runs on [`madd`] (fused in the relaxed build, halving its latency).
#[inline(always)]
pub fn exp_v(x: v128) -> v128 {
    let xc = clamp_v(x, -104.0, 89.0);
    let magic = f32x4_splat(12582912.0);
    let t = f32x4_add(f32x4_mul(xc, f32x4_splat(core::f32::consts::LOG2_E)), magic);
    let n = f32x4_sub(t, magic);
    let ni = i32x4_sub(t, magic);
    let r = f32x4_sub(xc, f32x4_mul(n, f32x4_splat(0.693359375)));
    let r = f32x4_sub(r, f32x4_mul(n, f32x4_splat(-2.12194440e-4)));
    let mut p = f32x4_splat(1.9875691500e-4);
    for c in [1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1] {
        p = madd(p, r, f32x4_splat(c));
    }
    let p = f32x4_add(madd(p, f32x4_mul(r, r), r), f32x4_splat(1.0));
    let half = i32x4_shr(ni, 1);
    let pow2 = |k: v128| i32x4_shl(i32x4_add(k, i32x4_splat(127)), 23);
    let y = f32x4_mul(f32x4_mul(p, pow2(half)), pow2(i32x4_sub(ni, half)));
    let y = v128_and(y, f32x4_ge(y, f32x4_splat(f32::MIN_POSITIVE)));
    y.pipe_nan(x)
}

/// Vector [`logistic`] over the f32 [`exp_v`] (within about 2 ulp): with `e = exp(-|x|) ≤ 1`,
/// `1 / (1 + e)` for x ≥ 0 and `e / (1 + e)` for x < 0, so nothing overflows and tiny results stay
/// accurate down to the smallest normal f32 (below it they flush to 0, as `exp` does).
#[inline(always)]
pub fn logistic_v(x: v128) -> v128 {
    let one = f32x4_splat(1.0);
    let e = exp_v(f32x4_neg(f32x4_abs(x)));
    let num = v128_bitselect(e, one, f32x4_lt(x, f32x4_splat(0.0)));
    f32x4_div(num, f32x4_add(one, e))
}

/// Vector [`tanh`] in f32 (Cephes's `tanhf`, within about 2 ulp): an odd polynomial for
/// |x| < 0.625, else `1 − 2/(e^(2|x|) + 1)` over [`exp_v`] (saturating to ±1).
#[inline(always)]
pub fn tanh_v(x: v128) -> v128 {
    let sign = v128_and(x, u32x4_splat(0x8000_0000));
    let a = f32x4_abs(x);
    let z = f32x4_mul(a, a);
    let mut p = f32x4_splat(-5.70498872745e-3);
    for c in [2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1] {
        p = madd(p, z, f32x4_splat(c));
    }
    let small = madd(f32x4_mul(p, z), a, a);
    let e = exp_v(clamp_v(f32x4_add(a, a), 0.0, 40.0));
    let one = f32x4_splat(1.0);
    let big = f32x4_sub(one, f32x4_div(f32x4_splat(2.0), f32x4_add(e, one)));
    let t = v128_bitselect(small, big, f32x4_lt(a, f32x4_splat(0.625)));
    v128_or(t, sign).pipe_nan(x)
}

/// Vector [`log`]; lanes that are not positive finite numbers take the special values.
#[inline(always)]
pub fn log_v(x: v128) -> v128 {
    let r = via_f64x2(x, |d| {
        let bits = d;
        let mut e = i64x2_sub(u64x2_shr(bits, 52), i64x2_splat(1023));
        let mut m = v128_or(
            v128_and(bits, u64x2_splat(0x000f_ffff_ffff_ffff)),
            u64x2_splat(0x3ff0_0000_0000_0000),
        );
        let hi = f64x2_gt(m, f64x2_splat(core::f64::consts::SQRT_2));
        m = v128_bitselect(f64x2_mul(m, f64x2_splat(0.5)), m, hi);
        e = i64x2_sub(e, hi);
        let magic = f64x2_splat(6755399441055744.0);
        let ef = f64x2_sub(i64x2_add(magic, e), magic);
        let s = f64x2_div(f64x2_sub(m, f64x2_splat(1.0)), f64x2_add(m, f64x2_splat(1.0)));
        let s2 = f64x2_mul(s, s);
        let mut p = f64x2_splat(1.0 / 19.0);
        let mut k = 17.0;
        while k >= 1.0 {
            p = f64x2_add(f64x2_mul(p, s2), f64x2_splat(1.0 / k));
            k -= 2.0;
        }
        f64x2_add(f64x2_mul(ef, f64x2_splat(LN2)), f64x2_mul(f64x2_add(s, s), p))
    });
    // x = 0 → -inf, x < 0 → NaN, x = inf → inf, NaN → NaN
    let zero = f32x4_eq(x, f32x4_splat(0.0));
    let neg = f32x4_lt(x, f32x4_splat(0.0));
    let inf = f32x4_eq(x, f32x4_splat(f32::INFINITY));
    let r = v128_bitselect(f32x4_splat(f32::NEG_INFINITY), r, zero);
    let r = v128_bitselect(f32x4_splat(f32::NAN), r, neg);
    v128_bitselect(x, r, inf).pipe_nan(x)
}

/// Lets NaN lanes of the input through unchanged.
trait PipeNan {
    fn pipe_nan(self, x: v128) -> v128;
}

impl PipeNan for v128 {
    #[inline(always)]
    fn pipe_nan(self, x: v128) -> v128 {
        v128_bitselect(x, self, f32x4_ne(x, x))
    }
}
