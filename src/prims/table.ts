/**
 * The one table of primitive rules, typed over the whole primitive enum: a primitive without a
 * rule is a compile error. Loading this module installs it into the IR (`src/ir/rules.ts`).
 * @module
 */
import type { RuleTable } from "../ir/primitive.js";
import { installRules } from "../ir/rules.js";
import { controlRules } from "./control.js";
import { convRules } from "./conv.js";
import { elementwiseRules } from "./elementwise.js";
import { fusedRules } from "./fused.js";
import { indexingRules } from "./indexing.js";
import { linalgRules } from "./linalg.js";
import { movementRules } from "./movement.js";
import { randomRules } from "./random.js";
import { reduceRules } from "./reduce.js";

/** Every primitive's rules, gathered once and installed into the IR. */
const table: RuleTable = {
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
installRules(table);

export { rules } from "../ir/rules.js";
