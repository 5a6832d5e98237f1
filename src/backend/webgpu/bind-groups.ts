/**
 * Bind groups and kernel parameters of the webgpu backend: a group is kept per pipeline and
 * `GPUBuffer`s, with a variant per parameter set (the steps of a `scan` bind the same buffers at
 * other offsets), its parameters in a slot of a shared buffer; a dispatch that cannot use one gets
 * a group of its own with a parameter buffer from a pool. Parameter buffers and slots in use by
 * the open encoder are released at submit ({@link releaseParams}).
 * @module
 */
import {
  counts,
  createGpuBuffer,
  encoderOpen,
  generationNow,
  gpuDevice,
  poolPush,
} from "./device.js";

/** Parameter buffers bound in the open encoder; they return to {@link metaPool} at submit. */
let metaInFlight: GPUBuffer[] = [];
/** Free parameter buffers, by size in bytes. */
const metaPool = new Map<number, GPUBuffer[]>();

/**
 * A bind group kept for a pipeline and its buffers, with a parameter slot of its own that holds
 * `values`. It binds `GPUBuffer` objects, not tensors: when the pool hands a buffer to another
 * tensor, the group still binds the memory that tensor lives in, so reuse needs no invalidation.
 * A destroyed buffer drops its groups ({@link forgetBindGroups}).
 */
interface CachedGroup {
  readonly group: GPUBindGroup;
  readonly slot: MetaSlot;
  /** Bytes of parameters the group binds. */
  readonly bytes: number;
  readonly buffers: readonly GPUBuffer[];
  values: Int32Array;
  /** The generation ({@link generationNow}) it was last recorded in. */
  used: number;
}

/**
 * Cached bind groups by pipeline and buffer ids, oldest first: for each, its variants (the same
 * buffers with other parameters, as the kernels of a `scan` over row views have: one per row).
 */
const groupCache = new Map<string, CachedGroup[]>();
/** The keys of the cached groups that bind each buffer. */
const groupsOf = new Map<GPUBuffer, Set<string>>();
/** The most bind groups kept (variants included); past it the oldest key's are dropped. */
const MAX_CACHED_GROUPS = 4096;
/** The most variants kept of one pipeline and its buffers. */
const MAX_VARIANTS = 256;
/** Bind groups in {@link groupCache}, variants included. */
let cachedCount = 0;
const ids = new WeakMap<object, number>();
let lastId = 0;
const idOf = (o: object): number => {
  let i = ids.get(o);
  if (i === undefined) ids.set(o, (i = ++lastId));
  return i;
};

/**
 * The parameters of cached groups live in slots of shared buffers (chunks of
 * {@link SLOTS_PER_CHUNK} slots of {@link SLOT_BYTES}, a multiple of every device's storage offset
 * alignment), so that a group made for new buffers takes a free slot instead of a new `GPUBuffer`.
 */
interface MetaSlot {
  readonly buffer: GPUBuffer;
  readonly offset: number;
}
const SLOT_BYTES = 256;
const SLOTS_PER_CHUNK = 256;
const freeSlots: MetaSlot[] = [];
/** Slots of groups dropped while the open encoder uses them; free again at submit. */
let slotsInFlight: MetaSlot[] = [];

