/**
 * Number decoding from raw bytes by plain arithmetic (no DataView, no typed-array casts), so that
 * the fuzz suite's reference decoders share no code path with the loaders they check.
 */

/** The unsigned integer of `width` bytes at `at`, big- or little-endian (exact up to 2^53). */
export function uint(b: Uint8Array, at: number, width: number, bigEndian: boolean): number {
  let v = 0;
  for (let k = 0; k < width; k++) v = v * 256 + b[at + (bigEndian ? k : width - 1 - k)];
  return v;
}

/** The same bytes as an unsigned BigInt (any width). */
export function ubig(b: Uint8Array, at: number, width: number, bigEndian: boolean): bigint {
  let v = 0n;
  for (let k = 0; k < width; k++) v = v * 256n + BigInt(b[at + (bigEndian ? k : width - 1 - k)]);
  return v;
}

/** Two's complement of an unsigned value of `bits` bits. */
export function signed(u: number, bits: number): number {
  return u >= 2 ** (bits - 1) ? u - 2 ** bits : u;
}

/** The same for BigInt. */
export function signedBig(u: bigint, bits: number): bigint {
  return u >= 2n ** BigInt(bits - 1) ? u - 2n ** BigInt(bits) : u;
}

/**
 * An IEEE 754 binary float from its bits given as a BigInt: `e` exponent bits, `m` mantissa bits.
 * Covers zeros (signed), subnormals, infinities and NaN.
 */
export function ieee(bits: bigint, e: number, m: number): number {
  const sign = (bits >> BigInt(e + m)) & 1n ? -1 : 1;
  const exp = Number((bits >> BigInt(m)) & ((1n << BigInt(e)) - 1n));
  const man = Number(bits & ((1n << BigInt(m)) - 1n));
  const bias = 2 ** (e - 1) - 1;
  if (exp === 2 ** e - 1) return man === 0 ? sign * Infinity : Number.NaN;
  if (exp === 0) return sign * man * 2 ** (1 - bias - m);
  // (1 + man / 2^m) * 2^(exp - bias), computed as an exact integer times a power of two
  return sign * (2 ** m + man) * 2 ** (exp - bias - m);
}
