/**
 * Chapter 10 of the guide, generative models on MNIST:
 * 1. an autoencoder 784 → 256 → 32 → 256 → 784 trained to reconstruct its input;
 * 2. a variational autoencoder with a 16-dimensional latent: the encoder gives μ and log σ², a
 *    code is drawn as z = μ + σ·ε (the reparameterisation trick, so `grad` flows through the
 *    sample), and the loss is the negative evidence lower bound, reconstruction + KL(q(z|x) ‖ N(0, I));
 *    new digits are decoded from z ~ N(0, I).
 * A separately trained MLP classifier judges the generated digits: how many it reads with
 * confidence above 0.9, and how evenly they spread over the ten classes.
 *
 * Run: `npm run example:generative` or `npm run example:generative -- --quick`.
 * @module
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tg from "../../src/index.js";
import { reshape, slice } from "../../src/prims/movement.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { uniformStream } from "./08-rnn.js";
import { imageGrid, lineChart } from "./svg-figures.js";

/** Options of chapter 10. */
export interface GenerativeOptions {
  /** A small slice: 3,000 training images, few epochs. */
  quick?: boolean;
  /** Where the SVGs go (default: `docs/guide/img` for the full run, a temp dir in quick mode). */
  out?: string;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

const Z = 16;
const encoder = tg.nn.serial(tg.nn.dense(784, 256), tg.nn.relu, tg.nn.dense(256, 2 * Z));
const decoder = tg.nn.serial(tg.nn.dense(Z, 256), tg.nn.relu, tg.nn.dense(256, 784));
const aeEncoder = tg.nn.serial(tg.nn.dense(784, 256), tg.nn.relu, tg.nn.dense(256, 32), tg.nn.relu);
const aeDecoder = tg.nn.serial(tg.nn.dense(32, 256), tg.nn.relu, tg.nn.dense(256, 784));

type VaeParams = { enc: ReturnType<typeof encoder.init>; dec: ReturnType<typeof decoder.init> };
type AeParams = { enc: ReturnType<typeof aeEncoder.init>; dec: ReturnType<typeof aeDecoder.init> };

/** Reconstruction term: binary cross-entropy of the decoder's logits, summed over the 784 pixels. */
const reconstruction = (logits: T, x: T): T =>
  tg.mul(tg.losses.binaryCrossEntropy(logits as never, x as never, { fromLogits: true }), 784) as T;

/**
 * The VAE's loss on a batch, in nats per image: reconstruction + KL, where
 * KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ (1 + log σ² − μ² − σ²).
 */
export function vaeLoss(p: VaeParams, x: T, key: T): { loss: T; kl: T } {
  const b = x.shape[0];
  const h = encoder.apply(p.enc, x as never) as T;
  const mu = slice(h, [0, 0], [b, Z]);
  const logVar = slice(h, [0, Z], [b, 2 * Z]);
  const eps = tg.random.normal(key as tg.random.Key, [b, Z]) as T;
  const z = tg.add(mu, tg.mul(tg.exp(tg.mul(logVar, 0.5)), eps)) as T;
  const kl = tg.mul(
    tg.mean(tg.sum(tg.sub(tg.sub(tg.add(logVar, 1), tg.square(mu)), tg.exp(logVar)) as T, 1) as T),
    -0.5,
  ) as T;
  const rec = reconstruction(decoder.apply(p.dec, z as never) as T, x);
  return { loss: tg.add(rec, kl) as T, kl };
}

/** The autoencoder's loss: reconstruction only, nats per image. */
export const aeLoss = (p: AeParams, x: T): T =>
  reconstruction(aeDecoder.apply(p.dec, aeEncoder.apply(p.enc, x as never) as never) as T, x);

/** Mini-batches of rows of `x` (host-side shuffle), each `[batch, 784]`. */
function* batches(x: Float32Array, n: number, batch: number, seed: number): Generator<T> {
  const rand = uniformStream(seed);
  const order = Array.from({ length: n }, (_, i) => [rand(), i]).sort((a, b) => a[0] - b[0]);
  for (let at = 0; at + batch <= n; at += batch) {
    const out = new Float32Array(batch * 784);
    for (let i = 0; i < batch; i++)
      out.set(x.subarray(order[at + i][1] * 784, (order[at + i][1] + 1) * 784), i * 784);
    yield tg.fromArray(out, [batch, 784]);
  }
}

/** What chapter 10 measures. */
export interface GenerativeResult {
  /** Test reconstruction loss per image (nats), and that of predicting every pixel's mean. */
  aeTestLoss: number;
  meanImageLoss: number;
  /** The VAE's test loss (−ELBO, nats per image) and its KL part. */
  vaeTestLoss: number;
  vaeTestKl: number;
  /** The judge's accuracy on the real test images. */
  judgeAccuracy: number;
  /** Of the generated samples: the share read with confidence > 0.9, and the classes they fall in. */
  confident: number;
  classCounts: number[];
  /** Loss per epoch. */
  aeCurve: number[];
  vaeCurve: number[];
  seconds: number;
  files: string[];
}

/**
 * Trains the autoencoder, the VAE and the judge, writes `10-reconstructions.svg`,
 * `10-samples.svg` and `10-loss.svg`, and returns the figures.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.vaeTestLoss < r.meanImageLoss; // true
 * ```
 */
export async function main(opts: GenerativeOptions = {}): Promise<GenerativeResult> {
  const verbose = opts.verbose ?? true;
  const quick = opts.quick ?? false;
  const out = opts.out ?? (quick ? mkdtempSync(join(tmpdir(), "typegrad-10-")) : "docs/guide/img");
  const log = (s: string) => verbose && console.log(s);
  const data = tg.data.mnist(quick ? { limit: 3000, testLimit: 1000 } : {});
  const n = data.train.x.shape[0];
  const xTrain = data.train.x.dataSync() as Float32Array;
  const xTest = reshape(data.test.x, [-1, 784]);
  const epochs = quick ? 4 : 10;
  const batch = 100;
  const t0 = performance.now();

  // 1. the autoencoder
  const [k1, k2, k3, k4] = tg.random.split(tg.random.key(10), 4);
  let ae: AeParams = { enc: aeEncoder.init(k1), dec: aeDecoder.init(k2) };
  const aeOpt = tg.optim.adam({ lr: 1e-3 });
  let aeState = aeOpt.init(ae);
  const aeStep = tg.jit(
    (p: AeParams, s: typeof aeState, x: T) => {
      const [l, g] = tg.valueAndGrad(aeLoss)(p, x);
      const u = aeOpt.update(g, s, p);
      return { params: u.params as AeParams, state: u.state, loss: l };
    },
    { donate: [0, 1] },
  );
  const aeCurve: number[] = [];
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    let count = 0;
    for (const x of batches(xTrain, n, batch, 100 + e)) {
      const r = aeStep(ae, aeState, x);
      ae = r.params;
      aeState = r.state;
      sum += r.loss.item();
      count++;
      x.dispose();
    }
    aeCurve.push(sum / count);
    log(`  autoencoder epoch ${e + 1}/${epochs}: ${aeCurve[e].toFixed(1)} nats/image`);
    await new Promise((r) => setImmediate(r));
  }
  const aeTestLoss = (tg.jit(aeLoss)(ae, xTest) as T).item();
  const meanPix = tg.mean(xTest, 0, true) as T;
  const p = tg.clip(meanPix, 1e-4, 1 - 1e-4) as T;
  const meanImageLoss = (
    tg.mean(
      tg.sum(
        tg.neg(
          tg.add(tg.mul(xTest, tg.log(p)), tg.mul(tg.sub(1, xTest), tg.log(tg.sub(1, p)))),
        ) as T,
        1,
      ) as T,
    ) as T
  ).item();
  log(
    `  test reconstruction ${aeTestLoss.toFixed(1)} nats/image (mean image: ${meanImageLoss.toFixed(1)})`,
  );

