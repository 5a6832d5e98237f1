/**
 * The WebGPU device of the webgpu backend: finding an adapter (the browser's `navigator.gpu`, or
 * in Node the npm `webgpu` package, Dawn's binding), one shared command encoder that kernels
 * record into, the compiled-pipeline cache, and validation errors reported at the next read.
 *
 * Ordering: every kernel and every upload from the host is recorded into the open encoder, in
 * call order; the encoder is submitted before a read-back, after {@link MAX_PASSES} passes, or when
 * the event loop turns. Buffers freed meanwhile are destroyed only after that submit.
 * @module
 */

/** The adapter and device in use, and what the adapter says about itself. */
export interface GpuContext {
  readonly device: GPUDevice;
  /** `vendor architecture device description` of the adapter, as it reports them. */
  readonly adapter: string;
  /** The GPU object (kept referenced: Dawn's Node binding crashes if it is collected). */
  readonly gpu: GPU;
}

let ctx: GpuContext | null = null;
let pending: Promise<GpuContext> | null = null;

/** The first validation or out-of-memory error the device reported, thrown at the next read. */
let deviceError: string | null = null;

/**
 * Finds an adapter and opens a device, once. Rejects with an error that says why when there is
 * no WebGPU implementation or no adapter.
 * @example
 * ```ts
 * const { adapter } = await initDevice(); // "google swiftshader …" on a machine without a GPU
 * ```
 */
export function initDevice(): Promise<GpuContext> {
  if (ctx) return Promise.resolve(ctx);
  if (!pending) {
    pending = openDevice().then(
      (c) => {
        ctx = c;
        return c;
      },
      (e: unknown) => {
        pending = null;
        throw e;
      },
    );
  }
  return pending;
}

async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode =
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions
      ?.node === "string";
  if (!isNode) throw new Error("webgpu: this environment has no navigator.gpu");
  let mod: { create: (flags: string[]) => GPU; globals: object };
  try {
    // a variable specifier keeps bundlers from resolving the optional package
    const name = "webgpu";
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    throw new Error(
      `webgpu: in Node the WebGPU backend needs the npm package "webgpu" (Dawn's binding): npm install webgpu (${(e as Error).message})`,
    );
  }
  // GPUBufferUsage, GPUMapMode and the other enums the kernels use
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  return mod.create([]);
}

async function openDevice(): Promise<GpuContext> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      "webgpu: no adapter was found (without a GPU, install SwiftShader's Vulkan driver — Debian's chromium-common and libvulkan1 — and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)",
    );
  }
  const lim = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
      maxBufferSize: lim.maxBufferSize,
    },
  });
  device.addEventListener("uncapturederror", (ev) => {
    deviceError ??= (ev as GPUUncapturedErrorEvent).error.message;
  });
  const i = adapter.info;
  const adapterName = [i.vendor, i.architecture, i.device, i.description]
    .filter((s) => s)
    .join(" ");
  return { device, adapter: adapterName, gpu };
}

/**
 * The open device; throws if `useBackend("webgpu")` has not finished.
 * @example
 * ```ts
 * gpuDevice().limits.maxStorageBuffersPerShaderStage;
 * ```
 */
export function gpuDevice(): GPUDevice {
  if (!ctx) throw new Error('webgpu: no device; call `await tg.useBackend("webgpu")` first');
  return ctx.device;
}

/**
 * The adapter's description, or null before the device is open.
 * @example
 * ```ts
 * adapterName(); // "google swiftshader swiftshader-device-subzero SwiftShader driver 5.0.0"
 * ```
 */
export function adapterName(): string | null {
  return ctx?.adapter ?? null;
}

/**
 * Throws the first error the device reported (a failed pipeline or dispatch), once.
 * @example
 * ```ts
 * await gpuDevice().queue.onSubmittedWorkDone(); throwDeviceError("read");
 * ```
 */
export function throwDeviceError(op: string): void {
  if (deviceError === null) return;
  const msg = deviceError;
  deviceError = null;
  throw new Error(`webgpu ${op}: an earlier kernel failed on the device: ${msg}`);
}

// -- recording and submitting ------------------------------------------------------------------

/** Passes recorded before the encoder is submitted without waiting for the event loop. */
const MAX_PASSES = 256;

