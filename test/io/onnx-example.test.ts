/** examples/export.ts (npm run example:export) in quick mode: the exported CNN gives typegrad's predictions in onnxruntime. */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { expect, test } from "vitest";
import * as example from "../../examples/export.js";
import * as tg from "../../src/index.js";

test("export example: train briefly, export, same accuracy in onnxruntime; the state_dict has PyTorch's names", async () => {
  const r = await example.main({ quick: true, verbose: false });
  expect(r.typegradAccuracy).toBeGreaterThan(0.7);
  expect(r.onnxAccuracy).toBe(r.typegradAccuracy);
  expect(r.disagreements).toBe(0);
  expect(r.maxLogitDifference).toBeLessThan(1e-3);
  const sd = tg.io.readSafetensors(new Uint8Array(readFileSync(r.torchFile)));
  expect(E.isRight(sd) && Object.keys(sd.right).sort()).toEqual([
    "0.bias",
    "0.weight",
    "3.bias",
    "3.weight",
    "7.bias",
    "7.weight",
  ]);
  expect(E.isRight(sd) && sd.right["3.weight"].shape).toEqual([64, 32, 3, 3]);
  rmSync(dirname(r.onnxFile), { recursive: true });
});

test("the export example is built to dist/examples by npm run build (checked when built)", () => {
  const dist = join(import.meta.dirname, "..", "..", "dist", "examples");
  if (!existsSync(join(dist, "mnist-cnn.js"))) return;
  expect(existsSync(join(dist, "export.js"))).toBe(true);
});
