//! Blocked, packed f32 matrix multiplication (the BLIS loop nest) over a register-tiled micro-kernel.
//!
//! Loop order: columns of C in blocks of `NC`; depth in blocks of `KC` (B block packed once);
//! rows in blocks of `MC` (an A block that stays in L2); then `NR × MR` tiles run by the
//! micro-kernel, which reads A in place. Packing B needs `SCRATCH` floats of workspace, passed
//! in by the caller. Products with few rows
//! (`m ≤ small::MAX_M`) skip packing and run in [`small`].
pub mod microkernel;
pub mod pack;
pub mod small;

use microkernel::{kernel, MR, NR};
use pack::pack_b;

/// Depth of a packed block (a B panel of `KC × NR` stays in L1).
pub const KC: usize = 256;
/// Rows of an A block (`MC × KC` floats stay in L2).
pub const MC: usize = 96;
/// Columns of a packed B block.
pub const NC: usize = 1024;
/// Floats of workspace [`gemm`] needs.
pub const SCRATCH: usize = KC * NC;

/// `C (+)= A·B` for `A` `m × k` with strides (rsa, csa), `B` `k × n` with strides (rsb, csb) and
/// `C` `m × n` row-major with leading dimension `ldc`. `acc` adds to C; otherwise C is overwritten.
pub unsafe fn gemm(
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    rsb: usize,
    csb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    scratch: *mut f32,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !acc {
            for i in 0..m {
                core::ptr::write_bytes(c.add(i * ldc), 0, n);
            }
        }
        return;
    }
    // few rows of A: B is read in place (packing it would cost as much as the product)
    if small::fits(m, rsb, csb) {
        return small::gemm_small(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, acc, scratch);
    }
    let bp = scratch;
    let mut jc = 0;
    while jc < n {
        let nc = if n - jc < NC { n - jc } else { NC };
        let mut pc = 0;
        while pc < k {
            let kc = if k - pc < KC { k - pc } else { KC };
            pack_b(kc, nc, b.add(pc * rsb + jc * csb), rsb, csb, bp);
            let add = acc || pc > 0;
            let mut ic = 0;
            while ic < m {
                let mc = if m - ic < MC { m - ic } else { MC };
                let mut jr = 0;
                while jr < nc {
                    let nr = if nc - jr < NR { nc - jr } else { NR };
                    let bpanel = bp.add(jr * kc);
                    let mut ir = 0;
                    while ir < mc {
                        let mr = if mc - ir < MR { mc - ir } else { MR };
                        let cp = c.add((ic + ir) * ldc + jc + jr);
                        let ap = a.add((ic + ir) * rsa + pc * csa);
                        kernel(kc, ap, rsa, csa, mr, bpanel, cp, ldc, nr, add);
                        ir += MR;
                    }
                    jr += NR;
                }
                ic += MC;
            }
            pc += KC;
        }
        jc += NC;
    }
}

/// Floats of scratch that [`tg_matmul_f32`] needs.
#[no_mangle]
pub extern "C" fn tg_matmul_scratch_len() -> usize {
    SCRATCH
}

/// Batched matmul: for each batch, `out[m, n] = A·B` with A stored `[m, k]` (`[k, m]` if `trans_a`)
/// and B stored `[k, n]` (`[n, k]` if `trans_b`); batch strides of 0 reuse one matrix.
/// `scratch` holds `tg_matmul_scratch_len()` floats.
#[no_mangle]
pub unsafe extern "C" fn tg_matmul_f32(
    a: *const f32,
    b: *const f32,
    out: *mut f32,
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    trans_a: bool,
    trans_b: bool,
    a_batch_stride: usize,
    b_batch_stride: usize,
    scratch: *mut f32,
) {
    let (rsa, csa) = if trans_a { (1, m) } else { (k, 1) };
    let (rsb, csb) = if trans_b { (1, k) } else { (n, 1) };
    if batch > 1 && !trans_a && b_batch_stride == 0 && a_batch_stride == m * k {
        // One B for every batch and contiguous A: a single [batch·m, k] × [k, n] product.
        return gemm(batch * m, n, k, a, rsa, csa, b, rsb, csb, out, n, false, scratch);
    }
    for i in 0..batch {
        gemm(
            m,
            n,
            k,
            a.add(i * a_batch_stride),
            rsa,
            csa,
            b.add(i * b_batch_stride),
            rsb,
            csb,
            out.add(i * m * n),
            n,
            false,
            scratch,
        );
    }
}
