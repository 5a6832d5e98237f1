//! Reductions over the middle axis of a `[outer, mid, inner]` view into `[outer, inner]`.
//!
//! Op codes are `crate::opcodes::reduce` (sum, max, min, argmax, argmin; an unknown code traps);
//! inside, `OP` is 0 sum, 1 max, 2 min as there. max/min propagate NaN (as `Math.max`);
//! argmax/argmin return the first index of the extreme value, or of the first NaN (as NumPy).
//! f32 sums keep 16 lanes of partial sums on contiguous rows (`inner = 1`) and add rows with SIMD
//! otherwise. i32 sums wrap.
use crate::opcodes::reduce;
use crate::simd::*;
use crate::trap;
use core::arch::wasm32::*;

/// Sum/max/min of one contiguous f32 row of `n ≥ 1` elements (`n = 0` sums to 0).
#[inline(always)]
unsafe fn row_f32<const OP: i32>(x: *const f32, n: usize) -> f32 {
    let op = OP;
    let f = |a: v128, b: v128| match op {
        0 => f32x4_add(a, b),
        1 => vmax(a, b),
        _ => vmin(a, b),
    };
    let s = |a: f32, b: f32| f32x4_extract_lane::<0>(f(splat(a), splat(b)));
    let mut i = 0;
    let mut acc = if op == 0 || n == 0 { 0.0 } else { *x };
    if n >= 16 {
        let (mut v0, mut v1, mut v2, mut v3) = (ld(x), ld(x.add(4)), ld(x.add(8)), ld(x.add(12)));
        i = 16;
        while i + 16 <= n {
            v0 = f(v0, ld(x.add(i)));
            v1 = f(v1, ld(x.add(i + 4)));
            v2 = f(v2, ld(x.add(i + 8)));
            v3 = f(v3, ld(x.add(i + 12)));
            i += 16;
        }
        let v = f(f(v0, v1), f(v2, v3));
        acc = if op == 0 {
            hsum(v)
        } else {
            let h = f(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
            f32x4_extract_lane::<0>(f(h, i32x4_shuffle::<1, 0, 3, 2>(h, h)))
        };
    }
    while i < n {
        acc = s(acc, *x.add(i));
        i += 1;
    }
    acc
}

/// f32 reduction; `out` is f32 for sum/max/min and i32 for argmax/argmin.
#[no_mangle]
pub unsafe extern "C" fn tg_reduce_f32(
    op: i32,
    x: *const f32,
    out: *mut f32,
    outer: usize,
    mid: usize,
    inner: usize,
) {
    match op {
        reduce::SUM => reduce_f32::<{ reduce::SUM }>(x, out, outer, mid, inner),
        reduce::MAX => reduce_f32::<{ reduce::MAX }>(x, out, outer, mid, inner),
        reduce::MIN => reduce_f32::<{ reduce::MIN }>(x, out, outer, mid, inner),
        reduce::ARGMAX => arg_reduce(true, x, out as *mut i32, outer, mid, inner),
        reduce::ARGMIN => arg_reduce(false, x, out as *mut i32, outer, mid, inner),
        _ => trap(),
    }
}

/// f32 sum (OP 0), max (1) or min (2).
#[inline(always)]
unsafe fn reduce_f32<const OP: i32>(
    x: *const f32,
    out: *mut f32,
    outer: usize,
    mid: usize,
    inner: usize,
) {
    let op = OP;
    if inner == 1 {
        for o in 0..outer {
            *out.add(o) = row_f32::<OP>(x.add(o * mid), mid);
        }
        return;
    }
    let f = |a: v128, b: v128| match op {
        0 => f32x4_add(a, b),
        1 => vmax(a, b),
        _ => vmin(a, b),
    };
    for o in 0..outer {
        let y = out.add(o * inner);
        let xo = x.add(o * mid * inner);
        if mid == 0 {
            core::ptr::write_bytes(y, 0, inner);
            continue;
        }
        // columns in blocks of up to 32, each reduced down the rows in registers
        let mut i = 0;
        while i + 32 <= inner {
            columns::<8>(xo.add(i), y.add(i), mid, inner, f);
            i += 32;
        }
        if i + 16 <= inner {
            columns::<4>(xo.add(i), y.add(i), mid, inner, f);
            i += 16;
        }
        while i + 4 <= inner {
            columns::<1>(xo.add(i), y.add(i), mid, inner, f);
            i += 4;
        }
        for c in i..inner {
            let mut acc = splat(*xo.add(c));
            for j in 1..mid {
                acc = f(acc, splat(*xo.add(j * inner + c)));
            }
            *y.add(c) = f32x4_extract_lane::<0>(acc);
        }
    }
}

/// `4·V` adjacent columns of a `[mid, stride]` block reduced by `f` down its `mid ≥ 1` rows into
/// `y`, with one accumulator per vector (no copy of the first row, no read-back of `y`).
#[inline(always)]
unsafe fn columns<const V: usize>(
    x: *const f32,
    y: *mut f32,
    mid: usize,
    stride: usize,
    f: impl Fn(v128, v128) -> v128,
) {
    let mut acc = [splat(0.0); V];
    for (v, a) in acc.iter_mut().enumerate() {
        *a = ld(x.add(4 * v));
    }
    let mut r = x;
    for _ in 1..mid {
        r = r.add(stride);
        for (v, a) in acc.iter_mut().enumerate() {
            *a = f(*a, ld(r.add(4 * v)));
        }
    }
    for (v, a) in acc.iter().enumerate() {
        st(y.add(4 * v), *a);
    }
}

/// Argmax/argmin of any ordered element type; first index on ties; the first NaN wins.
unsafe fn arg_reduce<T: PartialOrd + Copy>(
    is_max: bool,
    x: *const T,
    out: *mut i32,
    outer: usize,
    mid: usize,
    inner: usize,
) {
    for o in 0..outer {
        for i in 0..inner {
            let base = x.add(o * mid * inner + i);
            let mut best = *base;
            let mut bi = 0;
            for j in 1..mid {
                if best != best {
                    break; // a NaN wins, and the first one
                }
                let v = *base.add(j * inner);
                if v != v || (is_max && v > best) || (!is_max && v < best) {
                    best = v;
                    bi = j;
                }
            }
            *out.add(o * inner + i) = bi as i32;
        }
    }
}

/// Scalar reduction of integer types (sum wraps).
unsafe fn reduce_int<T: PartialOrd + Copy>(
    op: i32,
    x: *const T,
    out: *mut T,
    outer: usize,
    mid: usize,
    inner: usize,
    zero: T,
    add: impl Fn(T, T) -> T,
) {
    match op {
        reduce::ARGMAX | reduce::ARGMIN => {
            return arg_reduce(op == reduce::ARGMAX, x, out as *mut i32, outer, mid, inner)
        }
        reduce::SUM | reduce::MAX | reduce::MIN => {}
        _ => trap(),
    }
    for o in 0..outer {
        let y = out.add(o * inner);
        let xo = x.add(o * mid * inner);
        for i in 0..inner {
            *y.add(i) = if op == 0 || mid == 0 { zero } else { *xo.add(i) };
        }
        let start = if op == 0 { 0 } else { 1 };
        for j in start..mid {
            let r = xo.add(j * inner);
            for i in 0..inner {
                let (a, b) = (*y.add(i), *r.add(i));
                *y.add(i) = match op {
                    0 => add(a, b),
                    1 => {
                        if b > a {
                            b
                        } else {
                            a
                        }
                    }
                    _ => {
                        if b < a {
                            b
                        } else {
                            a
                        }
                    }
                };
            }
        }
    }
}

/// i32 reduction; `out` is i32 for every op.
#[no_mangle]
pub unsafe extern "C" fn tg_reduce_i32(
    op: i32,
    x: *const i32,
    out: *mut i32,
    outer: usize,
    mid: usize,
    inner: usize,
) {
    reduce_int(op, x, out, outer, mid, inner, 0, |a: i32, b: i32| a.wrapping_add(b))
}

/// bool (u8) reduction: sum is a logical or, max = any, min = all; arg* give i32.
#[no_mangle]
pub unsafe extern "C" fn tg_reduce_u8(
    op: i32,
    x: *const u8,
    out: *mut u8,
    outer: usize,
    mid: usize,
    inner: usize,
) {
    reduce_int(op, x, out, outer, mid, inner, 0, |a: u8, b: u8| a | b)
}
