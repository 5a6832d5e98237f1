/**
 * The types that tie `fit`, `evaluate` and `predict` to the model: the data's examples must have
 * the model's input shape (a `ShapeMismatch` naming both shapes otherwise), `x` and `y` the same
 * number of examples, and the loss receives the model's predictions and the labels with their
 * shapes and dtypes, so a loss that cannot take them does not compile. Data typed `AnyTensor` (or
 * with `number` sizes) is checked at run time only.
 *
 * @example
 * ```ts
 * type L = tg.train.LossFor<[10], tg.Tensor<[60000], "i32">>;
 * // (pred: Tensor<[number, 10], "f32">, y: Tensor<[number], "i32">) => Tensor<[], DType>
 * ```
 * @module
 */
import type { Layer } from "../nn/layer.js";
import type { BatchSizeOf, InputCheck } from "../nn/model-types.js";
import type { Fits, ShapeMismatch } from "../shape/dims.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";

type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * What `fit`, `evaluate` and `predict` need of a model (every `Model` and `Layer` has it).
 * @example
 * ```ts
 * const model = tg.nn.sequential([784], tg.nn.dense(10));
 * const params = model.init(tg.random.key(0));
 * const m: tg.train.Trainable<[784], [10], typeof params, {}> = model;
 * ```
 */
export type Trainable<I extends Shape, O extends Shape, P, St> = Pick<
  Layer<I, O, P, St>,
  "name" | "inputShape" | "outputShape" | "initState" | "forward"
>;

/**
 * The predictions a loss receives from a model with per-example output shape `O`.
 * @example
 * ```ts
 * type P = tg.train.Predictions<[10]>; // Tensor<[number, 10], "f32">
 * ```
 */
export type Predictions<O extends Shape> = Tensor<[number, ...O], "f32">;

/**
 * The labels of one batch, from the type of the dataset's `y`: its shape with a batch axis of
 * any size, and its dtype.
 * @example
 * ```ts
 * type Y = tg.train.Labels<tg.Tensor<[60000], "i32">>; // Tensor<[number], "i32">
 * ```
 */
export type Labels<Y> =
  IsAny<Y> extends true
    ? AnyTensor
    : Y extends { readonly shape: infer S; readonly dtype: infer D extends DType }
      ? IsAny<S> extends true
        ? Tensor<any, D>
        : S extends readonly [unknown, ...infer R extends Shape]
          ? Tensor<[number, ...R], D>
          : Tensor<Shape, D>
      : AnyTensor;

/**
 * The loss `fit` and `evaluate` accept for a model with output shape `O` and labels `Y`: a
 * function of the batch's predictions and labels, with their shapes and dtypes, to a scalar.
 * @example
 * ```ts
 * const loss: tg.train.LossFor<[10], tg.Tensor<[60000], "i32">> = (pred, y) =>
 *   tg.losses.sparseCategoricalCrossEntropy(pred, y, { fromLogits: true });
 * ```
 */
export type LossFor<O extends Shape, Y> = (
  pred: Predictions<O>,
  y: Labels<Y>,
) => Tensor<readonly [], DType>;

/**
 * `unknown` when `x` and `y` may have the same number of examples, a `ShapeMismatch` when both
 * are known and differ.
 * @example
 * ```ts
 * type E = tg.train.ExampleCheck<"fit", tg.Tensor<[100, 4]>, tg.Tensor<[90]>>; // ShapeMismatch<…>
 * ```
 */
export type ExampleCheck<Op extends string, X, Y> =
  Fits<BatchSizeOf<X>, BatchSizeOf<Y>> extends true
    ? unknown
    : ShapeMismatch<`${Op}: x has ${BatchSizeOf<X>} examples but y has ${BatchSizeOf<Y>}`>;

/**
 * The `{ x, y }` data of a model with input shape `I`, checked: `x` must be `[batch, ...I]`, and
 * `y` must have as many examples.
 * @example
 * ```ts
 * const [x, y] = [tg.zeros([60000, 784]), tg.zeros([60000], "i32")];
 * const d: tg.train.TrainData<"fit", [784], typeof x, typeof y> = { x, y };
 * ```
 */
export interface TrainData<Op extends string, I extends Shape, X, Y> {
  readonly x: X & NoInfer<InputCheck<Op, I, X>>;
  readonly y: Y & NoInfer<ExampleCheck<Op, X, Y>>;
}

/**
 * Validation data: inputs of the model's input shape and labels like the training labels, with
 * any number of examples.
 * @example
 * ```ts
 * const [testX, testY] = [tg.zeros([10000, 784]), tg.zeros([10000], "i32")];
 * const v: tg.train.ValidationData<[784], tg.Tensor<[60000], "i32">> = { x: testX, y: testY };
 * ```
 */
export interface ValidationData<I extends Shape, Y> {
  readonly x: IsAny<I> extends true ? AnyTensor : Tensor<readonly [number, ...I], DType>;
  readonly y: Labels<Y>;
}
