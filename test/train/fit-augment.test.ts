/** fit's per-batch `augment` hook: called once per training batch with a fresh key, its output is what the step learns from. */
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import { mul } from "../../src/prims/elementwise.js";
import * as random from "../../src/random/index.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import * as train from "../../src/train/index.js";
import { blobs, mlp, xent } from "./tiny-model.js";
import { expectClose } from "../util/close.js";

describe("fit augment", () => {
  test("called once per batch with the batch's rows and a new key each time; validation untouched", async () => {
    const data = blobs(100);
    const seen: { n: number; key: string }[] = [];
    const model = mlp(4, 8, 3);
    const r = await train.fit(model, model.init(random.key(0)), data, {
      loss: xent,
      optimizer: optim.sgd({ lr: 0.05 }),
      epochs: 2,
      batchSize: 32,
      validation: data,
      key: random.key(1),
      progress: false,
      augment: (x: T, y: T, key) => {
        seen.push({ n: x.shape[0], key: Array.from(key.dataSync()).join(",") });
        expect(y.shape[0]).toBe(x.shape[0]);
        return [x, y];
      },
    });
    expect(seen.map((s) => s.n)).toEqual([32, 32, 32, 4, 32, 32, 32, 4]);
    expect(new Set(seen.map((s) => s.key)).size).toBe(8);
    expect(r.history.valLoss).toHaveLength(2);
  });

  test("an identity transform trains exactly as no transform does", async () => {
    const model = mlp(4, 8, 3);
    const run = async (augment?: (x: T, y: T, k: random.Key) => readonly [T, T]) =>
      (
        await train.fit(model, model.init(random.key(3)), blobs(90), {
          loss: xent,
          optimizer: optim.sgd({ lr: 0.1, momentum: 0.9 }),
          epochs: 2,
          batchSize: 16,
          key: random.key(7),
          progress: false,
          ...(augment ? { augment } : {}),
        })
      ).history.loss;
    const plain = await run();
    const same = await run((x, y) => [x, y]);
    expectClose(same, plain, { atol: 5e-6, rtol: 0, what: "loss history" });
  });

  test("the step learns from the transformed batch: zeroed inputs leave only the bias to learn", async () => {
    const model = mlp(4, 8, 3);
    const data = blobs(120);
    const r = await train.fit(model, model.init(random.key(0)), data, {
      loss: xent,
      optimizer: optim.adam({ lr: 0.05 }),
      epochs: 5,
      batchSize: 30,
      metrics: ["accuracy"],
      key: random.key(1),
      progress: false,
      augment: (x, y) => [mul(x, 0), y],
    });
    // with every input zeroed, nothing separates the three equal-sized classes
    expect(r.history.accuracy!.at(-1)).toBeLessThan(0.5);
    const plain = train.evaluate(model, r.params, data, { loss: xent, metrics: ["accuracy"] });
    expect(plain.accuracy).toBeLessThan(0.5);
  });

  test("what the transform makes is freed: its temporaries at once, its result after the step", async () => {
    const model = mlp(4, 8, 3);
    const temporaries: T[] = [];
    const results: T[] = [];
    await train.fit(model, model.init(random.key(0)), blobs(60), {
      loss: xent,
      optimizer: optim.sgd({ lr: 0.05 }),
      epochs: 1,
      batchSize: 20,
      key: random.key(1),
      progress: false,
      augment: (x, y) => {
        const half = mul(x, 0.5);
        temporaries.push(half);
        const out = mul(half, 2);
        results.push(out);
        return [out, y];
      },
    });
    expect(temporaries).toHaveLength(3);
    for (const t of [...temporaries, ...results]) expect(t.isDisposed).toBe(true);
  });
});
