//! Packing of matmul operands into the panel layouts the micro-kernel streams through.
//!
//! Operands are read through general strides, so a transposed operand costs nothing extra:
//! `A(i, p) = a[i·rs + p·cs]`. Panels are zero-padded to a whole tile so that the micro-kernel
//! always computes a full `MR × NR` tile.
use super::microkernel::{MR, NR};
use crate::simd::*;

/// Packs the `mc × kc` block of A into panels of `MR` rows: `dst[panel][p·MR + i] = A(i, p)`.
pub unsafe fn pack_a(mc: usize, kc: usize, a: *const f32, rs: usize, cs: usize, dst: *mut f32) {
    if rs == 1 && cs != 1 {
        return pack_a_trans(mc, kc, a, cs, dst);
    }
    let mut d = dst;
    let mut i0 = 0;
    while i0 < mc {
        let mr = if mc - i0 < MR { mc - i0 } else { MR };
        let src = a.add(i0 * rs);
        if cs == 1 {
            // rows are contiguous: read each row once, write with stride MR
            for i in 0..mr {
                let r = src.add(i * rs);
                for p in 0..kc {
                    *d.add(p * MR + i) = *r.add(p);
                }
            }
        } else {
            for p in 0..kc {
                for i in 0..mr {
                    *d.add(p * MR + i) = *src.add(i * rs + p * cs);
                }
            }
        }
        if mr < MR {
            for p in 0..kc {
                for i in mr..MR {
                    *d.add(p * MR + i) = 0.0;
                }
            }
        }
        d = d.add(MR * kc);
        i0 += MR;
    }
}

/// [`pack_a`] for A stored transposed (`A(i, p) = a[p·cs + i]`): reads each stored row once,
/// contiguously, instead of striding through memory (which thrashes the cache at power-of-2 sizes).
unsafe fn pack_a_trans(mc: usize, kc: usize, a: *const f32, cs: usize, dst: *mut f32) {
    let full = mc / MR;
    let rest = mc - full * MR;
    for p in 0..kc {
        let src = a.add(p * cs);
        let mut d = dst.add(p * MR);
        for q in 0..full {
            let s = src.add(q * MR);
            for i in 0..MR {
                *d.add(i) = *s.add(i);
            }
            d = d.add(MR * kc);
        }
        if rest > 0 {
            let s = src.add(full * MR);
            for i in 0..MR {
                *d.add(i) = if i < rest { *s.add(i) } else { 0.0 };
            }
        }
    }
}

/// Packs the `kc × nc` block of B into panels of `NR` columns: `dst[panel][p·NR + j] = B(p, j)`.
pub unsafe fn pack_b(kc: usize, nc: usize, b: *const f32, rs: usize, cs: usize, dst: *mut f32) {
    let mut d = dst;
    let mut j0 = 0;
    while j0 < nc {
        let nr = if nc - j0 < NR { nc - j0 } else { NR };
        let src = b.add(j0 * cs);
        if cs == 1 && nr == NR {
            for p in 0..kc {
                let r = src.add(p * rs);
                let o = d.add(p * NR);
                st(o, ld(r));
                st(o.add(4), ld(r.add(4)));
            }
        } else if rs == 1 {
            // B is stored transposed: each column is contiguous
            for j in 0..nr {
                let c = src.add(j * cs);
                for p in 0..kc {
                    *d.add(p * NR + j) = *c.add(p);
                }
            }
        } else {
            for p in 0..kc {
                for j in 0..nr {
                    *d.add(p * NR + j) = *src.add(p * rs + j * cs);
                }
            }
        }
        if nr < NR {
            for p in 0..kc {
                for j in nr..NR {
                    *d.add(p * NR + j) = 0.0;
                }
            }
        }
        d = d.add(NR * kc);
        j0 += NR;
    }
}
