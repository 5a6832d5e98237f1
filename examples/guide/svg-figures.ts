/**
 * The figures of the guide's chapters 6–11 as standalone SVG documents: line charts, grids of
 * small images (digits, learned filters), annotated heat maps (confusion matrices) and scatter
 * plots. Plain strings, no dependency.
 * @module
 */
import { escapeXml as esc, niceTicks, tickLabel as fmt } from "../../src/train/plot.js";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];

const doc = (w: number, h: number, title: string, body: string[]): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="18" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");

/** A named series of a line chart: `y` against `x` (default 0, 1, 2…). */
export interface Series {
  name: string;
  y: readonly number[];
  x?: readonly number[];
  dashed?: boolean;
}

/**
 * Line chart of several series on one pair of axes, with a legend.
 * @example
 * ```ts
 * writeFileSync("loss.svg", lineChart([{ name: "loss", y: [1, 0.5, 0.3] }], { title: "Loss" }));
 * ```
 */
export function lineChart(
  series: readonly Series[],
  opts: { title: string; xLabel?: string; yLabel?: string; width?: number; height?: number },
): string {
  const w = opts.width ?? 560;
  const h = opts.height ?? 340;
  const pad = { l: 58, r: 150, t: 32, b: 44 };
  const xs = (s: Series) => s.x ?? s.y.map((_, i) => i);
  const allX = series.flatMap(xs);
  const allY = series.flatMap((s) => s.y).filter(Number.isFinite);
  let [x0, x1] = [Math.min(...allX), Math.max(...allX)];
  let [y0, y1] = [Math.min(...allY), Math.max(...allY)];
  if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 0.5, y0 + 0.5];
  const m = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - m, y1 + m];
  const px = (v: number) => pad.l + ((v - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const py = (v: number) => pad.t + (1 - (v - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const out: string[] = [
    `<rect x="${pad.l}" y="${pad.t}" width="${w - pad.l - pad.r}" height="${h - pad.t - pad.b}" fill="#fafafa" stroke="#ccc"/>`,
  ];
  for (const t of niceTicks(y0, y1)) {
    out.push(
      `<line x1="${pad.l}" x2="${w - pad.r}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${pad.l - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${fmt(t)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(
      `<text x="${px(t).toFixed(1)}" y="${h - pad.b + 16}" text-anchor="middle" font-size="11">${fmt(t)}</text>`,
    );
  }
  if (opts.xLabel)
    out.push(
      `<text x="${(pad.l + w - pad.r) / 2}" y="${h - 8}" text-anchor="middle" font-size="12">${esc(opts.xLabel)}</text>`,
    );
  if (opts.yLabel)
    out.push(
      `<text x="14" y="${(pad.t + h - pad.b) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(pad.t + h - pad.b) / 2})">${esc(opts.yLabel)}</text>`,
    );
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const sx = xs(s);
    const pts = s.y
      .map((v, j) => (Number.isFinite(v) ? `${px(sx[j]).toFixed(1)},${py(v).toFixed(1)}` : ""))
      .filter(Boolean)
      .join(" ");
    out.push(
      `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
      `<line x1="${w - pad.r + 10}" x2="${w - pad.r + 30}" y1="${pad.t + 10 + i * 18}" y2="${pad.t + 10 + i * 18}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ""}/>`,
      `<text x="${w - pad.r + 35}" y="${pad.t + 14 + i * 18}" font-size="11">${esc(s.name)}</text>`,
    );
  });
  return doc(w, h, opts.title, out);
}

/** A small image: `h × w` values, row-major. */
export interface Image {
  data: ArrayLike<number>;
  h: number;
  w: number;
  label?: string;
}

/**
 * A grid of small images. Grey levels from each image's own range (black low, white high), or with
 * `diverging: true` blue for negative and red for positive around 0 (for learned filters).
 * @example
 * ```ts
 * writeFileSync("digits.svg", imageGrid(images, { title: "Samples", cols: 8 }));
 * ```
 */
export function imageGrid(
  images: readonly Image[],
  opts: {
    title: string;
    cols: number;
    scale?: number;
    diverging?: boolean;
    fixedRange?: [number, number];
  },
): string {
  const cols = Math.max(1, Math.min(opts.cols, images.length));
  const rows = Math.ceil(images.length / cols);
  const s = opts.scale ?? 3;
  const cw = Math.max(...images.map((im) => im.w)) * s + 6;
  const labelled = images.some((im) => im.label !== undefined);
  const ch = Math.max(...images.map((im) => im.h)) * s + 6 + (labelled ? 14 : 0);
  const W = Math.max(cols * cw + 10, 220);
  const H = rows * ch + 36;
  const out: string[] = [];
  images.forEach((im, k) => {
    const ox = 5 + (k % cols) * cw;
    const oy = 30 + Math.floor(k / cols) * ch;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < im.h * im.w; i++) {
      lo = Math.min(lo, im.data[i]);
      hi = Math.max(hi, im.data[i]);
    }
    if (opts.fixedRange) [lo, hi] = opts.fixedRange;
    const amax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    for (let r = 0; r < im.h; r++) {
      for (let c = 0; c < im.w; c++) {
        const v = im.data[r * im.w + c];
        let fill: string;
        if (opts.diverging) {
          const t = Math.max(-1, Math.min(1, v / amax));
          const a = Math.round(255 * (1 - Math.abs(t)));
          fill = t >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
        } else {
          const g = Math.round(255 * Math.max(0, Math.min(1, hi > lo ? (v - lo) / (hi - lo) : 0)));
          fill = `rgb(${g},${g},${g})`;
        }
        out.push(
          `<rect x="${ox + c * s}" y="${oy + r * s}" width="${s}" height="${s}" fill="${fill}"/>`,
        );
      }
    }
    if (im.label !== undefined)
      out.push(
        `<text x="${ox + (im.w * s) / 2}" y="${oy + im.h * s + 12}" text-anchor="middle" font-size="10">${esc(im.label)}</text>`,
      );
  });
  return doc(W, H, opts.title, out);
}

/**
 * A matrix as an annotated heat map (a confusion matrix: rows truth, columns prediction).
 * @example
 * ```ts
 * writeFileSync("cm.svg", heatmap([[5, 1], [0, 6]], { title: "Confusion", rows: ["a", "b"], cols: ["a", "b"] }));
 * ```
 */
export function heatmap(
  m: readonly (readonly number[])[],
  opts: {
    title: string;
    rows: readonly string[];
    cols: readonly string[];
    xLabel?: string;
    yLabel?: string;
  },
): string {
  const cell = 38;
  const left = 96;
  const top = 60;
  const n = m.length;
  const k = m[0]?.length ?? 0;
  const W = left + k * cell + 20;
  const H = top + n * cell + 30;
  const max = Math.max(...m.flat(), 1e-12);
  const out: string[] = [];
  if (opts.xLabel)
    out.push(
      `<text x="${left + (k * cell) / 2}" y="34" text-anchor="middle" font-size="12">${esc(opts.xLabel)}</text>`,
    );
  if (opts.yLabel) out.push(`<text x="8" y="${top - 6}" font-size="12">${esc(opts.yLabel)}</text>`);
  opts.cols.forEach((c, j) =>
    out.push(
      `<text x="${left + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle" font-size="9">${esc(c.slice(0, 7))}</text>`,
    ),
  );
  m.forEach((row, i) => {
    out.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${esc(opts.rows[i] ?? "")}</text>`,
    );
    row.forEach((v, j) => {
      const t = Math.sqrt(v / max);
      const g = Math.round(255 * (1 - t));
      out.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${g},${Math.round(255 - 120 * t)},255)" stroke="#ddd"/>`,
        `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="10" fill="${t > 0.6 ? "white" : "black"}">${Number.isInteger(v) ? v : v.toFixed(2)}</text>`,
      );
    });
  });
  return doc(W, H, opts.title, out);
}

