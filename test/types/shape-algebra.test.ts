/**
 * Compile-time tests of the shape algebra where real code lives: helpers generic over a batch `B`,
 * sizes only the runtime knows, long lists, and the dtype and loss rules the runtime enforces.
 * Each inferred type is pinned with `expectTypeOf`, and each wrong call is a `@ts-expect-error`
 * (so a type that loosens fails `npm run typecheck`, under TypeScript 7, and `npx tsc`, under 6).
 */
import { describe, expectTypeOf, it as vitestIt } from "vitest";
import * as losses from "../../src/losses/losses.js";
import * as tg from "../../src/ops/index.js";
import type { DType } from "../../src/shape/dtype.js";
import { zeros } from "../../src/tensor/create.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { grad } from "../../src/transforms/grad.js";

/** These bodies are checked by the type checker; at runtime they are only listed, not run. */
const it = (name: string, _body: () => void) => vitestIt(name, () => {});

describe("a batch parameter shared by two arguments", () => {
  it("constrains when the second occurrence is NoInfer<B> (the pattern for helpers)", () => {
    function twice<B extends number>(a: Tensor<[B, 4]>, b: Tensor<[NoInfer<B>, 4]>) {
      return tg.add(a, b);
    }
    expectTypeOf(twice(zeros([32, 4]), zeros([32, 4]))).toEqualTypeOf<Tensor<[32, 4], "f32">>();
    // @ts-expect-error B is 32 from the first argument; 16 is not 32
    twice(zeros([32, 4]), zeros([16, 4]));
  });
  it("without NoInfer, TypeScript infers the union of the two sizes (why the pattern is needed)", () => {
    function loose<B extends number>(a: Tensor<[B, 4]>, b: Tensor<[B, 4]>) {
      return tg.add(a, b);
    }
    expectTypeOf(loose(zeros([32, 4]), zeros([16, 4]))).toEqualTypeOf<
      Tensor<[32 | 16, 4], "f32">
    >();
  });
  it("the ops' own shared dtype parameters constrain", () => {
    expectTypeOf(tg.outer(zeros([2]), zeros([3]))).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    // @ts-expect-error D is f32 from the first vector
    tg.outer(zeros([2]), zeros([3], "i32"));
    // @ts-expect-error D is f32 from the first operand
    tg.matmul(zeros([2, 3]), zeros([3, 4], "f64"));
  });
});

