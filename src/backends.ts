/**
 * Registers the built-in backends: wasm (the default) and the float64 reference.
 * @module
 */
import { registerBackend } from "./backend/registry.js";
import { referenceBackend } from "./backend/reference.js";
import { wasmBackend } from "./backend/wasm/backend.js";

registerBackend(wasmBackend);
registerBackend(referenceBackend);