let encoder: GPUCommandEncoder | null = null;
let passes = 0;
/**
 * Kernels dispatched, command buffers submitted and `GPUBuffer`s created since the device opened
 * (buffers are pooled: a jitted step that runs again creates none); bytes of tensor data uploaded
 * from the host and read back to it, and bytes of kernel parameters written through the queue.
 */
const counts = {
  dispatches: 0,
  submits: 0,
  buffers: 0,
  bindGroupsCreated: 0,
  bindGroupsReused: 0,
  bytesUploaded: 0,
  bytesReadBack: 0,
  paramBytesUploaded: 0,
};

/**
 * Adds `n` bytes moved between host and GPU to {@link deviceCounts}: tensor data uploaded
 * (`bytesUploaded`) or read back (`bytesReadBack`).
 * @example
 * ```ts
 * countBytes("bytesUploaded", 4 * 1024); // 1024 floats written to a GPU buffer
 * ```
 */
export function countBytes(kind: "bytesUploaded" | "bytesReadBack", n: number): void {
  counts[kind] += n;
}
/** Submits so far: a cached bind group used since the last submit has `used === generation`. */
let generation = 0;
/** GPU buffers that commands in the open encoder use (a direct queue write would pass them). */
const recorded = new Set<GPUBuffer>();
/** Parameter buffers bound in the open encoder; they return to {@link metaPool} at submit. */
let metaInFlight: GPUBuffer[] = [];
/** Free parameter buffers, by size in bytes. */
const metaPool = new Map<number, GPUBuffer[]>();
let scheduled = false;
/** Buffers to destroy once the commands that use them were submitted. */
let afterSubmit: GPUBuffer[] = [];

/**
 * The open command encoder (opened on first use, submitted by {@link submit}).
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const [a, b] = [newGpuBuf("f32", 4).cell.buffer, newGpuBuf("f32", 4).cell.buffer];
 * commandEncoder().copyBufferToBuffer(a, 0, b, 0, 16);
 * ```
 */
export function commandEncoder(): GPUCommandEncoder {
  if (!encoder) {
    encoder = gpuDevice().createCommandEncoder();
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        submit();
      });
    }
  }
  return encoder;
}

/**
 * Destroys `b` after the recorded commands are submitted (destroying earlier would invalidate
 * them; WebGPU keeps a destroyed buffer alive until submitted work that uses it is done).
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const staging = newGpuBuf("f32", 4).cell.buffer; // e.g. a buffer a recorded copy still reads
 * destroyLater(staging);
 * ```
 */
export function destroyLater(b: GPUBuffer): void {
  forgetBindGroups(b);
  if (encoder) afterSubmit.push(b);
  else b.destroy();
}

/**
 * Submits what was recorded, then destroys the buffers released meanwhile.
 * @example
 * ```ts
 * submit();
 * ```
 */
export function submit(): void {
  if (encoder) {
    const e = encoder;
    encoder = null;
    passes = 0;
    counts.submits++;
    generation++;
    gpuDevice().queue.submit([e.finish()]);
  }
  recorded.clear();
  // later queue writes into these land after the submitted commands that read them
  for (const b of metaInFlight) poolPush(metaPool, b);
  metaInFlight = [];
  for (const slot of slotsInFlight) freeSlots.push(slot);
  slotsInFlight = [];
  const list = afterSubmit;
  afterSubmit = [];
  for (const b of list) b.destroy();
}

/**
 * Keeps `b` in `pool` under its size in bytes, for reuse.
 * @example
 * ```ts
 * const pool = new Map<number, GPUBuffer[]>();
 * poolPush(pool, createGpuBuffer({ size: 256, usage: 0x80 })); // a STORAGE buffer
 * ```
 */
export function poolPush(pool: Map<number, GPUBuffer[]>, b: GPUBuffer): void {
  const list = pool.get(b.size);
  if (list) list.push(b);
  else pool.set(b.size, [b]);
}

/**
 * Creates a `GPUBuffer`, counted in {@link deviceCounts} (`buffers`).
 * @example
 * ```ts
 * createGpuBuffer({ size: 256, usage: 0x80 }); // GPUBufferUsage.STORAGE
 * ```
 */
export function createGpuBuffer(desc: GPUBufferDescriptor): GPUBuffer {
  counts.buffers++;
  return gpuDevice().createBuffer(desc);
}

/**
 * Notes that a command recorded in the open encoder uses `b`: until the next submit, data for
 * `b` from the host must be recorded as a copy too, not written to the queue directly.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * recordUse(newGpuBuf("f32", 4).cell.buffer);
 * ```
 */
