/**
 * Where one of typegrad's benchmark workloads spends its time, kernel by kernel: every method of
 * the wasm backend is wrapped with a timer, the workload runs (warm-up, then timed runs), and the
 * table lists each kernel call site (matmul shapes, fused op lists) with its mean time per run,
 * against the wall time of a run. The rest is JavaScript: dispatch, planning, read-back.
 *
 * ```sh
 * npm run build && node dist/bench/kernel-times.js mlpInfer128   # or mlpTrain, cnnTrain, lstmTrain
 * ```
 * @module
 */
import type { Backend, Buf, FusedOp } from "../src/backend/backend.js";
import { wasmBackend } from "../src/backend/wasm/backend.js";
import type { Runner } from "./harness.js";
import { cnnTrain, lstmTrain, mlpInfer, mlpTrain } from "./typegrad.js";

const WORKLOADS: Record<string, () => Runner> = {
  mlpInfer1: () => mlpInfer(1),
  mlpInfer128: () => mlpInfer(128),
  mlpTrain,
  cnnTrain,
  lstmTrain,
};

/** A readable key for one kernel call: the method, plus shapes for matmul and ops for fused. */
function callKey(name: string, args: unknown[]): string {
  if (name === "matmul") {
    const [, , , batch, m, k, n] = args as number[];
    return `matmul ${batch > 1 ? `${batch}×` : ""}${m}×${k}×${n}`;
  }
  if (name === "fused") {
    const [ops, , outs] = args as [FusedOp[], Buf[], Buf[]];
    const n = outs.length > 1 ? `${outs[0].size}→${outs.length}` : `${outs[0]?.size}`;
    return `fused[${n}] ${ops.map((o) => o.op).join(",")}`;
  }
  if (name === "unary" || name === "binary") {
    const out = args[name === "unary" ? 2 : 3] as Buf;
    return `${name} ${String(args[0])}[${out.size}]`;
  }
  if (name === "copy") return `copy[${(args[6] as number[]).join("×")}]`;
  if (name === "reduce") {
    const [op, , , outer, mid, inner] = args as [string, Buf, Buf, number, number, number];
    return `reduce ${op} [${outer}, ${mid}, ${inner}]`;
  }
  return name;
}

const which = process.argv[2] ?? "mlpInfer128";
const make = WORKLOADS[which];
if (!make) {
  throw new Error(`kernel-times: unknown workload ${which} (${Object.keys(WORKLOADS).join(", ")})`);
}
const times = new Map<string, { ms: number; calls: number }>();
const be = wasmBackend as unknown as Record<string, unknown>;
for (const [name, fn] of Object.entries(be)) {
  if (typeof fn !== "function") continue;
  be[name] = function (this: Backend, ...args: unknown[]) {
    const t = performance.now();
    const out = (fn as (...a: unknown[]) => unknown).apply(this, args);
    const key = callKey(name, args);
    const s = times.get(key) ?? { ms: 0, calls: 0 };
    s.ms += performance.now() - t;
    s.calls++;
    times.set(key, s);
    return out;
  };
}
const runner = make();
for (let i = 0; i < 20; i++) runner.run();
times.clear();
const runs = 100;
const t0 = performance.now();
for (let i = 0; i < runs; i++) runner.run();
const wall = (performance.now() - t0) / runs;
const rows = [...times].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0) / runs;
console.log(
  `${which}: ${(wall * 1000).toFixed(0)} µs per run (mean of ${runs}), ${((inKernels / wall) * 100).toFixed(0)} % in kernels`,
);
for (const [key, { ms, calls }] of rows) {
  const per = (ms / runs) * 1000;
  if (per < 0.5) continue;
  console.log(
    `${per.toFixed(1).padStart(9)} µs  ${(calls / runs).toFixed(1).padStart(5)}×  ${key}`,
  );
}
runner.dispose?.();
