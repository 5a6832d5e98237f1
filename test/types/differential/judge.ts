/**
 * The agreement rules between what the type checker decided and what the runtime did.
 *
 * - literal sizes: the runtime accepts ⇔ it compiles, and then the type is the runtime's shape
 *   and dtype exactly;
 * - a first size typed `number`: whatever the runtime accepts compiles, and the type is the
 *   runtime's shape with only the sizes that depend on the unknown one widened to `number`
 *   (sizes that change when the batch does; the program runs at two batch sizes);
 * - a function generic over `B`, called at a concrete size: whatever the runtime accepts at both
 *   batch sizes compiles (one that runs only at B = 3, because it meets a literal 3, is not
 *   generic in B: a type parameter meets only itself, 1 and `number`); inside the function, a size that is the batch is `B`, one computed from
 *   it is `number`, the others are the runtime's literals; the call's type is the runtime's shape
 *   (with the same `number`s). A program the runtime refuses at both sizes must not compile,
 *   unless a size computed from `B` (typed `number`) takes part.
 */
import type { Checked, TensorType, TypeDim } from "./checker.js";
import type { Program } from "./model.js";
import { RUN_BATCHES, type RunResult } from "./programs.js";

/** One way a program's type and its runtime disagree. */
export interface Disagreement {
  rule: string;
  detail: string;
}

/** What each runtime size is, seen across the runs: a constant, the batch itself, or varying. */
type Expect = { k: "lit"; v: number } | { k: "batch" } | { k: "varies" };

function expected(runs: RunResult[], batches: readonly number[]): Expect[] | null {
  const ok = runs.filter((r): r is Extract<RunResult, { ok: true }> => r.ok);
  if (ok.length !== runs.length) return null;
  const [first] = ok;
  if (ok.some((r) => r.shape.length !== first.shape.length)) return null;
  return first.shape.map((v, i) => {
    const all = ok.map((r) => r.shape[i]);
    if (all.every((x) => x === v)) return { k: "lit", v };
    if (all.every((x, j) => x === batches[j])) return { k: "batch" };
    return { k: "varies" };
  });
}

const show = (t: TensorType | null) => (t ? t.text : "(no type)");

function sizesMatch(
  t: TensorType | null,
  want: Expect[],
  dtype: string,
  batch: (d: TypeDim) => boolean,
): string | null {
  if (!t || t.dims === "other" || t.dims === "unknown-rank")
    return `type ${show(t)} is not a known-rank shape`;
  if (t.dims.length !== want.length)
    return `type ${show(t)} has rank ${t.dims.length}, runtime ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const d = t.dims[i];
    const w = want[i];
    const good = w.k === "lit" ? d === w.v : w.k === "batch" ? batch(d) : d === "number";
    if (!good)
      return `size ${i} of ${show(t)} should be ${w.k === "lit" ? w.v : w.k === "batch" ? "the batch" : "number"}`;
  }
  if (t.dtype !== dtype) return `dtype ${t.dtype} in ${show(t)}, runtime ${dtype}`;
  return null;
}

/** The disagreements of one program (empty when the types and the runtime agree). */
export function judge(p: Program, c: Checked, runs: RunResult[]): Disagreement[] {
  const out: Disagreement[] = [];
  const compiles = c.errors.length === 0;
  const untyped = runs.find((r) => !r.ok && !r.typed);
  if (untyped && !untyped.ok)
    out.push({ rule: "runtime error is a ShapeError or DTypeError", detail: untyped.error });
  if (p.kind === "literal") {
    const [r] = runs;
    if (r.ok && !compiles)
      out.push({ rule: "runtime accepts ⇒ compiles", detail: c.errors.join("\n") });
    if (!r.ok && compiles) out.push({ rule: "runtime refuses ⇒ compile error", detail: r.error });
    if (r.ok && compiles) {
      const want = r.shape.map((v) => ({ k: "lit", v }) as Expect);
      const bad = sizesMatch(c.last, want, r.dtype, () => false);
      if (bad) out.push({ rule: "type = runtime shape", detail: bad });
    }
    return out;
  }
  const accepted = runs.filter((r) => r.ok).length;
  // a generic function must compile when it runs at every batch size tried: one that runs only
  // at B = 3 (it meets a literal 3) is not generic in B, and is an error by design
  const must = p.kind === "number" ? accepted > 0 : accepted === runs.length;
  if (must && !compiles)
    out.push({ rule: "runtime accepts ⇒ compiles", detail: c.errors.join("\n") });
  // unless a size computed from B (2·B, typed number) is involved: then the runtime decides
  const computed = p.family === "ops" && p.computed;
  if (
    p.kind === "generic" &&
    !computed &&
    accepted === 0 &&
    compiles &&
    runs.every((r) => !r.ok && r.typed)
  ) {
    const r = runs[0];
    out.push({
      rule: "runtime refuses at every size ⇒ compile error",
      detail: r.ok ? "" : r.error,
    });
  }
  const want = expected(runs, RUN_BATCHES);
  if (!want || !compiles) return out;
  const dtype = (runs[0] as Extract<RunResult, { ok: true }>).dtype;
  if (p.kind === "number") {
    const bad = sizesMatch(c.last, want, dtype, (d) => d === "number");
    if (bad) out.push({ rule: "type = runtime shape, unknown sizes widened", detail: bad });
  } else {
    const inner = sizesMatch(c.last, want, dtype, (d) => d === "param:B");
    if (inner)
      out.push({
        rule: "inside the generic function: B where the size is the batch",
        detail: inner,
      });
    const call = want.map((w): Expect => (w.k === "batch" ? { k: "lit", v: RUN_BATCHES[0] } : w));
    const outer = sizesMatch(c.out, call, dtype, () => false);
    if (outer) out.push({ rule: "the call's type = runtime shape", detail: outer });
  }
  return out;
}
