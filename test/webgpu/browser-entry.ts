/**
 * The page side of the browser test (bundled by `browser.test.ts`): opens the webgpu backend
 * through `navigator.gpu` and runs the MLP training of `mlp.ts` on it.
 */
import * as tg from "../../src/index.js";
import { type MlpRun, trainMlp } from "./mlp.js";

/** What the page reports: the adapter and the run, or why the backend did not open. */
export type PageRun = { adapter: string | null; run: MlpRun } | { error: string };

/**
 * Runs the MLP on WebGPU in the page.
 * @example
 * ```ts
 * const r = await (await import("/entry.js")).run();
 * ```
 */
export async function run(): Promise<PageRun> {
  try {
    await tg.useBackend("webgpu");
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { adapter: tg.webgpuInfo().adapter, run: await trainMlp(5, true) };
}