export function recordUse(b: GPUBuffer): void {
  if (encoder) recorded.add(b);
}

/**
 * Whether a command recorded in the open encoder uses `b` (see {@link recordUse}).
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * usedInEncoder(newGpuBuf("f32", 4).cell.buffer); // false
 * ```
 */
export function usedInEncoder(b: GPUBuffer): boolean {
  return encoder !== null && recorded.has(b);
}

// -- pipelines and dispatch --------------------------------------------------------------------

const pipelines = new Map<string, GPUComputePipeline>();

/**
 * The compute pipeline of a WGSL module (entry point `main`), compiled once per source text.
 * @example
 * ```ts
 * const code = "@group(0) @binding(0) var<storage, read_write> b0: array<f32>;\n" +
 *   "@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { b0[g.x] = 1.0; }";
 * pipeline(code).getBindGroupLayout(0);
 * ```
 */
export function pipeline(code: string): GPUComputePipeline {
  let p = pipelines.get(code);
  if (!p) {
    const device = gpuDevice();
    p = device.createComputePipeline({
      layout: "auto",
      compute: { module: device.createShaderModule({ code }), entryPoint: "main" },
    });
    pipelines.set(code, p);
  }
  return p;
}

/**
 * Records one dispatch of `code` with `buffers` at bindings `0…` and `meta` (i32 parameters, `prm` in WGSL) at the
 * next binding as a read-only storage buffer.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * import { bindings, elementKernel } from "./wgsl.js";
 * const n = 1000;
 * const [xb, ob] = [newGpuBuf("f32", n), newGpuBuf("f32", n)];
 * const b = bindings([{ buf: xb, write: false }, { buf: ob, write: true }]);
 * const [code, x, out] = [elementKernel(b, "b1[i] = b0[i];"), xb.cell.buffer, ob.cell.buffer];
 * dispatch(code, [x, out], Int32Array.of(n), [Math.ceil(n / 256), 1, 1]);
 * ```
 */
export function dispatch(
  code: string,
  buffers: readonly GPUBuffer[],
  meta: Int32Array,
  groups: readonly [number, number, number],
): void {
  if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
  const p = pipeline(code);
  const group = bindGroup(p, buffers, meta);
  const pass = commandEncoder().beginComputePass();
  for (const b of buffers) recorded.add(b);
  pass.setPipeline(p);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
  pass.end();
  counts.dispatches++;
  if (++passes >= MAX_PASSES) submit();
}

// -- bind groups -------------------------------------------------------------------------------

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
  /** The {@link generation} it was last recorded in. */
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
function bindGroup(
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
      same.used = generation;
      counts.bindGroupsReused++;
      return same.group;
    }
    const idle = variants.find((g) => g.bytes === bytes && g.used !== generation);
    if (idle) {
      device.queue.writeBuffer(idle.slot.buffer, idle.slot.offset, meta);
      counts.paramBytesUploaded += meta.byteLength;
      idle.values = meta.slice();
      idle.used = generation;
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
    used: generation,
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
    if (g.used === generation && encoder) slotsInFlight.push(g.slot);
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

/** The largest workgroup count along one dispatch dimension (WebGPU's default limit). */
export const MAX_GROUPS = 65535;

/**
 * A 2-D grid of `groups` workgroups (x at most {@link MAX_GROUPS}): kernels number their workgroup
 * `wid.y * nx + wid.x` and skip numbers ≥ `groups`.
 * @example
 * ```ts
 * grid(70000); // [65535, 2, 1]
 * ```
 */
export function grid(groups: number): [number, number, number] {
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/**
 * Pipelines compiled, kernels dispatched, command buffers submitted, GPU buffers and bind groups
 * created, dispatches that reused a cached bind group, and bytes uploaded, read back and written
 * as kernel parameters, since the device opened; and the bind groups cached now.
 * @example
 * ```ts
 * deviceCounts().dispatches;
 * ```
 */
export function deviceCounts(): {
  pipelines: number;
  dispatches: number;
  submits: number;
  buffers: number;
  bindGroupsCreated: number;
  bindGroupsReused: number;
  bindGroupsCached: number;
  bytesUploaded: number;
  bytesReadBack: number;
  paramBytesUploaded: number;
} {
  return { pipelines: pipelines.size, ...counts, bindGroupsCached: cachedCount };
}
