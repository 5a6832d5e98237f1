//! The f32 GEMM micro-kernel: a 6×8 register tile in SIMD128 (XNNPACK's `f32-gemm/6x8-wasmsimd`
//! shape, "load-splat" variant): 12 accumulators, 2 vectors of B and one broadcast of A per step.
//!
//! Each step is one [`madd`] per accumulator: a fused multiply-add in the relaxed SIMD build, a
//! multiply and an add otherwise.
use crate::simd::*;
use core::arch::wasm32::*;

/// Rows of the register tile.
pub const MR: usize = 4;
/// Columns of the register tile (two vectors of 4).
pub const NR: usize = 8;

/// `C[0..mr, 0..nr] (+)= A · Bp` over `kc` steps, where A is read in place (`A(i, p)` at
/// `a[i·rsa + p·csa]`, rows `i < mr`) and `Bp` is a packed `NR`-column panel. `acc` adds to C
/// instead of overwriting it.
///
/// A needs no packing: each step loads one element of each of the `MR` rows (a broadcast load),
/// which costs the same whether the rows are adjacent in a packed panel or `rsa` apart; rows past
/// `mr` repeat the last row, and their sums are dropped.
#[inline(never)]
pub unsafe fn kernel(
    kc: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    mr: usize,
    bp: *const f32,
    c: *mut f32,
    ldc: usize,
    nr: usize,
    acc: bool,
) {
    let z = f32x4_splat(0.0);
    let mut s = [[z; 2]; MR];
    let mut rows = [a; MR];
    for (i, r) in rows.iter_mut().enumerate() {
        *r = a.add(if i < mr { i } else { mr - 1 } * rsa);
    }
    let mut b = bp;
    for _ in 0..kc {
        let b0 = ld(b);
        let b1 = ld(b.add(4));
        for i in 0..MR {
            let x = ld_splat(rows[i]);
            s[i][0] = madd(x, b0, s[i][0]);
            s[i][1] = madd(x, b1, s[i][1]);
            rows[i] = rows[i].add(csa);
        }
        b = b.add(NR);
    }
    if mr == MR && nr == NR {
        for (i, &[v0, v1]) in s.iter().enumerate() {
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
        for (i, &[v0, v1]) in s.iter().enumerate() {
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
