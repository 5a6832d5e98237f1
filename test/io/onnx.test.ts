/**
 * ONNX export checked in onnxruntime: one table of models, each exported once (traced at batch
 * size 2, the batch size left symbolic) and run in onnxruntime-node at several batch sizes against
 * typegrad's own outputs (rtol 1e-4, atol 1e-5, as PyTorch's exporter checks).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type * as E from "fp-ts/lib/Either.js";
import { describe, expect, expectTypeOf, test } from "vitest";
import * as tg from "../../src/index.js";
import { filled } from "../../src/prims/constants.js";
import { add, logistic, mul, tanh } from "../../src/prims/elementwise.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import { moveAxisTo, slice } from "../../src/prims/movement.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

/** The untyped primitives the layers are written with. */
const P = { add, filled, logistic, matmulPrim, moveAxisTo, mul, slice, tanh };

type AnyModel = {
  init(key: T): unknown;
  initState(): unknown;
  forward(p: unknown, x: T, o: { state: unknown }): { y: T };
};

interface Row {
  name: string;
  model: unknown;
  /** Per-example input shape. */
  shape: number[];
  /** Token ids below this vocabulary size (an i32 input) instead of normal floats. */
  vocab?: number;
  /** Randomize the layer state (batch-norm running statistics). */
  randomState?: boolean;
}

const rows: Row[] = [
  {
    name: "MLP (dense, relu, dropout, softmax, a dense layer without bias)",
    model: tg.nn.sequential(
      [20],
      tg.nn.dense(32, { useBias: false }),
      tg.nn.relu,
      tg.nn.dropout(0.2),
      tg.nn.dense(10),
      tg.nn.softmax,
    ),
    shape: [20],
  },
  {
    name: "CNN of API.md (conv2d, relu, maxPool2d, flatten, dense)",
    model: tg.nn.sequential(
      [28, 28, 1],
      tg.nn.conv2d(32, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.conv2d(64, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.flatten,
      tg.nn.dense(10),
    ),
    shape: [28, 28, 1],
  },
  {
    name: "LSTM (last output) then dense",
    model: tg.nn.sequential([7, 3], tg.nn.lstm(8), tg.nn.dense(2)),
    shape: [7, 3],
  },
  {
    name: "GRU (every output) then flatten and dense",
    model: tg.nn.sequential(
      [6, 4],
      tg.nn.gru(5, { returnSequences: true }),
      tg.nn.flatten,
      tg.nn.dense(3),
    ),
    shape: [6, 4],
  },
  {
    name: "simple RNN over an embedding",
    model: tg.nn.sequential([9], tg.nn.embedding(30, 6), tg.nn.simpleRnn(4), tg.nn.dense(2)),
    shape: [9],
    vocab: 30,
  },
  {
    name: "embedding, flatten, dense, logSoftmax",
    model: tg.nn.sequential(
      [5],
      tg.nn.embedding(40, 8),
      tg.nn.flatten,
      tg.nn.dense(4),
      tg.nn.logSoftmax,
    ),
    shape: [5],
    vocab: 40,
  },
  {
    name: "batch norm and a residual block (same padding, avg pooling, global pooling, no bias)",
    model: tg.nn.sequential(
      [8, 8, 3],
      tg.nn.conv2d(6, 3, { padding: "same", useBias: false }),
      tg.nn.batchNorm(),
      tg.nn.relu,
      tg.nn.residual(
        tg.nn.conv2d(6, 3, { padding: "same" }),
        tg.nn.batchNorm(),
        tg.nn.relu,
        tg.nn.conv2d(6, 3, { padding: "same" }),
      ),
      tg.nn.avgPool2d(2),
      tg.nn.conv2d(4, 3, { stride: 2, padding: "same" }),
      tg.nn.globalAvgPool2d,
      tg.nn.dense(3),
    ),
    shape: [8, 8, 3],
    randomState: true,
  },
  {
    name: "activations and layer norm (gelu, elu, leakyRelu, sigmoid, tanh)",
    model: tg.nn.sequential(
      [12],
      tg.nn.dense(16),
      tg.nn.layerNorm(),
      tg.nn.gelu,
      tg.nn.dense(16),
      tg.nn.elu,
      tg.nn.dense(16),
      tg.nn.leakyRelu,
      tg.nn.dense(8),
      tg.nn.sigmoid,
      tg.nn.dense(8),
      tg.nn.tanh,
    ),
    shape: [12],
  },
];

function input(row: Row, batch: number, seed: number): T {
  const key = tg.random.key(seed);
  const shape = [batch, ...row.shape];
  if (row.vocab) return tg.random.randint(key, shape, 0, row.vocab) as T;
  return tg.random.normal(key, shape) as T;
}

/** Random running statistics in place of the initial (0, 1) ones, so the export must carry them. */
function randomize(state: unknown, seed: number): unknown {
  let k = seed;
  return tg.io.mapTree(state, (path, t) => {
    const u = tg.random.uniform(tg.random.key(k++), t.shape as number[], { min: 0.5, max: 1.5 });
    return (path.endsWith("variance") ? u : tg.sub(u, 1)) as T;
  });
}

function close(got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i])))
      return `element ${i}: onnxruntime ${got[i]} vs typegrad ${want[i]}`;
  }
  return null;
}

