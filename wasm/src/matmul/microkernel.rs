//! The f32 GEMM micro-kernel: a 6×8 register tile in SIMD128 (XNNPACK's `f32-gemm/6x8-wasmsimd`
//! shape, "load-splat" variant): 12 accumulators, 2 vectors of B and one broadcast of A per step.
//!
//! wasm SIMD128 has no fused multiply-add, so each step is a multiply and an add per accumulator.
use crate::simd::*;
use core::arch::wasm32::*;

/// Rows of the register tile.
pub const MR: usize = 6;
/// Columns of the register tile (two vectors of 4).
pub const NR: usize = 8;

/// `C[0..mr, 0..nr] (+)= Ap · Bp` over `kc` steps, where `Ap` is a packed `MR`-row panel and `Bp`
/// a packed `NR`-column panel. `acc` adds to C instead of overwriting it.
#[inline(never)]
pub unsafe fn kernel_6x8(
    kc: usize,
    ap: *const f32,
    bp: *const f32,
    c: *mut f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    acc: bool,
) {
    let z = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (z, z, z, z, z, z);
    let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (z, z, z, z, z, z);
    let (mut a, mut b) = (ap, bp);
    for _ in 0..kc {
        let b0 = ld(b);
        let b1 = ld(b.add(4));
        let a0 = ld_splat(a);
        c00 = f32x4_add(c00, f32x4_mul(a0, b0));
        c01 = f32x4_add(c01, f32x4_mul(a0, b1));
        let a1 = ld_splat(a.add(1));
        c10 = f32x4_add(c10, f32x4_mul(a1, b0));
        c11 = f32x4_add(c11, f32x4_mul(a1, b1));
        let a2 = ld_splat(a.add(2));
        c20 = f32x4_add(c20, f32x4_mul(a2, b0));
        c21 = f32x4_add(c21, f32x4_mul(a2, b1));
        let a3 = ld_splat(a.add(3));
        c30 = f32x4_add(c30, f32x4_mul(a3, b0));
        c31 = f32x4_add(c31, f32x4_mul(a3, b1));
        let a4 = ld_splat(a.add(4));
        c40 = f32x4_add(c40, f32x4_mul(a4, b0));
        c41 = f32x4_add(c41, f32x4_mul(a4, b1));
        let a5 = ld_splat(a.add(5));
        c50 = f32x4_add(c50, f32x4_mul(a5, b0));
        c51 = f32x4_add(c51, f32x4_mul(a5, b1));
        a = a.add(MR);
        b = b.add(NR);
    }
    let rows = [(c00, c01), (c10, c11), (c20, c21), (c30, c31), (c40, c41), (c50, c51)];
    if mr == MR && nr == NR {
        for (i, &(v0, v1)) in rows.iter().enumerate() {
            let p = c.add(i * ldc);
            if acc {
                st(p, f32x4_add(ld(p), v0));
                st(p.add(4), f32x4_add(ld(p.add(4)), v1));
            } else {
                st(p, v0);
                st(p.add(4), v1);
            }
        }
    } else {
        let mut t = [0f32; MR * NR];
        for (i, &(v0, v1)) in rows.iter().enumerate() {
            st(t.as_mut_ptr().add(i * NR), v0);
            st(t.as_mut_ptr().add(i * NR + 4), v1);
        }
        for i in 0..mr {
            let p = c.add(i * ldc);
            for j in 0..nr {
                let v = t[i * NR + j];
                *p.add(j) = if acc { *p.add(j) + v } else { v };
            }
        }
    }
}