  // 2. the VAE
  let vae: VaeParams = { enc: encoder.init(k3), dec: decoder.init(k4) };
  const opt = tg.optim.adam({ lr: 1e-3 });
  let state = opt.init(vae);
  const step = tg.jit(
    (p: VaeParams, s: typeof state, x: T, key: T) => {
      const [l, g] = tg.valueAndGrad((q: VaeParams) => vaeLoss(q, x, key).loss)(p);
      const u = opt.update(g, s, p);
      return { params: u.params as VaeParams, state: u.state, loss: l };
    },
    { donate: [0, 1] },
  );
  const vaeCurve: number[] = [];
  let key = tg.random.key(20);
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    let count = 0;
    for (const x of batches(xTrain, n, batch, 200 + e)) {
      const [next, sub] = tg.random.split(key);
      key = next;
      const r = step(vae, state, x, sub);
      vae = r.params;
      state = r.state;
      sum += r.loss.item();
      count++;
      x.dispose();
    }
    vaeCurve.push(sum / count);
    log(`  VAE epoch ${e + 1}/${epochs}: ${vaeCurve[e].toFixed(1)} nats/image`);
    await new Promise((r) => setImmediate(r));
  }
  const vt = tg.jit((p: VaeParams, x: T, k: T) => vaeLoss(p, x, k))(vae, xTest, tg.random.key(30));
  const vaeTestLoss = vt.loss.item();
  const vaeTestKl = vt.kl.item();
  log(`  VAE test −ELBO ${vaeTestLoss.toFixed(1)} nats/image (KL ${vaeTestKl.toFixed(1)})`);

  // 3. generated digits and their judge
  const nSamples = quick ? 200 : 1000;
  const zs = tg.random.normal(tg.random.key(40), [nSamples, Z]);
  const samples = tg.sigmoid(decoder.apply(vae.dec, zs as never) as T) as T;
  const judge = tg.nn.serial(tg.nn.dense(784, 256), tg.nn.relu, tg.nn.dense(256, 10));
  const jr = await tg.train.fit(
    judge,
    judge.init(tg.random.key(50)),
    { x: reshape(data.train.x, [-1, 784]), y: data.train.y },
    {
      loss: (p: T, y: T) => tg.losses.sparseCategoricalCrossEntropy(p, y, { fromLogits: true }),
      optimizer: tg.optim.adam({ lr: 1e-3 }),
      epochs: quick ? 5 : 3,
      batchSize: 128,
      key: tg.random.key(51),
      progress: false,
    },
  );
  const judgeAccuracy = tg.metrics.accuracy(
    tg.argmax(tg.train.predict(judge, jr.params, xTest), 1),
    data.test.y,
  );
  const probs = tg.softmax(tg.train.predict(judge, jr.params, samples) as T, -1).dataSync();
  const classCounts = new Array(10).fill(0);
  let confident = 0;
  for (let i = 0; i < nSamples; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (probs[i * 10 + c] > probs[i * 10 + best]) best = c;
    classCounts[best]++;
    if (probs[i * 10 + best] > 0.9) confident++;
  }
  const seconds = (performance.now() - t0) / 1000;
  log(
    `  judge accuracy ${(100 * judgeAccuracy).toFixed(2)} %; generated digits read with confidence > 0.9: ${((100 * confident) / nSamples).toFixed(1)} %; classes ${classCounts.join(" ")}`,
  );

  // figures
  const files = [
    join(out, "10-reconstructions.svg"),
    join(out, "10-samples.svg"),
    join(out, "10-loss.svg"),
  ];
  const real = xTest.dataSync();
  const recon = tg
    .sigmoid(
      aeDecoder.apply(
        ae.dec,
        aeEncoder.apply(ae.enc, slice(xTest, [0, 0], [16, 784]) as never) as never,
      ) as T,
    )
    .dataSync();
  const img = (d: ArrayLike<number>, i: number, label?: string) => ({
    data: Array.from({ length: 784 }, (_, k) => d[i * 784 + k]),
    h: 28,
    w: 28,
    label,
  });
  writeFileSync(
    files[0],
    imageGrid(
      [
        ...Array.from({ length: 16 }, (_, i) => img(real, i)),
        ...Array.from({ length: 16 }, (_, i) => img(recon, i)),
      ],
      {
        title: "Autoencoder: test digits (top) and their reconstructions from 32 numbers",
        cols: 16,
        scale: 2,
        fixedRange: [0, 1],
      },
    ),
  );
  const s = samples.dataSync();
  writeFileSync(
    files[1],
    imageGrid(
      Array.from({ length: 64 }, (_, i) => img(s, i)),
      {
        title: "VAE: digits decoded from z ~ N(0, I)",
        cols: 16,
        scale: 2,
        fixedRange: [0, 1],
      },
    ),
  );
  const ep = aeCurve.map((_, i) => i + 1);
  writeFileSync(
    files[2],
    lineChart(
      [
        { name: "autoencoder", y: aeCurve, x: ep },
        { name: "VAE (−ELBO)", y: vaeCurve, x: ep },
      ],
      { title: "Training loss, nats per image", xLabel: "epoch", yLabel: "nats" },
    ),
  );
  log(`figures: ${files.join(", ")}`);
  return {
    aeTestLoss,
    meanImageLoss,
    vaeTestLoss,
    vaeTestKl,
    judgeAccuracy,
    confident: confident / nSamples,
    classCounts,
    aeCurve,
    vaeCurve,
    seconds,
    files,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  await main({ quick: argv.includes("--quick"), out });
}
