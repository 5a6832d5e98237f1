/**
 * Installs the program interpreters into the IR, for the higher-order primitives (`scan`,
 * `custom_vjp`, `fused`) whose rules run their bodies: prims reach transforms through the IR's
 * registry instead of importing them, so imports point one way.
 * @module
 */
import { installInterpreters } from "../ir/rules.js";
import { evalProgram } from "./eval.js";
import { jvpProgram } from "./jvp.js";
import { vjpProgram } from "./vjp.js";
import { vmapProgram } from "./vmap.js";

installInterpreters({ evalProgram, jvpProgram, vjpProgram, vmapProgram });
