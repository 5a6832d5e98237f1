/**
 * What the browser test runs inside the page (and inside a Web Worker): bundled with the library
 * by esbuild (see browser.test.ts), so it runs against the browser build of `src/`. It returns
 * plain data; the test in Node judges it.
 * @module
 */
import * as tg from "../../src/index.js";
import { workerParts } from "../../src/backend/wasm/threads.js";

/** Inputs the test generates (and checks against a float64 product of its own). */
export interface CheckInput {
  /** A [64, 300] matrix, row-major. */
  readonly a: number[];
  /** A [300, 70] matrix, row-major. */
  readonly b: number[];
  /** MLP inputs [256, 64] and targets [256, 1], row-major. */
  readonly x: number[];
  readonly y: number[];
}

/** What the page reports. */
export interface CheckOutput {
  readonly crossOriginIsolated: boolean;
  readonly sharedArrayBuffer: boolean;
  readonly hardwareConcurrency: number;
  readonly info: ReturnType<typeof tg.backendInfo>;
  /** Distinct values of ones([64,300]) @ ones([300,70]), and its length. */
  readonly onesValues: number[];
  readonly onesLength: number;
  /** a @ b. */
  readonly product: number[];
  /** Parts run by the pool's workers during ten [256,512]@[512,256] products of ones. */
  readonly workerParts: number;
  /** Whether every entry of those products was 512. */
  readonly bigOk: boolean;
  /** Loss of the MLP at each jitted training step. */
  readonly losses: number[];
}

/** Runs every check and reports the results. */
export function runChecks(input: CheckInput): CheckOutput {
  const info = tg.backendInfo();
  const ones = tg.matmul(tg.ones([64, 300]), tg.ones([300, 70])).dataSync();
  const product = tg
    .matmul(
      tg.fromArray(Float32Array.from(input.a), [64, 300]),
      tg.fromArray(Float32Array.from(input.b), [300, 70]),
    )
    .dataSync();

  const before = workerParts();
  let bigOk = true;
  for (let i = 0; i < 10; i++) {
    const big = tg.matmul(tg.ones([256, 512]), tg.ones([512, 256])).dataSync();
    if (big.length !== 256 * 256 || big.some((v) => v !== 512)) bigOk = false;
  }
  const parts = workerParts() - before;

  // a 64-128-1 MLP (its first layer's matmuls are big enough to be split), Adam, jitted steps
  const x = tg.fromArray(Float32Array.from(input.x), [256, 64]);
  const y = tg.fromArray(Float32Array.from(input.y), [256, 1]);
  const model = tg.nn.serial(tg.nn.dense(64, 128), tg.nn.relu, tg.nn.dense(128, 1));
  let params = model.init(tg.random.key(0));
  type P = typeof params;
  const opt = tg.optim.adam({ lr: 0.01 });
  let state = opt.init(params);
  const lossFn = (p: P) => tg.losses.mse(model.apply(p, x), y);
  const step = tg.jit((p: P, s: typeof state) => {
    const [loss, grads] = tg.valueAndGrad(lossFn)(p);
    return { ...opt.update(grads, s, p), loss };
  });
  const losses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = step(params, state);
    ({ params, state } = r);
    losses.push(r.loss.item());
  }

  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== "undefined",
    hardwareConcurrency: globalThis.navigator.hardwareConcurrency,
    info,
    onesValues: [...new Set(ones)],
    onesLength: ones.length,
    product: Array.from(product),
    workerParts: parts,
    bigOk,
    losses,
  };
}
