/**
 * The one table of primitive rules, typed over the whole primitive enum: a primitive without a
 * rule is a compile error.
 * @module
 */
import type { RuleTable } from "../ir/primitive.js";
import { controlRules } from "./control.js";
import { convRules } from "./conv.js";
import { elementwiseRules } from "./elementwise.js";
import { indexingRules } from "./indexing.js";
import { linalgRules } from "./linalg.js";
import { movementRules } from "./movement.js";
import { randomRules } from "./random.js";
import { reduceRules } from "./reduce.js";

/** Every primitive's rules. */
export const RULES: RuleTable = {
  ...elementwiseRules,
  ...reduceRules,
  ...movementRules,
  ...linalgRules,
  ...convRules,
  ...indexingRules,
  ...randomRules,
  ...controlRules,
};
