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
