/**
 * A module Web Worker that loads typegrad (bundled by browser.test.ts), says "ready", then runs
 * the checks on the input it is posted: typegrad used from inside a worker, where the pool's
 * caller may block in `Atomics.wait`.
 * @module
 */
import { runChecks } from "./checks.js";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = (e: MessageEvent) => {
  try {
    scope.postMessage({ ok: runChecks(e.data) });
  } catch (err) {
    scope.postMessage({ error: String((err as Error).stack ?? err) });
  }
};
scope.postMessage("ready");
