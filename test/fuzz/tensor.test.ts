/**
 * Fuzzing the tensor constructors `tensor`, `fromArray` and `zeros` with random and broken shapes,
 * data and dtypes. Each call must throw a documented error (a ShapeError or DTypeError, or a
 * RangeError naming the 4 GiB limit) of the class a reference written here predicts, or return a
 * tensor of the reference's shape, dtype and values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromArray, tensor, zeros } from "../../src/tensor/create.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";
import {
  expectOnArena,
  expectSameValues,
  fuzz,
  type Outcome,
  runs,
  Tally,
  thrownOutcome,
} from "./harness.js";

const DTYPES = ["f32", "i32", "bool", "f64"];
// A dtype of null or undefined means the default (the constructors read it with `??`).

type Want = { errors: string[] } | { shape: number[]; dtype: string; values: number[] };

/** The stored value of `v` in `dtype`, or null when the dtype cannot hold it exactly. */
function stored(v: unknown, dtype: string): number | null {
  const x = typeof v === "boolean" ? Number(v) : v;
  if (typeof x !== "number") return null;
  if (dtype === "i32") return Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31 ? x + 0 : null;
  if (dtype === "bool") return x === 0 || x === 1 ? x + 0 : null;
  return dtype === "f32" ? Math.fround(x) : x;
}

/** The result that `got` must match: a value, or one of the error classes in `want.errors`. */
function compare(call: () => AnyTensor, want: Want): Outcome {
  let t: AnyTensor;
  try {
    t = call();
  } catch (err) {
    const o = thrownOutcome(err);
    if (!("errors" in want))
      throw new Error(
        `expected a tensor ${JSON.stringify(want.shape)} ${want.dtype}, got ${o}: ${(err as Error).message}`,
      );
    expect(want.errors, (err as Error).message).toContain(o.slice("error:".length));
    return o;
  }
  try {
    if ("errors" in want)
      throw new Error(`expected ${want.errors.join(" or ")}, got ${t.describe()}`);
    expect(t.shape).toEqual(want.shape);
    expect(t.dtype).toBe(want.dtype);
    expectOnArena(t);
    expectSameValues(t.dataSync(), want.values);
  } finally {
    t.dispose();
  }
  return "value";
}

// ---------------------------------------------------------------------------------------------
// tensor(nested, dtype)

/** What `tensor(data, dtype)` must give: the shape from the nesting, every leaf a number or boolean. */
function refTensor(data: unknown, dtype: unknown): Want {
  if (dtype != null && !DTYPES.includes(dtype as string)) return { errors: ["DTypeError"] };
  const problems = new Set<string>();
  const leaves: unknown[] = [];
  const shapeOf = (node: unknown): number[] => {
    if (!Array.isArray(node)) {
      if (typeof node !== "number" && typeof node !== "boolean") problems.add("DTypeError");
      leaves.push(node);
      return [];
    }
    const shapes = node.map(shapeOf);
    for (const s of shapes)
      if (JSON.stringify(s) !== JSON.stringify(shapes[0])) problems.add("ShapeError");
    return [node.length, ...(shapes[0] ?? [])];
  };
  const shape = shapeOf(data);
  if (problems.size) return { errors: [...problems] };
  let first: unknown = data;
  while (Array.isArray(first) && first.length) first = first[0];
  const d = (dtype as string | null | undefined) ?? (typeof first === "boolean" ? "bool" : "f32");
  const values = leaves.map((v) => stored(v, d));
  if (values.includes(null)) return { errors: ["DTypeError"] };
  return { shape, dtype: d, values: values as number[] };
}

const leaf = fc.oneof(
  { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 6 },
  { arbitrary: fc.constantFrom(0, 1, true, false), weight: 4 },
  { arbitrary: fc.double(), weight: 2 },
  {
    arbitrary: fc.constantFrom(-0, 3e9, -(2 ** 31), 2 ** 31 - 1, 1.5, Number.NaN, Infinity, 1e39),
    weight: 1,
  },
);
const junk = fc.constantFrom("x", null, undefined, {}, "1");

/** A rectangular nesting of leaves, sometimes with one node replaced (ragged or junk). */
const nested = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    damage: fc.oneof(
      { arbitrary: fc.constant(null), weight: 5 },
      {
        arbitrary: fc.record({
          at: fc.nat(),
          by: fc.oneof(leaf, junk, fc.array(leaf, { maxLength: 2 })),
        }),
        weight: 2,
      },
    ),
  })
  .chain(({ shape, damage }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.array(leaf, { minLength: n, maxLength: n }).map((flat) => {
      let i = 0;
      const nodes: unknown[][] = [];
      const build = (depth: number): unknown => {
        if (depth === shape.length) return flat[i++];
        const a = Array.from({ length: shape[depth] }, () => build(depth + 1));
        nodes.push(a);
        return a;
      };
      const data = build(0);
      if (damage && nodes.length) {
        const node = nodes[damage.at % nodes.length];
        if (node.length) node[damage.at % node.length] = damage.by;
        else node.push(damage.by);
      }
      return data;
    });
  });

const dtype = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  { arbitrary: fc.constantFrom("f32", "i32", "bool", "f64"), weight: 6 },
  { arbitrary: fc.constantFrom("int8", "F32", 3, null), weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// fromArray(data, shape, dtype) and zeros(shape, dtype)

const goodShape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const badShape = fc.oneof(
  fc.constantFrom("abc", 5, null, {}, [2, -1], [1.5], [Number.NaN], [Infinity], ["3"], [null]),
  fc.array(fc.constantFrom(2 ** 33, 1e10, 2 ** 53, 0, 1), { minLength: 1, maxLength: 3 }),
);

const isShape = (s: unknown): s is number[] =>
  Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0);

