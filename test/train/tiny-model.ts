/**
 * A private two-layer MLP written on the internal ops (independent of `tg.nn`), for the fit-loop
 * tests, plus a stateful layer that counts the training batches it has seen.
 */
import type { Layer } from "../../src/nn/layer.js";
import { add, cast, maximum, mul, sub } from "../../src/prims/elementwise.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import { reshape } from "../../src/prims/movement.js";
import { reduceMax, reduceSum } from "../../src/prims/reduce.js";
import { exp, log } from "../../src/prims/elementwise.js";
import { normal } from "../../src/random/index.js";
import * as random from "../../src/random/index.js";
import { constant } from "../../src/prims/constants.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

export type MlpParams = { w1: T; b1: T; w2: T; b2: T };

export function mlp(
  nIn: number,
  hidden: number,
  nOut: number,
): Layer<[number], [number], MlpParams, {}> {
  const apply = (p: MlpParams, x: T): T => {
    const h = maximum(add(matmulPrim(x, p.w1), p.b1), 0);
    return add(matmulPrim(h, p.w2), p.b2);
  };
  return {
    name: "mlp",
    inputShape: [nIn],
    outputShape: [nOut],
    init(key) {
      const [k1, k2] = random.split(key);
      return {
        w1: mul(normal(k1, [nIn, hidden]), Math.sqrt(2 / nIn)),
        b1: constant(new Array(hidden).fill(0), [hidden], "f32"),
        w2: mul(normal(k2, [hidden, nOut]), Math.sqrt(1 / hidden)),
        b2: constant(new Array(nOut).fill(0), [nOut], "f32"),
      };
    },
    initState: () => ({}),
    apply: (p, x) => apply(p, x as T) as never,
    forward: (p, x) => ({ y: apply(p, x as T) as never, state: {} }),
  };
}

/** Mean sparse softmax cross-entropy from logits. */
export function xent(logits: T, y: T): T {
  const m = reduceMax(logits, [1]);
  const z = sub(logits, reshape(m, [logits.shape[0], 1]));
  const lse = log(reduceSum(exp(z), [1]));
  const onehot = cast(eqOneHot(y, logits.shape[1]), "f32");
  const picked = reduceSum(mul(z, onehot), [1]);
  return mul(reduceSum(sub(lse, picked)), 1 / logits.shape[0]);
}

import { eq } from "../../src/prims/elementwise.js";
function eqOneHot(y: T, c: number): T {
  const classes = constant(
    Array.from({ length: c }, (_, i) => i),
    [1, c],
    "i32",
  );
  return eq(reshape(cast(y, "i32"), [y.shape[0], 1]), classes);
}

/** A layer with state: passes x through and counts training batches in its state. */
export function counter(n: number): Layer<[number], [number], {}, { seen: T }> {
  return {
    name: "counter",
    inputShape: [n],
    outputShape: [n],
    init: () => ({}),
    initState: () => ({ seen: constant([0], [], "f32") }),
    apply: (_p, x) => x as never,
    forward: (_p, x, o) => ({
      y: x as never,
      state: { seen: o?.training ? add(o.state!.seen, 1) : o!.state!.seen },
    }),
  };
}

/** Two Gaussian blobs per class, 3 classes in 4 dimensions: easily separable. */
export function blobs(n: number, seed = 0): { x: T; y: T } {
  const xs: number[] = [];
  const ys: number[] = [];
  let s = seed * 9301 + 49297;
  const rnd = () => ((s = (s * 9301 + 49297) % 233280) / 233280) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    ys.push(c);
    for (let d = 0; d < 4; d++) xs.push((d === c ? 3 : 0) + rnd());
  }
  return { x: constant(xs, [n, 4], "f32"), y: constant(ys, [n], "i32") };
}
