/**
 * Regression metrics on the host, as plain numbers: mean squared error, mean absolute error, R².
 * @module
 */
import { ShapeError, fmt } from "../shape/errors.js";
import { type LabelsLike, valuesOf } from "./labels.js";

function pair(op: string, pred: LabelsLike, y: LabelsLike): [ArrayLike<number>, ArrayLike<number>] {
  const p = valuesOf(pred);
  const t = valuesOf(y);
  if (p.data.length !== t.data.length) {
    throw new ShapeError(
      op,
      `prediction ${fmt(p.shape)} and target ${fmt(t.shape)} have different sizes`,
    );
  }
  return [p.data, t.data];
}

/**
 * Mean squared error, `mean((pred − y)²)` over every element.
 * @example
 * ```ts
 * tg.metrics.mse([1, 2, 3], [1, 2, 5]); // 4/3
 * ```
 */
export function mse(pred: LabelsLike, y: LabelsLike): number {
  const [p, t] = pair("mse", pred, y);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - t[i]) ** 2;
  return s / p.length;
}

/**
 * Mean absolute error, `mean(|pred − y|)` over every element.
 * @example
 * ```ts
 * tg.metrics.mae([1, 2, 3], [1, 2, 5]); // 2/3
 * ```
 */
export function mae(pred: LabelsLike, y: LabelsLike): number {
  const [p, t] = pair("mae", pred, y);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - t[i]);
  return s / p.length;
}

/**
 * The coefficient of determination `1 − Σ(y − pred)² / Σ(y − mean(y))²` over every element: 1 for
 * a perfect fit, 0 for predicting the mean, negative when worse. A constant `y` gives 1 for a
 * perfect fit and 0 otherwise (as scikit-learn).
 * @example
 * ```ts
 * tg.metrics.r2([1, 2, 3], [1, 2, 3]); // 1
 * ```
 */
export function r2(pred: LabelsLike, y: LabelsLike): number {
  const [p, t] = pair("r2", pred, y);
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += t[i];
  mean /= t.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < t.length; i++) {
    res += (t[i] - p[i]) ** 2;
    tot += (t[i] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}
