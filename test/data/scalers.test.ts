/** Scalers: statistics by hand, round trips as properties, and the augmentation transforms. */
import "./backend.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { augment } from "../../src/data/augment.js";
import { seedKey } from "../../src/data/rng.js";
import { minMaxScaler, standardScaler } from "../../src/data/scalers.js";
import { constant } from "../../src/prims/constants.js";
import type { Tensor } from "../../src/tensor/tensor.js";

const matrix = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }))
  .chain(([n, f]) =>
    fc.tuple(
      fc.constant([n, f] as const),
      fc.array(
        fc.integer({ min: -1e6, max: 1e6 }).map((v) => v / 1000),
        {
          minLength: n * f,
          maxLength: n * f,
        },
      ),
    ),
  );

describe("standardScaler", () => {
  it("centres and scales each feature (by hand)", () => {
    const x = constant([1, 10, 3, 10, 5, 10], [3, 2], "f32") as Tensor<[3, 2], "f32">;
    const s = standardScaler().fit(x);
    expect(Array.from(s.shift.dataSync())).toEqual([3, 10]);
    expect(s.scale.dataSync()[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.scale.dataSync()[1]).toBe(1); // constant feature
    const z = s.transform(x).dataSync();
    expect(z[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 5);
    expect(z[1]).toBe(0);
  });

  it("round-trips: inverseTransform(transform(x)) ≈ x, and transformed features have mean 0", () => {
    fc.assert(
      fc.property(matrix, ([[n, f], data]) => {
        const x = constant(data, [n, f], "f64");
        const s = standardScaler().fit(x);
        const z = s.transform(x);
        expect(z.dtype).toBe("f64");
        const back = s.inverseTransform(z).dataSync();
        data.forEach((v, i) => {
          expect(back[i]).toBeCloseTo(v, 6);
        });
        const zd = z.dataSync();
        for (let j = 0; j < f; j++) {
          let m = 0;
          for (let i = 0; i < n; i++) m += zd[i * f + j];
          expect(Math.abs(m / n)).toBeLessThan(1e-6);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("rejects a different number of features", () => {
    const s = standardScaler().fit(constant([1, 2], [1, 2], "f32"));
    expect(() => s.transform(constant([1, 2, 3], [1, 3], "f32"))).toThrow(/fitted on 2 features/);
  });
});

describe("minMaxScaler", () => {
  it("maps each feature onto the range and back", () => {
    fc.assert(
      fc.property(matrix, ([[n, f], data]) => {
        const x = constant(data, [n, f], "f64");
        const s = minMaxScaler({ range: [-1, 1] }).fit(x);
        const z = s.transform(x).dataSync();
        for (const v of z) {
          expect(v).toBeGreaterThanOrEqual(-1 - 1e-9);
          expect(v).toBeLessThanOrEqual(1 + 1e-9);
        }
        const back = s.inverseTransform(s.transform(x)).dataSync();
        data.forEach((v, i) => {
          expect(back[i]).toBeCloseTo(v, 6);
        });
      }),
      { numRuns: 100 },
    );
  });
  it("by hand: [2, 4, 6] → [0, .5, 1]", () => {
    const s = minMaxScaler().fit(constant([2, 4, 6], [3, 1], "f32"));
    expect(Array.from(s.transform(constant([2, 4, 6, 8], [4, 1], "f32")).dataSync())).toEqual([
      0, 0.5, 1, 1.5,
    ]);
  });
});

describe("augment", () => {
  const img = (n: number, h: number, w: number) =>
    constant(
      Array.from({ length: n * h * w }, (_, i) => i + 1),
      [n, h, w],
      "f32",
    ) as Tensor<[number, number, number], "f32">;

  it("with nothing enabled, is the identity", () => {
    const x = img(2, 3, 4);
    expect(augment(seedKey(0), x, {}).toArray()).toEqual(x.toArray());
  });
  it("shifts move pixels and fill the border; flips mirror rows", () => {
    const x = img(30, 5, 5);
    const a = augment(seedKey(1), x, { shift: 1 });
    const xd = x.dataSync();
    const ad = a.dataSync();
    let moved = 0;
    for (let k = 0; k < 30; k++) {
      // Each output image is the input shifted by some (dy, dx) in {-1, 0, 1}²: find it.
      const found = [-1, 0, 1].some((dy) =>
        [-1, 0, 1].some((dx) => {
          for (let y = 0; y < 5; y++)
            for (let xx = 0; xx < 5; xx++) {
              const sy = y - dy;
              const sx = xx - dx;
              const want = sy >= 0 && sy < 5 && sx >= 0 && sx < 5 ? xd[k * 25 + sy * 5 + sx] : 0;
              if (ad[k * 25 + y * 5 + xx] !== want) return false;
            }
          if (dy !== 0 || dx !== 0) moved++;
          return true;
        }),
      );
      expect(found).toBe(true);
    }
    expect(moved).toBeGreaterThan(15);
    const f = augment(seedKey(2), x, { flip: true }).dataSync();
    let flipped = 0;
    for (let k = 0; k < 30; k++) {
      const same = f[k * 25] === xd[k * 25];
      const mirrored = f[k * 25] === xd[k * 25 + 4];
      expect(same || mirrored).toBe(true);
      if (mirrored) flipped++;
    }
    expect(flipped).toBeGreaterThan(5);
    expect(flipped).toBeLessThan(25);
  });
  it("adds Gaussian noise of the requested spread, deterministically, and clips", () => {
    const x = constant(new Array(4000).fill(0.5), [10, 20, 20], "f32");
    const a = augment(seedKey(3), x, { noise: 0.1 }).dataSync();
    let m = 0;
    let v = 0;
    for (const p of a) m += p;
    m /= a.length;
    for (const p of a) v += (p - m) ** 2;
    expect(m).toBeCloseTo(0.5, 2);
    expect(Math.sqrt(v / a.length)).toBeCloseTo(0.1, 2);
    expect(Array.from(augment(seedKey(3), x, { noise: 0.1 }).dataSync())).toEqual(Array.from(a));
    const c = augment(seedKey(3), x, { noise: 1, clip: [0, 1] }).dataSync();
    expect(Math.min(...c)).toBe(0);
    expect(Math.max(...c)).toBe(1);
  });
  it("works on NHWC images", () => {
    const x = constant(
      Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => i),
      [2, 3, 3, 2],
      "f32",
    );
    expect(augment(seedKey(0), x, { flip: true, shift: 1 }).shape).toEqual([2, 3, 3, 2]);
  });
});
