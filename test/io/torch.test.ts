/**
 * PyTorch weights through safetensors. The fixtures in test/fixtures/torch/ were written by
 * scripts/fixtures/torch-models.py (PyTorch 1.13, fixed seeds): each model's state_dict, an input
 * and PyTorch's output. Each loads into the matching typegrad model and gives PyTorch's output
 * (rtol 1e-4, atol 1e-5); saveTorch writes the same entries back.
 *
 * With TYPEGRAD_TORCH_CHECK_DIR set, the test also writes typegrad-initialized models in PyTorch's
 * layout with typegrad's outputs there, for `python3 scripts/fixtures/torch-models.py --check DIR`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, test } from "vitest";
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

const rows: Row[] = [
  {
    name: "mlp",
    model: tg.nn.sequential([6], tg.nn.dense(16), tg.nn.relu, tg.nn.dense(3)),
    options: {},
  },
  {
    name: "cnn",
    // nn.Sequential(Conv2d(1, 4, 3), BatchNorm2d(4), ReLU(), MaxPool2d(2), Conv2d(4, 8, 3), ReLU(),
    // MaxPool2d(2), Flatten(), Linear(32, 5)): the same order, so the same indices
    model: tg.nn.sequential(
      [16, 16, 1],
      tg.nn.conv2d(4, 3),
      tg.nn.batchNorm({ epsilon: 1e-5 }),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.conv2d(8, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.flatten,
      tg.nn.dense(5),
    ),
    options: { flattened: { "8": [2, 2, 8] } },
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

  test("files for PyTorch's check mode (written when TYPEGRAD_TORCH_CHECK_DIR is set)", () => {
    const out = process.env.TYPEGRAD_TORCH_CHECK_DIR;
    const shapes: Record<string, number[]> = {
      mlp: [4, 6],
      cnn: [3, 16, 16, 1],
      lstm: [4, 5, 3],
      gru: [3, 7, 4],
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
  return { modules, flattened };
}
