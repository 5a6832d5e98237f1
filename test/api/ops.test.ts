/**
 * Runtime checks of the typed tensor API: every op runs and gives the right values on small worked
 * examples, and bad shapes throw a ShapeError that names the op and the shapes.
 */
import { describe, expect, it } from "vitest";
import "../../src/backends.js";
import { setBackend } from "../../src/backend/registry.js";
import * as tg from "../../src/ops/index.js";
import {
  arange,
  assertShape,
  eye,
  fromArray,
  full,
  linspace,
  ones,
  onesLike,
  scalar,
  tensor,
  zeros,
  zerosLike,
} from "../../src/tensor/create.js";
import { DTypeError, ShapeError } from "../../src/shape/errors.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../util/close.js";

setBackend("reference");

/** `t` has the shape of the nested array `want` and its values within 10^-digits / 2. */
const expectTensor = (t: AnyTensor, want: unknown, digits = 5) => {
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [Number(v)]);
  expect(t.shape).toEqual(shapeOf(want));
  expectClose(flat(t.toArray()), flat(want), { atol: 0.5 * 10 ** -digits, rtol: 0 });
};
const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : []);
const throwsShape = (f: () => unknown, ...parts: string[]) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ShapeError);
  for (const p of parts) expect((err as Error).message).toContain(p);
};

