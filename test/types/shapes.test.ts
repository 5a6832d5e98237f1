/**
 * Compile-time tests of the shape algebra and the typed ops: shapes that must be inferred
 * (`expectTypeOf`) and mismatches that must not compile (`@ts-expect-error`, so a type that
 * loosens fails `npm run typecheck`). Covers literal sizes, type parameters and plain `number`.
 */
import { describe, expectTypeOf, it as vitestIt } from "vitest";
import * as tg from "../../src/ops/index.js";
import type * as T from "../../src/shape/types.js";
import {
  arange,
  assertShape,
  eye,
  fromArray,
  full,
  linspace,
  ones,
  scalar,
  tensor,
  zeros,
} from "../../src/tensor/create.js";
import type { Tensor } from "../../src/tensor/tensor.js";

/** These bodies are checked by `npm run typecheck`; at runtime they are only listed, not run. */
const it = (name: string, _body: () => void) => vitestIt(name, () => {});

declare const x23: Tensor<[2, 3]>;
declare const x35: Tensor<[3, 5]>;
declare const x45: Tensor<[4, 5]>;
declare const v3: Tensor<[3]>;
declare const img: Tensor<[8, 28, 28, 1]>;
declare const i32: Tensor<[4], "i32">;
declare const n3: Tensor<[number, 3]>;

describe("arithmetic on size literals", () => {
  it("multiplies, adds, subtracts and divides real sizes", () => {
    expectTypeOf<T.Mul<224, 224>>().toEqualTypeOf<50176>();
    expectTypeOf<T.Product<[224, 224, 3]>>().toEqualTypeOf<150528>();
    expectTypeOf<T.Product<[8, 7, 7, 64]>>().toEqualTypeOf<25088>();
    expectTypeOf<T.Add<999, 1>>().toEqualTypeOf<1000>();
    expectTypeOf<T.Sub<1000, 1>>().toEqualTypeOf<999>();
    expectTypeOf<T.FloorDiv<150528, 3>>().toEqualTypeOf<50176>();
    expectTypeOf<T.CeilDiv<7, 2>>().toEqualTypeOf<4>();
    expectTypeOf<T.Compare<99, 100>>().toEqualTypeOf<"lt">();
    expectTypeOf<T.Mul<60000, 784>>().toEqualTypeOf<47040000>();
    expectTypeOf<T.Add<number, 1>>().toEqualTypeOf<number>();
    // @ts-expect-error the product is 150528
    const p: T.Product<[224, 224, 3]> = 150527;
    void p;
  });
});

describe("constructors", () => {
  it("infer shapes from literals and arguments", () => {
    expectTypeOf(
      tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tensor([0, 2, 1], "i32")).toEqualTypeOf<Tensor<[3], "i32">>();
    expectTypeOf(tensor(5)).toEqualTypeOf<Tensor<[], "f32">>();
    expectTypeOf(tensor([] as number[])).toEqualTypeOf<Tensor<[number], "f32">>();
    expectTypeOf(zeros([4, 3])).toEqualTypeOf<Tensor<[4, 3], "f32">>();
    expectTypeOf(zeros([32], "i32")).toEqualTypeOf<Tensor<[32], "i32">>();
    expectTypeOf(ones([2, 2])).toEqualTypeOf<Tensor<[2, 2], "f32">>();
    expectTypeOf(full([2], 1)).toEqualTypeOf<Tensor<[2], "f32">>();
    expectTypeOf(eye(3)).toEqualTypeOf<Tensor<[3, 3], "f32">>();
    expectTypeOf(arange(5)).toEqualTypeOf<Tensor<[5], "f32">>();
    expectTypeOf(arange(2, 8, 2)).toEqualTypeOf<Tensor<[3], "f32">>();
    expectTypeOf(linspace(0, 1, 5)).toEqualTypeOf<Tensor<[5], "f32">>();
    expectTypeOf(scalar(1)).toEqualTypeOf<Tensor<[], "f32">>();
    expectTypeOf(fromArray(new Float32Array(12), [3, 4])).toEqualTypeOf<Tensor<[3, 4], "f32">>();
    expectTypeOf(fromArray(new Int32Array(12), [12])).toEqualTypeOf<Tensor<[12], "i32">>();
    expectTypeOf(assertShape(zeros([2, 784]) as Tensor<number[]>, [null, 784])).toEqualTypeOf<
      Tensor<[number, 784], "f32">
    >();
  });
  it("rejects bad arguments", () => {
    // @ts-expect-error not a dtype
    zeros([2], "f16");
    // @ts-expect-error a shape is a list of numbers
    zeros(["2"]);
    // @ts-expect-error tensor data must be numbers or booleans
    tensor([["a"]]);
  });
});

