/**
 * Whole programs of the differential test: drawing them with fast-check, writing each as a
 * TypeScript module, and running it on the runtime.
 */
import fc from "fast-check";
import * as tg from "../../../src/index.js";
import type { AnyTensor } from "../../../src/index.js";
import {
  type Dim,
  type Draw,
  drawOf,
  type DT,
  type Kind,
  type Layer,
  type Program,
  type Step,
  type Val,
} from "./model.js";
import { dimTs, TABLE } from "./ops.js";

const OPS = Object.keys(TABLE);

/** Draws an ops program: an input, then up to four steps (the chain ends at a step meant to fail). */
function drawOps(d: Draw, kind: Kind): Program {
  const rank = d.int(1, 4);
  const conv = d.chance(0.25);
  const shape: Dim[] = conv
    ? [d.int(1, 3), d.int(2, 6), d.int(2, 6), d.int(1, 3)]
    : Array.from({ length: rank }, () => d.int(1, 5));
  if (kind !== "literal") shape[0] = "B";
  const dtype = d.pick(["f32", "f32", "f32", "f32", "i32", "bool"] as DT[]);
  const vals: Val[] = [{ shape, dtype }];
  const steps: Step[] = [];
  const n = d.int(1, 4);
  for (let i = 0; i < n; i++) {
    const src = d.chance(0.8) ? vals.length - 1 : d.int(0, vals.length - 1);
    const v = vals[src];
    const usable = OPS.filter((op) => TABLE[op].when(v, kind));
    const op = d.pick(usable);
    const { step, out } = TABLE[op].gen(d, v, src, kind, vals);
    steps.push(step);
    if (!out) break;
    vals.push(out);
  }
  const computed = vals.some((v) => v.shape.includes("?"));
  return { family: "ops", kind, input: { shape, dtype }, steps, computed };
}

/** Draws an `nn.sequential` stack on images or vectors. */
function drawModel(d: Draw, kind: "literal" | "generic"): Program {
  const image = d.chance(0.5);
  const inputShape = image ? [d.int(4, 9), d.int(4, 9), d.int(1, 3)] : [d.int(1, 8)];
  const layers: Layer[] = [];
  let rank = inputShape.length;
  let width = image ? 0 : inputShape[0];
  const n = d.int(1, 4);
  for (let i = 0; i < n; i++) {
    if (rank === 3) {
      const l = d.int(0, 9);
      if (l < 4) {
        const padding = d.pick(["valid", "same"] as const);
        layers.push({
          l: "conv2d",
          filters: d.int(1, 4),
          kernel: d.int(1, 4),
          stride: d.int(1, 2),
          padding,
        });
      } else if (l < 6) {
        layers.push({
          l: d.pick(["maxPool2d", "avgPool2d"] as const),
          size: d.int(1, 3),
          padding: d.pick(["valid", "same"] as const),
        });
      } else if (l < 7) layers.push({ l: "relu" });
      else {
        layers.push({ l: "flatten" });
        rank = 1;
      }
    } else {
      const l = d.int(0, 9);
      if (l < 6) {
        const units = d.int(1, 6);
        const checked = d.chance(0.3);
        // a two-size dense names its input width; sometimes the wrong one
        const inputs = checked ? (d.chance(0.3) ? width + 1 : width) : undefined;
        layers.push(
          inputs === undefined || width === 0
            ? { l: "dense", units }
            : { l: "dense", units, inputs },
        );
        width = units;
      } else layers.push({ l: d.pick(["relu", "tanh"] as const) });
    }
  }
  if (image && d.chance(0.1)) layers.push({ l: "dense", units: 2 }); // dense on an image: a rank error
  return { family: "model", kind, inputShape, layers };
}

/** Draws `count` programs from `seed`, spread over the kinds (half literal). */
export function drawPrograms(seed: number, count: number): Program[] {
  const gens = fc.sample(fc.gen(), { seed, numRuns: count });
  return gens.map((g, i) => {
    const d = drawOf(g, fc);
    const kind: Kind = (["literal", "literal", "number", "generic"] as const)[i % 4];
    if (d.chance(0.15) && kind !== "number") return drawModel(d, kind);
    return drawOps(d, kind);
  });
}

/** The size the input's first axis has at runtime in the literal kind (drawn into the program). */
const BATCHES = [3, 5];

