//! Matrix products with few rows of A (batch-1 inference, GEMV-like): B is read in place.
//!
//! With `m ≤ MAX_M` every element of B is used by at most `MAX_M` rows, so packing B (a full read
//! and write of it) costs about as much as the product itself. Here B is streamed directly:
//! - B row-major (`csb == 1`), one row of A: passes over the row of C, each adding 8 rows of B
//!   weighted by `A(0, p)` (B is read row by row, sequentially).
//! - B row-major, 2–4 rows of A: register tiles of those rows × 8–16 columns; per step of k, one
//!   broadcast of `A(i, p)` is multiplied with the vectors of row `p` of B and added to the
//!   accumulators. Column tails (n mod 4) are scalar.
//! - B stored transposed (`rsb == 1`, each column of B contiguous over k): SIMD dot products over k
//!   of rows of A with columns of B; the k tail (k mod 4) is scalar. A with non-unit `csa` is first
//!   copied into contiguous rows in `scratch`, a chunk of k at a time.
//!
//! Rows of A are processed in as few groups of ≤ 4 as possible (one pass over B per group), split
//! evenly (m = 5 → 3 + 2). Tiles keep at most 12 accumulators so that they stay in the 16 SIMD
//! registers of x86-64 after the engine compiles the wasm. wasm SIMD128 has no fused multiply-add,
//! so every step is a multiply and an add.
//!
//! Threshold: on the 2-core Xeon this was tuned on, this path ran at 30–33 GFLOP/s for m = 1..32
//! (k = 784, n = 256, B in cache), against 7–30 GFLOP/s for the packed path, whose packing of B
//! dominates at small m. `MAX_M = 16` keeps the passes over B to at most 4.
use crate::simd::*;
use core::arch::wasm32::*;

/// Largest m that [`gemm`](super::gemm) sends to [`gemm_small`].
pub const MAX_M: usize = 16;

/// Rows of A in one tile (one pass over B).
const MAX_R: usize = 4;

/// Columns of k per chunk when A must be copied to contiguous rows (`MAX_R × KT` floats of scratch).
const KT: usize = 2048;

/// Whether [`gemm_small`] handles this product: few rows and B with a unit stride.
#[inline(always)]
pub fn fits(m: usize, rsb: usize, csb: usize) -> bool {
    m <= MAX_M && (csb == 1 || rsb == 1)
}

/// `C (+)= A·B` like [`gemm`](super::gemm) for `m ≤ MAX_M`, `k ≥ 1` and B with `csb == 1` or
/// `rsb == 1`, without packing B. `scratch` needs `4 × 2048` floats (used only when B is
/// transposed and A has `csa != 1`).
pub unsafe fn gemm_small(
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
    let mut i = 0;
    while i < m {
        let groups = (m - i + MAX_R - 1) / MAX_R;
        let r = (m - i + groups - 1) / groups;
        let (ai, ci) = (a.add(i * rsa), c.add(i * ldc));
        if csb == 1 {
            match r {
                1 => row_b(n, k, ai, csa, b, rsb, ci, acc),
                2 => rows_b::<2, 4>(n, k, ai, rsa, csa, b, rsb, ci, ldc, acc),
                3 => rows_b::<3, 4>(n, k, ai, rsa, csa, b, rsb, ci, ldc, acc),
                _ => rows_b::<4, 3>(n, k, ai, rsa, csa, b, rsb, ci, ldc, acc),
            }
        } else {
            trans_b(r, n, k, ai, rsa, csa, b, csb, ci, ldc, acc, scratch);
        }
        i += r;
    }
}

/// Stores `v` to `*p`, or adds it when `acc`.
#[inline(always)]
unsafe fn put(p: *mut f32, v: f32, acc: bool) {
    *p = if acc { *p + v } else { v };
}

