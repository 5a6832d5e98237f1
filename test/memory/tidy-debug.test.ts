// tg.tidy, tg.debug.leaks and tg.debug.nans.
import { describe, expect, it } from "vitest";
import { arena } from "../../src/backend/wasm/threads.js";
import * as tg from "../../src/index.js";

describe("tidy", () => {
  it("frees what the function made except its result, and keeps the result's type", () => {
    const x = tg.tensor([1, 2, 3]);
    tg.tidy(() => tg.neg(tg.add(tg.mul(x, 2), 1))).dispose(); // warm: cached scalars 2 and 1
    const before = arena.bytesInUse();
    let inner: tg.Tensor<[3]> | null = null;
    const out = tg.tidy(() => {
      inner = tg.mul(x, 2);
      const y = tg.add(inner, 1);
      return { y, pair: [tg.neg(y)] as const, n: 3 };
    });
    expect(out.y.toArray()).toEqual([3, 5, 7]);
    expect(out.pair[0].toArray()).toEqual([-3, -5, -7]);
    expect(out.n).toBe(3);
    expect(inner!.isDisposed).toBe(true);
    expect(x.isDisposed).toBe(false); // made before: never freed
    out.y.dispose();
    out.pair[0].dispose();
    expect(arena.bytesInUse()).toBe(before);
  });

  it("nests: an inner result belongs to the outer scope", () => {
    const x = tg.ones([4]);
    let innerResult: tg.Tensor<[4]> | null = null;
    let innerTemp: tg.Tensor<[4]> | null = null;
    const out = tg.tidy(() => {
      innerResult = tg.tidy(() => {
        innerTemp = tg.add(x, 1);
        return tg.mul(innerTemp, 3);
      });
      expect(innerTemp!.isDisposed).toBe(true);
      expect(innerResult.isDisposed).toBe(false);
      return tg.sum(innerResult);
    });
    expect(out.item()).toBe(24);
    expect(innerResult!.isDisposed).toBe(true);
  });

  it("a synchronous training loop in tidy keeps memory flat, with jit and grad inside", () => {
    const loss = (w: tg.Tensor<[64, 64]>) => tg.sum(tg.square(tg.matmul(w, w)));
    const step = tg.jit((w: tg.Tensor<[64, 64]>) => tg.sub(w, tg.mul(tg.grad(loss)(w), 1e-6)));
    let w: tg.Tensor<[64, 64]> = tg.mul(tg.ones([64, 64]), 0.01);
    w = tg.tidy(() => step(w)); // compiles inside tidy: the captured constants must survive
    const start = arena.bytesInUse();
    for (let i = 0; i < 300; i++) {
      const old = w;
      w = tg.tidy(() => {
        const g = tg.grad(loss)(old); // eager temporaries
        tg.sum(g);
        return step(old);
      });
      old.dispose();
    }
    expect(arena.bytesInUse() - start).toBeLessThan(64 * 1024);
    expect(Number.isFinite(tg.sum(w).item())).toBe(true);
  });

  it("frees everything when the function throws, and refuses a Promise", async () => {
    let made: tg.Tensor<[2]> | null = null;
    expect(() =>
      tg.tidy(() => {
        made = tg.zeros([2]);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(made!.isDisposed).toBe(true);
    let kept: tg.Tensor<[2]> | null = null;
    expect(() =>
      tg.tidy(async () => {
        kept = tg.zeros([2]);
        return kept;
      }),
    ).toThrow(/tidy: the function returned a Promise/);
    expect(kept!.isDisposed).toBe(false);
  });
});

describe("debug.leaks", () => {
  it("reports the tensors a function left alive, with shape, bytes and where they were made", async () => {
    const cache: tg.Tensor[] = [];
    const found = await tg.debug.leaks(() => {
      cache.push(tg.zeros([10, 10]) as tg.Tensor);
      tg.ones([5]); // dropped: not a leak
      tg.ones([7]).dispose(); // disposed: not a leak
      return tg.ones([3]); // returned and dropped by leaks: not a leak
    });
    expect(found.map((l) => [l.shape, l.dtype, l.bytes])).toEqual([[[10, 10], "f32", 400]]);
    expect(found[0].createdAt).toMatch(/tidy-debug\.test\.ts:\d+/);
  });
});

describe("debug.nans", () => {
  it("throws at the first op that makes a NaN or Inf, naming it, the shapes and the call site", () => {
    const was = tg.debug.nans(true);
    try {
      const x = tg.tensor([1, -1]);
      expect(() => tg.log(x)).toThrow(
        /log: produced NaN at flat index 1 of its output Tensor<\[2\], f32> \(inputs: Tensor<\[2\], f32>\), at .*tidy-debug\.test\.ts/,
      );
      expect(() => tg.div(x, tg.zeros([2]))).toThrow(tg.debug.FloatingPointError);
      const f = tg.jit((a: tg.Tensor<[2]>) => tg.sqrt(tg.sub(a, 2)));
      expect(() => f(x)).toThrow(/sqrt: produced NaN .*tidy-debug\.test\.ts/);
      expect(tg.exp(x).toArray()[0]).toBeCloseTo(Math.E);
    } finally {
      tg.debug.nans(was);
    }
    expect(Number.isNaN(tg.log(tg.tensor([-1])).item())).toBe(true); // off again
  });
});
