// Probes for a WebGPU adapter in Node (npm `webgpu`, Dawn) and checks one compute shader.
// On a machine without a GPU, run it on SwiftShader's Vulkan (Debian `chromium-common`):
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium \
//     node scripts/webgpu-probe.mjs
// Exits 1 when no adapter is found or the shader's result is wrong.
import { create, globals } from "webgpu";

Object.assign(globalThis, globals);
// keep the GPU object referenced: Dawn crashes if it is collected while a device is in use
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error("webgpu-probe: no adapter (is VK_ICD_FILENAMES set to a Vulkan driver?)");
  process.exit(1);
}
const info = adapter.info;
console.log(
  `adapter: ${info.vendor} ${info.architecture} ${info.device} ${info.description}`.trim(),
);
const device = await adapter.requestDevice();
const n = 1000;
const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
const buf = device.createBuffer({ size: n * 4, usage });
device.queue.writeBuffer(
  buf,
  0,
  Float32Array.from({ length: n }, (_, i) => i),
);
const module = device.createShaderModule({
  code: `@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&x)) { x[g.x] = x[g.x] * 2.0 + 1.0; }
}`,
});
const pipeline = device.createComputePipeline({
  layout: "auto",
  compute: { module, entryPoint: "main" },
});
const group = device.createBindGroup({
  layout: pipeline.getBindGroupLayout(0),
  entries: [{ binding: 0, resource: { buffer: buf } }],
});
const readback = device.createBuffer({
  size: n * 4,
  usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
});
const enc = device.createCommandEncoder();
const pass = enc.beginComputePass();
pass.setPipeline(pipeline);
pass.setBindGroup(0, group);
pass.dispatchWorkgroups(Math.ceil(n / 64));
pass.end();
enc.copyBufferToBuffer(buf, 0, readback, 0, n * 4);
device.queue.submit([enc.finish()]);
await readback.mapAsync(GPUMapMode.READ);
const out = new Float32Array(readback.getMappedRange().slice(0));
const bad = out.findIndex((v, i) => v !== 2 * i + 1);

if (bad >= 0) {
  console.error(`webgpu-probe: element ${bad} is ${out[bad]}, expected ${2 * bad + 1}`);
  process.exit(1);
}
console.log(`compute shader: ${n} elements correct`);
