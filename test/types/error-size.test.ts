/**
 * What tsc prints for a shape mismatch: one `ShapeMismatch` naming the op and both shapes, short
 * enough to read (under 600 characters), also when a batch type parameter is involved (where an
 * undecided test would print kilobytes of expanded conditional types). Each snippet is compiled
 * with the TypeScript compiler API in one program and its diagnostics measured.
 *
 * The same program (TypeScript 6, the `typescript` devDependency) also compiles the shape type
 * tests, which `npm run typecheck` checks with TypeScript 7, and requires no error: an
 * `expectTypeOf` that fails or a `@ts-expect-error` that no longer fires (TS2578) under 6 fails.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { checkAll, fileErrors } from "./differential/checker.js";

const TYPE_TESTS = ["test/types/shape-algebra.test.ts", "test/types/shapes.test.ts"];

const LIMIT = 600;
/** How tsc writes the batch parameter inside a message (a template literal placeholder). */
const B = "$" + "{B}";

/** One table: a snippet (inside `f<B>` unless it says otherwise) and the text its error must name. */
const cases: { name: string; body: string; names: string[] }[] = [
  {
    name: "broadcast of B against another size",
    body: "tg.add(y, tg.zeros([5, 10]));",
    names: ["add: cannot broadcast", `[${B}, 10]`, "[5, 10]"],
  },
  {
    name: "matmul inner sizes with B",
    body: "tg.matmul(y, tg.zeros([9, 4]));",
    names: ["matmul: inner sizes 10 and 9 differ", `[${B}, 10]`, "[9, 4]"],
  },
  {
    name: "reshape with B",
    body: "tg.reshape(x, [x.shape[0], 5407]);",
    names: [
      `reshape: cannot reshape [${B}, 13, 13, 32] to [${B}, 5407]`,
      "5408 elements against 5407",
    ],
  },
  {
    name: "slice past the features of [B, 10]",
    body: "tg.slice(y, [0, 8], [-1, 3]);",
    names: ["slice: [8, 8 + 3) at axis 1 does not fit size 10", `[${B}, 10]`],
  },
  {
    name: "concat of [B, 10] and [B, 3] on axis 0",
    body: "tg.concat([y, tg.zeros([2, 3])], 0);",
    names: ["concat: shapes", `[${B}, 10]`, "[2, 3]"],
  },
  {
    name: "conv2d channels with B",
    body: "tg.conv2d(x, tg.zeros([3, 3, 3, 8]));",
    names: ["conv2d: input has 32 channels but the filter expects 3"],
  },
  {
    name: "sparse cross-entropy targets with B",
    body: 'tg.losses.sparseCategoricalCrossEntropy(y, tg.zeros([16], "i32"));',
    names: [`sparseCategoricalCrossEntropy: predictions [${B}, 10] need targets [${B}], got [16]`],
  },
  {
    name: "matmul of i32",
    body: 'tg.matmul(tg.zeros([2, 3], "i32"), tg.zeros([3, 2], "i32"));',
    names: ["matmul: dtype i32 is not supported"],
  },
  {
    name: "squeeze of a B axis",
    body: "tg.squeeze(y, 0);",
    names: [`cannot squeeze axis 0 of [${B}, 10]`],
  },
];

const source = (body: string) =>
  `import * as tg from "../../../src/index.js";\nexport function f<B extends number>(x: tg.Tensor<[B, 13, 13, 32]>, y: tg.Tensor<[B, 10]>) {\n  ${body}\n  return [x, y];\n}\n`;

const checked = checkAll(
  cases.map((c) => source(c.body)),
  TYPE_TESTS,
);

describe("a shape mismatch prints one short message naming the op and the shapes", () => {
  it.each(cases.map((c, i) => ({ ...c, errors: checked[i].errors })))(
    "$name",
    ({ errors, names }) => {
      expect(errors).toHaveLength(1);
      const [message] = errors;
      expect(message.length, message).toBeLessThan(LIMIT);
      expect(message).toContain("ShapeMismatch<");
      for (const n of names) expect(message).toContain(n);
    },
  );
});

describe(`the shape type tests compile under TypeScript ${ts.version}`, () => {
  it.each(TYPE_TESTS)("%s", (file) => {
    expect(ts.version.startsWith("6.")).toBe(true);
    expect(fileErrors([file])[0]).toEqual([]);
  });
});
