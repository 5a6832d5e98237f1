//! 2-D convolution in NHWC layout with an HWIO filter, built on im2col and the packed matmul.
//!
//! With `K = kH·kW·inC` and `rows = batch·outH·outW`, the column matrix `col[rows, K]` holds the
//! receptive field of each output pixel, so that
//! - forward: `y[rows, outC] = col · w[K, outC]`;
//! - backprop input: `dcol = dy · wᵀ`, then col2im adds `dcol` back into `dx`;
//! - backprop filter: `dw = colᵀ · dy`.
//!
//! `col` is built a chunk of rows at a time in the caller's scratch: `scratch` holds
//! `matmul::SCRATCH` floats for packing followed by the column chunk, `scratch_len` floats in all
//! (at least `matmul::SCRATCH + K`). A 1×1 filter with unit stride and no padding skips im2col.
//!
//! The geometry is a pointer to 13 i32: batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH,
//! strideW, padTop, padLeft.
use crate::matmul::{gemm, SCRATCH};
use crate::simd::{copy_short, ld, st, zero_short, W};
use core::arch::wasm32::f32x4_add;

struct Geom {
    batch: usize,
    ih: usize,
    iw: usize,
    ic: usize,
    oh: usize,
    ow: usize,
    oc: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    pt: isize,
    pl: isize,
}

impl Geom {
    unsafe fn read(g: *const i32) -> Geom {
        let v = |i: usize| *g.add(i) as usize;
        Geom {
            batch: v(0),
            ih: v(1),
            iw: v(2),
            ic: v(3),
            oh: v(4),
            ow: v(5),
            oc: v(6),
            kh: v(7),
            kw: v(8),
            sh: v(9),
            sw: v(10),
            pt: *g.add(11) as isize,
            pl: *g.add(12) as isize,
        }
    }
    fn k(&self) -> usize {
        self.kh * self.kw * self.ic
    }
    fn rows(&self) -> usize {
        self.batch * self.oh * self.ow
    }
    /// Whether `col` is `x` itself (1×1 filter, unit stride, no padding, same spatial size).
    fn pointwise(&self) -> bool {
        self.kh == 1
            && self.kw == 1
            && self.sh == 1
            && self.sw == 1
            && self.pt == 0
            && self.pl == 0
            && self.oh == self.ih
            && self.ow == self.iw
    }
    /// Rows of `col` that fit in the scratch after the matmul workspace.
    fn chunk(&self, scratch_len: usize) -> usize {
        let k = if self.k() == 0 { 1 } else { self.k() };
        let r = (scratch_len - SCRATCH) / k;
        if r == 0 {
            1
        } else {
            r
        }
    }
}

/// Fills `col[0..r1-r0, K]` from `x`. Rows are walked along output rows, so the image and output
/// coordinates advance without divisions, and a filter row that lies inside the image is one copy
/// of `kW·inC` contiguous floats.
unsafe fn im2col(g: &Geom, x: *const f32, r0: usize, r1: usize, col: *mut f32) {
    let (k, c) = (g.k(), g.ic);
    let span = g.kw * c;
    let plane = g.oh * g.ow;
    let mut r = r0;
    while r < r1 {
        let (b, p) = (r / plane, r % plane);
        let (oy, mut ox) = (p / g.ow, p % g.ow);
        let end = if r1 - r < g.ow - ox { r1 } else { r + (g.ow - ox) };
        while r < end {
            let row = col.add((r - r0) * k);
            let x0 = (ox * g.sw) as isize - g.pl;
            let inside = x0 >= 0 && x0 as usize + g.kw <= g.iw;
            for i in 0..g.kh {
                let y = (oy * g.sh + i) as isize - g.pt;
                let dst = row.add(i * span);
                if y < 0 || y as usize >= g.ih {
                    zero_short(dst, span);
                    continue;
                }
                let line = (b * g.ih + y as usize) * g.iw;
                if inside {
                    copy_short(x.add((line + x0 as usize) * c), dst, span);
                    continue;
                }
                for j in 0..g.kw {
                    let xx = x0 + j as isize;
                    if xx < 0 || xx as usize >= g.iw {
                        zero_short(dst.add(j * c), c);
                    } else {
                        copy_short(x.add((line + xx as usize) * c), dst.add(j * c), c);
                    }
                }
            }
            r += 1;
            ox += 1;
        }
    }
}

/// `d[q] += v[q]` for `q < n`, four lanes at a time.
#[inline(always)]
unsafe fn add_into(d: *mut f32, v: *const f32, n: usize) {
    let mut q = 0;
    while q + W <= n {
        st(d.add(q), f32x4_add(ld(d.add(q)), ld(v.add(q))));
        q += W;
    }
    while q < n {
        *d.add(q) += *v.add(q);
        q += 1;
    }
}

