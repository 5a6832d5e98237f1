/** The "Models" section of API.md, as written: it compiles (npm run typecheck) and runs. */
import { describe, expect, expectTypeOf, test } from "vitest";
import * as tg from "../../src/index.js";

describe("API.md models section", () => {
  test("serial MLP, init, apply, training mode", () => {
    const x = tg.random.uniform(tg.random.key(5), [4, 784] as [4, 784]);
    const key = tg.random.key(1);
    const model = tg.nn.serial(
      tg.nn.dense(784, 128),
      tg.nn.relu,
      tg.nn.dropout(0.2),
      tg.nn.dense(128, 10),
    );
    const params = model.init(tg.random.key(0));
    const logits = model.apply(params, x);
    expectTypeOf(logits).toEqualTypeOf<tg.Tensor<[4, 10], "f32">>();
    expect(logits.shape).toEqual([4, 10]);
    const t = model.apply(params, x, { training: true, key });
    expect(t.shape).toEqual([4, 10]);
  });
  test("the CNN built with sequential", () => {
    const cnn = tg.nn.sequential(
      [28, 28, 1],
      tg.nn.conv2d(32, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.conv2d(64, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.flatten,
      tg.nn.dense(10),
    );
    const params = cnn.init(tg.random.key(0));
    const x = tg.random.uniform(tg.random.key(2), [2, 28, 28, 1] as [2, 28, 28, 1]);
    const y = cnn.apply(params, x);
    expect(y.shape).toEqual([2, 10]);
    const loss = (p: typeof params) =>
      tg.losses.sparseCategoricalCrossEntropy(
        cnn.apply(p, x),
        tg.random.randint(tg.random.key(3), [2], 0, 10),
        { fromLogits: true },
      );
    const [v, g] = tg.valueAndGrad(loss)(params);
    expect(Number.isFinite(v.item())).toBe(true);
    expect(g[0].w.shape).toEqual([3, 3, 1, 32]);
  });
});
