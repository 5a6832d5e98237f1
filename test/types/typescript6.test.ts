/**
 * The shape type tests under TypeScript 6. `npm run typecheck` checks them with TypeScript 7; this
 * test compiles the same files with the `typescript` devDependency (6) through the compiler API and
 * requires no error, so an `expectTypeOf` that fails or a `@ts-expect-error` that no longer fires
 * (TS2578) under 6 fails the suite.
 */
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { fileErrors } from "./differential/checker.js";

const FILES = ["test/types/shape-algebra.test.ts", "test/types/shapes.test.ts"];

describe(`the shape type tests compile under TypeScript ${ts.version}`, () => {
  it("with no error", { timeout: 30 * 60_000 }, () => {
    expect(ts.version.startsWith("6.")).toBe(true);
    const errors = fileErrors(FILES);
    FILES.forEach((f, i) => {
      expect(errors[i], f).toEqual([]);
    });
  });
});
