/**
 * `npm run bench -- --webgpu [--sides=typegrad-webgpu,…] [--only=lstmTrain,…] [--out=FILE]` (or
 * `--sides=` naming any `*-webgpu` side): the WebGPU section of the benchmark, apart from the
 * default run (on a machine without a GPU it runs on SwiftShader, Vulkan on the CPU, which is
 * slow). typegrad's webgpu backend against TensorFlow.js's and jax-js's, all three on one
 * `navigator.gpu` from the npm `webgpu` package (Dawn); the sides and workloads are in
 * `bench/webgpu-sides.ts`. Reads on the GPU are asynchronous, so runs are awaited: warm-up, then
 * the median of single timed runs. After the timed runs, {@link COUNT_UNITS} more runs are counted:
 * typegrad's own counters (`tg.webgpuInfo()`), and every side's calls at the WebGPU API
 * (`bench/webgpu-count.ts`). Without an adapter the section says so and measures nothing. Writes
 * `bench/results-webgpu.md`, except for a partial run (`--sides`, `--only`) without `--out=FILE`.
 * @module
 */
import { execSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { METRICS, reason } from "./harness.js";
import { type ApiCounts, countWebgpuCalls } from "./webgpu-count.js";
import {
  type AsyncRunner,
  type GpuSide,
  type GpuWorkload,
  jaxjsSide,
  tfjsSide,
  typegradSide,
  WORKLOADS,
} from "./webgpu-sides.js";

/** The sides, in column order. */
const SIDES: [string, () => Promise<GpuSide>][] = [
  ["typegrad-webgpu", typegradSide],
  ["tfjs-webgpu", tfjsSide],
  ["jax-js-webgpu", jaxjsSide],
];

/** Runs counted after the timed ones (figures per unit are their mean). */
const COUNT_UNITS = 2;

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

/**
 * Gives Node a `navigator.gpu` from the `webgpu` package (and its enums as globals), as a browser
 * has; returns the adapter's name, or null when there is none.
 */
async function openGpu(): Promise<string | null> {
  // SwiftShader when nothing else was chosen (set before Dawn loads)
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  }
  const name = "webgpu";
  const mod = (await import(name)) as { create(flags: string[]): GPU; globals: object };
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const gpu = mod.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
  else {
    Object.defineProperty(globalThis, "navigator", {
      value: { gpu, userAgent: `Node.js ${process.version}`, hardwareConcurrency: cpus().length },
      configurable: true,
    });
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const i = adapter.info;
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(" ");
}

// -- timing ------------------------------------------------------------------------------------

/** Warm-up runs, timed runs and the seconds after which 3 timed runs suffice, per workload. */
const PLANS: Record<GpuWorkload, { warmup: number; reps: number; budget: number }> = {
  matmul256: { warmup: 2, reps: 7, budget: 20 },
  matmul512: { warmup: 2, reps: 7, budget: 20 },
  mlpTrain: { warmup: 2, reps: 7, budget: 20 },
  // seconds per step on SwiftShader
  cnnTrain: { warmup: 1, reps: 7, budget: 30 },
  lstmTrain: { warmup: 1, reps: 7, budget: 30 },
};

/** Median and best seconds of single awaited runs after `warmup` runs (fewer past `budget` s). */
async function measureAsync(
  r: AsyncRunner,
  plan = { warmup: 2, reps: 7, budget: 20 },
): Promise<{ seconds: number; best: number; reps: number }> {
  for (let i = 0; i < plan.warmup; i++) await r.run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < plan.reps) {
    const t = performance.now();
    await r.run();
    times.push((performance.now() - t) / 1000);
    if (times.length >= 3 && (performance.now() - start) / 1000 > plan.budget) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const seconds = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { seconds, best: times[0], reps: times.length };
}

/**
 * A markdown table padded as biome's formatter pads it (so the written file needs no fixing):
 * every column as wide as its widest cell (at least 3), the `right` ones right-aligned (`---:`).
 * @example
 * ```ts
 * markdownTable(["side", "ms"], [false, true], [["wasm", "1.5"]]);
 * // ["| side |  ms |", "| ---- | --: |", "| wasm | 1.5 |"]
 * ```
 */
function markdownTable(head: string[], right: boolean[], rows: string[][]): string[] {
  // a `|` would end the cell and `*x*` would be rewritten as `_x_` (error messages are cells)
  const body = rows.map((r) => r.map((s) => s.replace(/[|*]/g, "\\$&")));
  const len = (s: string) => [...s].length;
  const width = head.map((_, c) => Math.max(3, ...[head, ...body].map((r) => len(r[c]))));
  const pad = (s: string, c: number) => {
    const fill = " ".repeat(width[c] - len(s));
    return right[c] ? fill + s : s + fill;
  };
  const line = (r: string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = width.map((w, c) => (right[c] ? `${"-".repeat(w - 1)}:` : "-".repeat(w)));
  return [line(head), `| ${rule.join(" | ")} |`, ...body.map(line)];
}

const fmt = (x: number): string =>
  x >= 100 ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(2);

/** Command-line options of the section. */
interface Args {
  sides: string[];
  only: GpuWorkload[];
  out: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sides: [], only: [], out: null };
  const names = SIDES.map(([n]) => n);
  for (const a of argv) {
    const [k, v = ""] = a.split("=");
    if (k === "--webgpu") continue;
    if (k === "--sides") {
      for (const n of v.split(",").filter(Boolean)) {
        if (!names.includes(n))
          throw new Error(`bench --webgpu: unknown side ${n} (one of ${names.join(", ")})`);
        args.sides.push(n);
      }
    } else if (k === "--only") {
      for (const w of v.split(",").filter(Boolean)) {
        if (!(WORKLOADS as readonly string[]).includes(w))
          throw new Error(`bench --webgpu: unknown workload ${w} (one of ${WORKLOADS.join(", ")})`);
        args.only.push(w as GpuWorkload);
      }
    } else if (k === "--out") args.out = v;
    else throw new Error(`bench --webgpu: unknown option ${a} (--sides, --only, --out)`);
  }
  return args;
}

/** What one (side, workload) cell measured. */
interface CellResult {
  text: string;
  /** typegrad's own counters over the counted runs, per unit (null for the peers). */
  own: Record<string, number> | null;
  /** The WebGPU API calls over the counted runs, per unit. */
  api: ApiCounts | null;
}

/** Each count of `after` less the one in `before` (0 when missing), per counted unit. */
function perUnit(after: Record<string, number>, before: Record<string, number> = {}) {
  return Object.fromEntries(
    Object.entries(after).map(([k, v]) => [k, (v - (before[k] ?? 0)) / COUNT_UNITS]),
  );
}

/** Times one workload on one side, then counts {@link COUNT_UNITS} more runs. */
async function runCell(side: GpuSide, w: GpuWorkload): Promise<CellResult> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let r: AsyncRunner | null = null;
  try {
    await side.prepare();
    r = await side.setup[w]();
    const m = await measureAsync(r, PLANS[w]);
    const [fig, best] = [METRICS[w].figure(m.seconds), METRICS[w].figure(m.best)];
    log(
      `${side.name.padEnd(16)} ${w.padEnd(10)} ${fmt(fig)} ${METRICS[w].unit}, best ${fmt(best)} (${m.reps} runs, ${(m.seconds * 1000).toFixed(0)} ms median, load ${loadavg()[0].toFixed(1)})`,
    );
    const before = side.counters?.() ?? null;
    const counting = countWebgpuCalls();
    let api: ApiCounts;
    try {
      for (let i = 0; i < COUNT_UNITS; i++) await r.run();
    } finally {
      api = counting.stop();
    }
    const after = side.counters?.() ?? null;
    return {
      text: `${fmt(fig)} (best ${fmt(best)})`,
      own: before && after ? perUnit(after, before) : null,
      api: perUnit({ ...api }) as unknown as ApiCounts,
    };
  } catch (e) {
    log(`${side.name.padEnd(16)} ${w.padEnd(10)} fails: ${reason(e)}`);
    return { text: `fails: ${reason(e)}`, own: null, api: null };
  } finally {
    try {
      r?.dispose?.();
    } catch {}
  }
}

