//! Gather and scatter-add along the middle axis of a `[outer, axisLen, inner]` view.
//! Indices are i32 and already range-checked by the caller.

macro_rules! gather_fn {
    ($fname:ident, $t:ty) => {
        /// `out[o, j, i] = x[o, idx[j], i]`; `out` is `[outer, n_idx, inner]`.
        #[no_mangle]
        pub unsafe extern "C" fn $fname(
            x: *const $t,
            idx: *const i32,
            out: *mut $t,
            outer: usize,
            axis_len: usize,
            inner: usize,
            n_idx: usize,
        ) {
            for o in 0..outer {
                for j in 0..n_idx {
                    let src = x.add((o * axis_len + *idx.add(j) as usize) * inner);
                    crate::simd::copy_short(src, out.add((o * n_idx + j) * inner), inner);
                }
            }
        }
    };
}

gather_fn!(tg_gather_32, u32);
gather_fn!(tg_gather_8, u8);

macro_rules! scatter_add_fn {
    ($fname:ident, $t:ty, $zero:expr, $add:expr) => {
        /// Zero-fills `out` `[outer, axis_len, inner]`, then `out[o, idx[j], i] += upd[o, j, i]`.
        #[no_mangle]
        pub unsafe extern "C" fn $fname(
            upd: *const $t,
            idx: *const i32,
            out: *mut $t,
            outer: usize,
            axis_len: usize,
            inner: usize,
            n_idx: usize,
        ) {
            for i in 0..outer * axis_len * inner {
                *out.add(i) = $zero;
            }
            for o in 0..outer {
                for j in 0..n_idx {
                    let d = out.add((o * axis_len + *idx.add(j) as usize) * inner);
                    let s = upd.add((o * n_idx + j) * inner);
                    for i in 0..inner {
                        *d.add(i) = $add(*d.add(i), *s.add(i));
                    }
                }
            }
        }
    };
}

scatter_add_fn!(tg_scatter_add_f32, f32, 0.0, |a: f32, b: f32| a + b);
scatter_add_fn!(tg_scatter_add_i32, i32, 0, |a: i32, b: i32| a.wrapping_add(b));
