/**
 * The counter-based random number generator of the reference backend: Threefry-2x32 with 20
 * rounds, exactly as Random123 defines it, in unsigned 32-bit arithmetic.
 * @module
 */
import type { Buf } from "../backend.js";
import { dataOf, toDType } from "./storage.js";

/** Rotation amounts of Threefry-2x32, used in turn (round r uses `ROTATIONS[r % 8]`). */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
/** The Threefish key-schedule parity constant. */
const PARITY = 0x1bd11bda;

/** Rotates a 32-bit word left by `r` bits (0 < r < 32); result unsigned. */
function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/**
 * Threefry-2x32 with 20 rounds (Random123 `threefry2x32_20`): encrypts the counter block
 * `(c0, c1)` under the key `(k0, k1)`. Inputs are taken modulo 2³² (negative i32 values are fine);
 * outputs are unsigned 32-bit integers.
 *
 * Key schedule `ks = [k0, k1, 0x1BD11BDA ^ k0 ^ k1]`; `x = (c0 + ks0, c1 + ks1)`; each round is
 * `x0 += x1; x1 = rotl(x1, R[r % 8]) ^ x0`; after rounds 4, 8, …, 20 the `s`-th key injection adds
 * `ks[s % 3]` to `x0` and `ks[(s + 1) % 3] + s` to `x1`. All additions are modulo 2³².
 * @example
 * ```ts
 * threefry2x32(0, 0, 0, 0); // [0x6b200159, 0x99ba4efe]
 * ```
 */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (PARITY ^ k0 ^ k1) >>> 0];
  let x0 = (c0 + ks[0]) >>> 0;
  let x1 = (c1 + ks[1]) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    x1 = (rotl32(x1, ROTATIONS[r % 8]) ^ x0) >>> 0;
    if (r % 4 === 3) {
      const s = (r + 1) / 4;
      x0 = (x0 + ks[s % 3]) >>> 0;
      x1 = (x1 + ks[(s + 1) % 3] + s) >>> 0;
    }
  }
  return [x0, x1];
}

/**
 * Fills `out[k·perKey + c]` for every key `k` (`keys` is i32 `[nKeys, 2]`) and counter
 * `c ∈ [0, perKey)` from `h = threefry2x32(keys[k, 0], keys[k, 1], c, 0)[0]`:
 * - `"bits"`: `h` reinterpreted as a signed i32 (`h | 0`);
 * - `"uniform"`: `(h >>> 8) · 2⁻²⁴`, a multiple of 2⁻²⁴ in `[0, 1)` (exact in f32 and f64).
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [keys, out] = [new RefBuf("i32", 2), new RefBuf("f32", 10)];
 * keys.data?.set([0, 42]);
 * random("uniform", keys, out, 1, 10); // ten uniforms from one key
 * ```
 */
export function random(
  kind: "bits" | "uniform",
  keys: Buf,
  out: Buf,
  nKeys: number,
  perKey: number,
): void {
  const ks = dataOf(keys);
  const os = dataOf(out);
  for (let k = 0; k < nKeys; k++) {
    for (let c = 0; c < perKey; c++) {
      const h = threefry2x32(ks[2 * k], ks[2 * k + 1], c, 0)[0];
      const v = kind === "bits" ? h | 0 : (h >>> 8) * 2 ** -24;
      os[k * perKey + c] = toDType(out.dtype, v);
    }
  }
}
