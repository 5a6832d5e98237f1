/**
 * `npm run bench [-- --quick] [--only=mlpTrain,cnnTrain] [--sides=typegrad,jax-js] [--out=FILE]
 * [--profile=DIR]` (`--webgpu`, or `--sides=` naming a `*-webgpu` side, runs `bench/webgpu.ts`):
 * runs every workload for typegrad, TensorFlow.js (wasm and cpu backends) and jax-js in one
 * process, prints the table and writes it to `bench/results.md` (`bench/results-quick.md` for
 * `--quick`). Each cell is the median of several timed repetitions after a warm-up; ratios are
 * oriented so that > 1 means typegrad is faster. `--profile` writes a CPU profile of each timed loop.
 * @module
 */
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Cell,
  METRICS,
  measure,
  type Options,
  type Runner,
  reason,
  type Side,
  type TimingPlan,
  timingPlan,
  WORKLOADS,
  type Workload,
} from "./harness.js";

type Args = Options & { out: string | null; profile: string | null };

function parseArgs(argv: string[]): Args {
  const opts: Args = { quick: false, sides: [], only: [], out: null, profile: null };
  for (const a of argv) {
    const [k, v = ""] = a.split("=");
    if (k === "--quick") opts.quick = true;
    else if (k === "--sides") opts.sides = v.split(",").filter(Boolean);
    else if (k === "--only") {
      for (const w of v.split(",").filter(Boolean)) {
        if (!(WORKLOADS as readonly string[]).includes(w))
          throw new Error(`bench: unknown workload ${w} (one of ${WORKLOADS.join(", ")})`);
        opts.only.push(w as Workload);
      }
    } else if (k === "--out") opts.out = v;
    else if (k === "--profile") opts.profile = v || "bench-profiles";
    else throw new Error(`bench: unknown option ${a}`);
  }
  return opts;
}

const fmtNum = (x: number): string =>
  x >= 1000
    ? Math.round(x).toLocaleString("en-US")
    : x >= 100
      ? x.toFixed(0)
      : x >= 10
        ? x.toFixed(1)
        : x.toFixed(2);

/** Which figure a table shows: the median repetition, or the best one. */
type Clock = "median" | "best";

const figureOf = (c: Cell & { kind: "ok" }, clock: Clock): number =>
  clock === "median" ? c.figure : c.bestFigure;

function cellText(c: Cell | undefined, clock: Clock): string {
  if (!c) return "–";
  if (c.kind === "ok") return fmtNum(figureOf(c, clock));
  return c.reason;
}

