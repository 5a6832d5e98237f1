/**
 * Who wants to hear of each concrete tensor as it is made: `tidy` (to free what its function
 * made and did not return) and `debug.leaks` (to report what is still alive). Tracing and the
 * library's own caches make tensors `untracked`, so that no scope frees a captured constant.
 * @module
 */

/** A listener for new concrete tensors. */
export type TensorListener = (t: object) => void;

const listeners: TensorListener[] = [];
let paused = 0;

/**
 * Tells every active listener of a new concrete tensor (called by the Tensor constructor).
 * @example
 * ```ts
 * const t = tg.zeros([2]); // the Tensor constructor calls trackTensor(t) itself
 * trackTensor(t);
 * ```
 */
export function trackTensor(t: object): void {
  if (paused === 0) for (let i = 0; i < listeners.length; i++) listeners[i](t);
}

/**
 * Listens for new concrete tensors until the returned function is called.
 * @example
 * ```ts
 * const made: object[] = [];
 * const stop = listen((t) => made.push(t));
 * tg.zeros([2]);
 * stop(); // made.length === 1
 * ```
 */
export function listen(f: TensorListener): () => void {
  listeners.push(f);
  return () => {
    const i = listeners.lastIndexOf(f);
    if (i >= 0) listeners.splice(i, 1);
  };
}

/**
 * Whether tracking is paused (the library is making tensors or buffers it holds on purpose).
 * @example
 * ```ts
 * untracked(() => trackingPaused()); // true
 * ```
 */
export function trackingPaused(): boolean {
  return paused > 0;
}

/**
 * Runs `fn` with tracking paused: tensors it makes belong to no scope (tracing, caches).
 * @example
 * ```ts
 * const cached = untracked(() => tg.scalar(2));
 * ```
 */
export function untracked<R>(fn: () => R): R {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

let dataDepth = 0;

/**
 * Runs `fn`, whose tensors are loaded data held on purpose (a data set): the one-time warning about
 * a synchronous job that holds more than 256 MiB of tensors does not count them.
 * @example
 * ```ts
 * const images = loadingData(() => tg.zeros([60000, 784]));
 * ```
 */
export function loadingData<R>(fn: () => R): R {
  dataDepth++;
  try {
    return fn();
  } finally {
    dataDepth--;
  }
}

/**
 * Whether tensors made now are loaded data (inside {@link loadingData}).
 * @example
 * ```ts
 * loadingData(() => makingData()); // true
 * ```
 */
export function makingData(): boolean {
  return dataDepth > 0;
}
