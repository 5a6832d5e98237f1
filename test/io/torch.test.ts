/**
 * PyTorch weights through safetensors. The fixtures in test/fixtures/torch/ were written by
 * scripts/fixtures/torch-models.py (PyTorch 1.13, fixed seeds): each model's state_dict, an input
 * and PyTorch's output. Each loads into the matching typegrad model and gives PyTorch's output
 * (rtol 1e-4, atol 1e-5); saveTorch writes the same entries back. The normalization layers use
 * eps=1e-4 (neither library's default) and small running variances, so a wrong epsilon shows.
 *
 * With TYPEGRAD_TORCH_CHECK_DIR set, the test also writes typegrad-initialized models in PyTorch's
 * layout with typegrad's outputs there, for `python3 scripts/fixtures/torch-models.py --check DIR`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, expectTypeOf, test } from "vitest";
import * as tg from "../../src/index.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

type AnyModel = {
  init(key: T): unknown;
  initState(): unknown;
  forward(p: unknown, x: T, o: { state: unknown }): { y: T };
};

interface Row {
  name: string;
  model: unknown;
  options: tg.io.TorchOptions;
  /** PyTorch's input is NCHW; typegrad's NHWC. */
  image?: boolean;
  /** The model has batch-norm state. */
  state?: boolean;
}

/** The fixtures' normalization eps, which their state_dict files do not record. */
const EPS = 1e-4;

const cnn = tg.nn.sequential(
  [16, 16, 1],
  tg.nn.conv2d(4, 3, { useBias: false }),
  tg.nn.batchNorm({ epsilon: EPS }),
  tg.nn.relu,
  tg.nn.maxPool2d(2),
  tg.nn.conv2d(8, 3),
  tg.nn.relu,
  tg.nn.maxPool2d(2),
  tg.nn.flatten,
  tg.nn.dense(5),
);
const norm = tg.nn.sequential(
  [6],
  tg.nn.dense(16, { useBias: false }),
  tg.nn.layerNorm({ epsilon: EPS }),
  tg.nn.relu,
  tg.nn.dense(3),
);

const rows: Row[] = [
  {
    name: "mlp",
    model: tg.nn.sequential([6], tg.nn.dense(16), tg.nn.relu, tg.nn.dense(3)),
    options: {},
  },
  {
    name: "cnn",
    // nn.Sequential(Conv2d(1, 4, 3, bias=False), BatchNorm2d(4, eps=1e-4), ReLU(), MaxPool2d(2),
    // Conv2d(4, 8, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(32, 5)): the same order, so the
    // same indices
    model: cnn,
    options: { flattened: { "8": [2, 2, 8] }, model: cnn, epsilon: EPS },
    image: true,
    state: true,
  },
  {
    name: "lstm",
    model: tg.nn.sequential([5, 3], tg.nn.lstm(8), tg.nn.dense(2)),
    options: { modules: { "0": "rnn", "1": "fc" } },
  },
  {
    name: "gru",
    model: tg.nn.sequential([7, 4], tg.nn.gru(6), tg.nn.dense(3)),
    options: { modules: { "0": "rnn", "1": "fc" } },
  },
  {
    name: "norm",
    // nn.Sequential(Linear(6, 16, bias=False), LayerNorm(16, eps=1e-4), ReLU(), Linear(16, 3))
    model: norm,
    options: { model: norm, epsilon: { "1": EPS } },
  },
];

const dir = join(import.meta.dirname, "..", "fixtures", "torch");
const read = (file: string) => new Uint8Array(readFileSync(join(dir, file)));
const right = <A>(e: E.Either<tg.io.LoadError, A>): A => {
  if (E.isLeft(e)) throw new Error(`${e.left.kind}: ${e.left.message}`);
  return e.right;
};
const nhwc = (x: T) => tg.transpose(x as tg.Tensor<number[]>, [0, 2, 3, 1]) as T;
const nchw = (x: T) => tg.transpose(x as tg.Tensor<number[]>, [0, 3, 1, 2]) as T;

