/**
 * An allocator over wasm memory, run from JavaScript: the kernels never allocate.
 *
 * Blocks are 64-byte aligned (a cache line; SIMD loads never straddle one needlessly) and sized in
 * multiples of 64. Free blocks are kept best-fit: one bucket per exact size plus a sorted list of
 * the sizes that have free blocks, and they coalesce with free neighbours on release. A free block
 * that reaches the top of the heap lowers the top instead. When nothing fits, the top grows and,
 * past the end of memory, `memory.grow` adds pages; the typed-array views are refreshed lazily.
 * @module
 */
import type { Ptr } from "./loader.js";

/** Alignment and size granule of every block, in bytes. */
export const ALIGN = 64;
const PAGE = 65536;
/** Bytes a 32-bit wasm memory can address. */
const MAX_BYTES = 2 ** 32;

/** A best-fit, coalescing allocator over one `WebAssembly.Memory`. */
export class Arena {
  /** The first byte the arena manages. */
  readonly base: Ptr;
  private top: Ptr;
  private inUse = 0;
  // The maps below never delete: a freed entry is overwritten with 0 (or -1). V8's Map leaves a
  // hole per deletion and rehashes when holes fill the table, which made a set/delete pair cost
  // O(live entries) with tens of thousands of live buffers. Keys are block addresses, so the maps
  // stay bounded by the number of distinct addresses.
  private readonly used = new Map<Ptr, number>();
  private readonly freeAt = new Map<Ptr, number>();
  private readonly freeEnd = new Map<Ptr, Ptr>();
  /**
   * Free blocks by exact size, as arrays with swap-removal (`slot` is each free block's index in
   * its bin). Sets were slower: V8's `Set.values().next()` walks over the holes that deletions
   * leave, which made allocation quadratic under churn.
   */
  private readonly bins = new Map<number, Ptr[]>();
  private readonly slot = new Map<Ptr, number>();
  /** Sizes that have at least one free block, ascending. */
  private readonly sizes: number[] = [];
  private buffer: ArrayBuffer | null = null;
  /** Bytes of memory, tracked here: reading `memory.buffer` can be slow after growth in V8. */
  private capacity: number;
  private allocCount = 0;
  private u8View = new Uint8Array(0);
  private i32View = new Int32Array(0);
  private f32View = new Float32Array(0);

  /** Manages `memory` from `heapBase` (rounded up to {@link ALIGN}) to its end and beyond. */
  constructor(
    readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.base = Math.ceil(heapBase / ALIGN) * ALIGN;
    this.top = this.base;
    this.capacity = memory.buffer.byteLength;
  }

