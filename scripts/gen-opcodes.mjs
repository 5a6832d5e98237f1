// Writes wasm/src/opcodes.rs from the op list in src/backend/ops.ts (through the built dist/).
// Run by `npm run gen:opcodes`; test/backend/opcodes.test.ts fails when the file is stale.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { renderOpcodesRs } = await import(join(root, "dist", "src", "backend", "ops.js"));
const file = join(root, "wasm", "src", "opcodes.rs");
writeFileSync(file, renderOpcodesRs());
console.log(`gen-opcodes: wrote ${file}`);
