/**
 * Compile-time tests of models against their data (issue 13): `model.apply` with a wrong input is
 * one `ShapeMismatch` naming both shapes, its output is assignable to the shape type users write,
 * and `fit`, `evaluate` and `predict` check the data against the model and type the loss's
 * arguments. Each inferred type has `expectTypeOf`, each mismatch a `@ts-expect-error` beside
 * the runtime error it stands for.
 */
import { pipe } from "fp-ts/function";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as tg from "../../src/index.js";

type T<S extends tg.Shape, D extends tg.DType = "f32"> = tg.Tensor<S, D>;
const key = tg.random.key(0);

describe("model.apply", () => {
  const mlp = tg.nn.serial(tg.nn.dense(784, 32), tg.nn.relu, tg.nn.dense(32, 10));
  const params = mlp.init(key);

  it("returns the shape type users write, with a generic or literal batch", () => {
    function fwd<B extends number>(x: T<[B, 784]>): T<[B, 10]> {
      return mlp.apply(params, x);
    }
    const y = fwd(tg.zeros([3, 784]));
    expectTypeOf(y).toEqualTypeOf<T<[3, 10]>>();
    expectTypeOf(mlp.apply(params, tg.zeros([5, 784]))).toEqualTypeOf<T<[5, 10]>>();
    const n = tg.zeros([2, 784]) as T<[number, 784]>;
    expectTypeOf(mlp.apply(params, n)).toEqualTypeOf<T<[number, 10]>>();
    const ro: T<readonly [3, 10]> = y;
    expect([y.shape, ro.shape]).toEqual([
      [3, 10],
      [3, 10],
    ]);
  });

  it("code generic over the model's shapes compiles (apply, predict, fit)", async () => {
    function run<I extends tg.Shape, O extends tg.Shape, P, B extends number>(
      m: tg.nn.Model<I, O, P>,
      p: P,
      x: T<[B, ...I]>,
    ): T<[B, ...O]> {
      return m.apply(p, x);
    }
    function predictAll<I extends tg.Shape, O extends tg.Shape, P>(
      m: tg.nn.Model<I, O, P>,
      p: P,
      x: T<[number, ...I]>,
    ): T<[number, ...O]> {
      return tg.train.predict(m, p, x);
    }
    const y = run(mlp, params, tg.zeros([3, 784]));
    expectTypeOf(y).toEqualTypeOf<T<[3, 10]>>();
    expect(predictAll(mlp, params, tg.zeros([2, 784])).shape).toEqual([2, 10]);
    const fitAny = <I extends tg.Shape, O extends tg.Shape, P>(
      m: tg.nn.Model<I, O, P>,
      p: P,
      x: T<[number, ...I]>,
      t: T<[number, ...O]>,
    ) =>
      tg.train.fit(
        m,
        p,
        { x, y: t },
        { loss: tg.losses.mse, optimizer: tg.optim.sgd(), progress: false },
      );
    const r = await fitAny(mlp, params, tg.zeros([4, 784]), tg.zeros([4, 10]));
    expect(r.epochs).toBe(1);
  });

  it("the curried form and options still work", () => {
    const y = pipe(tg.zeros([4, 784]), mlp.apply(params));
    expectTypeOf(y).toEqualTypeOf<T<[4, 10]>>();
    const z = mlp.apply(params, tg.zeros([4, 784]), { training: false });
    expectTypeOf(z).toEqualTypeOf<T<[4, 10]>>();
    const f = mlp.apply(params, { training: false });
    expectTypeOf(f(tg.zeros([6, 784]))).toEqualTypeOf<T<[6, 10]>>();
    expect([y.shape, z.shape]).toEqual([
      [4, 10],
      [4, 10],
    ]);
  });

  it("a wrong input is a ShapeMismatch naming both shapes, and a ShapeError at run time", () => {
    const cnn = tg.nn.sequential([8, 8, 1], tg.nn.conv2d(2, 3), tg.nn.flatten, tg.nn.dense(3));
    const p = cnn.init(key);
    expectTypeOf(cnn.apply(p, tg.zeros([2, 8, 8, 1]))).toEqualTypeOf<T<[2, 3]>>();
    const images = tg.zeros([2, 8, 8]);
    // @ts-expect-error apply: the model takes x of shape [batch, 8, 8, 1] but x has shape [2, 8, 8]
    expect(() => cnn.apply(p, images)).toThrow(tg.ShapeError);
    // @ts-expect-error apply: the model takes x of shape [batch, 784] but x has shape [2, 100]
    expect(() => mlp.apply(params, tg.zeros([2, 100]))).toThrow(tg.ShapeError);
    type E = tg.nn.InputCheck<"apply", [8, 8, 1], T<[2, 8, 8]>>;
    expectTypeOf<E>().toEqualTypeOf<
      tg.ShapeMismatch<"apply: the model takes x of shape [batch, 8, 8, 1] but x has shape [2, 8, 8]">
    >();
    expectTypeOf<tg.nn.InputCheck<"apply", [784], T<[2, 784]>>>().toEqualTypeOf<unknown>();
    expectTypeOf<tg.nn.InputCheck<"apply", [784], tg.AnyTensor>>().toEqualTypeOf<unknown>();
  });
});

