//! Small helpers over `core::arch::wasm32` SIMD128: 4 lanes of f32 (or i32) per `v128`.
//!
//! Kernels are written against these few functions (load, store, splat, horizontal reduce), so a
//! different vector width later means changing this file only.
pub use core::arch::wasm32::v128;
use core::arch::wasm32::*;

/// Lanes of f32 per vector.
pub const W: usize = 4;

/// Unaligned load of 4 f32 from `p`.
#[inline(always)]
pub unsafe fn ld(p: *const f32) -> v128 {
    v128_load(p as *const v128)
}

/// Unaligned store of 4 f32 to `p`.
#[inline(always)]
pub unsafe fn st(p: *mut f32, v: v128) {
    v128_store(p as *mut v128, v)
}

/// Unaligned load of 4 i32 from `p`.
#[inline(always)]
pub unsafe fn ldi(p: *const i32) -> v128 {
    v128_load(p as *const v128)
}

/// Unaligned store of 4 i32 to `p`.
#[inline(always)]
pub unsafe fn sti(p: *mut i32, v: v128) {
    v128_store(p as *mut v128, v)
}

/// `a·b + c` lane by lane. With the `relaxed` feature this is relaxed SIMD's `f32x4.relaxed_madd`
/// (one fused multiply-add where the CPU has FMA); otherwise a multiply and an add.
///
/// Debian's rustc 1.63 has no relaxed SIMD intrinsics and its LLVM 14 emits the pre-standard
/// opcodes, so the `relaxed` build calls an imported marker function `tg_relaxed.madd` instead,
/// and `scripts/relax-wasm.mjs` rewrites every call to it into the standard opcode after linking
/// (the import stays, unused). The opaque call also keeps LLVM from reassociating the product.
#[inline(always)]
pub fn madd(a: v128, b: v128, c: v128) -> v128 {
    #[cfg(feature = "relaxed")]
    {
        // SAFETY: the call is replaced by `f32x4.relaxed_madd`, which has the same signature.
        unsafe { relaxed::madd(a, b, c) }
    }
    #[cfg(not(feature = "relaxed"))]
    {
        f32x4_add(f32x4_mul(a, b), c)
    }
}

#[cfg(feature = "relaxed")]
mod relaxed {
    use core::arch::wasm32::v128;
    #[link(wasm_import_module = "tg_relaxed")]
    extern "C" {
        /// Marker for `f32x4.relaxed_madd(a, b, c)`; see [`super::madd`].
        pub fn madd(a: v128, b: v128, c: v128) -> v128;
    }
}

/// Broadcasts one f32 to all lanes.
#[inline(always)]
pub fn splat(x: f32) -> v128 {
    f32x4_splat(x)
}

/// Loads one f32 from `p` into all lanes.
#[inline(always)]
pub unsafe fn ld_splat(p: *const f32) -> v128 {
    v128_load32_splat(p as *const u32)
}

/// Sum of the 4 lanes.
#[inline(always)]
pub fn hsum(v: v128) -> f32 {
    let s = f32x4_add(v, i32x4_shuffle::<2, 3, 0, 1>(v, v));
    let s = f32x4_add(s, i32x4_shuffle::<1, 0, 3, 2>(s, s));
    f32x4_extract_lane::<0>(s)
}

/// Lane-wise maximum that propagates NaN (like `Math.max`).
#[inline(always)]
pub fn vmax(a: v128, b: v128) -> v128 {
    f32x4_max(a, b)
}

/// Lane-wise minimum that propagates NaN (like `Math.min`).
#[inline(always)]
pub fn vmin(a: v128, b: v128) -> v128 {
    f32x4_min(a, b)
}

/// Applies `f` lane by lane to the 4 lanes of `v` (for functions without a vector form).
#[inline(always)]
pub fn map_lanes(v: v128, f: impl Fn(f32) -> f32) -> v128 {
    f32x4(
        f(f32x4_extract_lane::<0>(v)),
        f(f32x4_extract_lane::<1>(v)),
        f(f32x4_extract_lane::<2>(v)),
        f(f32x4_extract_lane::<3>(v)),
    )
}

/// Copies `n` elements; short runs use a plain loop, because `memory.copy` has a fixed cost
/// per call in wasm engines that dominates copies of a few elements (im2col taps, gathers).
#[inline(always)]
pub unsafe fn copy_short<T: Copy>(src: *const T, dst: *mut T, n: usize) {
    if n * core::mem::size_of::<T>() < 64 {
        for i in 0..n {
            *dst.add(i) = *src.add(i);
        }
    } else {
        core::ptr::copy_nonoverlapping(src, dst, n);
    }
}

/// Sets `n` elements to zero, with a plain loop for short runs (see [`copy_short`]).
#[inline(always)]
pub unsafe fn zero_short(dst: *mut f32, n: usize) {
    if n < 16 {
        for i in 0..n {
            *dst.add(i) = 0.0;
        }
    } else {
        core::ptr::write_bytes(dst, 0, n);
    }
}
