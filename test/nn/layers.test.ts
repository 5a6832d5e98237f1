/**
 * One table drives the layer checks: each row builds a layer, feeds it an input, and checks the
 * output shape at runtime, the gradient through the layer (input and every parameter) against
 * central finite differences in float64, and optionally a behaviour check of its own.
 */
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";
import type { AnyModel } from "../../src/nn/model.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { checkLayerGrads, rand, randInt, toF64 } from "./helpers.js";

interface Row {
  name: string;
  model: () => AnyModel;
  /** The batch input (f64 for the gradient check, or i32 ids). */
  input: () => T;
  /** Expected output shape, batch included. */
  out: number[];
  /** Options of apply in the gradient check (training mode and key for noise layers). */
  opts?: { training?: boolean; key?: tg.random.Key };
  /** Skip the gradient check (not differentiable in a useful sense). */
  noGrad?: boolean;
  tol?: number;
}

const key = tg.random.key(0);
const act = (a: tg.nn.Activation): Row => ({
  name: `activation ${a.name}`,
  model: () => tg.nn.sequential([5], a),
  // away from 0, where relu and leakyRelu have a kink
  input: () => tg.nn.linear(rand([3, 5], 11, "f64", 0.1, 2)) as T,
  out: [3, 5],
});

const rows: Row[] = [
  { name: "dense(4, 3)", model: () => tg.nn.dense(4, 3), input: () => rand([2, 4]), out: [2, 3] },
  {
    name: "dense(3) in sequential",
    model: () => tg.nn.sequential([4], tg.nn.dense(3, { activation: "tanh" })),
    input: () => rand([2, 4]),
    out: [2, 3],
  },
  {
    name: "maxout(3, 2)",
    model: () => tg.nn.sequential([4], tg.nn.maxout(3, 2)),
    input: () => rand([2, 4]),
    out: [2, 3],
  },
  {
    name: "embedding(7, 3)",
    model: () => tg.nn.sequential([4], tg.nn.embedding(7, 3)),
    input: () => randInt([2, 4], 7),
    out: [2, 4, 3],
  },
  {
    name: "dropout(0.5) inference",
    model: () => tg.nn.sequential([6], tg.nn.dropout(0.5)),
    input: () => rand([2, 6]),
    out: [2, 6],
  },
  {
    name: "dropout(0.5) training",
    model: () => tg.nn.sequential([6], tg.nn.dropout(0.5)),
    input: () => rand([2, 6]),
    out: [2, 6],
    opts: { training: true, key },
  },
  {
    name: "gaussianNoise(0.1) training",
    model: () => tg.nn.sequential([6], tg.nn.gaussianNoise(0.1)),
    input: () => rand([2, 6]),
    out: [2, 6],
    opts: { training: true, key },
  },
  ...[
    tg.nn.relu,
    tg.nn.leakyRelu,
    tg.nn.elu,
    tg.nn.gelu,
    tg.nn.sigmoid,
    tg.nn.tanh,
    tg.nn.softmax,
    tg.nn.logSoftmax,
    tg.nn.linear,
  ].map(act),
  {
    name: "conv2d(3, 2)",
    model: () => tg.nn.sequential([5, 5, 2], tg.nn.conv2d(3, 2)),
    input: () => rand([2, 5, 5, 2]),
    out: [2, 4, 4, 3],
  },
  {
    name: "conv2d(2, 3, stride 2, same)",
    model: () => tg.nn.sequential([5, 5, 1], tg.nn.conv2d(2, 3, { stride: 2, padding: "same" })),
    input: () => rand([1, 5, 5, 1]),
    out: [1, 3, 3, 2],
  },
  {
    name: "maxPool2d(2)",
    model: () => tg.nn.sequential([4, 4, 2], tg.nn.maxPool2d(2)),
    input: () => rand([2, 4, 4, 2], 9),
    out: [2, 2, 2, 2],
  },
  {
    name: "avgPool2d(2, stride 1)",
    model: () => tg.nn.sequential([3, 3, 1], tg.nn.avgPool2d(2, { stride: 1 })),
    input: () => rand([2, 3, 3, 1]),
    out: [2, 2, 2, 1],
  },
  {
    name: "globalAvgPool2d",
    model: () => tg.nn.sequential([3, 3, 2], tg.nn.globalAvgPool2d),
    input: () => rand([2, 3, 3, 2]),
    out: [2, 2],
  },
  {
    name: "flatten",
    model: () => tg.nn.sequential([2, 3, 2], tg.nn.flatten),
    input: () => rand([2, 2, 3, 2]),
    out: [2, 12],
  },
  {
    name: "reshape([3, -1])",
    model: () => tg.nn.sequential([6], tg.nn.reshape([3, -1])),
    input: () => rand([2, 6]),
    out: [2, 3, 2],
  },
  {
    name: "batchNorm training",
    model: () => tg.nn.sequential([3], tg.nn.batchNorm()),
    input: () => rand([4, 3]),
    out: [4, 3],
    opts: { training: true },
  },
  {
    name: "batchNorm inference",
    model: () => tg.nn.sequential([2, 3], tg.nn.batchNorm()),
    input: () => rand([4, 2, 3]),
    out: [4, 2, 3],
  },
  {
    name: "layerNorm",
    model: () => tg.nn.sequential([2, 4], tg.nn.layerNorm()),
    input: () => rand([3, 2, 4]),
    out: [3, 2, 4],
  },
  {
    name: "simpleRnn(3)",
    model: () => tg.nn.sequential([4, 2], tg.nn.simpleRnn(3)),
    input: () => rand([2, 4, 2]),
    out: [2, 3],
  },
  {
    name: "lstm(3)",
    model: () => tg.nn.sequential([4, 2], tg.nn.lstm(3)),
    input: () => rand([2, 4, 2]),
    out: [2, 3],
  },
  {
    name: "lstm(3, returnSequences)",
    model: () => tg.nn.sequential([4, 2], tg.nn.lstm(3, { returnSequences: true })),
    input: () => rand([2, 4, 2]),
    out: [2, 4, 3],
  },
  {
    name: "gru(3, returnSequences)",
    model: () => tg.nn.sequential([3, 2], tg.nn.gru(3, { returnSequences: true })),
    input: () => rand([2, 3, 2]),
    out: [2, 3, 3],
  },
  {
    name: "residual",
    model: () => tg.nn.residual(tg.nn.dense(3, 3), tg.nn.tanh),
    input: () => rand([2, 3]),
    out: [2, 3],
  },
  {
    name: "parallel",
    model: () =>
      tg.nn.parallel(
        tg.nn.dense(3, 2),
        tg.nn.serial(tg.nn.dense(3, 4), tg.nn.tanh, tg.nn.dense(4, 2)),
      ),
    input: () => rand([2, 3]),
    out: [2, 2],
  },
  {
    name: "concat",
    model: () => tg.nn.sequential([3], tg.nn.concat(tg.nn.dense(2), tg.nn.dense(4))),
    input: () => rand([2, 3]),
    out: [2, 6],
  },
  {
    name: "small CNN",
    model: () =>
      tg.nn.sequential(
        [6, 6, 1],
        tg.nn.conv2d(2, 3),
        tg.nn.relu,
        tg.nn.maxPool2d(2),
        tg.nn.flatten,
        tg.nn.dense(3),
      ),
    input: () => rand([2, 6, 6, 1], 4),
    out: [2, 3],
    tol: 1e-4,
  },
  {
    name: "activation elu (negative side)",
    model: () => tg.nn.sequential([5], tg.nn.elu),
    input: () => rand([3, 5], 5, "f64", -3, -0.1),
    out: [3, 5],
  },
  {
    name: "user-defined activation (swish)",
    model: () => tg.nn.sequential([5], tg.nn.activation("swish", mulSig)),
    input: () => rand([3, 5]),
    out: [3, 5],
  },
];

import { logistic, mul } from "../../src/prims/elementwise.js";
function mulSig(x: T): T {
  return mul(x, logistic(x));
}

describe("layers: one table", () => {
  for (const row of rows) {
    test(`${row.name}: shape and gradient`, () => {
      const model = row.model();
      const params = model.init(tg.random.key(1));
      const x = row.input();
      const y = model.apply(toF64(params), x, row.opts) as T;
      expect([...y.shape]).toEqual(row.out);
      expect([x.shape[0], ...model.outputShape]).toEqual(row.out);
      if (!row.noGrad) {
        const report = checkLayerGrads(model, params, x, row.opts, row.tol);
        expect(report.worst.error, JSON.stringify(report.worst)).toBeLessThan(row.tol ?? 1e-5);
      }
    });
  }
});
