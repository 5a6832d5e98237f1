//! Partitioned entry points for the thread pool: `part` of `parts` does a disjoint share of one
//! kernel call, so several threads running every part over the same (shared) memory compute what
//! the whole call would. Each part needs its own scratch; `parts = 1` is the whole call.
//!
//! - matmul: a batch of independent products is split by batch; one product is split by columns
//!   of the output (each part packs all of A and its share of B) when `m ≤ n`, else by rows.
//! - convolution forward and data gradient: split by images of the batch.
//! - convolution filter gradient: split by images; each part writes a full filter gradient of its
//!   images to its own `dw`, and the caller adds them ([`tg_add_into_f32`]).
use crate::conv::{tg_conv2d_backprop_filter_f32, tg_conv2d_backprop_input_f32, tg_conv2d_f32};
use crate::matmul::gemm;
use crate::matmul::microkernel::{MR, NR};
use crate::simd::{ld, st};
use core::arch::wasm32::f32x4_add;

/// The share `[lo, hi)` of `0..n` that `part` of `parts` takes, in whole multiples of `align`
/// (the last part takes the rest).
fn share(n: usize, part: usize, parts: usize, align: usize) -> (usize, usize) {
    let blocks = (n + align - 1) / align;
    let lo = (blocks * part / parts * align).min(n);
    let hi = (blocks * (part + 1) / parts * align).min(n);
    (lo, hi)
}

/// Part `part` of `parts` of [`crate::matmul::tg_matmul_f32`] (same operands and layout).
#[no_mangle]
pub unsafe extern "C" fn tg_matmul_part_f32(
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
    part: usize,
    parts: usize,
) {
    let (rsa, csa) = if trans_a { (1, m) } else { (k, 1) };
    let (rsb, csb) = if trans_b { (1, k) } else { (n, 1) };
    let merged = batch > 1 && !trans_a && b_batch_stride == 0 && a_batch_stride == m * k;
    if batch > 1 && !merged {
        let (lo, hi) = share(batch, part, parts, 1);
        for i in lo..hi {
            let (ai, bi) = (a.add(i * a_batch_stride), b.add(i * b_batch_stride));
            gemm(m, n, k, ai, rsa, csa, bi, rsb, csb, out.add(i * m * n), n, false, scratch);
        }
        return;
    }
    let rows = if merged { batch * m } else { m };
    if batch == 0 || rows == 0 || n == 0 {
        return;
    }
    if rows <= n {
        let (lo, hi) = share(n, part, parts, NR);
        if lo < hi {
            let bj = b.add(lo * csb);
            gemm(rows, hi - lo, k, a, rsa, csa, bj, rsb, csb, out.add(lo), n, false, scratch);
        }
    } else {
        let (lo, hi) = share(rows, part, parts, MR);
        if lo < hi {
            let ai = a.add(lo * rsa);
            gemm(hi - lo, n, k, ai, rsa, csa, b, rsb, csb, out.add(lo * n), n, false, scratch);
        }
    }
}

/// The images `[lo, hi)` of part `part`, and the geometry of just those images.
unsafe fn images(geom: *const i32, part: usize, parts: usize) -> (usize, usize, [i32; 13]) {
    let mut g = [0i32; 13];
    for (i, v) in g.iter_mut().enumerate() {
        *v = *geom.add(i);
    }
    let (lo, hi) = share(g[0] as usize, part, parts, 1);
    g[0] = (hi - lo) as i32;
    (lo, hi, g)
}

/// Elements of one input image and of one output image of a geometry.
fn image_sizes(g: &[i32; 13]) -> (usize, usize) {
    let v = |i: usize| g[i] as usize;
    (v(1) * v(2) * v(3), v(4) * v(5) * v(6))
}

/// Part `part` of `parts` of [`tg_conv2d_f32`].
#[no_mangle]
pub unsafe extern "C" fn tg_conv2d_part_f32(
    x: *const f32,
    w: *const f32,
    y: *mut f32,
    geom: *const i32,
    scratch: *mut f32,
    scratch_len: usize,
    part: usize,
    parts: usize,
) {
    let (lo, hi, g) = images(geom, part, parts);
    if lo < hi {
        let (xs, ys) = image_sizes(&g);
        tg_conv2d_f32(x.add(lo * xs), w, y.add(lo * ys), g.as_ptr(), scratch, scratch_len);
    }
}

/// Part `part` of `parts` of [`tg_conv2d_backprop_input_f32`].
#[no_mangle]
pub unsafe extern "C" fn tg_conv2d_backprop_input_part_f32(
    dy: *const f32,
    w: *const f32,
    dx: *mut f32,
    geom: *const i32,
    scratch: *mut f32,
    scratch_len: usize,
    part: usize,
    parts: usize,
) {
    let (lo, hi, g) = images(geom, part, parts);
    if lo < hi {
        let (xs, ys) = image_sizes(&g);
        let (dyp, dxp) = (dy.add(lo * ys), dx.add(lo * xs));
        tg_conv2d_backprop_input_f32(dyp, w, dxp, g.as_ptr(), scratch, scratch_len);
    }
}

/// Part `part` of `parts` of [`tg_conv2d_backprop_filter_f32`]: the filter gradient of this
/// part's images, written to this part's own `dw` (zeros when the part has no image).
#[no_mangle]
pub unsafe extern "C" fn tg_conv2d_backprop_filter_part_f32(
    x: *const f32,
    dy: *const f32,
    dw: *mut f32,
    geom: *const i32,
    scratch: *mut f32,
    scratch_len: usize,
    part: usize,
    parts: usize,
) {
    let (lo, hi, g) = images(geom, part, parts);
    let (xs, ys) = image_sizes(&g);
    // with no image, the whole-call kernel writes zeros (rows = 0)
    let (xp, dyp) = if lo < hi { (x.add(lo * xs), dy.add(lo * ys)) } else { (x, dy) };
    tg_conv2d_backprop_filter_f32(xp, dyp, dw, g.as_ptr(), scratch, scratch_len);
}

/// `dst[i] += src[i]` for `i < n` (sums the parts' filter gradients).
#[no_mangle]
pub unsafe extern "C" fn tg_add_into_f32(dst: *mut f32, src: *const f32, n: usize) {
    let mut i = 0;
    while i + 4 <= n {
        st(dst.add(i), f32x4_add(ld(dst.add(i)), ld(src.add(i))));
        i += 4;
    }
    while i < n {
        *dst.add(i) += *src.add(i);
        i += 1;
    }
}
