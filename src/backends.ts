/**
 * Installs the built-ins, before anything else of the package runs: the backends (wasm, the
 * default, and the float64 reference), the primitive rule table and the program interpreters
 * (both installed into the IR from above; see `src/ir/rules.ts`).
 * @module
 */
import "./prims/table.js";
import "./transforms/interpreters.js";
import { registerBackend } from "./backend/registry.js";
import { referenceBackend } from "./backend/reference.js";
import { wasmBackend } from "./backend/wasm/backend.js";

registerBackend(wasmBackend);
registerBackend(referenceBackend);