/** How many nodes of type `op` a model has (NodeProto.op_type is field 4, a string). */
function count(model: Uint8Array, op: string): number {
  const pattern = [0x22, op.length, ...new TextEncoder().encode(op)];
  let n = 0;
  for (let i = 0; i + pattern.length <= model.length; i++)
    if (pattern.every((b, j) => model[i + j] === b)) n++;
  return n;
}

/** onnxruntime logs warnings only (it would print its graph optimizations otherwise). */
const quiet: ort.InferenceSession.SessionOptions = { logSeverityLevel: 2 };

async function run(bytes: Uint8Array, x: T): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes, quiet);
  const data = x.dtype === "i32" ? Int32Array.from(x.dataSync()) : Float32Array.from(x.dataSync());
  const feeds = { input: new ort.Tensor(x.dtype === "i32" ? "int32" : "float32", data, x.shape) };
  const out = await session.run(feeds);
  await session.release();
  return out.output;
}

describe("exportOnnx runs in onnxruntime with typegrad's outputs", () => {
  test.each(rows)("$name", async (row) => {
    const model = row.model as AnyModel;
    const params = model.init(tg.random.key(0));
    const state = row.randomState ? randomize(model.initState(), 100) : model.initState();
    const f = (ps: { params: unknown; state: unknown }, x: T) =>
      model.forward(ps.params, x, { state: ps.state }).y;
    const example = input(row, 2, 1);
    const bytes = tg.io.exportOnnx(f, { params, state }, example);
    // each primitive as its own nodes (recurrent layers as Scan loops): the layout folding and
    // the LSTM/GRU nodes must not change a value
    const plain = tg.io.exportOnnxWith(
      { foldLayouts: false, foldConstants: false, recurrentOps: false },
      f,
      { params, state },
      example,
    );
    const dump = process.env.TYPEGRAD_ONNX_DUMP_DIR; // for checking the files with other tools
    if (dump) {
      mkdirSync(dump, { recursive: true });
      writeFileSync(join(dump, `model-${rows.indexOf(row)}.onnx`), bytes);
    }
    for (const batch of [1, 3, 8]) {
      const x = input(row, batch, 10 + batch);
      const want = f({ params, state }, x);
      for (const model of [bytes, plain]) {
        const got = await run(model, x);
        expect(got.dims).toEqual(want.shape);
        expect(close(got.data as Float32Array, want.dataSync() as Float32Array)).toBeNull();
      }
    }
  });
});

