/** Registers the reference backend for the data, text, io and metrics tests (idempotent). */
import { registerBackend } from "../../src/backend/registry.js";
import { referenceBackend } from "../../src/backend/reference.js";

registerBackend(referenceBackend);
