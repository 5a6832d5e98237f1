//! A fused elementwise chain: a small op list interpreted over chunks of 256 floats, so a chain
//! such as `x·w + b → relu` reads its inputs and writes its result once.
//!
//! `meta` (i32): `[n_in, n_ops, in_ptr × n_in, in_size × n_in, in_kind × n_in, (op, a, b, c) ×
//! n_ops, n_extra, (reg, out_ptr) × n_extra]`. Registers `0..n_in` hold the inputs, register
//! `n_in + j` the result of op `j`; the last op's register is the output `out`, and each extra
//! pair names a further register stored to its own output (a chain with several results, such as
//! an LSTM cell whose gates are kept for the backward pass). Input `j` gives element `i` the value `in[i % in_size]` (full
//! size, a scalar, or a row repeated along the leading axes); kind 0 is f32, kind 1 bool (u8 0/1,
//! loaded as 0.0/1.0). Op codes are `crate::opcodes::fused` (generated from src/backend/ops.ts):
//! unary ops, binary arithmetic, comparisons (1.0 or 0.0), `cast` (a copy: a bool input was
//! loaded as 0.0/1.0) and `where` (`a ≠ 0 ? b : c`); an unknown code traps.
//! Every op's results below the smallest normal f32 become 0 (flush to zero, as CPU frameworks
//! run): optimizer states such as Adam's moments decay geometrically and would otherwise end up
//! subnormal, and arithmetic on subnormals is about 15× slower on x86. Flushing each op, not just
//! the result, keeps identities such as `v - m·m ≥ 0` of a centered RMSprop intact.
use crate::math;
use crate::opcodes::fused;
use crate::trap;
use crate::simd::*;
use core::arch::wasm32::*;

/// Floats per register: a chunk of the chain. Larger chunks spread the per-chunk dispatch over more
/// elements; a row whose size divides the chunk is filled once (see below).
pub const CHUNK: usize = 256;

/// `v` with lanes below the smallest normal f32 in magnitude set to ±0, keeping their sign as a
/// CPU's flush-to-zero does (so `-0` and a tiny negative stay `-0`: `rsqrt(-0)` is `-inf`); NaN
/// and ±inf are kept.
#[inline(always)]
fn ftz(v: v128) -> v128 {
    let tiny = f32x4_lt(f32x4_abs(v), f32x4_splat(f32::MIN_POSITIVE));
    v128_andnot(v, v128_and(tiny, i32x4_splat(0x7fff_ffff)))
}

#[inline(always)]
unsafe fn map1(d: *mut f32, a: *const f32, f: impl Fn(v128) -> v128) {
    let mut q = 0;
    while q < CHUNK {
        st(d.add(q), ftz(f(ld(a.add(q)))));
        q += W;
    }
}

#[inline(always)]
unsafe fn map2(d: *mut f32, a: *const f32, b: *const f32, f: impl Fn(v128, v128) -> v128) {
    let mut q = 0;
    while q < CHUNK {
        st(d.add(q), ftz(f(ld(a.add(q)), ld(b.add(q)))));
        q += W;
    }
}

/// A comparison into 1.0 or 0.0 lanes (nothing to flush).
#[inline(always)]
unsafe fn compare(d: *mut f32, a: *const f32, b: *const f32, f: impl Fn(v128, v128) -> v128) {
    let one = splat(1.0);
    let mut q = 0;
    while q < CHUNK {
        st(d.add(q), v128_and(f(ld(a.add(q)), ld(b.add(q))), one));
        q += W;
    }
}

/// Fills a register with `len` elements of a row of `size` starting at `k` (wrapping around to
/// the row's start), converted by `f`, and zeros after them.
#[inline(always)]
unsafe fn fill_wrapped<T: Copy>(
    r: *mut f32,
    src: *const T,
    size: usize,
    mut k: usize,
    len: usize,
    f: impl Fn(T) -> f32,
) {
    for q in 0..CHUNK {
        if q < len {
            *r.add(q) = f(*src.add(k));
            k += 1;
            if k == size {
                k = 0;
            }
        } else {
            *r.add(q) = 0.0;
        }
    }
}

