/**
 * The benchmark harness: the workload table, one runner per (side, workload), timing (warm-up,
 * then the median of several repetitions of a steady-state loop) and the result cells.
 * @module
 */

/** The workloads, in table order. */
export const WORKLOADS = [
  "matmul128",
  "matmul256",
  "matmul512",
  "matmul1024",
  "mlpTrain",
  "cnnTrain",
  "lstmTrain",
  "add1e3",
  "add1e6",
  "mlpInfer1",
  "mlpInfer128",
] as const;

/** A workload id. */
export type Workload = (typeof WORKLOADS)[number];

/** How a workload's figure is computed from seconds per run, and which way is better. */
export interface Metric {
  /** The table's row label. */
  label: string;
  /** The unit of the figure. */
  unit: string;
  /** The figure from seconds per run. */
  figure(seconds: number): number;
  /** True when a larger figure is better (throughput), false for a time. */
  higherIsBetter: boolean;
}

const gflops = (n: number): Metric => ({
  label: `matmul ${n}×${n}×${n}`,
  unit: "GFLOP/s",
  figure: (s) => (2 * n ** 3) / s / 1e9,
  higherIsBetter: true,
});
const samples = (label: string, batch: number): Metric => ({
  label,
  unit: "samples/s",
  figure: (s) => batch / s,
  higherIsBetter: true,
});
const micros = (label: string): Metric => ({
  label,
  unit: "µs",
  figure: (s) => s * 1e6,
  higherIsBetter: false,
});

/** The sizes every side uses. */
export const SIZES = {
  mlp: { batch: 128, layers: [784, 256, 128, 10] },
  cnn: { batch: 64, image: 28, filters: [32, 64], classes: 10 },
  lstm: { batch: 32, steps: 32, input: 64, hidden: 128, classes: 10 },
  lr: 1e-3,
} as const;

/** Each workload's metric. */
export const METRICS: Record<Workload, Metric> = {
  matmul128: gflops(128),
  matmul256: gflops(256),
  matmul512: gflops(512),
  matmul1024: gflops(1024),
  mlpTrain: samples("MLP 784-256-128-10 train step, Adam, batch 128", SIZES.mlp.batch),
  cnnTrain: samples(
    "CNN train step (conv32-pool-conv64-pool-dense10), Adam, batch 64",
    SIZES.cnn.batch,
  ),
  lstmTrain: samples("LSTM train step (B32, T32, 64→128, dense 10), Adam", SIZES.lstm.batch),
  add1e3: micros("eager add, 1e3 elements, per op"),
  add1e6: {
    label: "add, 1e6 elements (12 B/element)",
    unit: "GB/s",
    figure: (s) => 12e6 / s / 1e9,
    higherIsBetter: true,
  },
  mlpInfer1: micros("MLP inference, batch 1"),
  mlpInfer128: micros("MLP inference, batch 128"),
};

/** One repetition's unit of work, already set up. `run` must read its result back. */
export interface Runner {
  /** Runs the workload once (one op, one step, one inference) and reads the result back. */
  run(): void;
  /** Frees what setup made. */
  dispose?(): void;
  /** How many workload units one run does (e.g. a chain of eager ops); 1 by default. */
  perRun?: number;
}

/** Builds a runner for a workload (allocating parameters and data). */
export type Setup = () => Runner | Promise<Runner>;

/** A side under test: a name, what it runs on, and its workloads. */
export interface Side {
  name: string;
  /** Kernels and threads, for the table's notes. */
  describe(): string;
  /** Called before each of this side's workloads (e.g. to select its backend); idempotent. */
  prepare?(): Promise<void>;
  /** Workloads this side runs; a missing one is reported as not implemented. */
  workloads: Partial<Record<Workload, Setup>>;
  /** Workloads to skip (with the reason) under the given options. */
  skip?(w: Workload, opts: Options): string | null;
}

/** Command-line options. */
export interface Options {
  quick: boolean;
  /** Only these sides (by name); all when empty. */
  sides: string[];
  /** Only these workloads; all when empty. */
  only: Workload[];
}

/** The outcome of one (side, workload) cell. */
export type Cell =
  | {
      kind: "ok";
      /** Median wall-clock seconds per unit, and the figure from it. */
      seconds: number;
      figure: number;
      /** The best repetition's seconds per unit, and the figure from it. */
      bestSeconds: number;
      bestFigure: number;
      reps: number;
      iters: number;
    }
  | { kind: "fail"; reason: string }
  | { kind: "skip"; reason: string };

/** Timing parameters. */
export interface TimingPlan {
  /** Minimum seconds of warm-up (at least three runs). */
  warmup: number;
  /** Target seconds per repetition (the loop of runs timed as one). */
  repSeconds: number;
  /** Repetitions wanted. */
  reps: number;
  /** Stop adding repetitions after this many seconds (at least one is always measured). */
  budget: number;
}

/** The timing plan for quick and full runs. */
export function timingPlan(quick: boolean): TimingPlan {
  return quick
    ? { warmup: 0.2, repSeconds: 0.04, reps: 5, budget: 0.6 }
    : { warmup: 0.5, repSeconds: 0.1, reps: 15, budget: 4 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `r.run`: warm-up (at least three runs and `plan.warmup` seconds), then repetitions of a
 * loop of `iters` runs, with `iters` chosen so one repetition takes about `plan.repSeconds`.
 * Returns the median seconds per run.
 */
export function measure(
  r: Runner,
  plan: TimingPlan,
): { seconds: number; bestSeconds: number; reps: number; iters: number } {
  const t0 = performance.now();
  let warm = 0;
  let fastest = Number.POSITIVE_INFINITY;
  while (warm < 3 || performance.now() - t0 < plan.warmup * 1000) {
    const t = performance.now();
    r.run();
    const took = (performance.now() - t) / 1000;
    fastest = Math.min(fastest, took);
    warm++;
    if (took > plan.budget / 4) break; // a very slow run: enough warm-up
  }
  // sized from the fastest warm-up run, so one preempted run does not shrink the loop
  const iters = Math.max(1, Math.round(plan.repSeconds / Math.max(fastest, 1e-7)));
  const perRun: number[] = [];
  const start = performance.now();
  while (perRun.length < plan.reps) {
    const t = performance.now();
    for (let i = 0; i < iters; i++) r.run();
    perRun.push((performance.now() - t) / 1000 / iters);
    if (perRun.length >= 3 && (performance.now() - start) / 1000 > plan.budget) break;
    if ((performance.now() - start) / 1000 > 2 * plan.budget) break;
  }
  const units = r.perRun ?? 1;
  return {
    seconds: median(perRun) / units,
    bestSeconds: Math.min(...perRun) / units,
    reps: perRun.length,
    iters,
  };
}

/** A failure's message on one line, short enough for a table cell. */
export function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split("\n")[0].replace(/\|/g, "/").trim();
  return line.length > 90 ? `${line.slice(0, 87)}…` : line;
}

/** Deterministic pseudo-random floats in [-scale, scale) (a small LCG, the same on every side). */
export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** Deterministic class labels in [0, classes). */
export function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) % classes;
  }
  return out;
}

/** Glorot-uniform scale for a `[fanIn, fanOut]` weight. */
export function glorot(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut));
}