describe("exportOnnx graphs", () => {
  const mlp = tg.nn.sequential([4], tg.nn.dense(3));
  const params = mlp.init(tg.random.key(0));
  const apply = (p: typeof params, x: T) => mlp.apply(p, x as tg.Tensor<[number, 4]>);

  test("parameters are initializers named by their paths; the batch axis is symbolic", async () => {
    const bytes = tg.io.exportOnnx(apply, params, tg.zeros([2, 4]));
    const session = await ort.InferenceSession.create(bytes, quiet);
    expect(session.inputNames).toEqual(["input"]);
    expect(session.outputNames).toEqual(["output"]);
    const text = new TextDecoder("latin1").decode(bytes);
    for (const [path] of tg.io.flattenTree(params)) expect(text).toContain(path);
    expect(text).toContain("batch");
    await session.release();
  });

  test("the CNN pools with MaxPool and keeps transposes only at its input and before the flatten", () => {
    const cnn = rows[1].model as AnyModel;
    const p = cnn.init(tg.random.key(0));
    const f = (ps: unknown, x: T) => cnn.forward(ps, x, { state: cnn.initState() }).y;
    const x = tg.zeros([1, 28, 28, 1]);
    expect(count(tg.io.exportOnnx(f, p, x), "Transpose")).toBe(2);
    expect(count(tg.io.exportOnnx(f, p, x), "MaxPool")).toBe(2);
    const plain = tg.io.exportOnnxWith({ foldLayouts: false }, f, p, x);
    expect(count(plain, "Transpose")).toBe(4);
    expect(count(plain, "MaxPool")).toBe(0);
  });

  test("batch norm's scale is folded at export, so its network runs in NCHW after the input", () => {
    const row = rows[6];
    const m = row.model as AnyModel;
    const ps = { params: m.init(tg.random.key(0)), state: randomize(m.initState(), 3) };
    const f = (q: typeof ps, x: T) => m.forward(q.params, x, { state: q.state }).y;
    const x = input(row, 2, 1);
    expect(count(tg.io.exportOnnx(f, ps, x), "Transpose")).toBe(1);
    expect(count(tg.io.exportOnnx(f, ps, x), "Sqrt")).toBe(0);
    const unfolded = tg.io.exportOnnxWith({ foldConstants: false }, f, ps, x);
    expect(count(unfolded, "Sqrt")).toBe(2);
    expect(count(unfolded, "Transpose")).toBeGreaterThan(1);
  });

  test("each normalization layer's epsilon is the one in the graph (folded or not)", async () => {
    // small running variances and inputs, so that 1e-3 and 0.25 give different outputs
    const make = (epsilon?: number) =>
      tg.nn.sequential(
        [5],
        tg.nn.batchNorm(epsilon === undefined ? {} : { epsilon }),
        tg.nn.layerNorm(epsilon === undefined ? {} : { epsilon }),
      ) as unknown as AnyModel;
    const x = tg.mul(tg.random.normal(tg.random.key(1), [3, 5]), 0.05) as T;
    const outs: Float32Array[] = [];
    for (const eps of [undefined, 0.25]) {
      const m = make(eps);
      const ps = {
        params: m.init(tg.random.key(0)),
        state: tg.io.mapTree(m.initState(), (path, t) =>
          path.endsWith("variance") ? (tg.mul(tg.ones(t.shape as [5]), 0.01) as T) : t,
        ),
      };
      const f = (q: typeof ps, v: T) => m.forward(q.params, v, { state: q.state }).y;
      const want = f(ps, x).dataSync() as Float32Array;
      for (const o of [{}, { foldConstants: false }]) {
        const got = await run(tg.io.exportOnnxWith(o, f, ps, x), x);
        expect(close(got.data as Float32Array, want)).toBeNull();
      }
      outs.push(want);
    }
    expect(close(outs[1], outs[0])).not.toBeNull();
  });

  test("lstm, gru and simpleRnn layers export as one LSTM, GRU or RNN node; other loops stay Scans", () => {
    const export1 = (row: Row, o: tg.io.ExportOnnxOptions = {}) => {
      const m = row.model as AnyModel;
      const ps = { params: m.init(tg.random.key(0)), state: m.initState() };
      const f = (q: typeof ps, x: T) => m.forward(q.params, x, { state: q.state }).y;
      return tg.io.exportOnnxWith(o, f, ps, input(row, 2, 1));
    };
    const ops = (b: Uint8Array) =>
      ["LSTM", "GRU", "RNN", "Scan", "MatMul"].map((op) => count(b, op));
    expect(ops(export1(rows[2]))).toEqual([1, 0, 0, 0, 1]); // the dense layer's MatMul
    expect(ops(export1(rows[3]))).toEqual([0, 1, 0, 0, 1]);
    expect(ops(export1(rows[3], { recurrentOps: false }))).toEqual([0, 0, 0, 1, 3]);
    expect(ops(export1(rows[4]))).toEqual([0, 0, 1, 0, 1]);
    // a simpleRnn with relu is another body: a Scan
    const relu = tg.nn.sequential([9, 4], tg.nn.simpleRnn(3, { activation: "relu" }));
    expect(ops(export1({ name: "relu rnn", model: relu, shape: [9, 4] }))).toEqual([0, 0, 0, 1, 2]);
    // a loop like an LSTM's but with another cell (a peephole on c) is not taken for one
    const gate = (z: T, k: number) => P.slice(z, [0, 3 * k], [z.shape[0], 3 * k + 3]);
    const peephole = tg.nn.layer({
      name: "peephole",
      inputShape: [5, 2],
      outputShape: [3],
      init: () => ({ k: tg.ones([2, 12]) as T, b: tg.zeros([12]) as T, r: tg.ones([3, 12]) as T }),
      forward: (p: { k: T; b: T; r: T }, x: T, { state }) => {
        const xw = P.add(P.matmulPrim(P.moveAxisTo(x, 1, 0), p.k), p.b);
        const h0 = P.filled([x.shape[0], 3], 0, "f32");
        const [[h]] = tg.scan(
          ([h, c], [xt]) => {
            const z = P.add(xt, P.matmulPrim(h, p.r));
            const i = P.logistic(P.add(gate(z, 0), c)); // the peephole
            const c2 = P.add(P.mul(P.logistic(gate(z, 1)), c), P.mul(i, P.tanh(gate(z, 2))));
            const h2 = P.mul(P.logistic(gate(z, 3)), P.tanh(c2));
            return [[h2, c2], [h2]];
          },
          [h0, h0],
          [xw],
        );
        return { y: h, state };
      },
    });
    expect(ops(export1({ name: "peephole", model: peephole, shape: [5, 2] }))).toEqual([
      0, 0, 0, 1, 2,
    ]);
  });

  test.each([17, 18, 19, 20, 21])(
    "opset %i runs in onnxruntime (reductions and the LSTM)",
    async (opset) => {
      for (const row of [rows[0], rows[2], rows[6]]) {
        const m = row.model as AnyModel;
        const ps = { params: m.init(tg.random.key(0)), state: m.initState() };
        const f = (q: typeof ps, x: T) => m.forward(q.params, x, { state: q.state }).y;
        const bytes = tg.io.exportOnnxWith({ opset }, f, ps, input(row, 2, 1));
        const x = input(row, 3, 4);
        const got = await run(bytes, x);
        expect(close(got.data as Float32Array, f(ps, x).dataSync() as Float32Array)).toBeNull();
      }
    },
  );

  test("an opset outside 17 to 24 is refused", () => {
    expect(() => tg.io.exportOnnxWith({ opset: 13 }, apply, params, tg.zeros([2, 4]))).toThrow(
      /opset must be an integer from 17 to 24, got 13/,
    );
  });

  test("types: the example arguments are the function's own; the result is the model's bytes", () => {
    expectTypeOf(tg.io.exportOnnx(apply, params, tg.zeros([2, 4]))).toEqualTypeOf<Uint8Array>();
    // @ts-expect-error: a string where the input tensor goes
    expect(() => tg.io.exportOnnx(apply, params, "x")).toThrow(/returns no tensors/);
    // @ts-expect-error: the parameters are missing
    expect(() => tg.io.exportOnnx(apply, tg.zeros([2, 4]))).toThrow();
    const back = tg.io.loadTorch(tg.io.saveTorch(params), params);
    expectTypeOf(back).toEqualTypeOf<E.Either<tg.io.LoadError, typeof params>>();
  });

  test("a jitted function exports as the function it wraps", async () => {
    const x = tg.random.normal(tg.random.key(5), [5, 4]);
    const bytes = tg.io.exportOnnx(tg.jit(apply), params, tg.zeros([2, 4]));
    const session = await ort.InferenceSession.create(bytes, quiet);
    const got = await session.run({ input: new ort.Tensor("float32", x.dataSync(), [5, 4]) });
    expect(close(got.output.data as Float32Array, apply(params, x).dataSync())).toBeNull();
    await session.release();
  });

  test("a static export fixes the batch size", async () => {
    const bytes = tg.io.exportOnnxWith(
      { dynamicBatch: false, inputNames: ["x"], outputNames: ["y"] },
      apply,
      params,
      tg.zeros([2, 4]),
    );
    const session = await ort.InferenceSession.create(bytes, quiet);
    expect(session.inputNames).toEqual(["x"]);
    const ok = await session.run({ x: new ort.Tensor("float32", new Float32Array(8), [2, 4]) });
    expect(ok.y.dims).toEqual([2, 3]);
    await expect(
      session.run({ x: new ort.Tensor("float32", new Float32Array(12), [3, 4]) }),
    ).rejects.toThrow();
    await session.release();
  });

  test("a primitive without an ONNX form is named, with its equation", () => {
    const g = tg.grad((x: tg.Tensor<[2, 4]>) => tg.sum(tg.take(x, tg.tensor([0, 1, 1], "i32"), 1)));
    expect(() => tg.io.exportOnnx(g, tg.zeros([2, 4]))).toThrow(
      /^exportOnnx: the primitive scatter_add cannot be exported: it is the gradient of gather.*\(equation \d+: f32\[2,4\] = scatter_add/,
    );
    let err: unknown;
    try {
      tg.io.exportOnnx(g, tg.zeros([2, 4]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tg.io.OnnxExportError);
    expect(err).toMatchObject({
      primitive: "scatter_add",
      equation: expect.stringMatching(
        /^equation \d+: f32\[2,4\] = scatter_add f32\[2,3\] i32\[3\]$/,
      ),
    });
  });

  test("training mode (dropout with a key) names the random primitive", () => {
    const m = tg.nn.sequential([4], tg.nn.dropout(0.5));
    const key = tg.random.key(3);
    const p = m.init(key);
    const f = (x: T) => m.apply(p, x as tg.Tensor<[number, 4]>, { training: true, key });
    expect(() => tg.io.exportOnnx(f, tg.zeros([2, 4]))).toThrow(
      /random_(bits|uniform) cannot be exported.*inference mode/,
    );
    // with a fixed batch size too (a fixed key must not fold into a fixed mask)
    const fixed = { dynamicBatch: false };
    expect(() => tg.io.exportOnnxWith(fixed, f, tg.zeros([2, 4]))).toThrow(/random_(bits|uniform)/);
  });
});