const layerTs = (l: Layer): string => {
  switch (l.l) {
    case "dense":
      return l.inputs === undefined
        ? `tg.nn.dense(${l.units})`
        : `tg.nn.dense(${l.inputs}, ${l.units})`;
    case "conv2d":
      return `tg.nn.conv2d(${l.filters}, ${l.kernel}, { stride: ${l.stride}, padding: "${l.padding}" })`;
    case "maxPool2d":
    case "avgPool2d":
      return `tg.nn.${l.l}(${l.size}, { padding: "${l.padding}" })`;
    default:
      return `tg.nn.${l.l}`;
  }
};

const nn = tg.nn as unknown as Record<string, any>;
function layerRun(l: Layer): unknown {
  switch (l.l) {
    case "dense":
      return l.inputs === undefined ? nn.dense(l.units) : nn.dense(l.inputs, l.units);
    case "conv2d":
      return nn.conv2d(l.filters, l.kernel, { stride: l.stride, padding: l.padding });
    case "maxPool2d":
    case "avgPool2d":
      return nn[l.l](l.size, { padding: l.padding });
    default:
      return nn[l.l];
  }
}

const tensorTs = (shape: readonly (number | string)[], dtype: string) =>
  `tg.Tensor<[${shape.join(", ")}], "${dtype}">`;

/**
 * The program as a TypeScript module importing typegrad from `importPath`. Its result is the
 * variable `last` (inside the generic function `f` for the generic kind, which `out` then calls
 * at the first runtime batch size).
 */
export function emit(p: Program, importPath: string): string {
  const head = `import * as tg from "${importPath}";\n`;
  const b = BATCHES[0];
  if (p.family === "model") {
    const model = `const m = tg.nn.sequential([${p.inputShape.join(", ")}]${p.layers.map((l) => `, ${layerTs(l)}`).join("")});\nconst params = m.init(tg.random.key(0));\n`;
    if (p.kind === "literal")
      return `${head}${model}declare const x: ${tensorTs([b, ...p.inputShape], "f32")};\nexport const last = m.apply(params, x);\n`;
    return `${head}${model}export function f<B extends number>(x: ${tensorTs(["B", ...p.inputShape], "f32")}) {\n  const last = m.apply(params, x);\n  return last;\n}\ndeclare const x0: ${tensorTs([b, ...p.inputShape], "f32")};\nexport const out = f(x0);\n`;
  }
  const name = (i: number) => (i === 0 ? "x" : `v${i}`);
  const body = p.steps.map((s, i) => `const v${i + 1} = ${TABLE[s.op].emit(s, name)};`);
  body.push(`const last = v${p.steps.length};`);
  const shape = p.input.shape.map((d) =>
    d === "B" ? (p.kind === "number" ? "number" : "B") : dimTs(d),
  );
  if (p.kind === "generic") {
    const inner = body.map((l) => `  ${l}`).join("\n");
    const concrete = p.input.shape.map((d) => (d === "B" ? b : d));
    return `${head}export function f<B extends number>(x: ${tensorTs(shape, p.input.dtype)}) {\n${inner}\n  return last;\n}\ndeclare const x0: ${tensorTs(concrete, p.input.dtype)};\nexport const out = f(x0);\n`;
  }
  return `${head}declare const x: ${tensorTs(shape, p.input.dtype)};\n${body.join("\n")}\nexport { last };\n`;
}

/** What the runtime did with a program at one batch size. */
export type RunResult =
  | { ok: true; shape: number[]; dtype: string }
  | { ok: false; error: string; typed: boolean };

/** Runs a program with the input's first axis of size `b` (ignored in the literal kind). */
export function run(p: Program, b: number): RunResult {
  try {
    let y: AnyTensor;
    if (p.family === "model") {
      const layers = p.layers.map(layerRun);
      const m = (tg.nn.sequential as (...a: unknown[]) => any)(p.inputShape, ...layers);
      const params = m.init(tg.random.key(0));
      y = m.apply(params, tg.zeros([b, ...p.inputShape]));
    } else {
      const shape = p.input.shape.map((d) => (d === "B" ? b : (d as number)));
      const vals: AnyTensor[] = [tg.zeros(shape, p.input.dtype) as AnyTensor];
      for (const s of p.steps) vals.push(TABLE[s.op].run(s, vals, b));
      y = vals[vals.length - 1];
    }
    return { ok: true, shape: [...y.shape], dtype: y.dtype };
  } catch (e) {
    const typed = e instanceof tg.ShapeError || e instanceof tg.DTypeError;
    return { ok: false, error: `${(e as Error).name}: ${(e as Error).message}`, typed };
  }
}

/** The runtime batch sizes tried for the number and generic kinds. */
export const RUN_BATCHES: readonly number[] = BATCHES;