  /** A block of at least `bytes` bytes (contents undefined). Zero bytes still get a distinct block. */
  alloc(bytes: number): Ptr {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new TypeError(`wasm arena: cannot allocate ${bytes} bytes: not an integer ≥ 0`);
    }
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let ptr = this.takeFree(size);
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    this.used.set(ptr, size);
    this.inUse += size;
    this.allocCount++;
    return ptr;
  }

  /** Returns a block. Freeing an address that is not a live block is a no-op. */
  free(ptr: Ptr): void {
    let size = this.used.get(ptr);
    if (size === undefined || size === 0) return;
    this.used.set(ptr, 0);
    this.inUse -= size;
    const prev = this.freeEnd.get(ptr);
    if (prev !== undefined && prev >= 0) {
      size += this.freeAt.get(prev)!;
      this.removeFree(prev);
      ptr = prev;
    }
    const nextSize = this.freeAt.get(ptr + size);
    if (nextSize !== undefined && nextSize > 0) {
      this.removeFree(ptr + size);
      size += nextSize;
    }
    if (ptr + size === this.top) this.top = ptr;
    else this.addFree(ptr, size);
  }

  /** The size in bytes of a live block (its rounded size), or 0. */
  sizeOf(ptr: Ptr): number {
    return this.used.get(ptr) ?? 0;
  }

  /** Blocks handed out since the arena was made (a count that only grows). */
  allocations(): number {
    return this.allocCount;
  }

  /** Bytes held by live blocks (rounded up to {@link ALIGN} each). */
  bytesInUse(): number {
    return this.inUse;
  }

  /** Bytes of wasm memory (what the process pays for). */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes between the base and the current top of the heap (live plus free-list blocks). */
  heapBytes(): number {
    return this.top - this.base;
  }

  /**
   * Checks the arena's invariants and throws an `Error` naming the first one broken: every block
   * (live or free) is aligned, inside `[base, top)` and overlaps no other; live and free blocks
   * tile `[base, top)` exactly; the live bytes add up to {@link bytesInUse}; no two free blocks
   * are neighbours (they would have coalesced); the size buckets and the sorted size list agree.
   * It walks every block, so it is for tests and debugging, not for hot paths.
   * @example
   * ```ts
   * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
   * arena.free(arena.alloc(100));
   * arena.check(); // throws if an allocation or a release ever went wrong
   * ```
   */
  check(): void {
    const fail = (what: string): never => {
      throw new Error(`wasm arena: invariant broken: ${what}`);
    };
    const blocks: [Ptr, number, boolean][] = [];
    let live = 0;
    for (const [p, size] of this.used) {
      if (size > 0) {
        blocks.push([p, size, true]);
        live += size;
      }
    }
    let freeBytes = 0;
    let freeCount = 0;
    for (const [p, size] of this.freeAt) {
      if (size > 0) {
        blocks.push([p, size, false]);
        freeBytes += size;
        freeCount++;
        if (this.freeEnd.get(p + size) !== p) fail(`free block at ${p} has no end marker`);
        const bin = this.bins.get(size);
        const at = this.slot.get(p);
        if (bin === undefined || at === undefined || bin[at] !== p) {
          fail(`free block at ${p} (${size} bytes) is not in its size bucket`);
        }
      }
    }
    if (live !== this.inUse) fail(`live blocks hold ${live} bytes but ${this.inUse} are counted`);
    blocks.sort((a, b) => a[0] - b[0]);
    let at = this.base;
    let prevFree = false;
    for (const [p, size, isLive] of blocks) {
      if (p % ALIGN !== 0 || size % ALIGN !== 0)
        fail(`block at ${p} of ${size} bytes is unaligned`);
      if (p < at) fail(`block at ${p} overlaps the block before it (which ends at ${at})`);
      if (p > at) fail(`bytes ${at}..${p} belong to no block`);
      if (!isLive && prevFree) fail(`free blocks end and start at ${p} without coalescing`);
      prevFree = !isLive;
      at = p + size;
    }
    if (at !== this.top) fail(`blocks end at ${at} but the top is ${this.top}`);
    if (this.top > this.capacity)
      fail(`top ${this.top} is past the memory's ${this.capacity} bytes`);
    if (prevFree) fail(`a free block ends at the top ${this.top} (the top should have come down)`);
    let binned = 0;
    for (const [size, bin] of this.bins) {
      binned += bin.length;
      const listed = this.sizes.includes(size);
      if (listed !== bin.length > 0)
        fail(`size ${size} listed ${listed} with ${bin.length} free blocks`);
    }
    if (binned !== freeCount) fail(`${binned} blocks in buckets but ${freeCount} free blocks`);
    for (let i = 1; i < this.sizes.length; i++) {
      if (this.sizes[i - 1] >= this.sizes[i]) fail(`free sizes out of order at ${i}`);
    }
    if (freeBytes + live !== this.top - this.base)
      fail("live and free bytes do not add up to the heap");
  }

  /** A byte view of all of memory, valid until the next growth. */
  get u8(): Uint8Array {
    if (this.stale) this.refresh();
    return this.u8View;
  }

  /** An i32 view of all of memory, valid until the next growth. */
  get i32(): Int32Array {
    if (this.stale) this.refresh();
    return this.i32View;
  }

  /** An f32 view of all of memory, valid until the next growth. */
  get f32(): Float32Array {
    if (this.stale) this.refresh();
    return this.f32View;
  }

  /**
   * The views are rebuilt only after this arena grew memory (the kernels never grow it), so the
   * getters do not read `memory.buffer` on every call. A detached view (length 0) also counts as
   * stale, in case something else grew the memory.
   */
  private get stale(): boolean {
    return this.buffer === null || this.u8View.length === 0;
  }

  private refresh(): void {
    const b = this.memory.buffer as ArrayBuffer;
    if (b !== this.buffer) {
      this.buffer = b;
      this.u8View = new Uint8Array(b);
      this.i32View = new Int32Array(b);
      this.f32View = new Float32Array(b);
    }
  }

  /** Grows memory so that byte `end` is addressable (by at least half, and 1 MiB, to amortize). */
  private ensure(end: number): void {
    if (end <= this.capacity) return;
    if (end > MAX_BYTES) throw this.outOfMemory(end);
    const have = this.memory.buffer.byteLength;
    const need = Math.ceil((end - have) / PAGE);
    const pages = Math.max(
      need,
      Math.min(Math.max(16, Math.ceil(have / PAGE / 2)), 65536 - have / PAGE),
    );
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(need);
      } catch {
        throw this.outOfMemory(end);
      }
    }
    this.buffer = null;
    this.capacity = this.memory.buffer.byteLength;
  }

  /** The error for a heap that would have to end at byte `end`, with the sizes involved. */
  private outOfMemory(end: number): RangeError {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    return new RangeError(
      `wasm arena: out of memory: the wasm memory would have to grow from ${mib(this.capacity)} to ${mib(end)} (${mib(this.inUse)} in use); a wasm memory holds at most 4 GiB, and the engine may allow less`,
    );
  }

  /** Takes a free block of at least `size` bytes (best fit, splitting the rest), or -1. */
  private takeFree(size: number): Ptr {
    const s = this.sizes;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < size) lo = mid + 1;
      else hi = mid;
    }
    if (lo === s.length) return -1;
    const found = s[lo];
    const bin = this.bins.get(found)!;
    const ptr = bin[bin.length - 1];
    this.removeFree(ptr);
    if (found > size) this.addFree(ptr + size, found - size);
    return ptr;
  }

  private addFree(ptr: Ptr, size: number): void {
    this.freeAt.set(ptr, size);
    this.freeEnd.set(ptr + size, ptr);
    let bin = this.bins.get(size);
    if (bin === undefined) {
      bin = [];
      this.bins.set(size, bin);
    }
    if (bin.length === 0) {
      const s = this.sizes;
      let i = s.length;
      while (i > 0 && s[i - 1] > size) i--;
      s.splice(i, 0, size);
    }
    this.slot.set(ptr, bin.length);
    bin.push(ptr);
  }

  private removeFree(ptr: Ptr): void {
    const size = this.freeAt.get(ptr)!;
    this.freeAt.set(ptr, 0);
    this.freeEnd.set(ptr + size, -1);
    const bin = this.bins.get(size)!;
    const at = this.slot.get(ptr)!;
    const moved = bin.pop()!;
    if (moved !== ptr) {
      bin[at] = moved;
      this.slot.set(moved, at);
    }
    this.slot.set(ptr, -1);
    if (bin.length === 0) this.sizes.splice(this.sizes.indexOf(size), 1);
  }
}