/// Adds `col[0..r1-r0, K]` into `dx` (the transpose of [`im2col`], walked the same way).
unsafe fn col2im(g: &Geom, col: *const f32, r0: usize, r1: usize, dx: *mut f32) {
    let (k, c) = (g.k(), g.ic);
    let span = g.kw * c;
    let plane = g.oh * g.ow;
    let mut r = r0;
    while r < r1 {
        let (b, p) = (r / plane, r % plane);
        let (oy, mut ox) = (p / g.ow, p % g.ow);
        let end = if r1 - r < g.ow - ox { r1 } else { r + (g.ow - ox) };
        while r < end {
            let row = col.add((r - r0) * k);
            let x0 = (ox * g.sw) as isize - g.pl;
            let inside = x0 >= 0 && x0 as usize + g.kw <= g.iw;
            for i in 0..g.kh {
                let y = (oy * g.sh + i) as isize - g.pt;
                if y < 0 || y as usize >= g.ih {
                    continue;
                }
                let src = row.add(i * span);
                let line = (b * g.ih + y as usize) * g.iw;
                if inside {
                    add_into(dx.add((line + x0 as usize) * c), src, span);
                    continue;
                }
                for j in 0..g.kw {
                    let xx = x0 + j as isize;
                    if xx >= 0 && (xx as usize) < g.iw {
                        add_into(dx.add((line + xx as usize) * c), src.add(j * c), c);
                    }
                }
            }
            r += 1;
            ox += 1;
        }
    }
}

/// Forward convolution `y = conv2d(x, w)`.
#[no_mangle]
pub unsafe extern "C" fn tg_conv2d_f32(
    x: *const f32,
    w: *const f32,
    y: *mut f32,
    geom: *const i32,
    scratch: *mut f32,
    scratch_len: usize,
) {
    let g = Geom::read(geom);
    let (k, oc, rows) = (g.k(), g.oc, g.rows());
    if g.pointwise() {
        return gemm(rows, oc, k, x, k, 1, w, oc, 1, y, oc, false, scratch);
    }
    let col = scratch.add(SCRATCH);
    let step = g.chunk(scratch_len);
    let mut r0 = 0;
    while r0 < rows {
        let r1 = if rows - r0 < step { rows } else { r0 + step };
        im2col(&g, x, r0, r1, col);
        gemm(r1 - r0, oc, k, col, k, 1, w, oc, 1, y.add(r0 * oc), oc, false, scratch);
        r0 = r1;
    }
}

/// Gradient of [`tg_conv2d_f32`] with respect to `x`: overwrites `dx`.
#[no_mangle]
pub unsafe extern "C" fn tg_conv2d_backprop_input_f32(
    dy: *const f32,
    w: *const f32,
    dx: *mut f32,
    geom: *const i32,
    scratch: *mut f32,
    scratch_len: usize,
) {
    let g = Geom::read(geom);
    let (k, oc, rows) = (g.k(), g.oc, g.rows());
    if g.pointwise() {
        return gemm(rows, k, oc, dy, oc, 1, w, 1, oc, dx, k, false, scratch);
    }
    core::ptr::write_bytes(dx, 0, g.batch * g.ih * g.iw * g.ic);
    let col = scratch.add(SCRATCH);
    let step = g.chunk(scratch_len);
    let mut r0 = 0;
    while r0 < rows {
        let r1 = if rows - r0 < step { rows } else { r0 + step };
        gemm(r1 - r0, k, oc, dy.add(r0 * oc), oc, 1, w, 1, oc, col, k, false, scratch);
        col2im(&g, col, r0, r1, dx);
        r0 = r1;
    }
}

/// Gradient of [`tg_conv2d_f32`] with respect to `w`: overwrites `dw`.
#[no_mangle]
pub unsafe extern "C" fn tg_conv2d_backprop_filter_f32(
    x: *const f32,
    dy: *const f32,
    dw: *mut f32,
    geom: *const i32,
    scratch: *mut f32,
    scratch_len: usize,
) {
    let g = Geom::read(geom);
    let (k, oc, rows) = (g.k(), g.oc, g.rows());
    if rows == 0 {
        core::ptr::write_bytes(dw, 0, k * oc);
        return;
    }
    if g.pointwise() {
        return gemm(k, oc, rows, x, 1, k, dy, oc, 1, dw, oc, false, scratch);
    }
    let col = scratch.add(SCRATCH);
    let step = g.chunk(scratch_len);
    let mut r0 = 0;
    while r0 < rows {
        let r1 = if rows - r0 < step { rows } else { r0 + step };
        im2col(&g, x, r0, r1, col);
        gemm(k, oc, r1 - r0, col, 1, k, dy.add(r0 * oc), oc, 1, dw, oc, r0 > 0, scratch);
        r0 = r1;
    }
}
