/**
 * Learning-rate schedules: functions of the step count (a rank-0 tensor, 0 for the first update)
 * written with tensor ops, so the rate is computed inside the jitted training step. Wherever an
 * optimizer takes `lr`, it takes a schedule as well.
 * @module
 */
import { constant } from "../prims/constants.js";
import {
  add,
  cos,
  div,
  floor,
  lt,
  maximum,
  minimum,
  mul,
  pow,
  sub,
  where,
} from "../prims/elementwise.js";
import type { LearningRate, Scalar, Schedule } from "./types.js";

const asScalar = (x: unknown): Scalar => x as Scalar;
const rateAt = (lr: LearningRate, step: Scalar): Scalar | number =>
  typeof lr === "number" ? lr : lr(step);
const check = (op: string, name: string, v: number, min: number, strict = false): void => {
  if (!Number.isFinite(v) || (strict ? v <= min : v < min)) {
    throw new RangeError(`optim.${op}: ${name} must be ${strict ? ">" : "≥"} ${min}, got ${v}`);
  }
};

/**
 * Multiplies the rate by `factor` every `every` steps: `lr · factor^floor(step / every)`.
 * @example
 * ```ts
 * const opt = tg.optim.sgd({ lr: tg.optim.stepDecay({ lr: 0.1, every: 1000, factor: 0.5 }) });
 * ```
 */
export function stepDecay(opts: { lr: number; every: number; factor?: number }): Schedule {
  const factor = opts.factor ?? 0.1;
  check("stepDecay", "every", opts.every, 0, true);
  return (step) => asScalar(mul(pow(factor, floor(div(step, opts.every))), opts.lr));
}

/**
 * Exponential decay: `lr · rate^(step / steps)` (with `staircase`, the exponent is floored).
 * @example
 * ```ts
 * tg.optim.exponentialDecay({ lr: 0.01, rate: 0.96, steps: 100 });
 * ```
 */
export function exponentialDecay(opts: {
  lr: number;
  rate: number;
  steps: number;
  staircase?: boolean;
}): Schedule {
  check("exponentialDecay", "steps", opts.steps, 0, true);
  return (step) => {
    const e = div(step, opts.steps);
    return asScalar(mul(pow(opts.rate, opts.staircase ? floor(e) : e), opts.lr));
  };
}

/**
 * Cosine decay from `lr` to `alpha · lr` over `steps`, constant afterwards:
 * `lr · ((1 − alpha) · ½(1 + cos(π · min(step, steps) / steps)) + alpha)`.
 * @example
 * ```ts
 * tg.optim.cosineDecay({ lr: 1e-3, steps: 5000, alpha: 0.01 });
 * ```
 */
export function cosineDecay(opts: { lr: number; steps: number; alpha?: number }): Schedule {
  const alpha = opts.alpha ?? 0;
  check("cosineDecay", "steps", opts.steps, 0, true);
  return (step) => {
    const t = div(minimum(step, opts.steps), opts.steps);
    const c = mul(add(cos(mul(t, Math.PI)), 1), 0.5);
    return asScalar(mul(add(mul(c, 1 - alpha), alpha), opts.lr));
  };
}

/**
 * Linear warmup from `from` (default 0) to the rate of `target` over `steps` steps, then `target`
 * (a number or a schedule, which sees the step count minus `steps`).
 * @example
 * ```ts
 * tg.optim.warmup({ steps: 500, target: tg.optim.cosineDecay({ lr: 1e-3, steps: 10000 }) });
 * ```
 */
export function warmup(opts: { steps: number; target: LearningRate; from?: number }): Schedule {
  const from = opts.from ?? 0;
  check("warmup", "steps", opts.steps, 0);
  return (step) => {
    const after = rateAt(opts.target, asScalar(maximum(sub(step, opts.steps), 0)));
    if (opts.steps === 0) return asScalar(typeof after === "number" ? mul(step, 0) : after);
    const target =
      typeof opts.target === "number" ? opts.target : rateAt(opts.target, asScalar(mul(step, 0)));
    const frac = div(step, opts.steps);
    const ramp = add(mul(sub(target, from), frac), from);
    return asScalar(
      where(
        lt(step, opts.steps),
        ramp,
        typeof after === "number" ? add(mul(step, 0), after) : after,
      ),
    );
  };
}

/**
 * A constant rate, as a schedule.
 * @example
 * ```ts
 * tg.optim.constantSchedule(0.01)(tg.tensor(5)).item(); // 0.01
 * ```
 */
export function constantSchedule(lr: number): Schedule {
  return (step) => asScalar(add(mul(step, 0), lr));
}

/**
 * The rate of a learning rate (number or schedule) at a step number, on the host: for tests,
 * plots and logs.
 * @example
 * ```ts
 * tg.optim.rateAtStep(tg.optim.stepDecay({ lr: 1, every: 10 }), 25); // 0.01
 * ```
 */
export function rateAtStep(lr: LearningRate, step: number): number {
  if (typeof lr === "number") return lr;
  return lr(constantStep(step)).item();
}

const constantStep = (n: number): Scalar => constant([n], [], "f32") as Scalar;
