//! typegrad kernels: a `no_std` crate compiled to `wasm32-unknown-unknown` with SIMD128.
//!
//! Every export is a C-ABI function over raw pointers into wasm memory. The JavaScript side owns
//! all memory (an arena over the module's exported memory): kernels never allocate. Shapes and
//! strides arrive as a pointer to an `i32` array that JS writes into a small metadata region;
//! kernels that need workspace (matmul packing, im2col) take a scratch pointer.
//!
//! Dtype codes used across the ABI: 0 = f32, 1 = i32, 2 = bool (u8 0/1).
#![no_std]
// The `relaxed` build passes v128 to an imported marker function (see `simd::madd`); that needs
// the unstable `simd_ffi`, enabled by `RUSTC_BOOTSTRAP=1` in scripts/build-wasm.sh.
#![cfg_attr(feature = "relaxed", feature(simd_ffi))]
#![cfg_attr(feature = "relaxed", allow(improper_ctypes))]

pub mod conv;
pub mod elementwise;
pub mod fused;
pub mod index;
pub mod math;
pub mod matmul;
pub mod opcodes;
pub mod parts;
pub mod random;
pub mod reduce;
pub mod simd;

/// Traps: an op code no kernel knows means the two sides disagree, and a wrong number is worse
/// than a crash (every `match` over op codes ends in this instead of a default op).
#[inline(always)]
pub fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

/// Kernels never panic on valid input; if one does, trap.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