describe("fit, evaluate and predict follow the model", () => {
  const model = tg.nn.serial(tg.nn.dense(4, 8), tg.nn.relu, tg.nn.dense(8, 3));
  const params = model.init(key);
  const x = tg.random.normal(tg.random.key(1), [12, 4]);
  const y = tg.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], "i32");
  const opt = () => tg.optim.sgd({ lr: 0.1 });

  it("the loss receives the predictions and labels with their types", async () => {
    const r = await tg.train.fit(
      model,
      params,
      { x, y },
      {
        loss: (pred, labels) => {
          expectTypeOf(pred).toEqualTypeOf<T<[number, 3]>>();
          expectTypeOf(labels).toEqualTypeOf<T<[number], "i32">>();
          return tg.losses.sparseCategoricalCrossEntropy(pred, labels, { fromLogits: true });
        },
        optimizer: opt(),
        batchSize: 4,
        progress: false,
        validation: { x, y },
      },
    );
    expectTypeOf(r.params).toEqualTypeOf<typeof params>();
    expect(r.history.loss).toHaveLength(1);
    const ev = tg.train.evaluate(model, r.params, { x, y }, { metrics: ["accuracy"] });
    expect(ev.accuracy).toBeGreaterThanOrEqual(0);
    const pred = tg.train.predict(model, r.params, x);
    expectTypeOf(pred).toEqualTypeOf<T<[12, 3]>>();
    expect(pred.shape).toEqual([12, 3]);
  });

  it("data that does not fit the model is a ShapeMismatch, and a ShapeError at run time", async () => {
    const images = tg.zeros([12, 2, 2]);
    const loss = tg.losses.sparseCategoricalCrossEntropy;
    await expect(
      // @ts-expect-error fit: the model takes x of shape [batch, 4] but x has shape [12, 2, 2]
      tg.train.fit(model, params, { x: images, y }, { loss, optimizer: opt(), progress: false }),
    ).rejects.toThrow(tg.ShapeError);
    // @ts-expect-error evaluate: the model takes x of shape [batch, 4] but x has shape [12, 2, 2]
    expect(() => tg.train.evaluate(model, params, { x: images, y }, { loss })).toThrow(
      tg.ShapeError,
    );
    // @ts-expect-error predict: the model takes x of shape [batch, 4] but x has shape [12, 2, 2]
    expect(() => tg.train.predict(model, params, images)).toThrow(tg.ShapeError);
  });

  it("x and y with different numbers of examples do not compile", async () => {
    const y10 = tg.zeros([10], "i32");
    await expect(
      // @ts-expect-error fit: x has 12 examples but y has 10
      tg.train.fit(model, params, { x, y: y10 }, { loss: tg.losses.mse, optimizer: opt() }),
    ).rejects.toThrow(/different numbers of examples/);
  });

  it("a loss that cannot take the labels does not compile", async () => {
    const onehotLoss = (pred: T<[number, 3]>, target: T<[number, 3]>) =>
      tg.losses.categoricalCrossEntropy(pred, target);
    const bad = () =>
      tg.train.fit(
        model,
        params,
        { x, y },
        {
          // @ts-expect-error the loss wants one-hot [number, 3] f32 labels; y is [12] i32
          loss: onehotLoss,
          optimizer: opt(),
          progress: false,
        },
      );
    await expect(bad()).rejects.toThrow(tg.ShapeError);
    const yOneHot = tg.oneHot(y, 3);
    const r = await tg.train.fit(
      model,
      params,
      { x, y: yOneHot },
      { loss: onehotLoss, optimizer: opt(), progress: false },
    );
    expect(r.epochs).toBe(1);
  });

  it("the library's losses check the labels they are given through fit", async () => {
    const wide = tg.zeros([12, 4]);
    const bad = () =>
      tg.train.fit(
        model,
        params,
        { x, y: wide },
        {
          // @ts-expect-error categoricalCrossEntropy: predictions [number, 3] and targets [number, 4] differ
          loss: tg.losses.categoricalCrossEntropy,
          optimizer: opt(),
          progress: false,
        },
      );
    await expect(bad()).rejects.toThrow(tg.ShapeError);
    const r = await tg.train.fit(
      model,
      params,
      { x, y: tg.zeros([12, 3]) },
      {
        loss: tg.losses.mse,
        optimizer: opt(),
        progress: false,
      },
    );
    expect(r.epochs).toBe(1);
  });

  it("untyped data (AnyTensor) is checked at run time only", async () => {
    const ax = x as tg.AnyTensor;
    const ay = y as tg.AnyTensor;
    const r = await tg.train.fit(
      model,
      params,
      { x: ax, y: ay },
      {
        loss: (pred: tg.AnyTensor, t: tg.AnyTensor) =>
          tg.losses.sparseCategoricalCrossEntropy(pred, t, { fromLogits: true }),
        optimizer: opt(),
        progress: false,
      },
    );
    expect(r.epochs).toBe(1);
  });
});
