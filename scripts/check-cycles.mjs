// Lists the import cycles among src/ files (runtime imports: `import type` and `export type` are
// erased and cannot form a cycle at load time). Exits 1 if there is one.
//   node scripts/check-cycles.mjs [--all]   (--all counts type-only imports too)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const all = process.argv.includes("--all");
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) files.push(p);
  }
};
walk(src);
const edges = new Map();
const re = /^\s*(import|export)\s+(type\s+)?(?:[^"';]*?\s+from\s+)?["'](\.{1,2}\/[^"']+)["']/gm;
for (const f of files) {
  const text = readFileSync(f, "utf8");
  const out = new Set();
  for (const m of text.matchAll(re)) {
    if (m[2] && !all) continue;
    // `import { type A, type B } from` is erased too
    const clause = m[0].slice(m[0].indexOf(m[1]) + m[1].length, m[0].lastIndexOf("from"));
    if (
      !all &&
      /^\s*\{[^}]*\}\s*$/.test(clause) &&
      clause
        .replace(/[{}\s]/g, "")
        .split(",")
        .every((s) => s === "" || s.startsWith("type"))
    )
      continue;
    out.add(resolve(dirname(f), m[3].replace(/\.js$/, ".ts")));
  }
  edges.set(
    f,
    [...out].filter((t) => edges.has(t) || files.includes(t)),
  );
}
// Tarjan's strongly connected components
let index = 0;
const idx = new Map(),
  low = new Map(),
  on = new Set(),
  stack = [],
  sccs = [];
const strong = (v) => {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) {
      strong(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      c.push(w);
    } while (w !== v);
    if (c.length > 1) sccs.push(c);
  }
};
for (const f of files) if (!idx.has(f)) strong(f);
if (sccs.length === 0) {
  console.log(
    `check-cycles: no import cycle among ${files.length} files in src/${all ? " (type imports included)" : ""}`,
  );
  process.exit(0);
}
for (const c of sccs)
  console.log(
    `cycle of ${c.length} files: ${c
      .map((f) => relative(src, f))
      .sort()
      .join(", ")}`,
  );
process.exit(1);