describe("sizes that are type parameters or plain number", () => {
  it("reshape with number sizes leaves the element count to the runtime", () => {
    const t = zeros([5, 10]) as Tensor<[number, 10]>;
    const n = 2 as number;
    expectTypeOf(tg.reshape(t, [n, 20])).toEqualTypeOf<Tensor<[number, 20], "f32">>();
    expectTypeOf(tg.reshape(t, [-1, 5])).toEqualTypeOf<Tensor<[number, 5], "f32">>();
    expectTypeOf(tg.reshape(t, [n, -1])).toEqualTypeOf<Tensor<[number, number], "f32">>();
    // @ts-expect-error 20 elements do not fit [3, 7]
    tg.reshape(zeros([2, 10]), [3, 7]);
  });
  it("a batch parameter survives reshape, -1 and flatten", () => {
    function f<B extends number>(x: Tensor<[B, 13, 13, 32]>) {
      const b = x.shape[0];
      expectTypeOf(tg.reshape(x, [b, 5408])).toEqualTypeOf<Tensor<[B, 5408], "f32">>();
      expectTypeOf(tg.reshape(x, [b, -1])).toEqualTypeOf<Tensor<[B, 5408], "f32">>();
      expectTypeOf(tg.flatten(x)).toEqualTypeOf<Tensor<[B, 5408], "f32">>();
      expectTypeOf(tg.reshape(x, [-1, 32])).toEqualTypeOf<Tensor<[number, 32], "f32">>();
      expectTypeOf(tg.flatten(x, 0)).toEqualTypeOf<Tensor<[number], "f32">>();
      expectTypeOf(tg.reshape(x, [-1, 13, 416])).toEqualTypeOf<Tensor<[B, 13, 416], "f32">>();
      expectTypeOf(tg.flatten(tg.reshape(x, [b, 1, 5408]), 0)).toEqualTypeOf<
        Tensor<[number], "f32">
      >();
      expectTypeOf(tg.flatten(tg.sum(x, [1, 2, 3]), 0)).toEqualTypeOf<Tensor<[B], "f32">>();
      // @ts-expect-error flatten: axis 5 is out of range for a rank-4 tensor
      tg.flatten(x, 5);
      // @ts-expect-error with B cancelled, 5408 elements do not fit 5407
      tg.reshape(x, [b, 5407]);
      return tg.flatten(x);
    }
    expectTypeOf(f(zeros([8, 13, 13, 32]))).toEqualTypeOf<Tensor<[8, 5408], "f32">>();
  });
  it("broadcasting a batch parameter against 1 keeps it; against another size is an error", () => {
    function f<B extends number>(y: Tensor<[B, 10]>, o: Tensor<[1, 10]>, c: Tensor<[B, 1]>) {
      expectTypeOf(tg.add(y, o)).toEqualTypeOf<Tensor<[B, 10], "f32">>();
      expectTypeOf(tg.mul(o, y)).toEqualTypeOf<Tensor<[B, 10], "f32">>();
      expectTypeOf(tg.sub(c, o)).toEqualTypeOf<Tensor<[B, 10], "f32">>();
      const h = tg.matmul(tg.reshape(y, [y.shape[0], 5, 2]), zeros([2, 3]));
      expectTypeOf(h).toEqualTypeOf<Tensor<[B, 5, 3], "f32">>();
      expectTypeOf(tg.matmul(h, zeros([1, 3, 4]))).toEqualTypeOf<Tensor<[B, 5, 4], "f32">>();
      // @ts-expect-error B is not known to be 5
      tg.add(y, zeros([5, 10]));
      return tg.add(y, o);
    }
    expectTypeOf(f(zeros([3, 10]), zeros([1, 10]), zeros([3, 1]))).toEqualTypeOf<
      Tensor<[3, 10], "f32">
    >();
  });
  it("slicing keeps a whole batch axis and cuts the features", () => {
    function f<B extends number>(x: Tensor<[B, 5]>) {
      expectTypeOf(tg.slice(x, [0, 2], [-1, 3])).toEqualTypeOf<Tensor<[B, 3], "f32">>();
      expectTypeOf(tg.slice(x, [1], [-1])).toEqualTypeOf<Tensor<[number, 5], "f32">>();
      expectTypeOf(tg.slice(x, [0, 1], [])).toEqualTypeOf<Tensor<[B, 4], "f32">>();
      // @ts-expect-error [2, 6) does not fit the 5 features
      tg.slice(x, [0, 2], [-1, 4]);
      return tg.slice(x, [0, 2], [-1, 3]);
    }
    expectTypeOf(f(zeros([7, 5]))).toEqualTypeOf<Tensor<[7, 3], "f32">>();
    // @ts-expect-error a negative start is refused at runtime
    tg.slice(zeros([4, 5]), [-1, 0], [1, 1]);
    // @ts-expect-error more sizes than starts
    tg.slice(zeros([4, 5]), [0], [1, 1]);
  });
  it("pad checks its list as the runtime does", () => {
    expectTypeOf(tg.pad(zeros([2, 3]), [[1, 1]])).toEqualTypeOf<Tensor<[4, 3], "f32">>();
    // @ts-expect-error three paddings for two axes
    tg.pad(zeros([2, 3]), [
      [1, 1],
      [0, 0],
      [0, 0],
    ]);
    // @ts-expect-error paddings are ≥ 0
    tg.pad(zeros([2, 3]), [[-1, 0]]);
  });
});

