/**
 * One op list: `wasm/src/opcodes.rs` is what `src/backend/ops.ts` renders, every op of each family
 * has an arm in the Rust dispatch, and an unknown code traps in every dispatching kernel instead
 * of running some other op.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ARITH_OPS,
  COMPARE_OPS,
  FUSED_BASE,
  FUSED_CODE,
  REDUCE_OPS,
  renderOpcodesRs,
  UNARY_OPS,
} from "../../src/backend/ops.js";
import { type Kernels, kernelImports } from "../../src/backend/wasm/loader.js";

const rust = (f: string): string =>
  readFileSync(fileURLToPath(new URL(`../../wasm/src/${f}`, import.meta.url)), "utf8");

/** The body of the Rust function `name` (up to the next top-level `}`). */
function body(src: string, name: string): string {
  const at = src.indexOf(`fn ${name}(`);
  expect(at, `fn ${name}`).toBeGreaterThanOrEqual(0);
  return src.slice(at, src.indexOf("\n}\n", at));
}

/** The distinct ops of `family` that match arms in `text` name. */
const arms = (text: string, family: string): string[] => [
  ...new Set(
    [...text.matchAll(new RegExp(`${family}::([A-Z_]+)\\s*(?:=>|\\|)`, "g"))].map((m) =>
      m[1].toLowerCase(),
    ),
  ),
];

describe("op codes", () => {
  it("wasm/src/opcodes.rs is generated from src/backend/ops.ts (npm run gen:opcodes)", () => {
    expect(rust("opcodes.rs")).toBe(renderOpcodesRs());
  });

  it("unary codes stay below the first fused arithmetic code (unary ops share the fused code space)", () => {
    expect(UNARY_OPS.length).toBeLessThanOrEqual(FUSED_BASE.arith);
  });

  it("every op of each family has an arm in the Rust dispatch, and nothing else does", () => {
    const el = rust("elementwise.rs");
    // the unary f32 kernels and their dispatch are generated into opcodes.rs (checked above)
    expect(body(el, "tg_unary_f32")).toContain("unary_f32_kernel(op)(x, out, n)");
    expect(el).toContain("unary_f32_kernels!(unary_vec, unary_map);");
    const generated = rust("opcodes.rs");
    expect(arms(generated.slice(generated.indexOf("fn unary_f32_kernel(")), "unary")).toEqual([
      ...UNARY_OPS,
    ]);
    expect(arms(body(el, "tg_binary_f32"), "arith").sort()).toEqual([...ARITH_OPS].sort());
    expect(arms(body(el, "tg_binary_i32"), "arith").sort()).toEqual([...ARITH_OPS].sort());
    expect(arms(body(el, "tg_compare_u8"), "compare").sort()).toEqual([...COMPARE_OPS].sort());
    const cmpMacro = el.slice(
      el.indexOf("macro_rules! compare_fn"),
      el.indexOf("compare_fn!(tg_compare_f32"),
    );
    expect(arms(cmpMacro, "compare").sort()).toEqual([...COMPARE_OPS].sort());
    expect(arms(body(rust("fused.rs"), "tg_fused_f32"), "fused").sort()).toEqual(
      Object.keys(FUSED_CODE).sort(),
    );
    expect(arms(body(rust("reduce.rs"), "tg_reduce_f32"), "reduce").sort()).toEqual(
      [...REDUCE_OPS].sort(),
    );
  });

  it("an unknown code traps in every dispatching kernel", () => {
    const bytes = readFileSync(
      fileURLToPath(new URL("../../src/backend/wasm/typegrad.wasm", import.meta.url)),
    );
    const k = new WebAssembly.Instance(new WebAssembly.Module(bytes), kernelImports())
      .exports as unknown as Kernels;
    const base = (k.__heap_base.value as number) + 4096;
    new Uint8Array(k.memory.buffer).fill(0, base, base + 4096);
    const [x, y, meta] = [base, base + 1024, base + 2048];
    const calls: [string, () => void][] = [
      ["tg_unary_f32", () => k.tg_unary_f32(99, x, y, 4)],
      ["tg_unary_i32", () => k.tg_unary_i32(1, x, y, 4)], // exp has no i32 kernel
      ["tg_binary_f32", () => k.tg_binary_f32(99, x, x, y, 1, meta)],
      ["tg_binary_i32", () => k.tg_binary_i32(-1, x, x, y, 1, meta)],
      ["tg_compare_f32", () => k.tg_compare_f32(6, x, x, y, 1, meta)],
      ["tg_compare_i32", () => k.tg_compare_i32(6, x, x, y, 1, meta)],
      ["tg_compare_u8", () => k.tg_compare_u8(6, x, x, y, 1, meta)],
      ["tg_reduce_f32", () => k.tg_reduce_f32(5, x, y, 1, 4, 1)],
      ["tg_reduce_i32", () => k.tg_reduce_i32(5, x, y, 1, 4, 1)],
      ["tg_cast", () => k.tg_cast(0, 7, x, y, 4)],
    ];
    for (const [name, call] of calls) {
      // a 1-element shape and zero strides, so that only the op code is wrong
      new Int32Array(k.memory.buffer, meta, 8).set([4, 0, 0, 0, 0, 0, 0, 0]);
      expect(call, name).toThrow(WebAssembly.RuntimeError);
    }
    // a fused chain of one op with code 99: meta [n_in, n_ops, ptr, size, kind, (op, a, b, c), n_extra]
    new Int32Array(k.memory.buffer, meta, 10).set([1, 1, x, 4, 0, 99, 0, 0, 0, 0]);
    expect(() => k.tg_fused_f32(meta, y, 4, base + 3 * 1024 + 64 * 4096), "tg_fused_f32").toThrow(
      WebAssembly.RuntimeError,
    );
  });
});
