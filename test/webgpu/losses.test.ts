/**
 * The losses' eager data checks on the webgpu backend, where data cannot be read synchronously:
 * the categorical cross-entropies with `fromLogits` omitted ask for it explicitly (the check that
 * probabilities are not read as logits would have to read them), binary cross-entropy's [0, 1]
 * check is skipped as under `jit`, and class indices are checked while the labels have a host copy.
 * Values against wasm within 1e-5 · max(1, |want|).
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { ShapeError } from "../../src/shape/errors.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

const logits = [
  [2, -1, 0.5],
  [0.1, 0.2, -3],
];
const onehot = [
  [1, 0, 0],
  [0, 0, 1],
];

async function onGpu<R>(f: () => R): Promise<Awaited<R>> {
  await tg.useBackend("webgpu");
  try {
    return await f();
  } finally {
    await tg.useBackend("wasm");
  }
}

describe.skipIf(why !== null)("loss checks on webgpu", () => {
  it("categorical cross-entropy without fromLogits is an error naming the option", async () => {
    const err = await onGpu(() => {
      try {
        tg.losses.categoricalCrossEntropy(tg.tensor(logits), tg.tensor(onehot));
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(ShapeError);
    expect(String(err)).toMatch(/categoricalCrossEntropy.*fromLogits: true.*fromLogits: false/);
  });

  it("with fromLogits explicit, both cross-entropies give wasm's values; binary skips its read", async () => {
    const cases = () => [
      tg.losses.categoricalCrossEntropy(tg.tensor(logits), tg.tensor(onehot), { fromLogits: true }),
      tg.losses.categoricalCrossEntropy(tg.softmax(tg.tensor(logits)), tg.tensor(onehot), {
        fromLogits: false,
      }),
      tg.losses.sparseCategoricalCrossEntropy(tg.tensor(logits), tg.tensor([0, 2], "i32"), {
        fromLogits: true,
      }),
      // labels computed on the GPU (no host copy): the index check is skipped, not an error
      tg.losses.sparseCategoricalCrossEntropy(tg.tensor(logits), tg.argmax(tg.tensor(onehot), -1), {
        fromLogits: true,
      }),
      tg.losses.binaryCrossEntropy(tg.sigmoid(tg.tensor(logits)), tg.tensor(onehot)),
    ];
    const want = await Promise.all(cases().map(async (t) => (await t.data())[0]));
    const got = await onGpu(() => Promise.all(cases().map(async (t) => (await t.data())[0])));
    expectClose(got, want, { atol: 1e-5, rtol: 1e-5, what: "loss values" });
  });

  it("a class index out of range is still an error while the labels have a host copy", async () => {
    const err = await onGpu(() => {
      try {
        tg.losses.sparseCategoricalCrossEntropy(tg.tensor(logits), tg.tensor([0, 3], "i32"), {
          fromLogits: true,
        });
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(String(err)).toMatch(/target 3 at flat index 1 is not a class index in \[0, 3\)/);
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("loss checks on webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
