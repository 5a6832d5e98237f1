/**
 * What the guide's examples share: small SVG plots (line plots of several series, a heat map with
 * points on it), writing them to an output folder, and the command line (`--quick`, `--out`).
 * @module
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { escapeXml as esc, niceTicks } from "../../src/train/plot.js";

const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#7f7f7f",
  "#bcbd22",
];
const num = (v: number): string =>
  v === 0
    ? "0"
    : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3
      ? v.toExponential(0)
      : Math.abs(v) >= 100
        ? v.toFixed(0)
        : Number(v.toPrecision(3)).toString();

/** One curve of a line plot. `x` defaults to 0, 1, 2…; non-finite points are left out. */
export interface Series {
  name: string;
  y: readonly number[];
  x?: readonly number[];
  dashed?: boolean;
  /** The colour (default: the next of a fixed palette). */
  color?: string;
}

/** Options of `linePlot`. */
export interface LinePlotOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  /** Plot log10 of y (ticks labelled with the values). */
  logY?: boolean;
  /** Clip y to this range before plotting (diverging curves). */
  yRange?: readonly [number, number];
  /** Where the legend goes (default top right). */
  legend?: "top-right" | "bottom-right";
  width?: number;
  height?: number;
}

/**
 * Several series as one standalone SVG line plot with a legend.
 * @example
 * ```ts
 * writeFileSync("loss.svg", linePlot([{ name: "train", y: losses }], { title: "loss", logY: true }));
 * ```
 */
export function linePlot(series: readonly Series[], o: LinePlotOptions): string {
  const w = o.width ?? 640;
  const h = o.height ?? 380;
  const pad = { l: 64, r: 16, t: 36, b: 44 };
  const ty = (v: number) => {
    const c = o.yRange ? Math.min(o.yRange[1], Math.max(o.yRange[0], v)) : v;
    return o.logY ? Math.log10(c) : c;
  };
  const pts = series.map((s) =>
    s.y
      .map((v, i) => [s.x ? s.x[i] : i, ty(v)] as const)
      .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)),
  );
  const xs = pts.flat().map((p) => p[0]);
  const ys = pts.flat().map((p) => p[1]);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (x1 - x0 < 1e-12) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const m = (y1 - y0) * 0.05;
  y0 -= m;
  y1 += m;
  const px = (v: number) => pad.l + ((v - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const py = (v: number) => pad.t + (1 - (v - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const out: string[] = [svgOpen(w, h), title(w, o.title)];
  out.push(
    `<rect x="${pad.l}" y="${pad.t}" width="${w - pad.l - pad.r}" height="${h - pad.t - pad.b}" fill="#fafafa" stroke="#ccc"/>`,
  );
  let yt = o.logY
    ? niceTicks(Math.ceil(y0), Math.floor(y1), 6).filter(Number.isInteger)
    : niceTicks(y0, y1, 6);
  if (o.logY && yt.length < 3) {
    // less than a few decades: ticks at 1, 2 and 5 times the powers of ten
    yt = [];
    for (let e = Math.floor(y0); e <= Math.ceil(y1); e++)
      for (const m of [1, 2, 5]) {
        const t = Math.log10(m) + e;
        if (t >= y0 && t <= y1) yt.push(t);
      }
  }
  for (const t of yt) {
    const y = py(t).toFixed(1);
    out.push(`<line x1="${pad.l}" x2="${w - pad.r}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${pad.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${o.logY ? num(Number((10 ** t).toPrecision(6))) : num(t)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1, 8))
    out.push(
      `<text x="${px(t).toFixed(1)}" y="${h - pad.b + 16}" text-anchor="middle" font-size="11">${num(t)}</text>`,
    );
  if (o.xLabel)
    out.push(
      `<text x="${(pad.l + w - pad.r) / 2}" y="${h - 6}" text-anchor="middle" font-size="12">${esc(o.xLabel)}</text>`,
    );
  if (o.yLabel)
    out.push(
      `<text transform="translate(14 ${(pad.t + h - pad.b) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(o.yLabel)}${o.logY ? " (log scale)" : ""}</text>`,
    );
  pts.forEach((p, k) => {
    const s = series[k];
    const color = s.color ?? COLORS[k % COLORS.length];
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${p.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(" ")}"/>`,
    );
    const ly =
      o.legend === "bottom-right"
        ? h - pad.b - 14 - (series.length - 1 - k) * 16
        : pad.t + 14 + k * 16;
    const lx = w - pad.r - 36 - 6.2 * Math.max(...series.map((q) => q.name.length));
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
    );
    out.push(
      `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle" font-size="11">${esc(s.name)}</text>`,
    );
  });
  out.push("</svg>", "");
  return out.join("\n");
}

/** Options of `heatMap`. */
export interface HeatMapOptions {
  title: string;
  /** The plotted region: x from `x0` to `x1`, y from `y0` to `y1` (y grows upwards). */
  extent: readonly [x0: number, x1: number, y0: number, y1: number];
  /** Points drawn on top, coloured by class (0 blue, 1 red, …). */
  points?: readonly { x: number; y: number; label: number }[];
  size?: number;
}

/**
 * A grid of values in [0, 1] (row 0 at the top) as a blue–white–red heat map, with labelled
 * points on top: a classifier's decision surface.
 * @example
 * ```ts
 * heatMap(probabilities, { title: "p(y = 1)", extent: [-1, 2, -1, 2], points });
 * ```
 */
export function heatMap(grid: readonly (readonly number[])[], o: HeatMapOptions): string {
  const size = o.size ?? 320;
  const pad = 30;
  const rows = grid.length;
  const cols = grid[0]?.length ?? 0;
  const cw = size / cols;
  const ch = size / rows;
  const [ex0, ex1, ey0, ey1] = o.extent;
  const out: string[] = [svgOpen(size + 2 * pad, size + 2 * pad), title(size + 2 * pad, o.title)];
  const color = (v: number) => {
    const t = Math.min(1, Math.max(0, v));
    const lerp = (a: number, b: number, u: number) => Math.round(a + (b - a) * u);
    // blue (0) → white (0.5) → red (1)
    return t < 0.5
      ? `rgb(${lerp(70, 255, t * 2)},${lerp(110, 255, t * 2)},${lerp(200, 255, t * 2)})`
      : `rgb(${lerp(255, 215, (t - 0.5) * 2)},${lerp(255, 60, (t - 0.5) * 2)},${lerp(255, 50, (t - 0.5) * 2)})`;
  };
  // colours quantised to 1/32 steps; equal neighbours in a row merge into one rectangle
  const level = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 32) / 32;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; ) {
      const l = level(grid[r][c]);
      let e = c + 1;
      while (e < cols && level(grid[r][e]) === l) e++;
      out.push(
        `<rect x="${(pad + c * cw).toFixed(1)}" y="${(pad + r * ch).toFixed(1)}" width="${((e - c) * cw + 0.4).toFixed(1)}" height="${(ch + 0.4).toFixed(1)}" fill="${color(l)}"/>`,
      );
      c = e;
    }
  for (const p of o.points ?? []) {
    const x = pad + ((p.x - ex0) / (ex1 - ex0)) * size;
    const y = pad + (1 - (p.y - ey0) / (ey1 - ey0)) * size;
    out.push(
      `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="${COLORS[p.label === 1 ? 1 : p.label === 0 ? 0 : 2 + p.label]}" stroke="black" stroke-width="1"/>`,
    );
  }
  out.push(
    `<rect x="${pad}" y="${pad}" width="${size}" height="${size}" fill="none" stroke="#333"/>`,
    `<text x="${pad}" y="${size + pad + 16}" font-size="11">x from ${num(ex0)} to ${num(ex1)}, y from ${num(ey0)} to ${num(ey1)}</text>`,
    "</svg>",
    "",
  );
  return out.join("\n");
}

