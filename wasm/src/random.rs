//! Counter-based random numbers: Threefry-2x32 with 20 rounds (Random123), as in JAX.

const ROT: [u32; 8] = [13, 15, 26, 6, 17, 29, 16, 24];

/// Threefry-2x32-20 of the block `(c0, c1)` under the key `(k0, k1)`.
#[inline]
pub fn threefry2x32(k0: u32, k1: u32, c0: u32, c1: u32) -> (u32, u32) {
    let ks = [k0, k1, 0x1BD1_1BDA ^ k0 ^ k1];
    let (mut x0, mut x1) = (c0.wrapping_add(k0), c1.wrapping_add(k1));
    for s in 1..=5u32 {
        for r in 0..4 {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(ROT[((s as usize - 1) % 2) * 4 + r]) ^ x0;
        }
        x0 = x0.wrapping_add(ks[s as usize % 3]);
        x1 = x1.wrapping_add(ks[(s as usize + 1) % 3]).wrapping_add(s);
    }
    (x0, x1)
}

/// Writes both output words of Threefry-2x32 for one key and block to `out[0..2]` (for tests).
#[no_mangle]
pub unsafe extern "C" fn tg_threefry2x32(k0: u32, k1: u32, c0: u32, c1: u32, out: *mut u32) {
    let (a, b) = threefry2x32(k0, k1, c0, c1);
    *out = a;
    *out.add(1) = b;
}

/// `out[k·per_key + c] = threefry2x32(keys[k], (c, 0)).0` as i32 bits.
#[no_mangle]
pub unsafe extern "C" fn tg_random_bits(keys: *const u32, out: *mut u32, n_keys: usize, per_key: usize) {
    for k in 0..n_keys {
        let (k0, k1) = (*keys.add(2 * k), *keys.add(2 * k + 1));
        for c in 0..per_key {
            *out.add(k * per_key + c) = threefry2x32(k0, k1, c as u32, 0).0;
        }
    }
}

/// `out[k·per_key + c] = (bits >>> 8) · 2⁻²⁴ ∈ [0, 1)` as f32.
#[no_mangle]
pub unsafe extern "C" fn tg_random_uniform_f32(
    keys: *const u32,
    out: *mut f32,
    n_keys: usize,
    per_key: usize,
) {
    for k in 0..n_keys {
        let (k0, k1) = (*keys.add(2 * k), *keys.add(2 * k + 1));
        for c in 0..per_key {
            let h = threefry2x32(k0, k1, c as u32, 0).0;
            *out.add(k * per_key + c) = (h >> 8) as f32 * (1.0 / 16777216.0);
        }
    }
}