function takeSlot(): MetaSlot {
  const slot = freeSlots.pop();
  if (slot) return slot;
  const buffer = createGpuBuffer({
    size: SLOT_BYTES * SLOTS_PER_CHUNK,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  for (let i = SLOTS_PER_CHUNK - 1; i > 0; i--) freeSlots.push({ buffer, offset: i * SLOT_BYTES });
  return { buffer, offset: 0 };
}

function sameValues(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function createGroup(
  p: GPUComputePipeline,
  buffers: readonly GPUBuffer[],
  meta: GPUBufferBinding,
): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({
    binding,
    resource: { buffer },
  }));
  entries.push({ binding: buffers.length, resource: meta });
  counts.bindGroupsCreated++;
  return gpuDevice().createBindGroup({ layout: p.getBindGroupLayout(0), entries });
}

/**
 * The bind group of one dispatch of `p` over `buffers` with parameters `meta`: a cached group of
 * that pipeline and those buffers that holds these parameters; or one not recorded since the last
 * submit, its parameters rewritten through the queue (which lands before the open encoder runs,
 * after everything submitted); or a new variant (so a `scan`, whose steps differ in their
 * parameters only, reuses one group per step from its second call on). Past
 * {@link MAX_VARIANTS}, and for parameters longer than a slot, a dispatch gets a group of its own
 * with a parameter buffer from the pool, as every dispatch did before the cache.
 */
export function bindGroup(
  p: GPUComputePipeline,
  buffers: readonly GPUBuffer[],
  meta: Int32Array,
): GPUBindGroup {
  const device = gpuDevice();
  const bytes = Math.max(16, Math.ceil(meta.byteLength / 16) * 16);
  if (bytes <= SLOT_BYTES) {
    let key = `${idOf(p)}`;
    for (const b of buffers) key += `,${idOf(b)}`;
    const variants = groupCache.get(key) ?? [];
    const same = variants.find((g) => g.bytes === bytes && sameValues(g.values, meta));
    if (same) {
      same.used = generationNow();
      counts.bindGroupsReused++;
      return same.group;
    }
    const idle = variants.find((g) => g.bytes === bytes && g.used !== generationNow());
    if (idle) {
      device.queue.writeBuffer(idle.slot.buffer, idle.slot.offset, meta);
      counts.paramBytesUploaded += meta.byteLength;
      idle.values = meta.slice();
      idle.used = generationNow();
      counts.bindGroupsReused++;
      return idle.group;
    }
    if (variants.length < MAX_VARIANTS) return cacheGroup(key, p, buffers, meta, bytes);
  }
  // a parameter buffer is used by one dispatch per command buffer, so writing it through the
  // queue (which runs before the open encoder is submitted) cannot change what another reads
  const metaBuf =
    metaPool.get(bytes)?.pop() ??
    createGpuBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(metaBuf, 0, meta);
  counts.paramBytesUploaded += meta.byteLength;
  metaInFlight.push(metaBuf);
  return createGroup(p, buffers, { buffer: metaBuf });
}

/** A new cached group, its parameters written to a free slot (no recorded command uses it). */
function cacheGroup(
  key: string,
  p: GPUComputePipeline,
  buffers: readonly GPUBuffer[],
  meta: Int32Array,
  bytes: number,
): GPUBindGroup {
  const slot = takeSlot();
  gpuDevice().queue.writeBuffer(slot.buffer, slot.offset, meta);
  counts.paramBytesUploaded += meta.byteLength;
  const entry: CachedGroup = {
    group: createGroup(p, buffers, { buffer: slot.buffer, offset: slot.offset, size: bytes }),
    slot,
    bytes,
    buffers,
    values: meta.slice(),
    used: generationNow(),
  };
  const variants = groupCache.get(key);
  if (variants) variants.push(entry);
  else {
    groupCache.set(key, [entry]);
    for (const b of buffers) {
      const keys = groupsOf.get(b);
      if (keys) keys.add(key);
      else groupsOf.set(b, new Set([key]));
    }
  }
  cachedCount++;
  while (cachedCount > MAX_CACHED_GROUPS) {
    const [oldKey] = groupCache.keys();
    if (oldKey === key) break;
    dropGroups(oldKey);
  }
  return entry.group;
}

/** Removes the cached groups of `key`; their slots are free again once no recorded command uses them. */
function dropGroups(key: string): void {
  const variants = groupCache.get(key);
  if (!variants) return;
  groupCache.delete(key);
  cachedCount -= variants.length;
  for (const b of variants[0].buffers) {
    const keys = groupsOf.get(b);
    keys?.delete(key);
    if (keys?.size === 0) groupsOf.delete(b);
  }
  for (const g of variants) {
    if (g.used === generationNow() && encoderOpen()) slotsInFlight.push(g.slot);
    else freeSlots.push(g.slot);
  }
}

/**
 * Drops the cached bind groups that bind `b` (called when `b` is destroyed: its groups could never
 * be used again, and would keep it and their parameter buffers alive).
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * forgetBindGroups(newGpuBuf("f32", 4).cell.buffer);
 * ```
 */
export function forgetBindGroups(b: GPUBuffer): void {
  const keys = groupsOf.get(b);
  if (!keys) return;
  for (const key of [...keys]) dropGroups(key);
  groupsOf.delete(b);
}

/**
 * Bind groups in the cache now.
 * @example
 * ```ts
 * cachedBindGroups(); // 0 before any dispatch
 * ```
 */
export function cachedBindGroups(): number {
  return cachedCount;
}

/**
 * Returns the parameter buffers and slots the submitted commands used to their pools (called at
 * submit: later queue writes into them land after the submitted commands that read them).
 * @example
 * ```ts
 * releaseParams();
 * ```
 */
export function releaseParams(): void {
  for (const b of metaInFlight) poolPush(metaPool, b);
  metaInFlight = [];
  for (const slot of slotsInFlight) freeSlots.push(slot);
  slotsInFlight = [];
}