const BYTES: Record<string, number> = { f32: 4, i32: 4, bool: 1, f64: 8 };

function refZeros(shape: unknown, dtype: unknown): Want {
  if (!isShape(shape)) return { errors: ["ShapeError"] };
  if (dtype != null && !DTYPES.includes(dtype as string)) return { errors: ["DTypeError"] };
  const d = (dtype as string | null | undefined) ?? "f32";
  const n = shape.reduce((a, b) => a * b, 1);
  if (n * BYTES[d] > 2 ** 32) return { errors: ["RangeError(4 GiB)"] };
  return { shape, dtype: d, values: new Array(n).fill(0) };
}

type Data = Float32Array | Int32Array | Uint8Array | Float64Array | unknown[];

function refFromArray(data: Data, shape: unknown, dtype: unknown): Want {
  const d =
    (dtype as string | null | undefined) ??
    (data instanceof Int32Array
      ? "i32"
      : data instanceof Uint8Array
        ? "bool"
        : data instanceof Float64Array
          ? "f64"
          : "f32");
  if (!DTYPES.includes(d)) return { errors: ["DTypeError"] };
  if (!isShape(shape)) return { errors: ["ShapeError"] };
  if (!Array.isArray(data) && !ArrayBuffer.isView(data))
    return { errors: ["DTypeError", "ShapeError"] };
  if (data.length !== shape.reduce((a, b) => a * b, 1)) return { errors: ["ShapeError"] };
  // booleans count as 0 and 1, as in `tensor`; anything else that is not a number is an error
  const values = Array.from(data as ArrayLike<unknown>, (v) =>
    typeof v === "number" || typeof v === "boolean" ? stored(v, d) : null,
  );
  if (values.includes(null)) return { errors: ["DTypeError"] };
  return { shape, dtype: d, values: values as number[] };
}

const flatData: fc.Arbitrary<Data> = fc
  .tuple(fc.constantFrom("F32", "I32", "U8", "F64", "numbers"), fc.array(leaf, { maxLength: 12 }))
  .map(([kind, vs]) => {
    const nums = vs.map((v) => Number(v));
    if (kind === "F32") return new Float32Array(nums);
    if (kind === "I32") return new Int32Array(nums);
    if (kind === "U8") return new Uint8Array(nums.map((v) => (v === 1 ? 1 : 0)));
    if (kind === "F64") return new Float64Array(nums);
    return nums;
  });

/** Data with a shape that fits it most of the time (a factorisation of its length). */
const fromArrayCase = flatData.chain((data) =>
  fc.record({
    data: fc.constant(data),
    shape: fc.oneof(
      { arbitrary: fc.constantFrom([data.length], [1, data.length], [data.length, 1]), weight: 4 },
      { arbitrary: goodShape, weight: 1 },
      { arbitrary: badShape, weight: 1 },
    ),
    dtype,
  }),
);

describe("fuzz: tensor constructors", () => {
  it("tensor(nested, dtype): a typed error or the reference's values", () => {
    const tally = new Tally();
    fuzz("tensor", fc.record({ data: nested, dtype }), runs(1000), tally, ({ data, dtype: d }) =>
      compare(() => tensor(data as never, d as never) as AnyTensor, refTensor(data, d)),
    );
    tally.expectBoth("tensor", 0.2);
  });

  it("fromArray(data, shape, dtype): a typed error or the reference's values", () => {
    const tally = new Tally();
    fuzz("fromArray", fromArrayCase, runs(1000), tally, ({ data, shape, dtype: d }) =>
      compare(
        () => fromArray(data as never, shape as never, d as never) as AnyTensor,
        refFromArray(data, shape, d),
      ),
    );
    tally.expectBoth("fromArray", 0.2);
  });

  // fromArray used to coerce what is not a number (["x"] gave NaN, [null] gave 0, the string "abc"
  // gave three NaN) and threw a TypeError for null data; now each is a DTypeError.
  it("fromArray(data that is not numbers): a typed error", () => {
    const tally = new Tally();
    const data = fc.oneof(
      fc.array(fc.oneof(leaf, junk), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(null, "abc", 7, {}),
    );
    const c = fc.record({ data, dtype: fc.constantFrom(undefined, "f32", "f64") });
    fuzz("fromArray(non-numbers)", c, runs(200), tally, ({ data: x, dtype: d }) => {
      const shape = Array.isArray(x) ? [x.length] : [3];
      return compare(
        () => fromArray(x as never, shape, d as never) as AnyTensor,
        refFromArray(x as never, shape, d),
      );
    });
    expect(tally.counts.get("error:DTypeError")).toBeGreaterThan(0);
  });

  it("zeros(shape, dtype): a typed error or zeros of that shape and dtype", () => {
    const tally = new Tally();
    const shape = fc.oneof({ arbitrary: goodShape, weight: 2 }, { arbitrary: badShape, weight: 1 });
    fuzz("zeros", fc.record({ shape, dtype }), runs(1000), tally, ({ shape: s, dtype: d }) =>
      compare(() => zeros(s as never, d as never) as AnyTensor, refZeros(s, d)),
    );
    tally.expectBoth("zeros", 0.2);
    expect(tally.counts.get("error:RangeError(4 GiB)")).toBeGreaterThan(0);
  });
});