describe("constructors", () => {
  it("tensor infers shape and dtype; rejects ragged and bad values", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe("f32");
    expect(tensor([0, 2, 1], "i32").dtype).toBe("i32");
    expect(tensor([true, false]).dtype).toBe("bool");
    throwsShape(() => tensor([[1, 2], [3]] as number[][]), "tensor", "ragged");
    expect(() => tensor([1.5], "i32")).toThrow(DTypeError);
    expect(() => tensor([Number.NaN], "i32")).toThrow(/tensor/);
  });
  it("zeros ones full eye arange linspace scalar fromArray", () => {
    expectTensor(zeros([2, 2]), [
      [0, 0],
      [0, 0],
    ]);
    expectTensor(ones([3]), [1, 1, 1]);
    expectTensor(full([2], 7), [7, 7]);
    expectTensor(eye(2), [
      [1, 0],
      [0, 1],
    ]);
    expectTensor(eye(2, 3), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expectTensor(arange(4), [0, 1, 2, 3]);
    expectTensor(arange(2, 8, 2), [2, 4, 6]);
    expect(arange(3, "i32").dtype).toBe("i32");
    expectTensor(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    expect(scalar(3).item()).toBe(3);
    expectTensor(fromArray(new Float32Array([1, 2, 3, 4]), [2, 2]), [
      [1, 2],
      [3, 4],
    ]);
    expect(fromArray(new Int32Array(4), [4]).dtype).toBe("i32");
    expectTensor(zerosLike(ones([2])), [0, 0]);
    expectTensor(onesLike(zeros([2])), [1, 1]);
    throwsShape(() => fromArray([1, 2, 3], [2, 2]), "fromArray", "[2, 2]");
    throwsShape(() => zeros([2.5]), "zeros");
    throwsShape(() => zeros([-1]), "zeros");
  });
  it("assertShape checks and narrows", () => {
    const x = zeros([3, 784]) as AnyTensor;
    expect(assertShape(x, [null, 784]).shape).toEqual([3, 784]);
    throwsShape(() => assertShape(x, [null, 10]), "assertShape", "[_, 10]", "[3, 784]");
  });
});

describe("elementwise", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it("arithmetic with broadcasting and numbers on either side", () => {
    expectTensor(tg.add(x, tensor([10, 20, 30])), [
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expectTensor(tg.sub(10, tensor([1, 2])), [9, 8]);
    expectTensor(tg.mul(tensor([1, 2]), tensor([[1], [10]])), [
      [1, 2],
      [10, 20],
    ]);
    expectTensor(tg.div(tensor([1, 2]), 2), [0.5, 1]);
    expectTensor(tg.pow(tensor([2, 3]), 2), [4, 9]);
    expectTensor(tg.maximum(tensor([1, 5]), 3), [3, 5]);
    expectTensor(tg.minimum(tensor([1, 5]), 3), [1, 3]);
  });
  it("comparisons and where", () => {
    expect(tg.less(tensor([1, 5]), 3).toArray()).toEqual([true, false]);
    expect(tg.lessEqual(tensor([1, 3]), 3).toArray()).toEqual([true, true]);
    expect(tg.greater(tensor([1, 5]), 3).toArray()).toEqual([false, true]);
    expect(tg.greaterEqual(tensor([1, 3]), 3).toArray()).toEqual([false, true]);
    expect(tg.equal(tensor([1, 3]), 3).toArray()).toEqual([false, true]);
    expect(tg.notEqual(tensor([1, 3]), 3).toArray()).toEqual([true, false]);
    expectTensor(tg.where(tensor([true, false]), tensor([1, 2]), 0), [1, 0]);
  });
  it("one-argument functions", () => {
    expectTensor(tg.neg(tensor([1, -2])), [-1, 2]);
    expectTensor(tg.exp(tensor([0, 1])), [1, Math.E]);
    expectTensor(tg.log(tensor([1, Math.E])), [0, 1]);
    expectTensor(tg.sqrt(tensor([4, 9])), [2, 3]);
    expectTensor(tg.rsqrt(tensor([4])), [0.5]);
    expectTensor(tg.reciprocal(tensor([2])), [0.5]);
    expectTensor(tg.abs(tensor([-1, 2])), [1, 2]);
    expectTensor(tg.sign(tensor([-3, 0, 2])), [-1, 0, 1]);
    expectTensor(tg.square(tensor([3])), [9]);
    expectTensor(tg.sin(tensor([0])), [0]);
    expectTensor(tg.cos(tensor([0])), [1]);
    expectTensor(tg.floor(tensor([1.5, -1.5])), [1, -2]);
    expectTensor(tg.erf(tensor([0])), [0]);
    expectTensor(tg.clip(tensor([-2, 0.5, 3]), 0, 1), [0, 0.5, 1]);
    expect(tg.cast(tensor([1.7, 2.2]), "i32").toArray()).toEqual([1, 2]);
  });
  it("runtime broadcast errors name the op and shapes, also for number dims", () => {
    const a = zeros([2, 3]) as AnyTensor;
    const b = zeros([4]) as AnyTensor;
    throwsShape(() => tg.add(a, b), "add", "[2, 3]", "[4]");
  });
});

describe("reductions", () => {
  const x = tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);
  it("sum mean max min with axes and keepDims", () => {
    expectTensor(tg.sum(x), 21);
    expectTensor(tg.sum(x, 1), [9, 12]);
    expectTensor(tg.sum(x, -1, true), [[9], [12]]);
    expectTensor(tg.sum(x, [0, 1]), 21);
    expectTensor(tg.mean(x, 0), [2.5, 3.5, 4.5]);
    expectTensor(tg.max(x, 0, true), [[4, 5, 6]]);
    expectTensor(tg.min(x, 1), [1, 2]);
  });
  it("argmax argmin", () => {
    expect(tg.argmax(x, 1).toArray()).toEqual([1, 2]);
    expect(tg.argmin(x, 0).toArray()).toEqual([0, 1, 0]);
    expect(tg.argmax(x).toArray()).toEqual(5);
    expect(tg.argmax(x, 1).dtype).toBe("i32");
  });
  it("out-of-range axes throw naming the op", () => {
    throwsShape(() => tg.sum(x as AnyTensor, 2 as number), "sum", "axis 2");
  });
});

describe("linear algebra", () => {
  it("matmul with rank-1 operands and batch broadcasting", () => {
    expectTensor(
      tg.matmul(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([[1], [1]]),
      ),
      [[3], [7]],
    );
    expectTensor(
      tg.matmul(
        tensor([1, 2]),
        tensor([
          [1, 0],
          [0, 1],
        ]),
      ),
      [1, 2],
    );
    expectTensor(
      tg.matmul(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([1, 1]),
      ),
      [3, 7],
    );
    expectTensor(tg.dot(tensor([1, 2, 3]), tensor([4, 5, 6])), 32);
    expect(tg.matmul(zeros([8, 2, 3]), zeros([3, 4])).shape).toEqual([8, 2, 4]);
    expect(tg.matmul(zeros([5, 1, 2, 3]), zeros([4, 3, 2])).shape).toEqual([5, 4, 2, 2]);
    expectTensor(tg.outer(tensor([1, 2]), tensor([1, 10, 100])), [
      [1, 10, 100],
      [2, 20, 200],
    ]);
  });
  it("matmul errors name matmul and the sizes, for number dims too", () => {
    const n: number = 3;
    const a = zeros([2, n]);
    throwsShape(
      () => tg.matmul(a, zeros([4, 5])),
      "matmul",
      "inner sizes 3 and 4",
      "[2, 3]",
      "[4, 5]",
    );
  });
});

describe("movement", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it("reshape flatten transpose expandDims squeeze", () => {
    expectTensor(tg.reshape(x, [3, 2]), [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expectTensor(tg.reshape(x, [-1]), [1, 2, 3, 4, 5, 6]);
    expect(tg.flatten(zeros([8, 7, 7, 64])).shape).toEqual([8, 3136]);
    expect(tg.flatten(x, 0).shape).toEqual([6]);
    expectTensor(tg.transpose(x), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(tg.transpose(zeros([2, 3, 4]), [2, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(tg.expandDims(x, 0).shape).toEqual([1, 2, 3]);
    expect(tg.expandDims(x, -1).shape).toEqual([2, 3, 1]);
    expect(tg.squeeze(zeros([2, 1, 3]), 1).shape).toEqual([2, 3]);
    expect(tg.squeeze(zeros([1, 2, 1])).shape).toEqual([2]);
  });
  it("concat stack slice pad broadcastTo", () => {
    expectTensor(tg.concat([tensor([[1, 2]]), tensor([[3, 4]])], 0), [
      [1, 2],
      [3, 4],
    ]);
    expectTensor(tg.concat([tensor([[1], [2]]), tensor([[3], [4]])], 1), [
      [1, 3],
      [2, 4],
    ]);
    expectTensor(tg.stack([tensor([1, 2]), tensor([3, 4])], 1), [
      [1, 3],
      [2, 4],
    ]);
    expectTensor(tg.slice(x, [0, 1], [2, -1]), [
      [2, 3],
      [5, 6],
    ]);
    expectTensor(
      tg.pad(tensor([[1]]), [
        [1, 0],
        [0, 1],
      ]),
      [
        [0, 0],
        [1, 0],
      ],
    );
    expectTensor(tg.broadcastTo(tensor([1, 2]), [2, 2]), [
      [1, 2],
      [1, 2],
    ]);
  });
  it("runtime errors name the op and shapes", () => {
    const y = x as AnyTensor;
    throwsShape(() => tg.reshape(y, [4, 2]), "reshape", "[2, 3]", "[4, 2]");
    throwsShape(() => tg.concat([y, zeros([2, 2]) as AnyTensor], 0), "concat", "[2, 3]", "[2, 2]");
    throwsShape(() => tg.squeeze(y, 0), "squeeze", "[2, 3]");
    throwsShape(() => tg.slice(y, [1], [2]), "slice", "[2, 3]");
  });
});

describe("indexing", () => {
  it("gather take oneHot", () => {
    expectTensor(
      tg.gather(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        tensor([2, 0], "i32"),
      ),
      [
        [5, 6],
        [1, 2],
      ],
    );
    expectTensor(
      tg.gather(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([1, 1, 0], "i32"),
        1,
      ),
      [
        [2, 2, 1],
        [4, 4, 3],
      ],
    );
    expectTensor(
      tg.take(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        tensor([3, 0], "i32"),
      ),
      [4, 1],
    );
    expectTensor(tg.oneHot(tensor([0, 2], "i32"), 3), [
      [1, 0, 0],
      [0, 0, 1],
    ]);
    throwsShape(() => tg.gather(tensor([1, 2]), tensor([5], "i32")), "gather", "out of range");
  });
});

describe("activations", () => {
  it("relu leakyRelu elu gelu sigmoid tanh", () => {
    expectTensor(tg.relu(tensor([-1, 0, 2])), [0, 0, 2]);
    expectTensor(tg.leakyRelu(tensor([-1, 2]), 0.1), [-0.1, 2]);
    expectTensor(tg.elu(tensor([-1, 2])), [Math.exp(-1) - 1, 2]);
    expectTensor(tg.gelu(tensor([0, 1])), [0, 0.8413447], 4);
    expectTensor(tg.gelu(tensor([1]), true), [0.841192], 4);
    expectTensor(tg.sigmoid(tensor([0])), [0.5]);
    expectTensor(tg.tanh(tensor([0])), [0]);
  });
  it("softmax logSoftmax logsumexp are stable for large inputs", () => {
    expectTensor(
      tg.softmax(
        tensor([
          [1, 1],
          [1000, 1000],
        ]),
      ),
      [
        [0.5, 0.5],
        [0.5, 0.5],
      ],
    );
    expectTensor(tg.logSoftmax(tensor([1, 1])), [-Math.LN2, -Math.LN2]);
    expectTensor(
      tg.logsumexp(
        tensor([
          [0, 0],
          [1000, 1000],
        ]),
        1,
      ),
      [Math.LN2, 1000 + Math.LN2],
      3,
    );
    expectTensor(tg.logsumexp(tensor([0, 0]), 0, true), [Math.LN2]);
    expectTensor(
      tg.softmax(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        0,
      ),
      [
        [0.1192029, 0.1192029],
        [0.8807971, 0.8807971],
      ],
    );
  });
});

describe("images", () => {
  const x = tensor([
    [
      [[1], [2], [3], [4]],
      [[5], [6], [7], [8]],
      [[9], [10], [11], [12]],
      [[13], [14], [15], [16]],
    ],
  ]);
  it("conv2d valid and same", () => {
    const w = ones([2, 2, 1, 1]);
    expectTensor(tg.conv2d(x, w), [
      [
        [[14], [18], [22]],
        [[30], [34], [38]],
        [[46], [50], [54]],
      ],
    ]);
    expect(tg.conv2d(x, w, { padding: "same" }).shape).toEqual([1, 4, 4, 1]);
    expect(tg.conv2d(x, w, { stride: 2 }).shape).toEqual([1, 2, 2, 1]);
  });
  it("maxPool2d and avgPool2d, non-overlapping and overlapping", () => {
    expectTensor(tg.maxPool2d(x, 2), [
      [
        [[6], [8]],
        [[14], [16]],
      ],
    ]);
    expectTensor(tg.avgPool2d(x, 2), [
      [
        [[3.5], [5.5]],
        [[11.5], [13.5]],
      ],
    ]);
    expectTensor(tg.maxPool2d(x, 3, { stride: 1 }), [
      [
        [[11], [12]],
        [[15], [16]],
      ],
    ]);
    expectTensor(
      tg.avgPool2d(x, 2, { stride: 1 }).shape.length === 4 ? tg.avgPool2d(x, 3, { stride: 1 }) : x,
      [
        [
          [[6], [7]],
          [[10], [11]],
        ],
      ],
    );
    expectTensor(tg.maxPool2d(x, 3, { stride: 2, padding: "same" }), [
      [
        [[11], [12]],
        [[15], [16]],
      ],
    ]);
    expectTensor(tg.avgPool2d(tensor([[[[1], [3]]]]), [1, 2], { stride: 1, padding: "same" }), [
      [[[2], [3]]],
    ]);
  });
  it("errors name the op and shapes", () => {
    throwsShape(
      () => tg.conv2d(x as AnyTensor, ones([2, 2, 3, 1]) as AnyTensor),
      "conv2d",
      "[1, 4, 4, 1]",
    );
    throwsShape(
      () => tg.maxPool2d(x as AnyTensor, 5 as number),
      "maxPool2d",
      "5x5",
      "[1, 4, 4, 1]",
    );
  });
});