const svgOpen = (w: number, h: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">\n<rect width="${w}" height="${h}" fill="white"/>`;
const title = (w: number, t: string) =>
  `<text x="${w / 2}" y="20" text-anchor="middle" font-size="15">${esc(t)}</text>`;

/**
 * Writes `svg` as `dir/name` (creating `dir`) and returns the path.
 * @example
 * ```ts
 * writeSvg("docs/guide/img", "01-learning-rates.svg", svg);
 * ```
 */
export function writeSvg(dir: string, name: string, svg: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, svg);
  return path;
}

/** The options every chapter's `main` takes. */
export interface GuideOptions {
  /** A small slice that runs in seconds (the CI test). Default false. */
  quick?: boolean;
  /** Where the SVGs go: `docs/guide/img` for a full run, a new temp folder in quick mode. */
  out?: string;
  /** Print the results (default true). */
  verbose?: boolean;
}

/**
 * The output folder of a run: the one given, else `docs/guide/img` for a full run and a fresh
 * temp folder in quick mode (a quick run never writes into docs/).
 * @example
 * ```ts
 * const out = outDir(opts);
 * ```
 */
export function outDir(opts: GuideOptions): string {
  if (opts.out) return opts.out;
  if (opts.quick) return mkdtempSync(join(tmpdir(), "typegrad-guide-"));
  return join(
    import.meta.dirname,
    "..",
    "..",
    ...(import.meta.dirname.includes("dist") ? [".."] : []),
    "docs",
    "guide",
    "img",
  );
}

/**
 * Runs `main` with `--quick` and `--out <dir>` from the command line when `url` is the script
 * that node was started with.
 * @example
 * ```ts
 * await runIfMain(import.meta.url, main);
 * ```
 */
export async function runIfMain(
  url: string,
  main: (opts: GuideOptions) => Promise<unknown>,
): Promise<void> {
  if (url !== pathToFileURL(process.argv[1] ?? "").href) return;
  const { values } = parseArgs({
    options: { quick: { type: "boolean" }, out: { type: "string" } },
  });
  await main({ quick: values.quick ?? false, ...(values.out ? { out: values.out } : {}) });
}

/**
 * A Markdown table from a header and rows.
 * @example
 * ```ts
 * markdownTable(["lr", "loss"], [["0.1", "21.3"]]);
 * ```
 */
export function markdownTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const line = (r: readonly string[]) => `| ${r.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
