// Lists the types that a published declaration mentions but the package does not export, so that a
// consumer cannot name them (TS2883 under `declaration: true`, or no way to annotate a variable).
// Usage: node scripts/check-exports.mjs <index.d.ts> [<typescript module dir>] [--allow A,B]
// Walks every symbol reachable from the entry (namespaces such as `nn` included), reads the type
// references in their declarations, and reports each one declared in the package but exported
// under no name. Members marked `@internal`, the bodies of type aliases and conditional types
// (type-level computations, whose helpers a consumer never needs to name) are skipped.
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";

const args = process.argv.slice(2);
const at = args.indexOf("--allow");
const allowed = new Set(at >= 0 ? args.splice(at, 2)[1].split(",") : []);
const [entry, tsDir] = args;
const require = createRequire(import.meta.url);
const ts = require(tsDir ?? "typescript");
const pkgDir = dirname(resolve(entry));
const program = ts.createProgram([entry], {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  noEmit: true,
});
const checker = program.getTypeChecker();
const resolveAlias = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
const inPackage = (s) =>
  (s.declarations ?? []).some((d) => resolve(d.getSourceFile().fileName).startsWith(pkgDir));

const exported = new Set();
const visit = [];
const walkModule = (mod, path) => {
  for (const e of checker.getExportsOfModule(mod)) {
    const s = resolveAlias(e);
    if (exported.has(s)) continue;
    exported.add(s);
    visit.push([s, `${path}${e.name}`]);
    if (s.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule))
      walkModule(s, `${path}${e.name}.`);
  }
};
walkModule(checker.getSymbolAtLocation(program.getSourceFile(entry)), "");

const internal = (node) => ts.getJSDocTags(node).some((t) => t.tagName.text === "internal");
const missing = new Map();
for (const [sym, name] of visit) {
  for (const decl of sym.declarations ?? []) {
    if (ts.isSourceFile(decl) || ts.isModuleDeclaration(decl)) continue;
    const walk = (node) => {
      if (node !== decl && internal(node)) return;
      if (ts.isTypeAliasDeclaration(node) || ts.isConditionalTypeNode(node)) return;
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const id = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
        const at = ts.isQualifiedName(id)
          ? id.right
          : ts.isPropertyAccessExpression(id)
            ? id.name
            : id;
        const s0 = checker.getSymbolAtLocation(at);
        const s = s0 && resolveAlias(s0);
        if (
          s &&
          !(s.flags & ts.SymbolFlags.TypeParameter) &&
          inPackage(s) &&
          !exported.has(s) &&
          !allowed.has(s.name)
        ) {
          const where = `${s.name} (${dirname(s.declarations[0].getSourceFile().fileName).slice(pkgDir.length + 1) || "."})`;
          if (!missing.has(where)) missing.set(where, new Set());
          missing.get(where).add(name);
        }
      }
      ts.forEachChild(node, walk);
    };
    walk(decl);
  }
}
for (const [t, users] of missing)
  console.log(`not exported: ${t}, used by ${[...users].slice(0, 6).join(", ")}`);
console.log(`check-exports: ${exported.size} exported symbols, ${missing.size} types not exported`);
if (missing.size)
  console.log("check-exports: export each from src/index.ts or from its namespace's index.ts");
process.exit(missing.size ? 1 : 0);
