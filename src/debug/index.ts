/**
 * Debugging aids: NaN/Inf checks, leak reports, the arena's invariant check and the memory
 * warning switch.
 * @example
 * ```ts
 * tg.debug.nans(true);                        // the first op that makes a NaN or Inf throws
 * const step = () => tg.sum(tg.mul(tg.ones([4]), 2));
 * const found = await tg.debug.leaks(step);   // tensors `step` left alive, and where they were made
 * tg.debug.checkArena();                      // throws if the allocator's bookkeeping is broken
 * ```
 * @module
 */
import { memoryWarning } from "../backend/wasm/buffers.js";
import { arena } from "../backend/wasm/threads.js";

export { memoryWarning };
export { type Leak, leaks } from "./leaks.js";
export { FloatingPointError, nans } from "./nans.js";

/**
 * Checks the wasm arena's invariants (blocks aligned, disjoint, tiling the heap, sizes adding up,
 * free lists sane) and throws an Error naming the first broken one.
 * @example
 * ```ts
 * tg.debug.checkArena();
 * ```
 */
export function checkArena(): void {
  arena.check();
}
