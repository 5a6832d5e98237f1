/**
 * A symbolic batch size for export. A function is traced at three batch sizes; every size or
 * param that changes between the traces is an affine function `k·batch + c` of the batch size
 * (checked on the third trace), and everything else is static. The ONNX graph then computes those
 * sizes from its input's shape at run time, so one exported file serves any batch size.
 * @example
 * ```ts
 * const f = tg.makeProgram((x: tg.Tensor<[number, 784]>) => tg.relu(x));
 * const [p2, p3, p5] = [f(tg.zeros([2, 784])), f(tg.zeros([3, 784])), f(tg.zeros([5, 784]))];
 * const info = symbolicBatch([p2, p3, p5], [2, 3, 5]); // the programs of f at batch sizes 2, 3, 5
 * info.shapeOf(p2.inputs[0]); // [{ k: 1, c: 0 }, 784]
 * ```
 * @module
 */
import type { Eqn, Program, Var } from "../../ir/program.js";
import { ShapeError } from "../../shape/errors.js";

/** A size that depends on the batch size: `k·batch + c`. */
export interface Affine {
  readonly k: number;
  readonly c: number;
}
/** A size: a number, or an affine function of the batch size. */
export type SDim = number | Affine;

/** `k·batch + c` (a plain number when k is 0). */
export function affine(k: number, c: number): SDim {
  return k === 0 ? c : { k, c };
}

/** The `dim_param` name of a symbolic size: `batch`, `2*batch`, `batch+1`. */
export function fmtDim(d: Affine): string {
  const s = d.k === 1 ? "batch" : `${d.k}*batch`;
  return d.c === 0 ? s : `${s}${d.c > 0 ? "+" : ""}${d.c}`;
}

/** A params record with some numbers replaced by symbolic sizes. */
export type Symbolic<T> = T extends number
  ? SDim
  : T extends Program | ((...a: never[]) => unknown)
    ? T
    : T extends readonly (infer U)[]
      ? readonly Symbolic<U>[]
      : T extends object
        ? { readonly [K in keyof T]: Symbolic<T[K]> }
        : T;

/** What the export knows about the sizes of a traced program. */
export interface ShapeInfo {
  /** The shape of a variable (of the program or of a nested body). */
  shapeOf(v: Var): readonly SDim[];
  /** The params of an equation, with batch-dependent numbers symbolic. */
  paramsOf(e: Eqn): unknown;
  /** For a captured constant whose shape depends on the batch size: its single repeated value. */
  uniformValue(v: Var): number | undefined;
  /** Whether any size depends on the batch size. */
  readonly dynamic: boolean;
}

/**
 * The static sizes of one traced program (the batch size stays fixed).
 * @example
 * ```ts
 * const program = tg.makeProgram((x: tg.Tensor<[32, 784]>) => tg.relu(x))(tg.zeros([32, 784]));
 * staticShapes(program).shapeOf(program.inputs[0]); // [32, 784]
 * ```
 */
export function staticShapes(_p: Program): ShapeInfo {
  return {
    shapeOf: (v) => v.aval.shape,
    paramsOf: (e) => e.params,
    uniformValue: () => undefined,
    dynamic: false,
  };
}

/**
 * Compares the programs of one function traced at the batch sizes `sizes` (three distinct ones)
 * and finds which sizes and params follow the batch size. Throws when the programs differ in
 * structure or a number changes other than affinely.
 * @example
 * ```ts
 * const f = tg.makeProgram((x: tg.Tensor<[number, 4]>) => tg.sum(x, 1));
 * const info = symbolicBatch([f(tg.zeros([2, 4])), f(tg.zeros([3, 4])), f(tg.zeros([5, 4]))], [2, 3, 5]);
 * ```
 */
