/**
 * Compile-time tests of the models: chains that must compile, with their inferred output and
 * parameter shapes (`expectTypeOf`), and chains that must not (`@ts-expect-error`: an unused one
 * fails `npm run typecheck`, so a check that loosens is caught). The runtime part builds a few of
 * the same models.
 */
import { pipe } from "fp-ts/function";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tg from "../../src/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";

const key = tg.random.key(0);
const x784: Tensor<[32, 784]> = tg.nn.zeros(key, [32, 784]);
const batchOf = <B extends number>(b: B) => tg.nn.zeros(key, [b, 784]) as Tensor<[B, 784]>;

describe("chains that compile, with their shapes", () => {
  it("serial of dense layers (API.md)", () => {
    const model = tg.nn.serial(
      tg.nn.dense(784, 128),
      tg.nn.relu,
      tg.nn.dropout(0.2),
      tg.nn.dense(128, 10),
    );
    expectTypeOf(model.inputShape).toEqualTypeOf<[784]>();
    expectTypeOf(model.outputShape).toEqualTypeOf<[10]>();
    const params = model.init(key);
    expectTypeOf(params).toEqualTypeOf<
      [
        { w: Tensor<[784, 128]>; b: Tensor<[128]> },
        {},
        {},
        { w: Tensor<[128, 10]>; b: Tensor<[10]> },
      ]
    >();
    expectTypeOf(model.apply(params, x784)).toEqualTypeOf<Tensor<[32, 10], "f32">>();
    expect(model.outputShape).toEqual([10]);
  });
  it("a batch dimension that stays polymorphic: literal, type parameter, number", () => {
    const model = tg.nn.serial(tg.nn.dense(784, 10), tg.nn.softmax);
    const params = model.init(key);
    function predict<B extends number>(x: Tensor<[B, 784]>): Tensor<[B, 10], "f32"> {
      return model.apply(params, x);
    }
    expectTypeOf(predict(batchOf(7 as const))).toEqualTypeOf<Tensor<[7, 10], "f32">>();
    expectTypeOf(model.apply(params, batchOf(3 as number))).toEqualTypeOf<
      Tensor<[number, 10], "f32">
    >();
    expectTypeOf(pipe(x784, model.apply(params))).toEqualTypeOf<Tensor<[32, 10], "f32">>();
  });
  it("the CNN of API.md, built with sequential", () => {
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
    expectTypeOf(cnn.outputShape).toEqualTypeOf<[10]>();
    type P = ReturnType<typeof cnn.init>;
    expectTypeOf<P[0]>().toEqualTypeOf<{ w: Tensor<[3, 3, 1, 32]>; b: Tensor<[32]> }>();
    expectTypeOf<P[3]>().toEqualTypeOf<{ w: Tensor<[3, 3, 32, 64]>; b: Tensor<[64]> }>();
    expectTypeOf<P[7]>().toEqualTypeOf<{ w: Tensor<[1600, 10]>; b: Tensor<[10]> }>();
    expect(cnn.outputShape).toEqual([10]);
  });
  it("real sizes: flatten of [7, 7, 64] and a 224×224×3 image", () => {
    expectTypeOf(tg.nn.sequential([7, 7, 64], tg.nn.flatten).outputShape).toEqualTypeOf<[3136]>();
    const big = tg.nn.sequential(
      [224, 224, 3],
      tg.nn.conv2d(64, 7, { stride: 2, padding: "same" }),
      tg.nn.maxPool2d(3, { stride: 2 }),
    );
    expectTypeOf(big.outputShape).toEqualTypeOf<[55, 55, 64]>();
    expectTypeOf(tg.nn.sequential([224, 224, 3], tg.nn.flatten).outputShape).toEqualTypeOf<
      [150528]
    >();
  });
  it("recurrent, embedding, normalization, reshape", () => {
    const lm = tg.nn.sequential(
      [20],
      tg.nn.embedding(1000, 16),
      tg.nn.lstm(32, { returnSequences: true }),
      tg.nn.gru(8),
    );
    expectTypeOf(lm.outputShape).toEqualTypeOf<[8]>();
    type P = ReturnType<typeof lm.init>;
    expectTypeOf<P[1]["recurrentKernel"]>().toEqualTypeOf<Tensor<[32, 128]>>();
    expectTypeOf<P[2]["kernel"]>().toEqualTypeOf<Tensor<[32, 24]>>();
    const bn = tg.nn.sequential([20], tg.nn.dense(16), tg.nn.batchNorm(), tg.nn.layerNorm());
    expectTypeOf(bn.initState()).toEqualTypeOf<
      [{}, { mean: Tensor<[16]>; variance: Tensor<[16]> }, {}]
    >();
    expectTypeOf(tg.nn.sequential([784], tg.nn.reshape([28, -1, 1])).outputShape).toEqualTypeOf<
      [28, 28, 1]
    >();
    expectTypeOf(tg.nn.sequential([10, 4], tg.nn.simpleRnn(3)).outputShape).toEqualTypeOf<[3]>();
    expectTypeOf(
      tg.nn.sequential([7, 7, 8], tg.nn.globalAvgPool2d, tg.nn.maxout(4, 3)).outputShape,
    ).toEqualTypeOf<[4]>();
  });
  it("combinators", () => {
    const block = tg.nn.residual(tg.nn.dense(64, 64), tg.nn.relu);
    expectTypeOf(block.outputShape).toEqualTypeOf<[64]>();
    const wide = tg.nn.sequential(
      [32],
      tg.nn.concat(tg.nn.dense(8), tg.nn.dense(4)),
      tg.nn.dense(1),
    );
    expectTypeOf(wide.init(key)[1]).toEqualTypeOf<{ w: Tensor<[12, 1]>; b: Tensor<[1]> }>();
    const sum = tg.nn.parallel(
      tg.nn.dense(8, 4),
      tg.nn.serial(tg.nn.dense(8, 16), tg.nn.relu, tg.nn.dense(16, 4)),
    );
    expectTypeOf(sum.outputShape).toEqualTypeOf<[4]>();
    const deep = tg.nn.sequential(
      [16],
      tg.nn.residual(tg.nn.dense(16), tg.nn.relu),
      tg.nn.residual(tg.nn.dense(16)),
    );
    expectTypeOf(deep.outputShape).toEqualTypeOf<[16]>();
  });
  it("a user-defined activation and sizes known only at runtime", () => {
    const swish = tg.nn.activation("swish", (x) => tg.nn.relu(x));
    expectTypeOf(tg.nn.serial(tg.nn.dense(4, 4), swish).outputShape).toEqualTypeOf<[4]>();
    const n = 784 as number;
    const dyn = tg.nn.serial(tg.nn.dense(n, 10), tg.nn.dense(10, 2));
    expectTypeOf(dyn.inputShape).toEqualTypeOf<[number]>();
    expectTypeOf(tg.nn.sequential([n], tg.nn.dense(3)).init(key)[0].w).toEqualTypeOf<
      Tensor<[number, 3]>
    >();
  });
});