describe("elementwise", () => {
  it("broadcasts", () => {
    expectTypeOf(tg.add(x23, v3)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.mul(x23, 2)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.sub(1, x23)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.div(zeros([8, 1, 3]), zeros([5, 3]))).toEqualTypeOf<Tensor<[8, 5, 3], "f32">>();
    expectTypeOf(tg.less(x23, v3)).toEqualTypeOf<Tensor<[2, 3], "bool">>();
    expectTypeOf(tg.add(n3, v3)).toEqualTypeOf<Tensor<[number, 3], "f32">>();
    expectTypeOf(tg.add(n3, zeros([7, 3]))).toEqualTypeOf<Tensor<[7, 3], "f32">>();
    expectTypeOf(tg.where(tg.greater(x23, 0), x23, 0)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.exp(x23)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.cast(x23, "i32")).toEqualTypeOf<Tensor<[2, 3], "i32">>();
    expectTypeOf(tg.clip(x23, 0, 1)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
  });
  it("rejects shapes that do not broadcast, and mixed dtypes", () => {
    // @ts-expect-error add: cannot broadcast [2, 3] with [4]
    tg.add(x23, zeros([4]));
    // @ts-expect-error sub: sizes 3 and 5 differ
    tg.sub(x23, x35);
    // @ts-expect-error mul: dtypes f32 and i32 differ
    tg.mul(zeros([4]), i32);
    // @ts-expect-error maximum: [2, 3] with [3, 5]
    tg.maximum(x23, x35);
    // @ts-expect-error comparisons check shapes too
    tg.equal(x23, zeros([2]));
    // @ts-expect-error where: the condition must broadcast
    tg.where(tg.greater(zeros([4]), 0), x23, 0);
    // @ts-expect-error where: the condition must be bool
    tg.where(x23, x23, 0);
    // @ts-expect-error a literal size against a mismatched literal is checked even next to number dims
    tg.add(n3, zeros([2, 4]));
  });
});

describe("reductions", () => {
  it("remove or keep axes", () => {
    expectTypeOf(tg.sum(x23)).toEqualTypeOf<Tensor<[], "f32">>();
    expectTypeOf(tg.sum(x23, 1)).toEqualTypeOf<Tensor<[2], "f32">>();
    expectTypeOf(tg.sum(x23, -1, true)).toEqualTypeOf<Tensor<[2, 1], "f32">>();
    expectTypeOf(tg.mean(zeros([2, 3, 4]), [0, 2])).toEqualTypeOf<Tensor<[3], "f32">>();
    expectTypeOf(tg.max(x23, 0, true)).toEqualTypeOf<Tensor<[1, 3], "f32">>();
    expectTypeOf(tg.min(n3, 1)).toEqualTypeOf<Tensor<[number], "f32">>();
    expectTypeOf(tg.argmax(x23, 1)).toEqualTypeOf<Tensor<[2], "i32">>();
    expectTypeOf(tg.argmin(x23)).toEqualTypeOf<Tensor<[], "i32">>();
    expectTypeOf(tg.logsumexp(x23, 1)).toEqualTypeOf<Tensor<[2], "f32">>();
  });
  it("reject axes out of range", () => {
    // @ts-expect-error sum: axis 2 is out of range for [2, 3]
    tg.sum(x23, 2);
    // @ts-expect-error mean: axis -3 is out of range
    tg.mean(x23, -3);
    // @ts-expect-error max: one of the axes is out of range
    tg.max(x23, [0, 5]);
    // @ts-expect-error argmax: axis 2 is out of range
    tg.argmax(x23, 2);
    // @ts-expect-error logsumexp: axis 9 is out of range
    tg.logsumexp(x23, 9);
    // @ts-expect-error min: axis 1 out of range for a vector
    tg.min(v3, 1);
  });
});

describe("linear algebra", () => {
  it("infers matmul, dot and outer", () => {
    expectTypeOf(tg.matmul(x23, x35)).toEqualTypeOf<Tensor<[2, 5], "f32">>();
    expectTypeOf(tg.matmul(zeros([8, 2, 3]), x35)).toEqualTypeOf<Tensor<[8, 2, 5], "f32">>();
    expectTypeOf(tg.matmul(zeros([5, 1, 2, 3]), zeros([4, 3, 2]))).toEqualTypeOf<
      Tensor<[5, 4, 2, 2], "f32">
    >();
    expectTypeOf(tg.matmul(v3, x35)).toEqualTypeOf<Tensor<[5], "f32">>();
    expectTypeOf(tg.matmul(x23, v3)).toEqualTypeOf<Tensor<[2], "f32">>();
    expectTypeOf(tg.dot(v3, v3)).toEqualTypeOf<Tensor<[], "f32">>();
    expectTypeOf(tg.outer(v3, zeros([4]))).toEqualTypeOf<Tensor<[3, 4], "f32">>();
    expectTypeOf(tg.matmul(n3, x35)).toEqualTypeOf<Tensor<[number, 5], "f32">>();
    expectTypeOf(tg.matmul(zeros([2, 784]), zeros([784, 10]))).toEqualTypeOf<
      Tensor<[2, 10], "f32">
    >();
  });
  it("rejects inner sizes that differ", () => {
    // @ts-expect-error matmul: inner sizes 3 and 4 differ
    tg.matmul(x23, x45);
    // @ts-expect-error matmul: inner sizes 3 and 2 differ
    tg.matmul(x23, x23);
    // @ts-expect-error dot: vectors of different lengths
    tg.dot(v3, zeros([4]));
    // @ts-expect-error matmul: batch dimensions 2 and 3 do not broadcast
    tg.matmul(zeros([2, 4, 3]), zeros([3, 3, 5]));
    // @ts-expect-error matmul: a scalar has no inner size
    tg.matmul(scalar(1), x35);
    // @ts-expect-error outer takes vectors
    tg.outer(x23, v3);
    // @ts-expect-error matmul: dtypes must agree
    tg.matmul(x23, zeros([3, 5], "i32"));
  });
});

describe("movement", () => {
  it("infers shapes", () => {
    expectTypeOf(tg.reshape(x23, [3, 2])).toEqualTypeOf<Tensor<[3, 2], "f32">>();
    expectTypeOf(tg.reshape(x23, [-1])).toEqualTypeOf<Tensor<[6], "f32">>();
    expectTypeOf(tg.reshape(zeros([8, 7, 7, 64]), [8, -1])).toEqualTypeOf<
      Tensor<[8, 3136], "f32">
    >();
    expectTypeOf(tg.reshape(zeros([224, 224, 3]), [-1])).toEqualTypeOf<Tensor<[150528], "f32">>();
    expectTypeOf(tg.reshape(n3, [-1])).toEqualTypeOf<Tensor<[number], "f32">>();
    expectTypeOf(tg.flatten(zeros([8, 7, 7, 64]))).toEqualTypeOf<Tensor<[8, 3136], "f32">>();
    expectTypeOf(tg.transpose(x23)).toEqualTypeOf<Tensor<[3, 2], "f32">>();
    expectTypeOf(tg.transpose(zeros([2, 3, 4]), [2, 0, 1])).toEqualTypeOf<
      Tensor<[4, 2, 3], "f32">
    >();
    expectTypeOf(tg.expandDims(x23, 0)).toEqualTypeOf<Tensor<[1, 2, 3], "f32">>();
    expectTypeOf(tg.expandDims(x23, -1)).toEqualTypeOf<Tensor<[2, 3, 1], "f32">>();
    expectTypeOf(tg.squeeze(zeros([2, 1, 3]), 1)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.squeeze(zeros([1, 2, 1]))).toEqualTypeOf<Tensor<[2], "f32">>();
    expectTypeOf(tg.concat([x23, zeros([4, 3])], 0)).toEqualTypeOf<Tensor<[6, 3], "f32">>();
    expectTypeOf(tg.stack([x23, x23, x23])).toEqualTypeOf<Tensor<[3, 2, 3], "f32">>();
    expectTypeOf(tg.slice(zeros([4, 10]), [1, 2], [2, -1])).toEqualTypeOf<Tensor<[2, 8], "f32">>();
    expectTypeOf(
      tg.pad(x23, [
        [1, 1],
        [0, 2],
      ]),
    ).toEqualTypeOf<Tensor<[4, 5], "f32">>();
    expectTypeOf(tg.broadcastTo(v3, [2, 3])).toEqualTypeOf<Tensor<[2, 3], "f32">>();
  });
  it("rejects what does not fit", () => {
    // @ts-expect-error reshape: 6 elements do not fit [4, 2] (8 elements)
    tg.reshape(x23, [4, 2]);
    // @ts-expect-error reshape: only one -1
    tg.reshape(x23, [-1, -1]);
    // @ts-expect-error reshape: -1 cannot be inferred (6 is not a multiple of 4)
    tg.reshape(x23, [4, -1]);
    // @ts-expect-error transpose: the permutation has the wrong length
    tg.transpose(x23, [0]);
    // @ts-expect-error transpose: axis 2 out of range
    tg.transpose(x23, [2, 0]);
    // @ts-expect-error expandDims: axis 4 is out of range for rank 3
    tg.expandDims(x23, 4);
    // @ts-expect-error squeeze: axis 0 has size 2, not 1
    tg.squeeze(x23, 0);
    // @ts-expect-error concat: shapes differ outside axis 0
    tg.concat([x23, zeros([4, 2])], 0);
    // @ts-expect-error stack: shapes differ
    tg.stack([x23, x35]);
    // @ts-expect-error slice: [1, 1 + 5) does not fit size 3
    tg.slice(x23, [0, 1], [1, 5]);
    // @ts-expect-error broadcastTo: [3] does not broadcast to [2, 4]
    tg.broadcastTo(v3, [2, 4]);
  });
});

describe("indexing", () => {
  it("infers shapes", () => {
    expectTypeOf(tg.gather(zeros([1000, 64]), zeros([32, 10], "i32"))).toEqualTypeOf<
      Tensor<[32, 10, 64], "f32">
    >();
    expectTypeOf(tg.gather(x23, i32, 1)).toEqualTypeOf<Tensor<[2, 4], "f32">>();
    expectTypeOf(tg.take(x23, i32)).toEqualTypeOf<Tensor<[4], "f32">>();
    expectTypeOf(tg.oneHot(i32, 10)).toEqualTypeOf<Tensor<[4, 10], "f32">>();
  });
  it("rejects float indices and bad axes", () => {
    // @ts-expect-error gather: indices must be i32
    tg.gather(x23, v3);
    // @ts-expect-error gather: axis 2 out of range
    tg.gather(x23, i32, 2);
    // @ts-expect-error oneHot: indices must be i32
    tg.oneHot(v3, 3);
  });
});

describe("activations", () => {
  it("keep the shape", () => {
    expectTypeOf(tg.relu(x23)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.softmax(x23)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    expectTypeOf(tg.logSoftmax(n3, 1)).toEqualTypeOf<Tensor<[number, 3], "f32">>();
    expectTypeOf(tg.gelu(x23)).toEqualTypeOf<Tensor<[2, 3], "f32">>();
  });
});

describe("images", () => {
  it("infers convolution and pooling sizes", () => {
    expectTypeOf(tg.conv2d(img, zeros([3, 3, 1, 32]))).toEqualTypeOf<
      Tensor<[8, 26, 26, 32], "f32">
    >();
    expectTypeOf(
      tg.conv2d(zeros([1, 224, 224, 3]), zeros([7, 7, 3, 64]), { stride: 2, padding: "same" }),
    ).toEqualTypeOf<Tensor<[1, 112, 112, 64], "f32">>();
    expectTypeOf(tg.conv2d(img, zeros([5, 5, 1, 8]), { stride: [2, 1] })).toEqualTypeOf<
      Tensor<[8, 12, 24, 8], "f32">
    >();
    expectTypeOf(tg.maxPool2d(zeros([8, 26, 26, 32]), 2)).toEqualTypeOf<
      Tensor<[8, 13, 13, 32], "f32">
    >();
    expectTypeOf(tg.avgPool2d(img, 3, { stride: 2 })).toEqualTypeOf<
      Tensor<[8, 13, 13, 1], "f32">
    >();
    expectTypeOf(tg.maxPool2d(img, 3, { stride: 2, padding: "same" })).toEqualTypeOf<
      Tensor<[8, 14, 14, 1], "f32">
    >();
  });
  it("rejects channel mismatches and windows larger than the input", () => {
    // @ts-expect-error conv2d: input has 1 channels but the filter expects 3
    tg.conv2d(img, zeros([3, 3, 3, 32]));
    // @ts-expect-error conv2d: window 30x30 is larger than the input 28x28
    tg.conv2d(img, zeros([30, 30, 1, 8]));
    // @ts-expect-error conv2d: the input must be NHWC
    tg.conv2d(x23, zeros([3, 3, 1, 8]));
    // @ts-expect-error maxPool2d: window 29 is larger than 28
    tg.maxPool2d(img, 29);
    // @ts-expect-error avgPool2d: the input must be NHWC
    tg.avgPool2d(x23, 2);
  });
});

describe("type parameters flow through", () => {
  it("a dense layer with a generic batch compiles", () => {
    function dense<B extends number>(
      x: Tensor<[B, 784]>,
      w: Tensor<[784, 10]>,
      b: Tensor<[10]>,
    ): Tensor<[B]> {
      const h: Tensor<[B, 10]> = tg.relu(tg.add(tg.matmul(x, w), b));
      return tg.sum(h, 1);
    }
    expectTypeOf(dense(zeros([32, 784]), zeros([784, 10]), zeros([10]))).toEqualTypeOf<
      Tensor<[32], "f32">
    >();
  });
  it("generic shapes through the other families", () => {
    function f<B extends number>(x: Tensor<[B, 28, 28, 1]>, y: Tensor<[B, 10]>) {
      const c = tg.conv2d(x, zeros([3, 3, 1, 32]));
      expectTypeOf(c).toEqualTypeOf<Tensor<[B, 26, 26, 32], "f32">>();
      const p = tg.maxPool2d(c, 2);
      expectTypeOf(p).toEqualTypeOf<Tensor<[B, 13, 13, 32], "f32">>();
      expectTypeOf(tg.flatten(p)).toEqualTypeOf<Tensor<[B, 5408], "f32">>();
      expectTypeOf(tg.reshape(p, [y.shape[0], -1])).toEqualTypeOf<Tensor<[B, 5408], "f32">>();
      expectTypeOf(tg.mul(y, tg.sum(y, 1, true))).toEqualTypeOf<Tensor<[B, 10], "f32">>();
      expectTypeOf(tg.concat([y, y], 1)).toEqualTypeOf<Tensor<[B, 20], "f32">>();
      expectTypeOf(tg.transpose(y)).toEqualTypeOf<Tensor<[10, B], "f32">>();
      expectTypeOf(tg.softmax(y)).toEqualTypeOf<Tensor<[B, 10], "f32">>();
      // @ts-expect-error matmul: inner sizes 10 and 784 differ, whatever B is
      tg.matmul(y, zeros([784, 10]));
      // @ts-expect-error add: 10 and 5 differ, whatever B is
      tg.add(y, zeros([5]));
      // @ts-expect-error reshape: B·10 elements are not 5408
      tg.reshape(y, [y.shape[0], 5408]);
    }
    void f;
  });
});