describe("long and unknown-length lists", () => {
  it("stack and concat of 64 tensors", () => {
    const a = zeros([2, 3]);
    const l = [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a] as const;
    const xs = [...l, ...l, ...l, ...l] as const;
    expectTypeOf(tg.stack(xs)).toEqualTypeOf<Tensor<[64, 2, 3], "f32">>();
    expectTypeOf(tg.concat(xs)).toEqualTypeOf<Tensor<[128, 3], "f32">>();
    expectTypeOf(tg.concat(xs, 1)).toEqualTypeOf<Tensor<[2, 192], "f32">>();
    // @ts-expect-error the 65th shape differs
    tg.stack([...xs, zeros([3, 3])]);
  });
  it("a list whose length only the runtime knows", () => {
    const arr: Tensor<[2]>[] = [zeros([2])];
    expectTypeOf(tg.stack(arr)).toEqualTypeOf<Tensor<[number, 2], "f32">>();
    expectTypeOf(tg.stack(arr, 1)).toEqualTypeOf<Tensor<[2, number], "f32">>();
    expectTypeOf(tg.concat(arr)).toEqualTypeOf<Tensor<[number], "f32">>();
    // @ts-expect-error axis 2 is out of range for a stack of [2]
    tg.stack(arr, 2);
  });
});

describe("dtype rules are the runtime's", () => {
  it("float-only ops refuse i32 and bool", () => {
    const i = zeros([2, 3], "i32");
    // @ts-expect-error matmul: dtype i32 is not supported
    tg.matmul(i, zeros([3, 2], "i32"));
    // @ts-expect-error dot: dtype i32 is not supported
    tg.dot(zeros([3], "i32"), zeros([3], "i32"));
    // @ts-expect-error exp: dtype i32 is not supported
    tg.exp(i);
    // @ts-expect-error conv2d: dtype i32 is not supported
    tg.conv2d(zeros([1, 4, 4, 1], "i32"), zeros([3, 3, 1, 2], "i32"));
    expectTypeOf(tg.matmul(zeros([2, 3], "f64"), zeros([3, 2], "f64"))).toEqualTypeOf<
      Tensor<[2, 2], "f64">
    >();
    expectTypeOf(tg.neg(i)).toEqualTypeOf<Tensor<[2, 3], "i32">>();
  });
  it("arithmetic refuses bool; comparisons take any dtype", () => {
    const b = zeros([3], "bool");
    // @ts-expect-error add: dtype bool is not supported
    tg.add(b, b);
    // @ts-expect-error mul: dtype bool is not supported (the number takes the tensor's dtype)
    tg.mul(b, 2);
    // @ts-expect-error neg: dtype bool is not supported
    tg.neg(b);
    expectTypeOf(tg.equal(b, b)).toEqualTypeOf<Tensor<[3], "bool">>();
    expectTypeOf(tg.add(zeros([3], "i32"), 1)).toEqualTypeOf<Tensor<[3], "i32">>();
  });
  it("activations, reductions and pooling follow the runtime's dtype rules", () => {
    const i = zeros([1, 4, 4, 2], "i32");
    const b = zeros([2, 3], "bool");
    // @ts-expect-error softmax: dtype i32 is not supported
    tg.softmax(i);
    // @ts-expect-error softmax: a scalar has no axis -1
    tg.softmax(zeros([]));
    function generic<S extends readonly number[]>(x: Tensor<S>) {
      return tg.softmax(x); // a shape that is a type parameter is left to the runtime
    }
    expectTypeOf(generic(zeros([2, 3]))).toEqualTypeOf<Tensor<[2, 3], "f32">>();
    // @ts-expect-error avgPool2d: dtype i32 is not supported (a window mean would truncate)
    tg.avgPool2d(i, 2);
    // @ts-expect-error sum: dtype bool is not supported
    tg.sum(b);
    // @ts-expect-error argmax: dtype bool is not supported
    tg.argmax(b, 1);
    expectTypeOf(tg.maxPool2d(i, 2)).toEqualTypeOf<Tensor<[1, 2, 2, 2], "i32">>();
    expectTypeOf(tg.relu(b)).toEqualTypeOf<Tensor<[2, 3], "bool">>();
    expectTypeOf(tg.mean(b)).toEqualTypeOf<Tensor<[], "f32">>();
    const untyped = b as Tensor<number[], DType>;
    // every axis of a tensor of unknown rank: a scalar all the same; kept, or some axes: unknown
    expectTypeOf(tg.sum(untyped)).toEqualTypeOf<Tensor<[], DType>>();
    expectTypeOf(tg.sum(untyped, 0)).toEqualTypeOf<Tensor<number[], DType>>();
    expectTypeOf(tg.sum(untyped, undefined, true)).toEqualTypeOf<Tensor<number[], DType>>();
    const loss = (x: Tensor) => tg.sum(tg.mul(tg.tanh(x), x));
    expectTypeOf(grad(loss)(zeros([3]))).toEqualTypeOf<Tensor>();
  });
  it("a dtype typed any is left to the runtime", () => {
    const loose = zeros([2]) as Tensor<[2], any>;
    expectTypeOf(tg.add(zeros([2]), loose)).toEqualTypeOf<Tensor<[2], "f32">>();
    // @ts-expect-error f32 and i32 still differ
    tg.add(zeros([2]), zeros([2], "i32"));
  });
  it("a dtype that is a type parameter is left to the runtime", () => {
    function f<D extends DType>(x: Tensor<[2], D>) {
      return tg.add(tg.exp(x), x);
    }
    expectTypeOf(f(zeros([2]))).toEqualTypeOf<Tensor<[2], "f32">>();
  });
});