function close(got: ArrayLike<number>, want: ArrayLike<number>): string | null {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i])))
      return `element ${i}: typegrad ${got[i]} vs PyTorch ${want[i]}`;
  return null;
}

function load(row: Row) {
  const model = row.model as AnyModel;
  const bytes = read(`${row.name}.safetensors`);
  const params = right(tg.io.loadTorch(bytes, model.init(tg.random.key(0)), row.options));
  const state = row.state
    ? right(tg.io.loadTorch(bytes, model.initState(), row.options))
    : model.initState();
  return { model, params, state, bytes };
}

describe("PyTorch state_dicts load into typegrad models", () => {
  test.each(rows)("$name gives PyTorch's outputs", (row) => {
    const { model, params, state } = load(row);
    const io = right(tg.io.readSafetensors(read(`${row.name}.io.safetensors`)));
    const x = row.image ? nhwc(io.input) : io.input;
    const y = model.forward(params, x, { state }).y;
    expect(y.shape).toEqual(io.output.shape);
    expect(close(y.dataSync(), io.output.dataSync())).toBeNull();
  });

  test.each(rows)("$name: saveTorch writes PyTorch's entries back", (row) => {
    const { params, state, bytes } = load(row);
    const ours = right(
      tg.io.readSafetensors(tg.io.saveTorch({ params, state }, both(row.options))),
    );
    const theirs = right(tg.io.readSafetensors(bytes));
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const [name, t] of Object.entries(theirs)) {
      const o = ours[name];
      expect(o.shape, name).toEqual(t.shape);
      if (name.endsWith("num_batches_tracked")) continue; // a count typegrad does not keep
      // PyTorch's two recurrent biases come back as their sum and zero
      if (row.name === "lstm" && name.startsWith("rnn.bias_")) continue;
      expect(close(o.dataSync(), t.dataSync()), name).toBeNull();
    }
    if (row.name === "lstm") {
      const sum = (m: Record<string, T>) =>
        tg.add(m["rnn.bias_ih_l0"] as tg.Tensor<[32]>, m["rnn.bias_hh_l0"] as tg.Tensor<[32]>);
      expect(close(sum(ours).dataSync(), sum(theirs).dataSync())).toBeNull();
    }
  });

  test("what a typegrad model writes loads back bit for bit", () => {
    for (const row of rows) {
      const model = row.model as AnyModel;
      const params = model.init(tg.random.key(7));
      const back = right(
        tg.io.loadTorch(tg.io.saveTorch(params, row.options), params, row.options),
      );
      const a = tg.io.flattenTree(params);
      const b = tg.io.flattenTree(back);
      expect(b.map(([k]) => k)).toEqual(a.map(([k]) => k));
      a.forEach(([k, t], i) => expect(b[i][1].dataSync(), k).toEqual(t.dataSync()));
    }
  });

  test("module names: a root prefix, renamed and dropped prefixes", () => {
    const mlp = rows[0].model as AnyModel;
    const params = mlp.init(tg.random.key(3));
    const names = (o: tg.io.TorchOptions) =>
      Object.keys(right(tg.io.readSafetensors(tg.io.saveTorch(params, o)))).sort();
    expect(names({ modules: { "": "model" } })).toEqual([
      "model.0.bias",
      "model.0.weight",
      "model.2.bias",
      "model.2.weight",
    ]);
    expect(names({ modules: { "": "model", "2": "head" } })).toEqual([
      "head.bias",
      "head.weight",
      "model.0.bias",
      "model.0.weight",
    ]);
    const nested = { net: params };
    expect(
      Object.keys(
        right(tg.io.readSafetensors(tg.io.saveTorch(nested, { modules: { net: "" } }))),
      ).sort(),
    ).toEqual(["0.bias", "0.weight", "2.bias", "2.weight"]);
    const back = right(
      tg.io.loadTorch(tg.io.saveTorch(params, { modules: { "": "model" } }), params, {
        modules: { "": "model" },
      }),
    );
    expect(tg.io.flattenTree(back).map(([, t]) => [...t.dataSync()])).toEqual(
      tg.io.flattenTree(params).map(([, t]) => [...t.dataSync()]),
    );
  });

  test("a missing entry or a wrong shape is a LoadError naming the PyTorch entry", () => {
    const [mlp, , lstm] = rows;
    const like = (mlp.model as AnyModel).init(tg.random.key(0));
    const noModules = tg.io.loadTorch(
      read("lstm.safetensors"),
      (lstm.model as AnyModel).init(tg.random.key(0)),
    );
    expect(E.isLeft(noModules) && noModules.left).toMatchObject({
      kind: "missing-key",
      message: expect.stringMatching(
        /no entry "0.weight_ih_l0" for 0 \(lstm\).*rnn\.weight_ih_l0.*modules/,
      ),
    });
    const wrong = tg.io.loadTorch(read("mlp.safetensors"), like, {
      modules: { "0": "2", "2": "0" },
    });
    expect(E.isLeft(wrong) && wrong.left).toMatchObject({
      kind: "shape-mismatch",
      message: expect.stringMatching(
        /0\.w is \[6, 16\] but PyTorch's 2\.weight \[3, 16\], 2\.bias \[3\] give \[16, 3\]/,
      ),
    });
    const strict = tg.io.loadTorch(
      read("cnn.safetensors"),
      (rows[1].model as AnyModel).init(tg.random.key(0)),
      {
        ...rows[1].options,
        strict: true,
      },
    );
    expect(E.isLeft(strict) && strict.left).toMatchObject({
      kind: "unexpected-key",
      message: expect.stringMatching(/1\.running_mean/),
    });
  });

  test("normalization epsilon: a layer that differs from the PyTorch model's is a LoadError", () => {
    const bytes = read("norm.safetensors");
    const io = right(tg.io.readSafetensors(read("norm.io.safetensors")));
    const like = norm.init(tg.random.key(0));
    const message = (e: E.Either<tg.io.LoadError, unknown>) =>
      E.isLeft(e) ? `${e.left.kind}: ${e.left.message}` : "loaded";
    // the file does not say, so PyTorch's default 1e-5 is assumed until told otherwise
    expect(message(tg.io.loadTorch(bytes, like, { model: norm }))).toMatch(
      /^bad-argument: loadTorch: 1 \(layerNorm\): the typegrad layer's epsilon is 1e-4 but the PyTorch model's is 1e-5 \(PyTorch's default; the file does not record it\); build the layer as layerNorm\(\{ epsilon: 1e-5 \}\), or, if the PyTorch module was built with another eps, state it with \{ epsilon: \{ "1": … \} \}$/,
    );
    // without the model the epsilon cannot be known
    expect(message(tg.io.loadTorch(bytes, like))).toMatch(
      /^bad-argument: loadTorch: 1 holds batch- or layer-norm parameters.*pass \{ model \}/,
    );
    expect(message(tg.io.loadTorch(read("cnn.safetensors"), cnn.initState()))).toMatch(
      /^bad-argument: loadTorch: 1 holds batch-norm statistics.*pass \{ model \}/,
    );
    // typegrad's default (Keras's 1e-3) against the file's 1e-4
    const keras = tg.nn.sequential(
      [6],
      tg.nn.dense(16, { useBias: false }),
      tg.nn.layerNorm(),
      tg.nn.relu,
      tg.nn.dense(3),
    );
    expect(message(tg.io.loadTorch(bytes, like, { model: keras, epsilon: EPS }))).toMatch(
      /epsilon is 1e-3 but the PyTorch model's is 1e-4 \(\{ epsilon \}\); build the layer as layerNorm\(\{ epsilon: 1e-4 \}\)$/,
    );
    // the check matters: stating a wrong eps loads, and the outputs miss PyTorch's
    const wrong = right(tg.io.loadTorch(bytes, like, { model: keras, epsilon: 1e-3 }));
    const y = keras.apply(wrong, io.input as tg.Tensor<[number, 6]>);
    expect(close(y.dataSync(), io.output.dataSync())).not.toBeNull();
    // a model without a normalization layer where the tree has one
    const mlp = rows[0].model as tg.nn.AnyModel;
    expect(message(tg.io.loadTorch(bytes, like, { model: mlp }))).toMatch(
      /1 holds batch- or layer-norm parameters, but \{ model \} has no normalization layer there \(it has none\)/,
    );
  });

  test("saveTorch records each normalization epsilon in the metadata, and loadTorch reads it", () => {
    const params = cnn.init(tg.random.key(2));
    const state = cnn.initState();
    const o = both(rows[1].options);
    const bytes = tg.io.saveTorch({ params, state }, o);
    const file = tg.io.parseSafetensors(bytes);
    expect(E.isRight(file) && file.right.metadata).toEqual({ format: "pt", "1.eps": "0.0001" });
    // the file says 1e-4: no { epsilon } needed, and it wins over a stated one
    const { epsilon: _, ...noEps } = rows[1].options;
    expect(E.isRight(tg.io.loadTorch(bytes, params, noEps))).toBe(true);
    expect(E.isRight(tg.io.loadTorch(bytes, params, { ...noEps, epsilon: 0.5 }))).toBe(true);
    const other = tg.nn.sequential(
      [16, 16, 1],
      tg.nn.conv2d(4, 3, { useBias: false }),
      tg.nn.batchNorm(),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.conv2d(8, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.flatten,
      tg.nn.dense(5),
    );
    const bad = tg.io.loadTorch(bytes, state, { ...noEps, model: other });
    expect(E.isLeft(bad) && bad.left.message).toMatch(
      /1 \(batchNorm\): the typegrad layer's epsilon is 1e-3 but the PyTorch model's is 1e-4 \(the file's metadata "1.eps"\)/,
    );
    // a residual block's norm is found inside it, and a renamed module keeps its name in the key
    const res = tg.nn.sequential(
      [4],
      tg.nn.residual(tg.nn.dense(4), tg.nn.layerNorm({ epsilon: 0.25 })),
    );
    const rp = res.init(tg.random.key(0));
    const rb = tg.io.saveTorch(rp, {
      model: res,
      modules: { "0.1": "block.ln" },
      epsilon: { "block.ln": 0.25 },
    });
    const rf = tg.io.parseSafetensors(rb);
    expect(E.isRight(rf) && rf.right.metadata["block.ln.eps"]).toBe("0.25");
    expect(() => tg.io.saveTorch(params)).toThrow(
      new TypeError(
        "saveTorch: 1 holds batch- or layer-norm parameters, and their epsilon is part of the layer, not of the tree: pass { model } so that it can be recorded in the file",
      ),
    );
    // writing for a PyTorch model whose eps is not the layer's is refused, as loading is
    expect(() => tg.io.saveTorch(params, { ...noEps, epsilon: undefined })).toThrow(
      new RangeError(
        "saveTorch: 1 (batchNorm): the typegrad layer's epsilon is 1e-4 but the PyTorch model's is 1e-5 (PyTorch's default); build the PyTorch module with eps=1e-4 and state it with { epsilon: { \"1\": 1e-4 } }, or build the typegrad layer as batchNorm({ epsilon: 1e-5 })",
      ),
    );
    expect(() => tg.io.saveTorch(params, { ...noEps, epsilon: { "1": -1 } })).toThrow(
      /saveTorch: \{ epsilon \} gives -1 for 1, not a positive number/,
    );
  });

  test("layers without bias: { w } alone, PyTorch's bias=False", () => {
    const p = cnn.init(tg.random.key(0));
    expectTypeOf(p[0]).toEqualTypeOf<{ w: tg.Tensor<[3, 3, 1, 4]> }>();
    expectTypeOf(p[4]).toEqualTypeOf<tg.nn.Conv2dParams<3, 3, 4, 8>>();
    expectTypeOf(norm.init(tg.random.key(0))[0]).toEqualTypeOf<tg.nn.DenseKernel<6, 16>>();
    expectTypeOf(tg.nn.dense(6, 16, { useBias: false })).toEqualTypeOf<
      tg.nn.Model<[6], [16], { w: tg.Tensor<[6, 16]> }>
    >();
    expect(Object.keys(p[0])).toEqual(["w"]);
    expect(cnn.layers?.[0].config).toEqual({ useBias: false });
    // @ts-expect-error: a bias-free layer has no b
    expect(p[0].b).toBeUndefined();
    const names = Object.keys(
      right(
        tg.io.readSafetensors(
          tg.io.saveTorch(norm.init(tg.random.key(1)), { model: norm, epsilon: EPS }),
        ),
      ),
    );
    expect(names.sort()).toEqual(["0.weight", "1.bias", "1.weight", "3.bias", "3.weight"]);
    // a state_dict with a bias where the typegrad layer has none: the extra entry is reported
    const withBias = tg.io.saveTorch((rows[0].model as AnyModel).init(tg.random.key(0)));
    const mlpNoBias = tg.nn.sequential(
      [6],
      tg.nn.dense(16, { useBias: false }),
      tg.nn.relu,
      tg.nn.dense(3, { useBias: false }),
    );
    const strict = tg.io.loadTorch(withBias, mlpNoBias.init(tg.random.key(0)), { strict: true });
    expect(E.isLeft(strict) && strict.left).toMatchObject({
      kind: "unexpected-key",
      message: expect.stringMatching(/2 entries that no parameter reads: 0\.bias, 2\.bias/),
    });
    // and a bias-free state_dict into a layer with a bias: the bias is missing
    const missingBias = tg.io.loadTorch(
      tg.io.saveTorch(mlpNoBias.init(tg.random.key(0))),
      (rows[0].model as AnyModel).init(tg.random.key(0)),
    );
    expect(E.isLeft(missingBias) && missingBias.left).toMatchObject({
      kind: "missing-key",
      message: expect.stringMatching(/no entry "0\.bias" for 0 \(linear\)/),
    });
  });

  test("files for PyTorch's check mode (written when TYPEGRAD_TORCH_CHECK_DIR is set)", () => {
    const out = process.env.TYPEGRAD_TORCH_CHECK_DIR;
    const shapes: Record<string, number[]> = {
      mlp: [4, 6],
      cnn: [3, 16, 16, 1],
      lstm: [4, 5, 3],
      gru: [3, 7, 4],
      norm: [5, 6],
    };
    for (const row of rows) {
      const model = row.model as AnyModel;
      const params = model.init(tg.random.key(11));
      const state = row.state
        ? tg.io.mapTree(
            model.initState(),
            (path, t) =>
              tg.random.uniform(tg.random.key(path.length), t.shape as number[], {
                min: 0.5,
                max: 1.5,
              }) as T,
          )
        : model.initState();
      const x = tg.random.normal(tg.random.key(12), shapes[row.name]) as T;
      const y = model.forward(params, x, { state }).y;
      const sd = tg.io.saveTorch({ params, state }, both(row.options));
      expect(right(tg.io.readSafetensors(sd))).toBeTruthy();
      if (!out) continue;
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `${row.name}.typegrad.safetensors`), sd);
      const io = tg.io.saveSafetensors({ input: row.image ? nchw(x) : x, output: y });
      writeFileSync(join(out, `${row.name}.typegrad-io.safetensors`), io);
    }
  });
});

/** The row's options for a `{ params, state }` tree: its paths under both prefixes. */
function both(o: tg.io.TorchOptions): tg.io.TorchOptions {
  const modules: Record<string, string> = { params: "", state: "" };
  const flattened: Record<string, readonly [number, number, number]> = {};
  for (const p of ["params", "state"]) {
    for (const [k, v] of Object.entries(o.modules ?? {})) modules[`${p}.${k}`] = v;
    for (const [k, v] of Object.entries(o.flattened ?? {})) flattened[`${p}.${k}`] = v;
  }
  return { ...o, modules, flattened };
}
