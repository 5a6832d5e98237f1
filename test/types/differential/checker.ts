/**
 * Type-checks many generated modules in one TypeScript program (compiler API, TypeScript 6 from
 * the `typescript` devDependency) and reads what the checker decided: each module's errors, and
 * the shape and dtype of its `last` and `out` values. One program shares the work of checking
 * typegrad's own sources across all modules, which is what makes hundreds of programs fast.
 */
import * as path from "node:path";
import ts from "typescript";

/** A size as the checker sees it: a literal, `"number"`, `"param:B"`, or `"other:…"` (unresolved). */
export type TypeDim = number | "number" | `param:${string}` | `other:${string}`;

/** The type of a `Tensor<S, D>` value: its sizes (or `"unknown-rank"`/`"other"`) and dtype. */
export interface TensorType {
  dims: TypeDim[] | "unknown-rank" | "other";
  dtype: string | null;
  text: string;
}

/** What the checker said about one module. */
export interface Checked {
  errors: string[];
  last: TensorType | null;
  out: TensorType | null;
}

const ROOT = path.resolve(import.meta.dirname, "../../..");

function tensorType(checker: ts.TypeChecker, t: ts.Type): TensorType {
  const text = checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation);
  const ref = t as ts.TypeReference;
  const args = (ref.flags & ts.TypeFlags.Object) !== 0 ? checker.getTypeArguments(ref) : [];
  if (args.length < 2) return { dims: "other", dtype: null, text };
  const [s, d] = args;
  let dims: TensorType["dims"] = "other";
  if (checker.isTupleType(s)) {
    dims = checker.getTypeArguments(s as ts.TypeReference).map((e): TypeDim => {
      if (e.isNumberLiteral()) return e.value;
      if (e.flags & ts.TypeFlags.Number) return "number";
      if (e.flags & ts.TypeFlags.TypeParameter) return `param:${e.symbol?.name}`;
      return `other:${checker.typeToString(e)}`;
    });
  } else if (checker.isArrayType(s)) dims = "unknown-rank";
  return { dims, dtype: d.isStringLiteral() ? d.value : null, text };
}

/**
 * Checks `sources` as modules in `test/types/differential/` and reads each one's results; `files`
 * (paths from the repository root) join the same program, for `fileErrors`.
 */
export function checkAll(sources: readonly string[], files: readonly string[] = []): Checked[] {
  const { program, names } = programOf(
    sources,
    files.map((f) => path.join(ROOT, f)),
  );
  lastProgram = program;
  const checker = program.getTypeChecker();
  return names.map((n) => {
    const sf = program.getSourceFile(n);
    if (!sf) throw new Error(`${n} is not in the program`);
    const found: Record<string, TensorType> = {};
    const visit = (node: ts.Node) => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
        const id = node.name.text;
        if (id === "last" || id === "out")
          found[id] = tensorType(checker, checker.getTypeAtLocation(node.name));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    return { errors: errorsOf(program, sf), last: found.last ?? null, out: found.out ?? null };
  });
}

let lastProgram: ts.Program | null = null;

/**
 * The errors TypeScript 6 reports in each of `files` (paths from the repository root), read from
 * the program of the last `checkAll` that included them, or from a new one.
 */
export function fileErrors(files: readonly string[]): string[][] {
  const reuse = lastProgram && files.every((f) => lastProgram?.getSourceFile(path.join(ROOT, f)));
  const program =
    reuse && lastProgram
      ? lastProgram
      : programOf(
          [],
          files.map((f) => path.join(ROOT, f)),
        ).program;
  return files.map((f) => {
    const sf = program.getSourceFile(path.join(ROOT, f));
    if (!sf) throw new Error(`${f} is not in the program`);
    return errorsOf(program, sf);
  });
}

function errorsOf(program: ts.Program, sf: ts.SourceFile): string[] {
  const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  return diags.map((d) => {
    const at =
      d.start === undefined ? "" : `line ${sf.getLineAndCharacterOfPosition(d.start).line + 1}: `;
    return at + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}

function programOf(sources: readonly string[], files: readonly string[]) {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!config) throw new Error("tsconfig.json could not be read");
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, incremental: false };
  const dir = path.join(ROOT, "test/types/differential");
  const names = sources.map((_, i) => path.join(dir, `__generated_${i}.ts`));
  const virtual = new Map(names.map((n, i) => [n, sources[i]]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = virtual.get(path.resolve(name));
    return text !== undefined
      ? ts.createSourceFile(name, text, lang, true)
      : getSourceFile(name, lang, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(path.resolve(name)) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(path.resolve(name)) ?? readFile(name);
  const program = ts.createProgram([...names, ...files], options, host);
  return { program, names };
}