/**
 * A scatter plot of labelled points, one colour per group.
 * @example
 * ```ts
 * writeFileSync("pca.svg", scatter([{ x: 0, y: 1, group: 0 }], { title: "PCA", groups: ["setosa"] }));
 * ```
 */
export function scatter(
  points: readonly { x: number; y: number; group: number; marker?: boolean }[],
  opts: { title: string; groups: readonly string[]; xLabel?: string; yLabel?: string },
): string {
  const w = 520;
  const h = 380;
  const pad = { l: 50, r: 130, t: 32, b: 40 };
  const [x0, x1] = [Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x))];
  const [y0, y1] = [Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y))];
  const px = (v: number) => pad.l + ((v - x0) / (x1 - x0 || 1)) * (w - pad.l - pad.r);
  const py = (v: number) => pad.t + (1 - (v - y0) / (y1 - y0 || 1)) * (h - pad.t - pad.b);
  const out: string[] = [
    `<rect x="${pad.l - 8}" y="${pad.t - 8}" width="${w - pad.l - pad.r + 16}" height="${h - pad.t - pad.b + 16}" fill="#fafafa" stroke="#ccc"/>`,
  ];
  if (opts.xLabel)
    out.push(
      `<text x="${(pad.l + w - pad.r) / 2}" y="${h - 10}" text-anchor="middle" font-size="12">${esc(opts.xLabel)}</text>`,
    );
  if (opts.yLabel)
    out.push(
      `<text x="16" y="${h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${h / 2})">${esc(opts.yLabel)}</text>`,
    );
  for (const p of points) {
    const c = COLORS[p.group % COLORS.length];
    out.push(
      p.marker
        ? `<path d="M${px(p.x) - 6},${py(p.y)} l12,0 M${px(p.x)},${py(p.y) - 6} l0,12" stroke="black" stroke-width="2.5"/>`
        : `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${c}" fill-opacity="0.75"/>`,
    );
  }
  opts.groups.forEach((g, i) =>
    out.push(
      `<circle cx="${w - pad.r + 20}" cy="${pad.t + 10 + i * 18}" r="4" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${w - pad.r + 30}" y="${pad.t + 14 + i * 18}" font-size="11">${esc(g)}</text>`,
    ),
  );
  return doc(w, h, opts.title, out);
}
