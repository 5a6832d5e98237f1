/**
 * The platform globals that typegrad's published typings mention, declared here so that a project
 * compiles them with any `lib` (`["es2022"]` alone, without DOM or ESNext.Disposable) and without
 * `@types/node`. Each declaration merges with the one from DOM, ESNext.Disposable or
 * `@types/node` when those are present: `Symbol.dispose` is declared exactly as they declare it,
 * and the WebAssembly types are empty interfaces (typegrad only passes them around).
 *
 * @example
 * ```ts
 * // tsconfig: { "compilerOptions": { "lib": ["es2022"], "types": [], "strict": true } }
 * import * as tg from "typegrad";
 * const t = tg.zeros([3]);
 * t[Symbol.dispose](); // the same as t.dispose()
 * ```
 * @module
 */
declare global {
  interface SymbolConstructor {
    /** The method `using` calls at the end of a block (ECMAScript explicit resource management). */
    readonly dispose: unique symbol;
  }
  namespace WebAssembly {
    /** A wasm linear memory (DOM's declaration adds `buffer` and `grow`). */
    interface Memory {}
    /** A compiled wasm module. */
    interface Module {}
    /** A wasm global variable. */
    interface Global {}
  }
}
export {};