describe("losses check targets against predictions", () => {
  it("sparse targets: i32, shaped as the predictions without the class axis", () => {
    const logits = zeros([32, 10]);
    expectTypeOf(losses.sparseCategoricalCrossEntropy(logits, zeros([32], "i32"))).toEqualTypeOf<
      Tensor<[], "f32">
    >();
    // @ts-expect-error predictions [32, 10] need targets [32], got [16]
    losses.sparseCategoricalCrossEntropy(logits, zeros([16], "i32"));
    // @ts-expect-error targets must be i32 class indices
    losses.sparseCategoricalCrossEntropy(logits, zeros([32]));
  });
  it("one-hot and elementwise targets: the same shape", () => {
    const logits = zeros([32, 10]);
    expectTypeOf(
      losses.categoricalCrossEntropy(logits, zeros([32, 10]), { reduction: "none" }),
    ).toEqualTypeOf<Tensor<[32], "f32">>();
    // @ts-expect-error one-hot labels of width 9 against 10 logits
    losses.categoricalCrossEntropy(logits, zeros([32, 9]));
    // @ts-expect-error [32, 10] and [16, 10] differ
    losses.mse(logits, zeros([16, 10]));
    // @ts-expect-error categorical predictions need a class axis
    losses.categoricalCrossEntropy(zeros([32]), zeros([32]));
    expectTypeOf(losses.mae(logits, zeros([32, 10]))).toEqualTypeOf<Tensor<[], "f32">>();
  });
  it("a batch parameter flows through a loss", () => {
    function loss<B extends number>(p: Tensor<[B, 10]>, y: Tensor<[B], "i32">) {
      expectTypeOf(losses.sparseCategoricalCrossEntropy(p, y, { reduction: "none" })).toEqualTypeOf<
        Tensor<[B], "f32">
      >();
      return losses.sparseCategoricalCrossEntropy(p, y);
    }
    expectTypeOf(loss(zeros([4, 10]), zeros([4], "i32"))).toEqualTypeOf<Tensor<[], "f32">>();
    function bad<B extends number>(p: Tensor<[B, 10]>, y: Tensor<[16], "i32">) {
      // @ts-expect-error B is not known to be 16
      return losses.sparseCategoricalCrossEntropy(p, y);
    }
    void bad;
  });
});
