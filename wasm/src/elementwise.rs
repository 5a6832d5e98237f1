//! Elementwise kernels: unary, binary (arithmetic and compare) with N-d broadcasting, where, cast,
//! fill and strided copy.
//!
//! Each op is one line over a scalar function (and, where wasm has one, a vector function). The
//! N-d driver [`for_rows`] walks every row of the innermost axis; the row kernels have fast SIMD
//! paths for inner strides (1, 1), (1, 0) and (0, 1) and a scalar tail.
//!
//! Op codes come from `opcodes.rs`, generated from `src/backend/ops.ts` (`npm run gen:opcodes`),
//! and so do the unary f32 kernels: a unary op is its row in `src/backend/unary.ts` and its
//! functions in `math.rs`.
//!
//! i32 arithmetic wraps on overflow; i32 division truncates toward zero and **division by zero
//! gives 0**; i32 `pow` with a negative exponent gives `1/x^-y` truncated (so 0 unless |x| = 1).
use crate::math;
use crate::opcodes::{arith, compare, dtype, unary, unary_f32_kernels};
use crate::trap;
use crate::simd::*;
use core::arch::wasm32::*;

/// Walks every row (innermost axis) of an N-d iteration over `K` strided operands.
///
/// `meta` holds `rank` sizes, then `K` stride arrays of `rank` entries, then `rank` free entries
/// used as the index counter. `f(offsets, n, inner_strides)` is called once per row.
#[inline(always)]
pub(crate) unsafe fn for_rows<const K: usize, F: FnMut(&[isize; K], usize, &[isize; K])>(
    rank: usize,
    meta: *mut i32,
    mut f: F,
) {
    if rank == 0 {
        f(&[0; K], 1, &[0; K]);
        return;
    }
    let shape = meta;
    let st = |k: usize, d: usize| *meta.add(rank * (1 + k) + d) as isize;
    let ctr = meta.add(rank * (1 + K));
    for d in 0..rank {
        if *shape.add(d) <= 0 {
            return;
        }
        *ctr.add(d) = 0;
    }
    let n = *shape.add(rank - 1) as usize;
    let inner: [isize; K] = core::array::from_fn(|k| st(k, rank - 1));
    let mut off = [0isize; K];
    loop {
        f(&off, n, &inner);
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            let c = *ctr.add(d) + 1;
            if c < *shape.add(d) {
                *ctr.add(d) = c;
                for k in 0..K {
                    off[k] += st(k, d);
                }
                break;
            }
            *ctr.add(d) = 0;
            for k in 0..K {
                off[k] -= st(k, d) * (c - 1) as isize;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// unary

macro_rules! unary_vec {
    ($name:ident, $s:expr, $v:expr) => {
        unsafe fn $name(x: *const f32, y: *mut f32, n: usize) {
            let mut i = 0;
            while i + W <= n {
                st(y.add(i), $v(ld(x.add(i))));
                i += W;
            }
            while i < n {
                *y.add(i) = $s(*x.add(i));
                i += 1;
            }
        }
    };
}

macro_rules! unary_map {
    ($name:ident, $s:expr) => {
        unsafe fn $name(x: *const f32, y: *mut f32, n: usize) {
            for i in 0..n {
                *y.add(i) = $s(*x.add(i));
            }
        }
    };
}

// One kernel per unary op over its functions in `math.rs`, and `unary_f32_kernel`: generated
// from src/backend/unary.ts into opcodes.rs.
unary_f32_kernels!(unary_vec, unary_map);

/// `out[i] = op(x[i])` over `n` f32 (`out` may equal `x`); an unknown code traps.
#[no_mangle]
pub unsafe extern "C" fn tg_unary_f32(op: i32, x: *const f32, out: *mut f32, n: usize) {
    unary_f32_kernel(op)(x, out, n)
}

/// `out[i] = op(x[i])` over `n` i32 for neg, abs and sign (wrapping); any other code traps.
#[no_mangle]
pub unsafe extern "C" fn tg_unary_i32(op: i32, x: *const i32, out: *mut i32, n: usize) {
    for i in 0..n {
        let v = *x.add(i);
        *out.add(i) = match op {
            unary::NEG => v.wrapping_neg(),
            unary::ABS => v.wrapping_abs(),
            unary::SIGN => v.signum(),
            _ => trap(),
        };
    }
}

// ---------------------------------------------------------------------------------------------
// binary

/// One row of a binary op: `out[i] = f(a[i·sa], b[i·sb])` with SIMD paths for unit/zero strides.
macro_rules! binary_row {
    ($name:ident, $t:ty, $s:expr, $v:expr) => {
        #[inline(always)]
        unsafe fn $name(a: *const $t, sa: isize, b: *const $t, sb: isize, y: *mut $t, n: usize) {
            let mut i = 0usize;
            let vl = |p: *const $t| v128_load(p as *const v128);
            let vs = |p: *mut $t, v: v128| v128_store(p as *mut v128, v);
            if sa == 1 && sb == 1 {
                while i + 4 <= n {
                    vs(y.add(i), $v(vl(a.add(i)), vl(b.add(i))));
                    i += 4;
                }
            } else if sa == 1 && sb == 0 {
                let bv = v128_load32_splat(b as *const u32);
                while i + 4 <= n {
                    vs(y.add(i), $v(vl(a.add(i)), bv));
                    i += 4;
                }
            } else if sa == 0 && sb == 1 {
                let av = v128_load32_splat(a as *const u32);
                while i + 4 <= n {
                    vs(y.add(i), $v(av, vl(b.add(i))));
                    i += 4;
                }
            }
            while i < n {
                *y.add(i) = $s(*a.offset(i as isize * sa), *b.offset(i as isize * sb));
                i += 1;
            }
        }
    };
}

/// One row of a binary op with no vector form.
macro_rules! binary_row_scalar {
    ($name:ident, $t:ty, $o:ty, $s:expr) => {
        #[inline(always)]
        unsafe fn $name(a: *const $t, sa: isize, b: *const $t, sb: isize, y: *mut $o, n: usize) {
            if sa == 1 && sb == 1 {
                for i in 0..n {
                    *y.add(i) = $s(*a.add(i), *b.add(i));
                }
            } else {
                for i in 0..n {
                    *y.add(i) = $s(*a.offset(i as isize * sa), *b.offset(i as isize * sb));
                }
            }
        }
    };
}

binary_row!(add_f32, f32, |x: f32, y: f32| x + y, f32x4_add);
binary_row!(sub_f32, f32, |x: f32, y: f32| x - y, f32x4_sub);
binary_row!(mul_f32, f32, |x: f32, y: f32| x * y, f32x4_mul);
binary_row!(div_f32, f32, |x: f32, y: f32| x / y, f32x4_div);
binary_row!(max_f32, f32, |x: f32, y: f32| f32x4_extract_lane::<0>(f32x4_max(splat(x), splat(y))), f32x4_max);
binary_row!(min_f32, f32, |x: f32, y: f32| f32x4_extract_lane::<0>(f32x4_min(splat(x), splat(y))), f32x4_min);
binary_row_scalar!(pow_f32, f32, f32, math::pow);

binary_row!(add_i32, i32, |x: i32, y: i32| x.wrapping_add(y), i32x4_add);
binary_row!(sub_i32, i32, |x: i32, y: i32| x.wrapping_sub(y), i32x4_sub);
binary_row!(mul_i32, i32, |x: i32, y: i32| x.wrapping_mul(y), i32x4_mul);
binary_row_scalar!(div_i32, i32, i32, div_i32_scalar);
binary_row!(max_i32, i32, |x: i32, y: i32| if x > y { x } else { y }, i32x4_max);
binary_row!(min_i32, i32, |x: i32, y: i32| if x < y { x } else { y }, i32x4_min);
binary_row_scalar!(pow_i32, i32, i32, pow_i32_scalar);

/// Truncating i32 division; division by zero gives 0, `MIN / -1` wraps to `MIN`.
#[inline(always)]
fn div_i32_scalar(a: i32, b: i32) -> i32 {
    if b == 0 {
        0
    } else {
        a.wrapping_div(b)
    }
}

/// Integer power by squaring (wrapping); negative exponents give the truncated reciprocal.
fn pow_i32_scalar(a: i32, b: i32) -> i32 {
    if b < 0 {
        return match a {
            1 => 1,
            -1 => {
                if b & 1 == 0 {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        };
    }
    let (mut base, mut e, mut r) = (a, b as u32, 1i32);
    while e > 0 {
        if e & 1 == 1 {
            r = r.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    r
}

/// Runs a row kernel over the broadcast iteration described by `meta` (3 stride arrays: a, b, out).
macro_rules! run_binary {
    ($row:ident, $a:expr, $b:expr, $y:expr, $rank:expr, $meta:expr) => {
        for_rows::<3, _>($rank, $meta, |o, n, s| {
            $row($a.offset(o[0]), s[0], $b.offset(o[1]), s[1], $y.offset(o[2]), n)
        })
    };
}

/// Broadcasting f32 arithmetic: `meta` = shape, aStrides, bStrides, outStrides, counter (rank each).
/// The innermost out stride must be 1.
#[no_mangle]
pub unsafe extern "C" fn tg_binary_f32(
    op: i32,
    a: *const f32,
    b: *const f32,
    y: *mut f32,
    rank: usize,
    meta: *mut i32,
) {
    match op {
        arith::ADD => run_binary!(add_f32, a, b, y, rank, meta),
        arith::SUB => run_binary!(sub_f32, a, b, y, rank, meta),
        arith::MUL => run_binary!(mul_f32, a, b, y, rank, meta),
        arith::DIV => run_binary!(div_f32, a, b, y, rank, meta),
        arith::MAX => run_binary!(max_f32, a, b, y, rank, meta),
        arith::MIN => run_binary!(min_f32, a, b, y, rank, meta),
        arith::POW => run_binary!(pow_f32, a, b, y, rank, meta),
        _ => trap(),
    }
}

/// Broadcasting i32 arithmetic, laid out as [`tg_binary_f32`].
#[no_mangle]
pub unsafe extern "C" fn tg_binary_i32(
    op: i32,
    a: *const i32,
    b: *const i32,
    y: *mut i32,
    rank: usize,
    meta: *mut i32,
) {
    match op {
        arith::ADD => run_binary!(add_i32, a, b, y, rank, meta),
        arith::SUB => run_binary!(sub_i32, a, b, y, rank, meta),
        arith::MUL => run_binary!(mul_i32, a, b, y, rank, meta),
        arith::DIV => run_binary!(div_i32, a, b, y, rank, meta),
        arith::MAX => run_binary!(max_i32, a, b, y, rank, meta),
        arith::MIN => run_binary!(min_i32, a, b, y, rank, meta),
        arith::POW => run_binary!(pow_i32, a, b, y, rank, meta),
        _ => trap(),
    }
}

/// One row of a comparison into u8 0/1: 16 lanes at a time for unit/zero strides (four 4-lane
/// masks narrowed to bytes), scalar otherwise.
macro_rules! compare_row {
    ($name:ident, $t:ty, $s:expr, $v:expr) => {
        #[inline(always)]
        unsafe fn $name(a: *const $t, sa: isize, b: *const $t, sb: isize, y: *mut u8, n: usize) {
            let mut i = 0usize;
            if (sa == 1 || sa == 0) && (sb == 1 || sb == 0) && n >= 16 {
                let one = u8x16_splat(1);
                let at = |p: *const $t, s: isize, i: usize| {
                    if s == 1 {
                        v128_load(p.add(i) as *const v128)
                    } else {
                        v128_load32_splat(p as *const u32)
                    }
                };
                while i + 16 <= n {
                    let m = |q: usize| $v(at(a, sa, i + q), at(b, sb, i + q));
                    let lo = i16x8_narrow_i32x4(m(0), m(4));
                    let hi = i16x8_narrow_i32x4(m(8), m(12));
                    v128_store(y.add(i) as *mut v128, v128_and(i8x16_narrow_i16x8(lo, hi), one));
                    i += 16;
                }
            }
            while i < n {
                *y.add(i) = $s(*a.offset(i as isize * sa), *b.offset(i as isize * sb)) as u8;
                i += 1;
            }
        }
    };
}

macro_rules! compare_fn {
    ($fname:ident, $t:ty, [$lt:expr, $le:expr, $gt:expr, $ge:expr, $eq:expr, $ne:expr]) => {
        /// Broadcasting comparison with a u8 (0/1) output, laid out as [`tg_binary_f32`].
        #[no_mangle]
        pub unsafe extern "C" fn $fname(
            op: i32,
            a: *const $t,
            b: *const $t,
            y: *mut u8,
            rank: usize,
            meta: *mut i32,
        ) {
            compare_row!(lt, $t, |x: $t, y: $t| x < y, $lt);
            compare_row!(le, $t, |x: $t, y: $t| x <= y, $le);
            compare_row!(gt, $t, |x: $t, y: $t| x > y, $gt);
            compare_row!(ge, $t, |x: $t, y: $t| x >= y, $ge);
            compare_row!(eq, $t, |x: $t, y: $t| x == y, $eq);
            compare_row!(ne, $t, |x: $t, y: $t| x != y, $ne);
            match op {
                compare::LT => run_binary!(lt, a, b, y, rank, meta),
                compare::LE => run_binary!(le, a, b, y, rank, meta),
                compare::GT => run_binary!(gt, a, b, y, rank, meta),
                compare::GE => run_binary!(ge, a, b, y, rank, meta),
                compare::EQ => run_binary!(eq, a, b, y, rank, meta),
                compare::NE => run_binary!(ne, a, b, y, rank, meta),
                _ => trap(),
            }
        }
    };
}

/// Comparison of u8 rows (bool inputs), scalar.
#[no_mangle]
pub unsafe extern "C" fn tg_compare_u8(
    op: i32,
    a: *const u8,
    b: *const u8,
    y: *mut u8,
    rank: usize,
    meta: *mut i32,
) {
    binary_row_scalar!(lt, u8, u8, |x: u8, y: u8| (x < y) as u8);
    binary_row_scalar!(le, u8, u8, |x: u8, y: u8| (x <= y) as u8);
    binary_row_scalar!(gt, u8, u8, |x: u8, y: u8| (x > y) as u8);
    binary_row_scalar!(ge, u8, u8, |x: u8, y: u8| (x >= y) as u8);
    binary_row_scalar!(eq, u8, u8, |x: u8, y: u8| (x == y) as u8);
    binary_row_scalar!(ne, u8, u8, |x: u8, y: u8| (x != y) as u8);
    match op {
        compare::LT => run_binary!(lt, a, b, y, rank, meta),
        compare::LE => run_binary!(le, a, b, y, rank, meta),
        compare::GT => run_binary!(gt, a, b, y, rank, meta),
        compare::GE => run_binary!(ge, a, b, y, rank, meta),
        compare::EQ => run_binary!(eq, a, b, y, rank, meta),
        compare::NE => run_binary!(ne, a, b, y, rank, meta),
        _ => trap(),
    }
}

compare_fn!(tg_compare_f32, f32, [f32x4_lt, f32x4_le, f32x4_gt, f32x4_ge, f32x4_eq, f32x4_ne]);
compare_fn!(tg_compare_i32, i32, [i32x4_lt, i32x4_le, i32x4_gt, i32x4_ge, i32x4_eq, i32x4_ne]);

// ---------------------------------------------------------------------------------------------
// where, cast, fill, copy

macro_rules! where_fn {
    ($fname:ident, $t:ty) => {
        /// `out = cond ? a : b` with broadcasting; `meta` = shape, cond/a/b/out strides, counter.
        #[no_mangle]
        pub unsafe extern "C" fn $fname(
            c: *const u8,
            a: *const $t,
            b: *const $t,
            y: *mut $t,
            rank: usize,
            meta: *mut i32,
        ) {
            for_rows::<4, _>(rank, meta, |o, n, s| {
                let (c, a, b, y) = (c.offset(o[0]), a.offset(o[1]), b.offset(o[2]), y.offset(o[3]));
                let mut start = 0;
                if core::mem::size_of::<$t>() == 4 && s == &[1, 1, 1, 1] {
                    // 4 condition bytes widened to 4 lane masks
                    while start + 4 <= n {
                        let cb = v128_load32_zero(c.add(start) as *const u32);
                        let cw = u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(cb));
                        let mask = i32x4_ne(cw, i32x4_splat(0));
                        let (av, bv) = (v128_load(a.add(start) as *const v128), v128_load(b.add(start) as *const v128));
                        v128_store(y.add(start) as *mut v128, v128_bitselect(av, bv, mask));
                        start += 4;
                    }
                }
                for i in start as isize..n as isize {
                    let v = if *c.offset(i * s[0]) != 0 { *a.offset(i * s[1]) } else { *b.offset(i * s[2]) };
                    *y.offset(i * s[3]) = v;
                }
            })
        }
    };
}

where_fn!(tg_where_32, u32);
where_fn!(tg_where_8, u8);

/// Converts `n` elements from dtype `from` to dtype `to` (codes 0 f32, 1 i32, 2 bool).
/// f32 → i32 truncates toward zero (saturating; NaN → 0); anything → bool is `!= 0`.
#[no_mangle]
pub unsafe extern "C" fn tg_cast(from: i32, to: i32, x: *const u8, y: *mut u8, n: usize) {
    macro_rules! conv {
        ($s:ty, $d:ty, $f:expr) => {{
            let (x, y) = (x as *const $s, y as *mut $d);
            for i in 0..n {
                *y.add(i) = $f(*x.add(i));
            }
        }};
    }
    use dtype::{BOOL, F32, I32};
    match (from, to) {
        (F32, I32) => conv!(f32, i32, |v: f32| v as i32),
        (F32, BOOL) => {
            // 16 floats at a time: four `≠ 0` masks narrowed to bytes
            let one = u8x16_splat(1);
            let z = f32x4_splat(0.0);
            let (xf, mut i) = (x as *const f32, 0);
            while i + 16 <= n {
                let m = |q: usize| f32x4_ne(ld(xf.add(i + q)), z);
                let lo = i16x8_narrow_i32x4(m(0), m(4));
                let hi = i16x8_narrow_i32x4(m(8), m(12));
                v128_store(y.add(i) as *mut v128, v128_and(i8x16_narrow_i16x8(lo, hi), one));
                i += 16;
            }
            for k in i..n {
                *y.add(k) = (*xf.add(k) != 0.0) as u8;
            }
        }
        (BOOL, F32) => {
            // 16 bytes at a time: the `≠ 0` byte mask widened to four lanes of 1.0 or 0.0
            let one = f32x4_splat(1.0);
            let (yf, mut i) = (y as *mut f32, 0);
            while i + 16 <= n {
                let m = i8x16_ne(v128_load(x.add(i) as *const v128), i8x16_splat(0));
                let (lo, hi) = (i16x8_extend_low_i8x16(m), i16x8_extend_high_i8x16(m));
                st(yf.add(i), v128_and(i32x4_extend_low_i16x8(lo), one));
                st(yf.add(i + 4), v128_and(i32x4_extend_high_i16x8(lo), one));
                st(yf.add(i + 8), v128_and(i32x4_extend_low_i16x8(hi), one));
                st(yf.add(i + 12), v128_and(i32x4_extend_high_i16x8(hi), one));
                i += 16;
            }
            for k in i..n {
                *yf.add(k) = (*x.add(k) != 0) as u8 as f32;
            }
        }
        (I32, F32) => conv!(i32, f32, |v: i32| v as f32),
        (I32, BOOL) => conv!(i32, u8, |v: i32| (v != 0) as u8),
        (BOOL, I32) => conv!(u8, i32, |v: u8| (v != 0) as i32),
        (BOOL, BOOL) => conv!(u8, u8, |v: u8| (v != 0) as u8),
        (F32, F32) | (I32, I32) => core::ptr::copy(x, y, n * 4),
        _ => trap(),
    }
}

macro_rules! copy_fn {
    ($fname:ident, $t:ty) => {
        /// Strided copy `out[Σ idx·os] = x[Σ idx·xs]`; `meta` = shape, xStrides, outStrides, counter.
        #[no_mangle]
        pub unsafe extern "C" fn $fname(x: *const $t, y: *mut $t, rank: usize, meta: *mut i32) {
            for_rows::<2, _>(rank, meta, |o, n, s| {
                let (x, y) = (x.offset(o[0]), y.offset(o[1]));
                if s[0] == 1 && s[1] == 1 {
                    core::ptr::copy(x, y, n);
                } else if s[0] == 0 && s[1] == 1 {
                    let v = *x;
                    for i in 0..n {
                        *y.add(i) = v;
                    }
                } else {
                    for i in 0..n as isize {
                        *y.offset(i * s[1]) = *x.offset(i * s[0]);
                    }
                }
            })
        }
    };
}

copy_fn!(tg_copy_32, u32);
copy_fn!(tg_copy_8, u8);
