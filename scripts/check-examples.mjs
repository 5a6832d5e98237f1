// Type-checks every JSDoc `@example` in src/: each ```ts block is appended, in a block (or a
// namespace, when it has import lines or `declare`/`export` statements) of its own, to a virtual
// copy of the module it documents, so it sees `tg` (the package index) and that module's names,
// and must compile under the project's strict settings. `import … from "typegrad"` becomes a use
// of `tg` (and `typegrad/testing` an import of src/testing/index.ts); other imports (node:fs, fp-ts, a sibling module) are imported for that example alone.
// An example that shows a compile error marks the line with `// @ts-expect-error`, which is then
// enforced. Prints the first error of each failing example with its file and line; exits 1 if any
// fails.   node scripts/check-examples.mjs [--quiet]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) files.push(p);
  }
};
walk(src);

/** The ```ts blocks of every JSDoc comment of `file`, with the line each starts on. */
function examples(file) {
  const text = readFileSync(file, "utf8");
  const out = [];
  const re = /\/\*\*[\s\S]*?\*\//g;
  for (const m of text.matchAll(re)) {
    const lines = m[0].split("\n").map((l) => l.replace(/^\s*\*? ?/, ""));
    const startLine = text.slice(0, m.index).split("\n").length;
    let inside = false;
    let block = [];
    let at = 0;
    lines.forEach((l, i) => {
      if (!inside && /^```(ts|typescript)\s*$/.test(l.trim())) {
        inside = true;
        block = [];
        at = startLine + i + 1;
      } else if (inside && l.trim().startsWith("```")) {
        inside = false;
        out.push({ code: block.join("\n"), line: at });
      } else if (inside) block.push(l);
    });
  }
  return out;
}

/** Whether module text `body` declares or imports `name` at its top level (roughly). */
const declares = (body, name) =>
  new RegExp(
    `^(export\\s+)?(declare\\s+)?(type|interface|class|function|const|let|var|enum|namespace)\\s+${name}\\b`,
    "m",
  ).test(body) || new RegExp(`^import\\b[^;]*\\b${name}\\b`, "m").test(body);

const host = ts.createCompilerHost({});
const opts = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.esnext.disposable.d.ts"],
  types: ["node"],
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  noUnusedLocals: false,
};
// one virtual copy of each module with its examples appended, each in a block of its own, so an
// example sees the module's own names and `tg`; line numbers map back to the comment
const shadow = new Map(); // virtual path -> { file, blocks: [{ from, to, line }] }
let count = 0;
for (const f of files) {
  const exs = examples(f);
  if (exs.length === 0) continue;
  const dir = dirname(f);
  let toIndex = relative(dir, join(src, "index.js")).replace(/\\/g, "/");
  if (!toIndex.startsWith(".")) toIndex = `./${toIndex}`;
  const body = readFileSync(f, "utf8");
  let text = `import * as tg from "${toIndex}";\n${body}\n`;
  const blocks = [];
  const typesHoisted = new Set();
  for (const [k, ex] of exs.entries()) {
    // An example with import lines, or with `declare`/`export` statements, goes into a namespace of
    // its own (which still sees the module's names): its imports become aliases (`import x = …`,
    // so types and namespaces come along), the modules they name are imported on the opening line.
    // Any other example goes into a plain block (which, unlike a namespace, allows `await`).
    const importRe = /^\s*import\s+(type\s+)?(.*?)\s+from\s+["']([^"']+)["'];?\s*$/;
    const lines = ex.code.split("\n");
    const wrap = lines.some((l) => importRe.test(l) || /^\s*(export|declare)\s/.test(l));
    const ns = `__example${k}`;
    const hoisted = [];
    const code = lines
      .map((l) => {
        const m = l.match(importRe);
        if (!m) return l;
        const [, , clause0, spec] = m;
        const clause = clause0.trim();
        let from = "tg";
        // a subpath export (`typegrad/testing`) is the index of that folder of src/
        const sub = spec.match(/^typegrad\/([\w-]+)$/);
        if (spec !== "typegrad") {
          const target = sub ? toIndex.replace(/index\.js$/, `${sub[1]}/index.js`) : spec;
          from = `${ns}_${hoisted.length}`;
          const star = /^\*\s+as\s/.test(clause) || /^\{/.test(clause);
          hoisted.push(`import ${star ? "* as " : ""}${from} from "${target}";`);
        }
        const star = clause.match(/^\*\s+as\s+(\w+)$/);
        if (star) return star[1] === from ? "" : `import ${star[1]} = ${from};`;
        const named = clause.match(/^\{(.*)\}$/);
        if (named)
          return named[1]
            .split(",")
            .map((n) => n.trim())
            .filter((n) => n)
            .map((n) => {
              const typeOnly = Boolean(m[1]) || n.startsWith("type ");
              const [a, b = a] = n.replace(/^type\s+/, "").split(/\s+as\s+/);
              // an alias cannot name a type-only export: a type from typegrad is imported at the
              // top of the module instead, unless the module has a name of its own like it
              if (typeOnly && from === "tg" && !typesHoisted.has(b) && !declares(body, b)) {
                typesHoisted.add(b);
                hoisted.push(`import type { ${a} as ${b} } from "${toIndex}";`);
                return "";
              }
              return `import ${b} = ${from}.${a};`;
            })
            .join(" ");
        if (/^\w+$/.test(clause)) return `import ${clause} = ${from};`;
        return l; // anything else is reported as written
      })
      .join("\n");
    const from = text.split("\n").length;
    text += wrap ? `${hoisted.join(" ")} namespace ${ns} {\n${code}\n}\n` : `{\n${code}\n}\n`;
    blocks.push({ from, to: text.split("\n").length, line: ex.line });
    count++;
  }
  const name = join(dir, `__examples__${f.slice(dir.length + 1)}`);
  shadow.set(name, { file: f, blocks, text });
}
console.error(`check-examples: ${count} examples in ${shadow.size} files`);
const getSourceFile = host.getSourceFile;
host.getSourceFile = (name, lang, ...rest) => {
  const v = shadow.get(name);
  if (v) return ts.createSourceFile(name, v.text, lang, true);
  return getSourceFile.call(host, name, lang, ...rest);
};
const fileExists = host.fileExists;
host.fileExists = (name) => shadow.has(name) || fileExists.call(host, name);
const program = ts.createProgram([...shadow.keys()], opts, host);
let failures = 0;
const seen = new Set();
for (const [name, v] of shadow) {
  const sf = program.getSourceFile(name);
  for (const d of ts.getPreEmitDiagnostics(program, sf)) {
    if (!d.file || d.file.fileName !== name || d.start === undefined) continue;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    const b = v.blocks.find((q) => line >= q.from && line < q.to);
    if (!b) continue; // the module itself: checked by npm run typecheck
    const key = `${v.file}:${b.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    failures++;
    if (!process.argv.includes("--quiet"))
      console.log(
        `${relative(root, v.file)}:${b.line + Math.max(0, line - b.from - 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, " ").slice(0, 200)}`,
      );
  }
}
console.log(`check-examples: ${count - failures} of ${count} examples compile, ${failures} fail`);
process.exit(failures > 0 ? 1 : 0);