/** typegrad ÷ peer, oriented so that > 1 means typegrad is faster. */
function ratio(w: Workload, tg: Cell | undefined, peer: Cell | undefined, clock: Clock): string {
  if (tg?.kind !== "ok" || peer?.kind !== "ok") return "–";
  const [a, b] = [figureOf(tg, clock), figureOf(peer, clock)];
  const r = METRICS[w].higherIsBetter ? a / b : b / a;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

type Results = Map<string, Map<Workload, Cell>>;

/** The results table in Markdown. */
function table(sides: Side[], workloads: Workload[], results: Results, clock: Clock): string {
  const [tg, ...peers] = sides;
  const head = ["workload", "unit", tg.name, ...peers.flatMap((p) => [p.name, `vs ${p.name}`])];
  const rows = workloads.map((w) => {
    const m = METRICS[w];
    const tgCell = results.get(tg.name)?.get(w);
    return [
      m.label,
      `${m.unit} (${m.higherIsBetter ? "higher" : "lower"} is better)`,
      cellText(tgCell, clock),
      ...peers.flatMap((p) => {
        const c = results.get(p.name)?.get(w);
        return [cellText(c, clock), ratio(w, tgCell, c, clock)];
      }),
    ];
  });
  // aligned columns, as the Markdown formatter writes them: text left, figures right
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const pad = (c: string, i: number) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i < 2 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {}
  return cpus()[0]?.model ?? "unknown";
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

const log = (s: string) => process.stderr.write(`${s}\n`);

/**
 * Runs `f` (the timed loop only, after setup) under the V8 CPU profiler when `dir` is set, and
 * writes `dir/name.cpuprofile` (summarise it with `node dist/bench/profile.js FILE`).
 */
async function profiled<R>(dir: string | null, name: string, f: () => R): Promise<R> {
  if (!dir) return f();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  const r = f();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  return r;
}

/** Sets up, times and frees one (side, workload) cell; a failure becomes the cell's text. */
async function runCell(
  side: Side,
  w: Workload,
  opts: Args,
  plan: TimingPlan,
  failed: Map<string, string>,
): Promise<Cell> {
  const skip = side.skip?.(w, opts);
  const setup = side.workloads[w];
  if (skip || !setup) return { kind: "skip", reason: skip ?? "not implemented" };
  const prepFail = failed.get(side.name);
  if (prepFail) return { kind: "fail", reason: prepFail };
  try {
    await side.prepare?.();
  } catch (e) {
    failed.set(side.name, `fails: ${reason(e)}`);
    return { kind: "fail", reason: `fails: ${reason(e)}` };
  }
  const ts = performance.now();
  let runner: Runner | null = null;
  try {
    const made = await setup();
    runner = made;
    const r = await profiled(opts.profile, `${side.name}-${w}`, () => measure(made, plan));
    const figure = METRICS[w].figure(r.seconds);
    const bestFigure = METRICS[w].figure(r.bestSeconds);
    log(
      `${side.name.padEnd(9)} ${w.padEnd(12)} ${fmtNum(figure).padStart(9)} ${METRICS[w].unit.padEnd(9)} best ${fmtNum(bestFigure).padStart(9)} (${r.reps}×${r.iters} runs, ${((performance.now() - ts) / 1000).toFixed(1)} s, load ${loadavg()[0].toFixed(1)})`,
    );
    return { kind: "ok", ...r, figure, bestFigure };
  } catch (e) {
    log(`${side.name.padEnd(9)} ${w.padEnd(12)} fails: ${reason(e)}`);
    return { kind: "fail", reason: `fails: ${reason(e)}` };
  } finally {
    try {
      runner?.dispose?.();
    } catch {}
  }
}

async function main(): Promise<void> {
  // --webgpu, or --sides naming a WebGPU side: the WebGPU section (bench/webgpu.ts)
  const gpuSides = /^--sides=(.*,)?[^,]*-webgpu(,|$)/;
  if (process.argv.some((a) => a === "--webgpu" || gpuSides.test(a)))
    return (await import("./webgpu.js")).main(process.argv.slice(2));
  const opts = parseArgs(process.argv.slice(2));
  // chains of eager adds per timed run (the last result is read back)
  const addOps = { small: 100, large: 20 };
  // peers are imported only when selected, so a run (or a profile) of one side loads only it
  const all: [string, () => Promise<Side>][] = [
    ["typegrad", async () => (await import("./typegrad.js")).typegradSide(addOps)],
    ["typegrad-1t", async () => (await import("./typegrad.js")).typegradSide(addOps, true)],
    ["tfjs-wasm", async () => (await import("./tfjs.js")).tfjsSide("wasm", addOps)],
    ["tfjs-cpu", async () => (await import("./tfjs.js")).tfjsSide("cpu", addOps)],
    ["jax-js", async () => (await import("./jaxjs.js")).jaxjsSide(addOps)],
  ];
  const sides: Side[] = [];
  for (const [name, load] of all)
    if (name === "typegrad" || !opts.sides.length || opts.sides.includes(name))
      sides.push(await load());
  // --quick keeps two matmul sizes of the four
  const workloads = opts.only.length
    ? opts.only
    : WORKLOADS.filter((w) => !(opts.quick && (w === "matmul256" || w === "matmul1024")));
  const plan = timingPlan(opts.quick);
  // the machine's ceilings first, while nothing else of this run is loaded
  const limits = await (await import("./limits.js")).machineLimits();
  for (const line of limits) log(line);
  const results: Results = new Map();
  const notes: string[] = [];
  const started = new Date();
  const t0 = performance.now();
  const loads: number[] = [];
  const failed = new Map<string, string>();
  for (const side of sides) results.set(side.name, new Map());
  // workload by workload, every side back to back, so each comparison sees the same machine load
  for (const w of workloads) {
    for (const side of sides) {
      const cells = results.get(side.name) as Map<Workload, Cell>;
      cells.set(w, await runCell(side, w, opts, plan, failed));
      loads.push(loadavg()[0]);
    }
  }
  for (const side of sides) notes.push(`- ${side.describe()}.`);
  // memory without dispose last: its loops hold hundreds of MB on purpose
  const memory = await (await import("./memory.js")).memoryFigures();
  for (const line of memory) log(line);
  const seconds = (performance.now() - t0) / 1000;
  const cmd = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const out = [
    `# typegrad benchmark${opts.quick ? " (quick)" : ""}`,
    "",
    `- Date: ${started.toISOString().replace("T", " ").slice(0, 16)} UTC; commit ${gitRev()}; took ${seconds.toFixed(0)} s.`,
    `- Command: \`${cmd}\``,
    `- Machine: ${cpus().length} CPUs (nproc), ${cpuModel()}; Node ${process.version}; shared with other jobs: 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run.`,
    `- Method: workload by workload, every side back to back; warm-up, then the median of up to ${plan.reps} repetitions of a steady-state loop timed with performance.now(); every run reads its result back (dataSync). Training steps read the loss back each step; eager adds are chains of ${addOps.small} (1e3) or ${addOps.large} (1e6) ops with the last result read back.`,
    `- Ratio columns: typegrad's figure against the peer's, oriented so that > 1 means typegrad is faster.`,
    "",
    table(sides, workloads, results, "median"),
    "",
    "The best repetition of the same runs (less distorted when other jobs share the cores):",
    "",
    table(sides, workloads, results, "best"),
    "",
    "Kernels and threads:",
    "",
    ...notes,
    "",
    "Memory without `dispose` (`bench/memory.ts`, same run; README's Memory section):",
    "",
    ...memory,
    "",
    "What this machine allows WebAssembly at all (`bench/limits.ts`, same run):",
    "",
    ...limits,
    "",
  ].join("\n");
  console.log(out);
  // a partial run (--only, --sides) prints its table but keeps the committed results unless --out
  const partial = opts.only.length > 0 || opts.sides.length > 0;
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const file =
    opts.out ??
    (partial ? null : join(root, "bench", opts.quick ? "results-quick.md" : "results.md"));
  if (file) {
    writeFileSync(file, out);
    log(`bench: wrote ${file}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
