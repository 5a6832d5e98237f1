/**
 * Plots of a training history: `plotHistory` draws the loss and metric curves as a standalone SVG
 * document (training solid, validation dashed; loss on the left panel, metrics on the right), and
 * `terminalChart` draws a series as a small block chart for the terminal.
 * @module
 */
import type { History } from "./history.js";

/** Options of `plotHistory`. */
export interface PlotOptions {
  /** The title above the plot (default "Training history"). */
  title?: string;
  /** Width and height of each panel in pixels (default 420 × 280). */
  width?: number;
  height?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
/**
 * `s` with `&`, `<` and `>` escaped for SVG text.
 * @example
 * ```ts
 * escapeXml("a < b"); // "a &lt; b"
 * ```
 */
export const escapeXml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A short axis label for `v`: integers past 100, two decimals past 1, two significant digits below.
 * @example
 * ```ts
 * tickLabel(0.0123); // "0.012"
 * ```
 */
export const tickLabel = (v: number): string =>
  Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);
const esc = escapeXml;
const num = tickLabel;

/**
 * Round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of ten).
 * @example
 * ```ts
 * niceTicks(0, 1); // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * ```
 */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function panel(
  series: [string, number[]][],
  x0: number,
  w: number,
  h: number,
  label: string,
): string {
  const pad = { l: 52, r: 12, t: 28, b: 36 };
  const all = series.flatMap(([, v]) => v).filter(Number.isFinite);
  const n = Math.max(1, ...series.map(([, v]) => v.length));
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5, hi + 0.5];
  const margin = (hi - lo) * 0.05;
  lo -= margin;
  hi += margin;
  const px = (i: number) =>
    x0 + pad.l + (n === 1 ? (w - pad.l - pad.r) / 2 : (i / (n - 1)) * (w - pad.l - pad.r));
  const py = (v: number) => pad.t + (1 - (v - lo) / (hi - lo)) * (h - pad.t - pad.b);
  const parts: string[] = [];
  parts.push(
    `<rect x="${x0 + pad.l}" y="${pad.t}" width="${w - pad.l - pad.r}" height="${h - pad.t - pad.b}" fill="#fafafa" stroke="#ccc"/>`,
  );
  for (const t of niceTicks(lo, hi)) {
    const y = py(t).toFixed(1);
    parts.push(
      `<line x1="${x0 + pad.l}" x2="${x0 + w - pad.r}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${x0 + pad.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${num(t)}</text>`,
    );
  }
  const xt = niceTicks(1, n, Math.min(n, 8)).filter((t) => Number.isInteger(t));
  for (const t of xt)
    parts.push(
      `<text x="${px(t - 1).toFixed(1)}" y="${h - pad.b + 16}" text-anchor="middle" font-size="11">${t}</text>`,
    );
  parts.push(
    `<text x="${x0 + (pad.l + w - pad.r) / 2}" y="${h - 4}" text-anchor="middle" font-size="12">epoch</text>`,
  );
  parts.push(
    `<text x="${x0 + pad.l}" y="${pad.t - 10}" font-size="13" font-weight="bold">${esc(label)}</text>`,
  );
  series.forEach(([name, v], k) => {
    const color = COLORS[Math.floor(k / 2) % COLORS.length];
    const dashed = name.startsWith("val");
    const pts = v.map((y, i) => `${px(i).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ""} points="${pts}"/>`,
    );
    for (const [i, y] of v.entries())
      parts.push(
        `<circle cx="${px(i).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`,
      );
    const ly = pad.t + 14 + k * 16;
    const lx = x0 + w - pad.r - 130;
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    parts.push(
      `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle" font-size="11">${esc(name)} ${num(v.at(-1) ?? Number.NaN)}</text>`,
    );
  });
  return parts.join("\n");
}

/**
 * The loss and metric curves of a history as an SVG document: the loss (and `valLoss`) on the
 * left, the other logs on the right; validation curves dashed.
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * const history = { loss: [0.9, 0.5, 0.3], valLoss: [1, 0.6, 0.45], accuracy: [0.6, 0.8, 0.9] };
 * writeFileSync("history.svg", tg.train.plotHistory(history));
 * ```
 */
export function plotHistory(history: History, opts: PlotOptions = {}): string {
  const w = opts.width ?? 420;
  const h = opts.height ?? 280;
  const entries = Object.entries(history).filter(
    (e): e is [string, number[]] => Array.isArray(e[1]) && e[1].length > 0,
  );
  const isLoss = (k: string) => k === "loss" || k === "valLoss";
  const base = (k: string) => (k.startsWith("val") ? k[3].toLowerCase() + k.slice(4) : k);
  const order = (a: [string, number[]], b: [string, number[]]) =>
    base(a[0]).localeCompare(base(b[0])) || a[0].length - b[0].length;
  const losses = entries.filter(([k]) => isLoss(k)).sort(order);
  const others = entries.filter(([k]) => !isLoss(k)).sort(order);
  const panels = [panel(losses, 0, w, h, "loss")];
  if (others.length) panels.push(panel(others, w, w, h, "metrics"));
  const width = w * panels.length;
  const title = esc(opts.title ?? "Training history");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h + 24}" viewBox="0 -24 ${width} ${h + 24}" font-family="sans-serif">`,
    `<rect x="0" y="-24" width="${width}" height="${h + 24}" fill="white"/>`,
    `<text x="${width / 2}" y="-6" text-anchor="middle" font-size="15">${title}</text>`,
    ...panels,
    "</svg>",
    "",
  ].join("\n");
}

const BLOCKS = " ▁▂▃▄▅▆▇█";

/**
 * A series as a small chart of block characters, `height` rows tall, with its range on the left.
 * Long series are averaged down to `width` columns.
 * @example
 * ```ts
 * const losses = [0.9, 0.5, 0.3, 0.25, 0.2];
 * console.log(tg.train.terminalChart(losses, { label: "loss" }));
 * ```
 */
export function terminalChart(
  values: readonly number[],
  opts: { height?: number; width?: number; label?: string } = {},
): string {
  const height = opts.height ?? 6;
  const width = opts.width ?? 60;
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return `${opts.label ?? ""} (no data)`;
  const cols: number[] = [];
  const per = Math.max(1, v.length / width);
  for (let c = 0; c < Math.min(width, v.length); c++) {
    const from = Math.floor(c * per);
    const to = Math.max(from + 1, Math.floor((c + 1) * per));
    const part = v.slice(from, to);
    cols.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  const lo = Math.min(...cols);
  const hi = Math.max(...cols);
  const span = hi - lo || 1;
  const levels = cols.map((x) => ((x - lo) / span) * height * 8);
  const lines: string[] = [];
  const lab = (x: number) => num(x).padStart(8);
  for (let r = height - 1; r >= 0; r--) {
    const row = levels.map((l) => BLOCKS[Math.max(0, Math.min(8, Math.round(l - r * 8)))]).join("");
    const axis = r === height - 1 ? lab(hi) : r === 0 ? lab(lo) : " ".repeat(8);
    lines.push(`${axis} ┤${row}`);
  }
  const first = values[0];
  const last = values[values.length - 1];
  lines.push(`${" ".repeat(8)} └${"─".repeat(cols.length)}`);
  if (opts.label)
    lines.push(
      `${" ".repeat(10)}${opts.label}: ${num(first)} → ${num(last)} over ${values.length} points`,
    );
  return lines.join("\n");
}
