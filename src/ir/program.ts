/**
 * The IR: a Program is a typed SSA list of equations over variables with a shape and a dtype.
 *
 * @example
 * ```ts
 * const p = tg.makeProgram((x: tg.Tensor<[3]>) => tg.sum(tg.exp(x)))(tg.zeros([3]));
 * console.log(p.toString());
 * // { lambda a:f32[3] .
 * //   b:f32[3] = exp a
 * //   c:f32[] = reduce_sum[axes=[0]] b
 * //   in c }
 * ```
 * @module
 */
import type { DType } from "../shape/dtype.js";
import { fmt } from "../shape/errors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { ParamsOf, Prim } from "./primitive.js";

/** An abstract value: what is known of a tensor while tracing. */
export interface Aval {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Formats an aval as `f32[2,3]`. */
export function fmtAval(a: Aval): string {
  return `${a.dtype}[${a.shape.join(",")}]`;
}

/** Whether two avals have the same shape and dtype. */
export function sameAval(a: Aval, b: Aval): boolean {
  return (
    a.dtype === b.dtype &&
    a.shape.length === b.shape.length &&
    a.shape.every((d, i) => d === b.shape[i])
  );
}

/** A variable of a Program. Identity is the object; `id` is for printing. */
export class Var {
  constructor(
    readonly id: number,
    readonly aval: Aval,
  ) {}
}

/** One equation: `outputs = prim[params](inputs)`. */
export interface Eqn<P extends Prim = Prim> {
  readonly prim: P;
  readonly inputs: readonly Var[];
  readonly params: ParamsOf<P>;
  readonly outputs: readonly Var[];
  /** The layers it was traced in (`layer 3 › dense`), when a layer made it; see `ir/source.ts`. */
  readonly source?: string;
}

/** A traced function: inputs, captured constants, equations, outputs. */
export class Program {
  constructor(
    readonly inputs: readonly Var[],
    /** Variables bound to the captured constants `consts`, in order. */
    readonly constVars: readonly Var[],
    /** Values captured from outside the traced function (concrete tensors or outer tracers). */
    readonly consts: readonly Tensor[],
    readonly eqns: readonly Eqn[],
    readonly outputs: readonly Var[],
  ) {}

  /** The program in a readable text form, one equation per line. */
  toString(): string {
    const names = new Map<Var, string>();
    const name = (v: Var): string => {
      let n = names.get(v);
      if (n === undefined) {
        n = varName(names.size);
        names.set(v, n);
      }
      return n;
    };
    const decl = (v: Var) => `${name(v)}:${fmtAval(v.aval)}`;
    const lines: string[] = [];
    const consts = this.constVars.length ? `; ${this.constVars.map(decl).join(" ")}` : "";
    lines.push(`{ lambda ${this.inputs.map(decl).join(" ")}${consts} .`);
    for (const e of this.eqns) {
      const ps = fmtParams(e.params as Record<string, unknown>);
      lines.push(
        `  ${e.outputs.map(decl).join(" ")} = ${e.prim}${ps} ${e.inputs.map(name).join(" ")}`,
      );
    }
    lines.push(`  in ${this.outputs.map(name).join(" ")} }`);
    return lines.join("\n");
  }
}

function varName(i: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

function fmtParams(p: Record<string, unknown>): string {
  const entries = Object.entries(p).filter(
    ([, v]) => typeof v !== "function" && !(v instanceof Program),
  );
  if (entries.length === 0) return "";
  return `[${entries.map(([k, v]) => `${k}=${fmtValue(v)}`).join(" ")}]`;
}

function fmtValue(v: unknown): string {
  if (Array.isArray(v) && v.some((x) => typeof x === "object" && x !== null))
    return `[${v.map(fmtValue).join(",")}]`;
  if (Array.isArray(v)) return fmt(v as number[]).replace(/ /g, "");
  // a fused op list entry: op(values)
  if (v && typeof v === "object" && "op" in v && "args" in v)
    return `${String(v.op)}(${(v.args as number[]).join(",")})`;
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}
