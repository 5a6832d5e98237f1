/**
 * A minimal protocol-buffers writer: varints, fixed 32/64-bit values and length-delimited fields,
 * which is all the ONNX messages need. Fields are written in the order they are called.
 * @example
 * ```ts
 * const w = new ProtoWriter();
 * w.int(1, 8).string(2, "typegrad");
 * w.finish(); // Uint8Array [8, 8, 18, 8, 116, ...]
 * ```
 * @module
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

const utf8 = new TextEncoder();

/**
 * Writes one protobuf message. Nested messages are built with their own writer and added with
 * `message`.
 * @example
 * ```ts
 * const dim = new ProtoWriter().int(1, 28);
 * new ProtoWriter().message(1, dim).finish();
 * ```
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, 2 * this.buf.length));
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.slice(0, this.pos));
    this.pos = 0;
  }

  /** Appends a varint (non-negative integers up to 2^53, and negative ones as 64-bit two's complement). */
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  private bytesRaw(b: Uint8Array): void {
    this.ensure(b.length);
    if (b.length > this.buf.length) {
      this.flush();
      this.chunks.push(b.slice());
      return;
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** An int32/int64/enum/bool field (varint). */
  int(field: number, v: number | bigint): this {
    if (typeof v === "number" && !Number.isSafeInteger(v))
      throw new RangeError(`protobuf: field ${field} is not an integer: ${v}`);
    this.tag(field, VARINT);
    this.varint(v);
    return this;
  }

  /** A float field (fixed 32-bit, little-endian). */
  float(field: number, v: number): this {
    this.tag(field, FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** A double field (fixed 64-bit, little-endian). */
  double(field: number, v: number): this {
    this.tag(field, FIXED64);
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** A bytes field. */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, LENGTH);
    this.varint(b.length);
    this.bytesRaw(b);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  /** A nested message field. */
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** A packed repeated varint field (int64s, int32s). */
  packedInts(field: number, vs: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of vs) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, vs: readonly number[]): this {
    const b = new Uint8Array(4 * vs.length);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setFloat32(4 * i, v, true));
    return this.bytes(field, b);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.flush();
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let k = 0;
    for (const c of this.chunks) {
      out.set(c, k);
      k += c.length;
    }
    return out;
  }
}