/// `R` rows of C over all n columns, B row-major with leading dimension `ldb`: tiles of `V`
/// vectors of columns, then tiles of 2 and 1 vectors, then the scalar column tail.
#[inline(always)]
unsafe fn rows_b<const R: usize, const V: usize>(
    n: usize,
    k: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    let mut j = 0;
    while j + V * W <= n {
        tile_b::<R, V>(k, a, rsa, csa, b.add(j), ldb, c.add(j), ldc, acc);
        j += V * W;
    }
    if V > 2 {
        while j + 2 * W <= n {
            tile_b::<R, 2>(k, a, rsa, csa, b.add(j), ldb, c.add(j), ldc, acc);
            j += 2 * W;
        }
    }
    while j + W <= n {
        tile_b::<R, 1>(k, a, rsa, csa, b.add(j), ldb, c.add(j), ldc, acc);
        j += W;
    }
    if j < n {
        tail_b::<R>(n - j, k, a, rsa, csa, b.add(j), ldb, c.add(j), ldc, acc);
    }
}

/// `C[0..R, 0..4V] (+)= A[0..R, :] · B[:, 0..4V]` with B row-major: `R × V` accumulators.
#[inline(never)]
unsafe fn tile_b<const R: usize, const V: usize>(
    k: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    let z = f32x4_splat(0.0);
    let mut s = [[z; V]; R];
    let (mut ap, mut bp) = (a, b);
    for _ in 0..k {
        let mut bv = [z; V];
        for v in 0..V {
            bv[v] = ld(bp.add(v * W));
        }
        for r in 0..R {
            let x = ld_splat(ap.add(r * rsa));
            for v in 0..V {
                s[r][v] = madd(x, bv[v], s[r][v]);
            }
        }
        ap = ap.add(csa);
        bp = bp.add(ldb);
    }
    for r in 0..R {
        let p = c.add(r * ldc);
        for v in 0..V {
            let q = p.add(v * W);
            st(q, if acc { f32x4_add(ld(q), s[r][v]) } else { s[r][v] });
        }
    }
}

/// The last `nt < 4` columns of `R` rows, B row-major: scalar sums over k.
#[inline(never)]
unsafe fn tail_b<const R: usize>(
    nt: usize,
    k: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    for j in 0..nt {
        let mut s = [0f32; R];
        let (mut ap, mut bp) = (a, b.add(j));
        for _ in 0..k {
            let x = *bp;
            for r in 0..R {
                s[r] += *ap.add(r * rsa) * x;
            }
            ap = ap.add(csa);
            bp = bp.add(ldb);
        }
        for r in 0..R {
            put(c.add(r * ldc + j), s[r], acc);
        }
    }
}

/// `r ≤ 4` rows of C with B stored transposed (column `j` of B at `b + j·ldb`, contiguous over k).
/// A with `csa != 1` is copied, `KT` columns of k at a time, into contiguous rows in `scratch`.
unsafe fn trans_b(
    r: usize,
    n: usize,
    k: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
    scratch: *mut f32,
) {
    if csa == 1 {
        return dots(r, n, k, a, rsa, b, ldb, c, ldc, acc);
    }
    let mut p0 = 0;
    while p0 < k {
        let kt = if k - p0 < KT { k - p0 } else { KT };
        for p in 0..kt {
            let src = a.add((p0 + p) * csa);
            for i in 0..r {
                *scratch.add(i * kt + p) = *src.add(i * rsa);
            }
        }
        dots(r, n, kt, scratch, kt, b.add(p0), ldb, c, ldc, acc || p0 > 0);
        p0 += kt;
    }
}

/// Dot products of `r ≤ 4` contiguous rows of A (leading dimension `lda`) with `n` contiguous
/// columns of B (leading dimension `ldb`): tiles of `J` columns, then single columns.
#[inline(always)]
unsafe fn dots(
    r: usize,
    n: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    match r {
        1 => dots_r::<1, 8>(n, k, a, lda, b, ldb, c, ldc, acc),
        2 => dots_r::<2, 4>(n, k, a, lda, b, ldb, c, ldc, acc),
        3 => dots_r::<3, 4>(n, k, a, lda, b, ldb, c, ldc, acc),
        _ => dots_r::<4, 3>(n, k, a, lda, b, ldb, c, ldc, acc),
    }
}

