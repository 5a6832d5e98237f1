/**
 * The fit loop's progress report: on a terminal, a bar redrawn in place per epoch (loss, metrics,
 * samples per second, time left); elsewhere (a pipe, a CI log), one line per finished epoch.
 * @module
 */

/** Where progress goes: anything with `write`, like `process.stdout`. */
export interface ProgressSink {
  write(s: string): unknown;
  /** A terminal: draw a bar in place. */
  isTTY?: boolean;
  /** The terminal's width, if known. */
  columns?: number;
}

/** The default sink: `process.stdout` where there is one, otherwise the console. */
export function defaultSink(): ProgressSink {
  const proc = (globalThis as { process?: { stdout?: ProgressSink } }).process;
  if (proc?.stdout) return proc.stdout;
  return { write: (s: string) => console.log(s.replace(/\n$/, "")), isTTY: false };
}

const fmtNum = (v: number): string =>
  !Number.isFinite(v)
    ? String(v)
    : Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0)
      ? v.toExponential(3)
      : v.toFixed(4);
const fmtRate = (v: number): string => Math.round(v).toLocaleString("en-US");
const fmtTime = (s: number): string =>
  s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;

/**
 * `loss 0.1234  accuracy 0.9700`: a record of numbers as one line.
 * @example
 * ```ts
 * formatLogs({ loss: 0.5 }); // "loss 0.5000"
 * ```
 */
export function formatLogs(logs: Readonly<Record<string, number>>): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${fmtNum(v)}`)
    .join("  ");
}

/**
 * One epoch's progress: `tick` after every batch, `done` at the end of the epoch.
 * @example
 * ```ts
 * const bar = new EpochProgress(process.stdout, 1, 5, 469);
 * bar.tick(1, 128, { loss: 0.5 }); bar.done({ loss: 0.4 });
 * ```
 */
export class EpochProgress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private samples = 0;
  private readonly tty: boolean;

  constructor(
    private readonly sink: ProgressSink,
    private readonly epoch: number,
    private readonly epochs: number,
    private readonly steps: number,
  ) {
    this.tty = sink.isTTY === true;
  }

  private prefix(): string {
    const w = String(this.epochs).length;
    return `Epoch ${String(this.epoch).padStart(w)}/${this.epochs}`;
  }

  private bar(done: number): string {
    const width = Math.max(10, Math.min(30, (this.sink.columns ?? 100) - 90));
    const full = Math.round((done / this.steps) * width);
    return `${"█".repeat(full)}${"░".repeat(width - full)} ${String(done).padStart(String(this.steps).length)}/${this.steps}`;
  }

  /** Seconds since the epoch began. */
  get seconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  /** Samples per second so far. */
  get rate(): number {
    return this.samples / Math.max(this.seconds, 1e-9);
  }

  /** After batch `step` (1-based) of `batchSize` samples, with the running logs. */
  tick(step: number, batchSize: number, logs: Readonly<Record<string, number>>): void {
    this.samples += batchSize;
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && step < this.steps) return;
    this.lastDraw = now;
    const eta = ((this.steps - step) / step) * this.seconds;
    const line = `${this.prefix()}  ${this.bar(step)}  ${formatLogs(logs)}  ${fmtRate(this.rate)} samples/s  ETA ${fmtTime(eta)}`;
    this.sink.write(`\r${this.fit(line)}\x1b[K`);
  }

  /** The epoch's final line (with validation logs), replacing the bar on a terminal. */
  done(logs: Readonly<Record<string, number>>): void {
    const line = `${this.prefix()}  ${this.tty ? `${this.bar(this.steps)}  ` : ""}${formatLogs(logs)}  ${fmtTime(this.seconds)}  ${fmtRate(this.rate)} samples/s`;
    this.sink.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  private fit(line: string): string {
    const cols = this.sink.columns ?? 160;
    return line.length < cols ? line : line.slice(0, cols - 1);
  }
}
