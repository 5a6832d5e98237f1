/**
 * The fuzz suite's shared parts: a fixed seed (`TYPEGRAD_FUZZ_SEED` to change it), run counts
 * scaled by `TYPEGRAD_FUZZ_RUNS` (a factor: `TYPEGRAD_FUZZ_RUNS=20` runs twenty times as many
 * cases), and `fuzz`, which runs a property and after every case checks the wasm arena's
 * invariants and that the case left no byte allocated. Each case says what it ended as (a value
 * checked against the reference decoder, or a typed error), and the tally proves that both kinds
 * of ending were reached, so that no test passes vacuously.
 */
import fc from "fast-check";
import { expect } from "vitest";
import "../../src/backends.js";
import { arena } from "../../src/backend/wasm/threads.js";
import type { LoadError } from "../../src/io/load-error.js";
import { DTypeError, ShapeError } from "../../src/shape/errors.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";

const envNumber = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v} is not a positive number`);
  return n;
};

/** The seed of every property (fixed, so a run can be repeated). */
export const SEED = Math.trunc(envNumber("TYPEGRAD_FUZZ_SEED", 20261204));

const FACTOR = envNumber("TYPEGRAD_FUZZ_RUNS", 1);

/** `n` cases, scaled by `TYPEGRAD_FUZZ_RUNS`. */
export const runs = (n: number): number => Math.max(1, Math.round(n * FACTOR));

/** How a case ended: a checked value, or a typed error of some kind. */
export type Outcome = "value" | `error:${string}`;

/** The counts of each ending, the slowest case, and the cases run. */
export class Tally {
  readonly counts = new Map<Outcome, number>();
  slowestMs = 0;
  total = 0;

  add(o: Outcome, ms: number): void {
    this.counts.set(o, (this.counts.get(o) ?? 0) + 1);
    this.slowestMs = Math.max(this.slowestMs, ms);
    this.total++;
  }

  /** The fraction of cases that ended as a checked value. */
  get values(): number {
    return (this.counts.get("value") ?? 0) / Math.max(1, this.total);
  }

  /** Checks that values and errors both make up at least `least` of the cases, and prints the tally. */
  expectBoth(name: string, least: number): void {
    const kinds = [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
    console.log(
      `fuzz ${name}: ${this.total} cases, slowest ${this.slowestMs.toFixed(1)} ms, seed ${SEED}: ${kinds.join(", ")}`,
    );
    expect(this.values, `${name}: fraction of valid values`).toBeGreaterThanOrEqual(least);
    expect(1 - this.values, `${name}: fraction of typed errors`).toBeGreaterThanOrEqual(least);
  }
}

/**
 * Runs `body` on `numRuns` generated inputs. After each case: the arena's invariants hold, the
 * bytes in use are what they were before the case (the body disposes what it got; an error path
 * must allocate nothing), and the outcome is tallied. A failure names the seed to rerun with.
 */
export function fuzz<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  numRuns: number,
  tally: Tally,
  body: (input: T) => Outcome,
): void {
  try {
    fc.assert(
      fc.property(arb, (input) => {
        const before = arena.bytesInUse();
        const t0 = performance.now();
        const outcome = body(input);
        const ms = performance.now() - t0;
        arena.check();
        expect(arena.bytesInUse(), "bytes held after the case").toBe(before);
        tally.add(outcome, ms);
      }),
      { seed: SEED, numRuns },
    );
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const msg = `${err instanceof Error ? err.message : String(err)}${cause instanceof Error ? `\ncaused by: ${cause.message}` : ""}`;
    throw new Error(
      `fuzz ${name} failed; seed ${SEED} (rerun with TYPEGRAD_FUZZ_SEED=${SEED})\n${msg}`,
    );
  }
}

/** The outcome of a typed error `e` whose kind must be one of `allowed`. */
export function expectKind(e: LoadError, allowed: readonly string[], what: unknown): Outcome {
  expect(typeof e.message, "the error has a message").toBe("string");
  expect(e.message.length).toBeGreaterThan(0);
  if (!allowed.includes(e.kind)) {
    throw new Error(
      `expected an error of kind ${allowed.join(" or ")} for ${String(what)}, got ${e.kind}: ${e.message}`,
    );
  }
  return `error:${e.kind}`;
}

/**
 * The outcome of a call that may throw: a ShapeError or DTypeError (the documented classes), or a
 * RangeError that names the 4 GiB limit; any other exception fails the case.
 */
export function thrownOutcome(err: unknown): Outcome {
  if (err instanceof ShapeError) return "error:ShapeError";
  if (err instanceof DTypeError) return "error:DTypeError";
  if (err instanceof RangeError && /4 GiB/.test(err.message)) return "error:RangeError(4 GiB)";
  throw err;
}

/**
 * Checks that a tensor lives in the wasm arena (f64 tensors live on the reference backend), so
 * that the arena checks after each case are about the memory the loaders really used.
 */
export function expectOnArena(t: AnyTensor): void {
  const where = t._concrete("fuzz").backend.name;
  expect(where, `${t.describe()} lives on ${where}`).toBe(t.dtype === "f64" ? "reference" : "wasm");
}

/** Element-wise equality that tells NaN, -0 and 0 apart as stored values do (`Object.is`). */
export function expectSameValues(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]))
      throw new Error(`element ${i}: got ${got[i]}, the reference decoder gives ${want[i]}`);
  }
}

/** Mutations of valid bytes: truncate, overwrite a byte, insert or append junk (or none). */
export type Mutation =
  | { op: "none" }
  | { op: "truncate"; at: number }
  | { op: "set"; at: number; value: number }
  | { op: "insert"; at: number; junk: Uint8Array }
  | { op: "append"; junk: Uint8Array };

/** Mutations, four in seven of them none. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ op: "none" as const }), weight: 8 },
  { arbitrary: fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant("set" as const),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("insert" as const),
      at: fc.nat(),
      junk: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("append" as const),
      junk: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    weight: 1,
  },
);

/** `bytes` after a mutation (positions taken modulo the length). */
export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.op) {
    case "none":
      return bytes;
    case "truncate":
      return bytes.slice(0, n === 0 ? 0 : m.at % n);
    case "set": {
      const out = bytes.slice();
      if (n > 0) out[m.at % n] = m.value;
      return out;
    }
    case "insert": {
      const at = m.at % (n + 1);
      const out = new Uint8Array(n + m.junk.length);
      out.set(bytes.subarray(0, at));
      out.set(m.junk, at);
      out.set(bytes.subarray(at), at + m.junk.length);
      return out;
    }
    case "append": {
      const out = new Uint8Array(n + m.junk.length);
      out.set(bytes);
      out.set(m.junk, n);
      return out;
    }
  }
}
