// An export error names the layer the primitive was traced in, as well as the primitive.
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import * as M from "../../src/prims/movement.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

describe("exportOnnx errors name the layer", () => {
  it("a primitive that cannot be exported is reported with its layer path", () => {
    // pad with interior padding has no ONNX form; put it in the third layer of a model
    const spread = tg.nn.layer({
      name: "spread",
      inputShape: [4],
      outputShape: [7],
      forward: (_p, x: T, { state }) => ({ y: M.pad(x, [0, 0], [0, 0], 0, [0, 1]), state }),
    });
    const serial = tg.nn.serial as (...layers: unknown[]) => any;
    const model = serial(tg.nn.dense(3, 4), tg.nn.relu, spread, tg.nn.dense(7, 2));
    const params = model.init(tg.random.key(0));
    const apply = (p: unknown, x: T) => model.apply(p, x);
    let err: unknown = null;
    try {
      tg.io.exportOnnx(apply, params, tg.zeros([2, 3]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(tg.io.OnnxExportError);
    expect(String(err)).toMatch(/pad/);
    expect(String(err)).toMatch(/in serial › layer 2 › spread/);
  });

  it("the traced program records where each equation came from", () => {
    const model = tg.nn.serial(tg.nn.dense(3, 4), tg.nn.relu) as any;
    const params = model.init(tg.random.key(0));
    const prog = tg.makeProgram((p: unknown, x: T) => model.apply(p, x))(params, tg.zeros([2, 3]));
    const sources = new Set(prog.eqns.map((e) => e.source));
    expect(sources.has("serial › layer 0 › dense(3, 4)")).toBe(true);
    expect([...sources].some((s) => s?.startsWith("serial › layer 1"))).toBe(true);
  });
});