/// [`dots`] for `R` rows: tiles of `J` columns, then of one column.
#[inline(always)]
unsafe fn dots_r<const R: usize, const J: usize>(
    n: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    let mut j = 0;
    while j + J <= n {
        tile_t::<R, J>(k, a, lda, b.add(j * ldb), ldb, c.add(j), ldc, acc);
        j += J;
    }
    while j < n {
        tile_t::<R, 1>(k, a, lda, b.add(j * ldb), ldb, c.add(j), ldc, acc);
        j += 1;
    }
}

/// `C[0..R, 0..J] (+)= A[0..R, :] · B[:, 0..J]` as `R × J` dot products over k, 4 lanes at a time,
/// with the k tail in scalar.
#[inline(never)]
unsafe fn tile_t<const R: usize, const J: usize>(
    k: usize,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    acc: bool,
) {
    let z = f32x4_splat(0.0);
    let mut s = [[z; J]; R];
    let kv = k - k % W;
    let mut p = 0;
    while p < kv {
        let mut bv = [z; J];
        for j in 0..J {
            bv[j] = ld(b.add(j * ldb + p));
        }
        for i in 0..R {
            let x = ld(a.add(i * lda + p));
            for j in 0..J {
                s[i][j] = madd(x, bv[j], s[i][j]);
            }
        }
        p += W;
    }
    for i in 0..R {
        for j in 0..J {
            let mut t = hsum(s[i][j]);
            for q in kv..k {
                t += *a.add(i * lda + q) * *b.add(j * ldb + q);
            }
            put(c.add(i * ldc + j), t, acc);
        }
    }
}

/// Rows of B combined per pass of [`row_b`] over its row of C.
const KU: usize = 8;

/// One row of C with B row-major (leading dimension `ldb`), streaming whole rows of B: each pass
/// adds `KU` rows of B, weighted by `A(0, p)`, into the row of C in memory. Reading B row by row
/// keeps its accesses sequential (a tile of columns would stride through it), and a single row of
/// C has too few outputs to keep in registers.
unsafe fn row_b(
    n: usize,
    k: usize,
    a: *const f32,
    csa: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    acc: bool,
) {
    let mut p = 0;
    while p + KU <= k {
        rows_pass::<KU>(n, a.add(p * csa), csa, b.add(p * ldb), ldb, c, acc || p > 0);
        p += KU;
    }
    while p < k {
        rows_pass::<1>(n, a.add(p * csa), csa, b.add(p * ldb), ldb, c, acc || p > 0);
        p += 1;
    }
}

/// `c[0..n] (+)= Σ_u a[u·csa] · B[u, 0..n]` over `U` rows of B; `add` adds to c.
#[inline(never)]
unsafe fn rows_pass<const U: usize>(
    n: usize,
    a: *const f32,
    csa: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    add: bool,
) {
    let mut x = [f32x4_splat(0.0); U];
    let mut rows = [b; U];
    for u in 0..U {
        x[u] = ld_splat(a.add(u * csa));
        rows[u] = b.add(u * ldb);
    }
    let nv = n - n % W;
    let mut j = 0;
    while j < nv {
        let mut t = f32x4_mul(x[0], ld(rows[0].add(j)));
        for u in 1..U {
            t = madd(x[u], ld(rows[u].add(j)), t);
        }
        let q = c.add(j);
        st(q, if add { f32x4_add(ld(q), t) } else { t });
        j += W;
    }
    for j in nv..n {
        let mut t = 0f32;
        for u in 0..U {
            t += *a.add(u * csa) * *rows[u].add(j);
        }
        put(c.add(j), t, add);
    }
}
