//! Packing of B into the panel layout the micro-kernel streams through (A is read in place).
//!
//! B is read through general strides, so a transposed operand costs nothing extra:
//! `B(p, j) = b[p·rs + j·cs]`. Panels are zero-padded to a whole `NR` columns so that the
//! micro-kernel always computes full vectors.
use super::microkernel::NR;
use crate::simd::*;

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
