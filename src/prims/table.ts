/**
 * The one table of primitive rules, typed over the whole primitive enum: a primitive without a
 * rule is a compile error.
 * @module
 */
import type { RuleTable } from "../ir/primitive.js";
import { controlRules } from "./control.js";
import { convRules } from "./conv.js";
import { elementwiseRules } from "./elementwise.js";
import { fusedRules } from "./fused.js";
import { indexingRules } from "./indexing.js";
import { linalgRules } from "./linalg.js";
import { movementRules } from "./movement.js";
import { randomRules } from "./random.js";
import { reduceRules } from "./reduce.js";

let table: RuleTable | null = null;

/**
 * Every primitive's rules. Assembled on first use, after all rule modules have loaded (the rule
 * modules and the tracer import each other).
 * @example
 * ```ts
 * rules().exp.abstractEval([{ shape: [2], dtype: "f32" }], {});
 * ```
 */
export function rules(): RuleTable {
  table ??= {
    ...elementwiseRules,
    ...reduceRules,
    ...movementRules,
    ...linalgRules,
    ...convRules,
    ...indexingRules,
    ...randomRules,
    ...controlRules,
    ...fusedRules,
  };
  return table;
}
