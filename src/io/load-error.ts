/**
 * The typed error every loader and decoder returns (inside an fp-ts `Either`) when its input is bad.
 *
 * @example
 * ```ts
 * import * as E from "fp-ts/lib/Either.js";
 * const r = tg.data.loadIdx("missing.idx");
 * if (E.isLeft(r)) console.log(r.left.kind, r.left.message); // "missing-file", "…"
 * ```
 * @module
 */

/** What went wrong while loading. */
export type LoadErrorKind =
  /** The file does not exist (or cannot be read). */
  | "missing-file"
  /** A magic number, header or declared layout is wrong. */
  | "bad-header"
  /** The input ends before the data its header announces. */
  | "truncated"
  /** A value could not be parsed (a non-numeric CSV cell, bad JSON…). */
  | "parse"
  /** Rows of different lengths (a ragged CSV). */
  | "ragged"
  /** A tensor's shape or dtype differs from the expected one. */
  | "shape-mismatch"
  /** An expected entry (a column, a tensor key) is absent. */
  | "missing-key"
  /** An entry that was not expected (a tensor key absent from the template). */
  | "unexpected-key"
  /** The input uses a feature this loader does not support (an IDX or safetensors dtype…). */
  | "unsupported"
  /** A package or runtime facility the loader needs is not available. */
  | "unavailable"
  /** An argument or option of the loader is invalid (not bytes or text, an unknown dtype…). */
  | "bad-argument"
  /** A value does not fit the dtype it is converted to (an integer beyond i32, a bool byte of 7…). */
  | "out-of-range";

/**
 * A loader's error: its kind, the file when there is one, and a message a person can act on.
 * @example
 * ```ts
 * const e: LoadError = { kind: "truncated", path: "a.idx", message: "a.idx: 10 bytes, expected 16" };
 * ```
 */
export interface LoadError {
  readonly kind: LoadErrorKind;
  /** The file involved, if the input came from a file. */
  readonly path?: string;
  /** 1-based line of a text input, if known. */
  readonly line?: number;
  /** What went wrong, and when possible what to do about it. */
  readonly message: string;
}

/**
 * Makes a `LoadError`; the message is prefixed with the path when there is one.
 * @example
 * ```ts
 * loadError("bad-header", "magic number 0x0000 is not IDX", "x.idx").message; // "x.idx: magic number…"
 * ```
 */
export function loadError(
  kind: LoadErrorKind,
  message: string,
  path?: string,
  line?: number,
): LoadError {
  const where = path ? `${path}${line ? `:${line}` : ""}: ` : line ? `line ${line}: ` : "";
  const e: { -readonly [K in keyof LoadError]: LoadError[K] } = { kind, message: where + message };
  if (path !== undefined) e.path = path;
  if (line !== undefined) e.line = line;
  return e;
}

/**
 * An `Error` that carries a `LoadError`, thrown by the few loaders whose public form is not an
 * `Either` (such as `tg.data.mnist()`).
 * @example
 * ```ts
 * try { tg.data.mnist({ dir: "/nowhere" }); } catch (e) { if (e instanceof LoadFailure) e.error.kind; }
 * ```
 */
export class LoadFailure extends Error {
  override name = "LoadFailure";
  constructor(
    /** The typed error. */
    readonly error: LoadError,
  ) {
    super(error.message);
  }
}