/// Runs the chain over `n` elements into `out`; `regs` holds `(n_in + n_ops) · CHUNK` floats
/// followed by `n_in` pointers.
///
/// Ops read an input in place where they can: a full-size f32 input at the chunk's position, and
/// a row input whose chunk does not wrap around the row. Only bool inputs, scalars (splatted once),
/// wrapping rows and the last partial chunk are copied into registers. The last op of a full
/// chunk writes straight into `out`; the extra outputs are stored from their registers after the
/// chunk's last op, so an output may share memory with a full-size input (every input of the
/// chunk has been read by then).
#[no_mangle]
pub unsafe extern "C" fn tg_fused_f32(meta: *const i32, out: *mut f32, n: usize, regs: *mut f32) {
    let n_in = *meta as usize;
    let n_ops = *meta.add(1) as usize;
    if n_ops == 0 || n == 0 {
        return;
    }
    let ptrs = meta.add(2);
    let sizes = meta.add(2 + n_in);
    let kinds = meta.add(2 + 2 * n_in);
    let code = meta.add(2 + 3 * n_in);
    let n_extra = *code.add(4 * n_ops) as usize;
    let extra = code.add(4 * n_ops + 1);
    let rp = regs.add((n_in + n_ops) * CHUNK) as *mut *const f32;
    // f32 inputs whose register is the same in every chunk, filled once: scalars, and rows whose
    // size divides the chunk (a chunk then always starts at the row's start: chunks, and parts,
    // start at multiples of the row size), such as a bias over 32 channels
    let constant = |j: usize| *kinds.add(j) == 0 && CHUNK % *sizes.add(j) as usize == 0;
    for j in 0..n_in {
        let r = regs.add(j * CHUNK);
        *rp.add(j) = r;
        if constant(j) {
            let size = *sizes.add(j) as usize;
            fill_wrapped(r, *ptrs.add(j) as usize as *const f32, size, 0, CHUNK, |v| v);
        }
    }
    let mut base = 0;
    while base < n {
        let len = if n - base < CHUNK { n - base } else { CHUNK };
        for j in 0..n_in {
            let size = *sizes.add(j) as usize;
            let r = regs.add(j * CHUNK);
            if *kinds.add(j) != 0 {
                // bool: u8 0/1
                let src = *ptrs.add(j) as usize as *const u8;
                fill_wrapped(r, src, size, base % size, len, |v| v as f32);
                continue;
            }
            if constant(j) {
                continue;
            }
            let src = *ptrs.add(j) as usize as *const f32;
            let k = base % size;
            if len == CHUNK && k + CHUNK <= size {
                *rp.add(j) = src.add(k);
                continue;
            }
            *rp.add(j) = r;
            fill_wrapped(r, src, size, k, len, |v| v);
        }
        let reg = |i: usize| -> *const f32 {
            if i < n_in {
                *rp.add(i)
            } else {
                regs.add(i * CHUNK)
            }
        };
        for o in 0..n_ops {
            let op = *code.add(4 * o);
            let a = reg(*code.add(4 * o + 1) as usize);
            let b = reg(*code.add(4 * o + 2) as usize);
            let d = if o == n_ops - 1 && len == CHUNK {
                out.add(base)
            } else {
                regs.add((n_in + o) * CHUNK)
            };
            match op {
                fused::NEG => map1(d, a, |x| f32x4_neg(x)),
                fused::EXP => map1(d, a, |x| math::exp_v(x)),
                fused::LOG => map1(d, a, |x| math::log_v(x)),
                fused::TANH => map1(d, a, |x| math::tanh_v(x)),
                fused::LOGISTIC => map1(d, a, |x| math::logistic_v(x)),
                fused::SQRT => map1(d, a, |x| f32x4_sqrt(x)),
                fused::ABS => map1(d, a, |x| f32x4_abs(x)),
                fused::CAST => map1(d, a, |x| x),
                fused::ADD => map2(d, a, b, |x, y| f32x4_add(x, y)),
                fused::SUB => map2(d, a, b, |x, y| f32x4_sub(x, y)),
                fused::MUL => map2(d, a, b, |x, y| f32x4_mul(x, y)),
                fused::DIV => map2(d, a, b, |x, y| f32x4_div(x, y)),
                fused::MAX => map2(d, a, b, |x, y| vmax(x, y)),
                fused::MIN => map2(d, a, b, |x, y| vmin(x, y)),
                fused::LT => compare(d, a, b, |x, y| f32x4_lt(x, y)),
                fused::LE => compare(d, a, b, |x, y| f32x4_le(x, y)),
                fused::GT => compare(d, a, b, |x, y| f32x4_gt(x, y)),
                fused::GE => compare(d, a, b, |x, y| f32x4_ge(x, y)),
                fused::EQ => compare(d, a, b, |x, y| f32x4_eq(x, y)),
                fused::NE => compare(d, a, b, |x, y| f32x4_ne(x, y)),
                fused::WHERE => {
                    // where: a ≠ 0 ? b : c
                    let c = reg(*code.add(4 * o + 3) as usize);
                    let zero = f32x4_splat(0.0);
                    let mut q = 0;
                    while q < CHUNK {
                        let m = f32x4_ne(ld(a.add(q)), zero);
                        st(d.add(q), ftz(v128_bitselect(ld(b.add(q)), ld(c.add(q)), m)));
                        q += W;
                    }
                }
                _ => trap(),
            }
        }
        if len < CHUNK {
            let last = regs.add((n_in + n_ops - 1) * CHUNK);
            for q in 0..len {
                *out.add(base + q) = *last.add(q);
            }
        }
        for x in 0..n_extra {
            let src = reg(*extra.add(2 * x) as usize);
            let dst = (*extra.add(2 * x + 1) as usize as *mut f32).add(base);
            if len == CHUNK {
                let mut q = 0;
                while q < CHUNK {
                    st(dst.add(q), ld(src.add(q)));
                    q += W;
                }
            } else {
                for q in 0..len {
                    *dst.add(q) = *src.add(q);
                }
            }
        }
        base += CHUNK;
    }
}
