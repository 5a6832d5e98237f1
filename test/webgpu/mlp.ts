/**
 * The small training run the webgpu tests compare across backends (in Node and in a browser
 * page): a dense–relu–dense MLP on fixed data, trained with jitted Adam steps on the backend
 * chosen before the call.
 */
import * as tg from "../../src/index.js";

/** Losses of every step, the final parameters flattened, and whether they live on the GPU. */
export interface MlpRun {
  losses: number[];
  flat: number[];
  onGpu: boolean;
}

/**
 * Runs `steps` jitted Adam steps of the MLP on the current backend.
 * @example
 * ```ts
 * await tg.useBackend("webgpu");
 * const { losses } = await trainMlp(5, true);
 * ```
 */
export async function trainMlp(steps: number, donate: boolean): Promise<MlpRun> {
  const n = 64;
  const xs = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.37) * 2);
  const ys = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.21) + xs[i * 8] * 0.5);
  const x = tg.fromArray(xs, [n, 8]);
  const y = tg.fromArray(ys, [n, 1]);
  const model = tg.nn.serial(tg.nn.dense(8, 16), tg.nn.relu, tg.nn.dense(16, 1));
  let params = model.init(tg.random.key(3));
  type P = typeof params;
  const opt = tg.optim.adam({ lr: 0.01 });
  let state = opt.init(params);
  const lossFn = (p: P) => tg.losses.mse(model.apply(p, x), y);
  const step = tg.jit(
    (p: P, s: typeof state) => {
      const [loss, grads] = tg.valueAndGrad(lossFn)(p);
      return { ...opt.update(grads, s, p), loss };
    },
    donate ? { donate: [0, 1] } : {},
  );
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const r = step(params, state);
    ({ params, state } = r);
    losses.push((await r.loss.data())[0]);
  }
  // on webgpu the results live on the GPU: a synchronous read throws
  let onGpu = false;
  try {
    params[0].w.dataSync();
  } catch (e) {
    onGpu = /await t\.data\(\)/.test((e as Error).message);
  }
  const flat: number[] = [];
  for (const leaf of [params[0].w, params[0].b, params[2].w, params[2].b]) {
    flat.push(...(await leaf.data()));
  }
  return { losses, flat, onGpu };
}
