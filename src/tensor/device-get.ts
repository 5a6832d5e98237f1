/**
 * Bringing data off a device that cannot be read synchronously (JAX's `device_get`).
 * @module
 */
import { getBackend, setBackend } from "../backend/registry.js";
import { constant } from "../prims/constants.js";
import { flatten, unflatten } from "../transforms/pytree.js";
import type { AnyTensor as T } from "./tensor.js";

/**
 * The same pytree (parameters, optimizer state, outputs) with every tensor that lives on a
 * backend without synchronous reads (webgpu) read back and replaced by a copy on the wasm backend;
 * tensors already readable and non-tensor leaves are returned as they are. After it, `dataSync`,
 * `toArray`, the metrics, `saveSafetensors` and the ONNX/PyTorch exporters work on the result.
 * All reads are requested before any is awaited.
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(2));
 * const params = model.init(tg.random.key(0)); // made on webgpu after `await tg.useBackend("webgpu")`
 * const onHost = await tg.deviceGet(params);
 * const bytes = tg.io.saveSafetensors(onHost);
 * ```
 */
export async function deviceGet<R>(tree: R): Promise<R> {
  const [leaves, def] = flatten(tree);
  const readable = (t: T) => t._concrete("deviceGet").backend.readAsync === undefined;
  const data = await Promise.all(leaves.map((t) => (readable(t) ? null : t.data())));
  const device = getBackend();
  setBackend("wasm");
  try {
    return unflatten<R>(
      def,
      leaves.map((t, i) => {
        const d = data[i];
        return d === null ? t : (constant(d, [...t.shape], t.dtype) as T);
      }),
    );
  } finally {
    setBackend(device);
  }
}
