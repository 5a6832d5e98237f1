// Compiles the TypeScript sources to dist/ with tsc 7 and copies the committed kernels beside the loader.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript-7", "bin", "tsc");
if (!existsSync(tsc)) {
  console.log("build: typescript-7 is not installed (a consumer install); skipping.");
  process.exit(0);
}
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
const out = join(root, "dist", "src", "backend", "wasm");
mkdirSync(out, { recursive: true });
for (const f of [
  "typegrad.wasm",
  "typegrad-mt.wasm",
  "typegrad-relaxed.wasm",
  "typegrad-mt-relaxed.wasm",
]) {
  copyFileSync(join(root, "src", "backend", "wasm", f), join(out, f));
}
