/** The fit loop: it learns, donates only its own copies, reports history, validates, stops early. */
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import * as random from "../../src/random/index.js";
import * as train from "../../src/train/index.js";
import { blobs, counter, mlp, xent } from "./tiny-model.js";

describe("fit", () => {
  test("learns separable blobs; history has loss, metrics and validation logs", async () => {
    const model = mlp(4, 16, 3);
    const params = model.init(random.key(0));
    const w1Before = Array.from(params.w1.dataSync());
    const data = blobs(300);
    const lines: string[] = [];
    const r = await train.fit(model, params, data, {
      loss: xent,
      optimizer: optim.adam({ lr: 0.02 }),
      epochs: 5,
      batchSize: 32,
      validationSplit: 0.2,
      metrics: ["accuracy"],
      key: random.key(1),
      output: { write: (s: string) => lines.push(s), isTTY: false },
    });
    expect(r.history.loss).toHaveLength(5);
    expect(Object.keys(r.history).sort()).toEqual(["accuracy", "loss", "valAccuracy", "valLoss"]);
    expect(r.history.loss[4]).toBeLessThan(r.history.loss[0]);
    expect(r.history.valAccuracy!.at(-1)).toBeGreaterThan(0.95);
    // the caller's params are untouched (fit donates its own copies)
    expect(params.w1.isDisposed).toBe(false);
    expect(Array.from(params.w1.dataSync())).toEqual(w1Before);
    // one line per epoch off a terminal
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^Epoch 1\/5 .*loss .*accuracy .*valLoss .*samples\/s\n$/);
    const ev = train.evaluate(model, r.params, data, { loss: xent, metrics: ["accuracy"] });
    expect(ev.accuracy).toBeGreaterThan(0.95);
    const pred = train.predict(model, r.params, data.x, { batchSize: 64 });
    expect(pred.shape).toEqual([300, 3]);
  });

  test("the same key gives the same training run", async () => {
    const model = mlp(4, 8, 3);
    const run = async () => {
      const r = await train.fit(model, model.init(random.key(3)), blobs(90), {
        loss: xent,
        optimizer: optim.sgd({ lr: 0.1, momentum: 0.9 }),
        epochs: 2,
        batchSize: 16,
        key: random.key(7),
        progress: false,
      });
      return r.history.loss;
    };
    expect(await run()).toEqual(await run());
  });

  test("a TTY gets a bar redrawn in place", async () => {
    const model = mlp(4, 8, 3);
    const out: string[] = [];
    await train.fit(model, model.init(random.key(0)), blobs(60), {
      loss: xent,
      optimizer: optim.sgd({ lr: 0.1 }),
      epochs: 1,
      batchSize: 20,
      output: { write: (s: string) => out.push(s), isTTY: true, columns: 120 },
    });
    expect(out.at(-1)!.endsWith("\u001b[K\n")).toBe(true);
    expect(out.at(-1)).toMatch(/^\rEpoch 1\/1 +█+ 3\/3 .*samples\/s/);
  });

  test("layer state threads through forward", async () => {
    const model = counter(4);
    const r = await train.fit(model, {}, blobs(50), {
      loss: (p) => {
        const s = p as never;
        return sumAll(s);
      },
      optimizer: optim.sgd({ lr: 0.1 }),
      epochs: 2,
      batchSize: 10,
      progress: false,
    });
    expect(r.state.seen.item()).toBe(10);
  });

  test("earlyStopping names a missing log", async () => {
    const model = mlp(4, 8, 3);
    await expect(
      train.fit(model, model.init(random.key(0)), blobs(30), {
        loss: xent,
        optimizer: optim.sgd(),
        progress: false,
        callbacks: [train.earlyStopping({ monitor: "valAccuracy" })],
      }),
    ).rejects.toThrow(/no log named "valAccuracy"; the logs are loss/);
  });

  test("earlyStopping with minDelta: patience counted exactly, best weights restored", async () => {
    const model = mlp(4, 8, 3);
    const es = train.earlyStopping({
      monitor: "loss",
      patience: 2,
      minDelta: 1e6,
      restoreBestWeights: true,
    });
    let firstW: number[] = [];
    const r = await train.fit(model, model.init(random.key(0)), blobs(60), {
      loss: xent,
      optimizer: optim.sgd({ lr: 0.5 }),
      epochs: 10,
      batchSize: 20,
      progress: false,
      callbacks: [es],
      onEpochEnd: (epoch, _logs, ctx) => {
        if (epoch === 0) firstW = Array.from(ctx.params.w1.dataSync());
      },
    });
    expect(r.epochs).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.bestEpoch).toBe(0);
    expect(Array.from(r.params.w1.dataSync())).toEqual(firstW);
  });

  test("bad options are explained", async () => {
    const model = mlp(4, 8, 3);
    const p = model.init(random.key(0));
    await expect(
      train.fit(model, p, blobs(10), { loss: xent, optimizer: optim.sgd(), epochs: -1 }),
    ).rejects.toThrow(/epochs/);
    await expect(
      train.fit(
        model,
        p,
        { x: blobs(10).x, y: blobs(9).y },
        { loss: xent, optimizer: optim.sgd() },
      ),
    ).rejects.toThrow(/examples/);
    await expect(
      train.fit(model, p, blobs(10), { loss: xent, optimizer: optim.sgd(), validationSplit: 1.5 }),
    ).rejects.toThrow(/validationSplit/);
  });
});

import { reduceSum } from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
const sumAll = (x: T): T => reduceSum(x);