export function symbolicBatch(programs: readonly Program[], sizes: readonly number[]): ShapeInfo {
  const shapes = new Map<Var, SDim[]>();
  const params = new Map<Eqn, unknown>();
  const uniform = new Map<Var, number>();
  let dynamic = false;
  const [b0, b1, b2] = sizes;

  const num = (xs: number[], where: string): SDim => {
    if (xs[0] === xs[1] && xs[1] === xs[2]) return xs[0];
    const k = (xs[1] - xs[0]) / (b1 - b0);
    const c = xs[0] - k * b0;
    if (!Number.isInteger(k) || !Number.isInteger(c) || xs[2] !== k * b2 + c)
      throw new ShapeError(
        "exportOnnx",
        `${where} is ${xs.join(", ")} at batch sizes ${sizes.join(", ")}: not an affine function of the batch size (export with { dynamicBatch: false })`,
      );
    dynamic = true;
    return affine(k, c);
  };

  const value = (xs: unknown[], where: string): unknown => {
    const [x] = xs;
    if (typeof x === "number") return num(xs as number[], where);
    if (Array.isArray(x)) {
      if (xs.some((y) => !Array.isArray(y) || y.length !== x.length))
        throw differ(where, "list lengths");
      return x.map((_, i) =>
        value(
          xs.map((y) => (y as unknown[])[i]),
          `${where}[${i}]`,
        ),
      );
    }
    if (x && typeof x === "object" && "eqns" in x && "inputs" in x) {
      program(xs as Program[], where);
      return x;
    }
    if (typeof x === "function") return x;
    if (x && typeof x === "object") {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(x))
        o[k] = value(
          xs.map((y) => (y as Record<string, unknown>)[k]),
          `${where}.${k}`,
        );
      return o;
    }
    if (xs.some((y) => y !== x)) throw differ(where, "values");
    return x;
  };

  const vars = (vs: (readonly Var[])[], where: string) => {
    if (vs.some((v) => v.length !== vs[0].length)) throw differ(where, "variable counts");
    vs[0].forEach((v, i) => {
      const ws = vs.map((l) => l[i]);
      if (
        ws.some((w) => w.aval.dtype !== v.aval.dtype || w.aval.shape.length !== v.aval.shape.length)
      )
        throw differ(`${where} ${i}`, "dtypes or ranks");
      shapes.set(
        v,
        v.aval.shape.map((_, d) =>
          num(
            ws.map((w) => w.aval.shape[d]),
            `${where} ${i} axis ${d}`,
          ),
        ),
      );
    });
  };

  const program = (ps: Program[], where: string) => {
    const [p] = ps;
    vars(
      ps.map((q) => q.inputs),
      `${where} input`,
    );
    vars(
      ps.map((q) => q.constVars),
      `${where} constant`,
    );
    p.constVars.forEach((v, i) => {
      const sh = shapes.get(v) ?? [];
      if (sh.every((d) => typeof d === "number")) return;
      const data = p.consts[i].dataSync() as ArrayLike<number>;
      const first = data[0];
      for (let j = 1; j < data.length; j++)
        if (!Object.is(data[j], first))
          throw new ShapeError(
            "exportOnnx",
            `${where}: a captured constant of shape [${p.consts[i].shape.join(", ")}] follows the batch size but is not filled with one value`,
          );
      uniform.set(v, Number(first));
    });
    if (ps.some((q) => q.eqns.length !== p.eqns.length)) throw differ(where, "equation counts");
    p.eqns.forEach((e, i) => {
      const es = ps.map((q) => q.eqns[i]);
      if (es.some((f) => f.prim !== e.prim)) throw differ(`${where} equation ${i}`, "primitives");
      params.set(
        e,
        value(
          es.map((f) => f.params),
          `${e.prim} (equation ${i}) params`,
        ),
      );
      vars(
        es.map((f) => f.outputs),
        `${e.prim} (equation ${i}) output`,
      );
    });
    vars(
      ps.map((q) => q.outputs),
      `${where} output`,
    );
  };

  program([...programs], "program");
  return {
    shapeOf: (v) => shapes.get(v) ?? v.aval.shape,
    paramsOf: (e) => params.get(e) ?? e.params,
    uniformValue: (v) => uniform.get(v),
    dynamic,
  };
}

function differ(where: string, what: string): ShapeError {
  return new ShapeError(
    "exportOnnx",
    `the traces at different batch sizes differ in ${what} at ${where}, so the batch size cannot stay symbolic (export with { dynamicBatch: false })`,
  );
}
