/**
 * A small pure keyed random stream for the data tools (permutations, sampling, augmentation),
 * computed in JavaScript on the host.
 *
 * A key is an i32 tensor `[2]`, as `tg.random.key(seed)` makes (JAX's layout: `[0, seed]`). Its two
 * words `(k0, k1)` key Threefry-2x32-20, the same block cipher the kernels use; the stream's `i`-th
 * pair of 32-bit words is `threefry2x32(k0, k1, i, STREAM)`. The constant counter word `STREAM`
 * keeps these numbers apart from the kernels' `random_bits`/`random_uniform` (which use counter word 0), so a data
 * key reused for a kernel call does not repeat the same numbers. Sub-streams (`fold`) are keyed by
 * `threefry2x32(k0, k1, i, FOLD)`. Inner loops that draw millions of numbers (word2vec, pixel noise)
 * use `FastRandom`, xoshiro128** seeded by Threefry from the key. The same key always gives the
 * same numbers. (These are the data tools' own streams; they do not reproduce `tg.random.uniform`.)
 * @module
 */
import { threefry2x32 } from "../backend/reference/random.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor, Tensor } from "../tensor/tensor.js";
import { fromTyped } from "./host.js";

/** A random key: an i32 tensor of shape `[2]`. */
export type Key = Tensor<[2], "i32"> | Tensor<readonly [2], "i32">;

const STREAM = 0x64617461; // "data"
const FOLD = 0x666f6c64; // "fold"
const FAST = 0x66617374; // "fast"

/**
 * A key tensor from a seed, laid out as JAX's `PRNGKey(seed)`: `[0, seed]`. (Use
 * `tg.random.key(seed)` in user code; this is its stand-in inside the data tools and tests.)
 * @example
 * ```ts
 * seedKey(0).toArray(); // [0, 0]
 * ```
 */
export function seedKey(seed: number): Tensor<[2], "i32"> {
  return fromTyped(new Int32Array([0, seed | 0]), [2], "i32") as Tensor<[2], "i32">;
}

/**
 * The two 32-bit words of a key, checking that it is an i32 tensor `[2]`.
 * @example
 * ```ts
 * keyWords(seedKey(3), "shuffle"); // [0, 3]
 * ```
 */
export function keyWords(key: Key | AnyTensor, op: string): [number, number] {
  if (key.dtype !== "i32")
    throw new DTypeError(
      op,
      `a key must be i32, got ${key.dtype}; make one with tg.random.key(seed)`,
    );
  if (key.shape.length !== 1 || key.shape[0] !== 2) {
    throw new ShapeError(op, `a key has shape [2], got ${fmt(key.shape)}`);
  }
  const d = key.dataSync();
  return [d[0] | 0, d[1] | 0];
}

/**
 * Random numbers from a source of 32-bit words: uniform, integer and normal draws.
 * @example
 * ```ts
 * const key = seedKey(0);
 * const r = streamOf(key, "op");
 * r.uniform(); r.int(10); r.normal();
 * ```
 */
export abstract class Random {
  private normalSpare: number | null = null;

  /** The next 32 random bits, as an unsigned integer. */
  abstract bits(): number;

  /** A uniform number in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.bits() * 2 ** -32;
  }

  /** A uniform integer in [0, n), unbiased (rejection sampling), for 0 < n ≤ 2³². */
  int(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const b = this.bits();
      if (b < limit) return b % n;
    }
  }

  /** A standard normal number (Box–Muller). */
  normal(): number {
    if (this.normalSpare !== null) {
      const s = this.normalSpare;
      this.normalSpare = null;
      return s;
    }
    const u1 = (this.bits() + 1) * 2 ** -32; // (0, 1]
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.normalSpare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}

/**
 * The Threefry stream of two key words: word pair `i` is `threefry2x32(k0, k1, i, STREAM)`.
 * @example
 * ```ts
 * new RandomStream([0, 42]).int(10);
 * ```
 */
export class RandomStream extends Random {
  private counter = 0;
  private spare = -1;
  constructor(private readonly words: readonly [number, number]) {
    super();
  }

  bits(): number {
    if (this.spare >= 0) {
      const s = this.spare;
      this.spare = -1;
      return s;
    }
    const [a, b] = threefry2x32(this.words[0], this.words[1], this.counter++, STREAM);
    this.spare = b;
    return a;
  }
}

/**
 * A fast generator for inner loops (word2vec's negative sampling, per-pixel noise): xoshiro128**
 * whose 128-bit state is the Threefry encryption of two counters under the key words, so it is
 * still a pure function of the key. Not counter-based: draw from one instance sequentially.
 * @example
 * ```ts
 * const key = seedKey(0);
 * const r = fastStream(keyWords(key, "word2vec"), 0); r.int(1000);
 * ```
 */
export class FastRandom extends Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(words: readonly [number, number], i: number) {
    super();
    const [a, b] = threefry2x32(words[0], words[1], i >>> 0, FAST);
    const [c, d] = threefry2x32(words[0], words[1], i >>> 0, FAST + 1);
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 1; // never the all-zero state
  }

  bits(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The fast generator of sub-stream `i` of two key words.
 * @example
 * ```ts
 * const key = seedKey(0);
 * fastStream(keyWords(key, "augment"), 3).normal();
 * ```
 */
export function fastStream(words: readonly [number, number], i: number): FastRandom {
  return new FastRandom(words, i);
}

/**
 * The random stream of a key.
 * @example
 * ```ts
 * const key = seedKey(0);
 * streamOf(key, "shuffle").int(10);
 * ```
 */
export function streamOf(key: Key | AnyTensor, op: string): RandomStream {
  return new RandomStream(keyWords(key, op));
}

/**
 * The `i`-th sub-stream of a key: independent streams for, say, each epoch or each transform.
 * @example
 * ```ts
 * const key = seedKey(0);
 * foldStream(keyWords(key, "augment"), 1).normal();
 * ```
 */
export function foldStream(words: readonly [number, number], i: number): RandomStream {
  const [a, b] = threefry2x32(words[0], words[1], i >>> 0, FOLD);
  return new RandomStream([a | 0, b | 0]);
}

/**
 * A uniformly random permutation of `0 … n-1` (Fisher–Yates).
 * @example
 * ```ts
 * const key = seedKey(0);
 * permutation(streamOf(key, "shuffle"), 5); // Int32Array [3, 2, 1, 0, 4]
 * ```
 */
export function permutation(r: Random, n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