/** The commit, and whether the library's sources differ from it (others may be editing them). */
function gitRev(): string {
  const git = (cmd: string) =>
    execSync(`git ${cmd}`, { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  try {
    const dirty = git("status --porcelain -- src wasm") !== "";
    return `${git("rev-parse --short HEAD")}${dirty ? " plus uncommitted changes in src/ or wasm/" : ""}`;
  } catch {
    return "unknown";
  }
}

/** A count per unit: an integer with separators, or one decimal when the runs differed. */
const count = (x: number | undefined): string =>
  x === undefined
    ? "–"
    : Number.isInteger(x)
      ? x.toLocaleString("en-US")
      : x.toLocaleString("en-US", { maximumFractionDigits: 1 });

/**
 * Runs the WebGPU section, prints its tables and writes them (see the module's options).
 * @example
 * ```ts
 * await main(["--webgpu", "--only=lstmTrain", "--out=/tmp/webgpu.md"]);
 * ```
 */
export async function main(argv: string[]): Promise<void> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const args = parseArgs(argv);
  const started = new Date();
  const adapter = await openGpu();
  const out: string[] = [
    "# typegrad benchmark: WebGPU",
    "",
    `- Date: ${started.toISOString().replace("T", " ").slice(0, 16)} UTC; commit ${gitRev()}; command \`npm run bench -- ${argv.join(" ")}\`.`,
  ];
  if (adapter === null) {
    out.push("- No WebGPU adapter was found: nothing was measured.");
  } else {
    const sides = SIDES.filter(([n]) => !args.sides.length || args.sides.includes(n));
    const workloads = args.only.length ? WORKLOADS.filter((w) => args.only.includes(w)) : WORKLOADS;
    const loads: number[] = [loadavg()[0]];
    const cells = new Map<string, Map<GpuWorkload, CellResult>>();
    const notes: string[] = [];
    for (const [name, load] of sides) {
      const row = new Map<GpuWorkload, CellResult>();
      cells.set(name, row);
      let side: GpuSide | null = null;
      try {
        side = await load();
        await side.prepare();
        notes.push(`- ${name}: ${side.describe()}.`);
      } catch (e) {
        notes.push(`- ${name}: fails to open: ${reason(e)}.`);
      }
      for (const w of workloads) {
        if (side) row.set(w, await runCell(side, w));
        loads.push(loadavg()[0]);
      }
    }
    const names = sides.map(([n]) => n);
    out[out.length - 1] += ` Took ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.`;
    const cell = (n: string, w: GpuWorkload) => cells.get(n)?.get(w);
    out.push(
      `- Adapter: ${adapter}${/swiftshader/i.test(adapter) ? " (Vulkan on the CPU: the times say nothing about a GPU; they compare the sides' kernels and overheads on one device)" : ""}; ${cpus().length} CPUs, Node ${process.version}; 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run.`,
      "- Method: each side on the same `navigator.gpu`; per cell 2 warm-up runs (1 for the CNN and the LSTM), then the median (and best) of up to 7 single runs (at least 3, fewer past 20 s, or 30 s for the CNN and the LSTM), each awaited until its result (the product, or the step's loss) is read back.",
      "",
      ...markdownTable(
        ["workload", "unit", ...names],
        [false, false, ...names.map(() => true)],
        workloads.map((w) => [
          METRICS[w].label,
          METRICS[w].unit,
          ...names.map((n) => cell(n, w)?.text ?? "–"),
        ]),
      ),
      "",
      ...notes,
      "",
      `## What one unit asks of the GPU`,
      "",
      `After the timed runs of each cell, ${COUNT_UNITS} more runs are counted and divided by ${COUNT_UNITS} (a unit is one matmul with its read-back, or one training step with its loss read back; everything is warm by then).`,
      "",
    );
    if (names.includes("typegrad-webgpu")) {
      out.push(
        "typegrad's own counters (`tg.webgpuInfo()` differences): kernels dispatched, command buffers submitted, bytes of tensor data uploaded from the host, bytes of kernel parameters (sizes, strides, scalars) written through the queue, bytes read back, and `GPUBuffer`s and bind groups created:",
        "",
        ...markdownTable(
          [
            "workload",
            "kernels",
            "command buffers",
            "data bytes up",
            "parameter bytes up",
            "bytes read back",
            "GPUBuffers created",
            "bind groups created",
          ],
          [false, true, true, true, true, true, true, true],
          workloads.map((w) => {
            const o = cell("typegrad-webgpu", w)?.own;
            return [
              METRICS[w].label,
              ...[
                "dispatches",
                "submits",
                "bytesUploaded",
                "paramBytesUploaded",
                "bytesReadBack",
                "buffers",
                "bindGroupsCreated",
              ].map((k) => count(o?.[k])),
            ];
          }),
        ),
        "",
      );
    }
    out.push(
      "Every side at the WebGPU API (`bench/webgpu-count.ts` wraps the `webgpu` package's methods during the counted runs only). Neither TensorFlow.js nor jax-js exposes a cumulative dispatch count of its own (tfjs keeps a private per-pass count that it resets at each submit; jax-js none), so this is the one like-for-like count. Bytes up = `writeBuffer` bytes (data and parameters/uniforms alike) plus buffers created mapped (staging uploads, whole buffer sizes); bytes back = ranges mapped for reading:",
      "",
      ...markdownTable(
        [
          "workload",
          "side",
          "dispatches",
          "command buffers",
          "bytes up",
          "bytes back",
          "GPUBuffers created",
        ],
        [false, false, true, true, true, true, true],
        workloads.flatMap((w) =>
          names.map((n) => {
            const a = cell(n, w)?.api;
            return [
              METRICS[w].label,
              n,
              count(a?.dispatches),
              count(a?.commandBuffers),
              count(a ? a.bytesWritten + a.bytesMappedAtCreation : undefined),
              count(a?.bytesMappedForRead),
              count(a?.buffers),
            ];
          }),
        ),
      ),
    );
  }
  const text = `${out.join("\n")}\n`;
  console.log(text);
  // a partial run prints its tables but keeps the committed results unless --out
  const partial = args.sides.length > 0 || args.only.length > 0;
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const file = args.out || (partial ? null : join(root, "bench", "results-webgpu.md"));
  if (file) {
    writeFileSync(file, text);
    log(`bench: wrote ${file}`);
  }
}
