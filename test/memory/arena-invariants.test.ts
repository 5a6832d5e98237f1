// The arena's invariants hold after every step of random sequences of allocations, releases and
// bad calls (NaN, negative, fractional and huge sizes, double frees, frees of unknown addresses).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Arena } from "../../src/backend/wasm/arena.js";
import * as tg from "../../src/index.js";
import { arena } from "../../src/backend/wasm/threads.js";

type Step =
  | { kind: "alloc"; bytes: number }
  | { kind: "free"; pick: number }
  | { kind: "bad"; bytes: number }
  | { kind: "freeUnknown"; at: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("alloc" as const), bytes: fc.nat(70_000) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("bad" as const),
      bytes: fc.constantFrom(Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, 2 ** 53, 5e9),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("freeUnknown" as const), at: fc.nat(1 << 22) }),
  },
);

describe("arena invariants", () => {
  it("hold after every step of random alloc / free / bad-call sequences, and no live block is touched", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const a = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 256 }), 100);
        const live: { p: number; bytes: number; tag: number }[] = [];
        let tag = 1;
        for (const s of steps) {
          if (s.kind === "alloc") {
            try {
              const p = a.alloc(s.bytes);
              a.u8.fill(tag & 255, p, p + s.bytes);
              live.push({ p, bytes: s.bytes, tag: tag++ & 255 });
            } catch (e) {
              // only the 16 MiB maximum of this memory may refuse
              expect(String(e)).toMatch(/out of memory/);
            }
          } else if (s.kind === "free" && live.length > 0) {
            const [b] = live.splice(s.pick % live.length, 1);
            a.free(b.p);
            a.free(b.p); // a double free is a no-op
          } else if (s.kind === "bad") {
            const before = a.bytesInUse();
            expect(() => a.alloc(s.bytes)).toThrow();
            expect(a.bytesInUse()).toBe(before);
          } else if (s.kind === "freeUnknown") {
            if (!live.some((b) => b.p === s.at)) a.free(s.at + 1); // never a block address (unaligned)
          }
          a.check();
        }
        for (const b of live) {
          const u = a.u8.subarray(b.p, b.p + b.bytes);
          expect(u.every((v) => v === b.tag)).toBe(true);
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("bad dtypes and sizes at public entries are typed errors that leave the arena as it was", () => {
    const keep = tg.tensor([1, 2, 3]);
    const before = arena.bytesInUse();
    const bad: [() => unknown, RegExp][] = [
      [
        () => tg.cast(keep, "int8" as never),
        /cast: unknown dtype "int8" \(valid: f32, i32, bool, f64\)/,
      ],
      [() => tg.zeros([2], "int8" as never), /zeros|full/],
      [() => tg.zeros("abc" as never), /invalid shape/],
      [() => tg.zeros([Number.NaN]), /invalid shape/],
      [() => tg.zeros([-1]), /invalid shape/],
      [() => tg.ones([2.5]), /invalid shape/],
      [
        () => tg.tensor([3e9], "i32"),
        /3000000000 .* not an integer in \[-2147483648, 2147483647\]/,
      ],
      [() => tg.tensor([1.5], "i32"), /not an integer/],
      [() => tg.tensor([5], "bool"), /not 0 or 1/],
      [() => tg.fromArray([1, 2], [3]), /do not fill/],
      [() => tg.arange(2e9), /arange: 2000000000 f32 elements .* exceed the 4 GiB/],
      [() => tg.zeros([100000, 100000]), /exceed the 4 GiB/],
      [() => tg.eye(70000), /exceed the 4 GiB/],
      [() => tg.add(keep, null as never), /add/],
      [() => tg.add(keep, "x" as never), /add/],
    ];
    for (const [f, msg] of bad) {
      let err: unknown = null;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, String(f)).toBeInstanceOf(Error);
      expect(String(err)).toMatch(msg);
      expect((err as Error).name, String(err)).toMatch(/ShapeError|DTypeError|RangeError/);
      expect(arena.bytesInUse()).toBe(before);
      arena.check();
    }
    expect(keep.toArray()).toEqual([1, 2, 3]);
    expect(tg.cast(keep, "i32").dtype).toBe("i32");
  });
});