describe("chains that must not compile", () => {
  it("names the layers and sizes", () => {
    const wrong = () => {
      // 1. dense fed the wrong width
      // @ts-expect-error serial: layer 2 takes [64] but layer 1 gives [128]
      tg.nn.serial(tg.nn.dense(784, 128), tg.nn.dense(64, 10));
      // 2. the same after an activation and dropout
      // @ts-expect-error serial: layer 4 takes [100] but layer 3 gives [128]
      tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dropout(0.5), tg.nn.dense(100, 10));
      // 3. flatten into a wrong dense size (API.md)
      // @ts-expect-error sequential: layer 3 takes [800] but layer 2 gives [21632]
      tg.nn.sequential([28, 28, 1], tg.nn.conv2d(32, 3), tg.nn.flatten, tg.nn.dense(800, 10));
      // 4. conv fed the wrong channels
      // @ts-expect-error conv2d(8) expects 1 input channels but gets 3
      tg.nn.sequential([28, 28, 3], tg.nn.conv2d(8, 3, { inChannels: 1 }));
      // 5. conv fed a flat vector
      // @ts-expect-error conv2d(8) takes [height, width, channels] but gets [784]
      tg.nn.sequential([784], tg.nn.conv2d(8, 3));
      // 6. LSTM fed rank 2 (a flat example)
      // @ts-expect-error lstm(32) takes [time, features] but gets [8]
      tg.nn.sequential([8], tg.nn.lstm(32));
      // 7. LSTM after one that returns its last state only
      // @ts-expect-error gru(4) takes [time, features] but gets [16]
      tg.nn.sequential([10, 8], tg.nn.lstm(16), tg.nn.gru(4));
      // 8. a residual branch that changes the shape
      // @ts-expect-error residual: the branch maps [64] to [32]
      tg.nn.residual(tg.nn.dense(64, 32), tg.nn.relu);
      // 9. the same as a spec inside sequential
      // @ts-expect-error residual: the branch maps [16] to [8]
      tg.nn.sequential([16], tg.nn.residual(tg.nn.dense(8)));
      // 10. dense(units) fed an image without flatten
      // @ts-expect-error dense(10) takes [features] but gets [28, 28, 1]
      tg.nn.sequential([28, 28, 1], tg.nn.dense(10));
      // 11. a pooling window larger than the input
      // @ts-expect-error maxPool2d: window 4x4 is larger than the input 3x3
      tg.nn.sequential([3, 3, 1], tg.nn.maxPool2d(4));
      // 12. a kernel larger than the input
      // @ts-expect-error window 5 is larger than the input size 4
      tg.nn.sequential([4, 4, 1], tg.nn.conv2d(2, 5));
      // 13. reshape to a different element count
      // @ts-expect-error reshape: cannot reshape [784] (784 elements) to [28, 28, 2]
      tg.nn.sequential([784], tg.nn.reshape([28, 28, 2]));
      // 14. concat of branches whose leading sizes differ
      const narrow = tg.nn.concat(tg.nn.conv2d(2, 1), tg.nn.conv2d(2, 3));
      // @ts-expect-error concat: branch outputs [4, 4] and [2, 2] differ
      tg.nn.sequential([4, 4, 2], narrow, tg.nn.flatten);
      // 15. parallel branches with different outputs
      // @ts-expect-error parallel: branch outputs [4] and [5] differ
      tg.nn.sequential([8], tg.nn.parallel(tg.nn.dense(4), tg.nn.dense(5)), tg.nn.relu);
      // 16. a model applied to the wrong width
      const m = tg.nn.dense(784, 10);
      // @ts-expect-error the input must be [B, 784]
      m.apply(m.init(key), tg.nn.relu(null as unknown as Tensor<[32, 100]>));
      // 17. params of another model
      // @ts-expect-error w is [784, 10], not [100, 10]
      m.apply(tg.nn.dense(100, 10).init(key), x784);
      // 18. globalAvgPool2d after flatten
      // @ts-expect-error globalAvgPool2d takes [height, width, channels] but gets [784]
      tg.nn.sequential([28, 28, 1], tg.nn.flatten, tg.nn.globalAvgPool2d);
      // 19. serial must start from a layer with a known input shape
      // @ts-expect-error relu has no input shape: use sequential
      tg.nn.serial(tg.nn.relu, tg.nn.dense(4, 2));
    };
    expect(typeof wrong).toBe("function");
  });
});
