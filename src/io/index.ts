/**
 * `tg.io`: saving and loading weights (safetensors; PyTorch state_dicts with `loadTorch`/`saveTorch`),
 * ONNX export (`exportOnnx`), and the typed `LoadError` of every loader.
 * @example
 * ```ts
 * const params = tg.nn.dense(3, 2).init(tg.random.key(0));
 * const bytes = tg.io.saveSafetensors(params);
 * const back = tg.io.loadSafetensors(bytes, params); // Either<LoadError, typeof params>
 * ```
 * @module
 */
export type { Either, Left, Right, TaskEither } from "./either.js";
export { type LoadError, type LoadErrorKind, LoadFailure, loadError } from "./load-error.js";
export {
  type LoadSafetensorsOptions,
  loadSafetensors,
  parseSafetensors,
  readSafetensors,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsFile,
  saveSafetensors,
} from "./safetensors.js";
export { flattenTree, mapTree } from "./tree.js";
export { type ExportOnnxOptions, exportOnnx, exportOnnxWith } from "./onnx/export.js";
export { OnnxExportError } from "./onnx/ops.js";
export { loadTorch, saveTorch, type TorchOptions } from "./torch.js";
