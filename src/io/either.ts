/**
 * The result types of loaders and decoders: `Either` and `TaskEither`, declared here with exactly
 * fp-ts's shape (`{ _tag: "Left", left } | { _tag: "Right", right }`), so every fp-ts function
 * (`E.isLeft`, `E.match`, `pipe`, …) takes them and returns values assignable to them, while the
 * package's published types do not pull in fp-ts's type classes (about a quarter of the cost of
 * type-checking a file that imports typegrad).
 * @example
 * ```ts
 * import * as E from "fp-ts/lib/Either.js";
 * const r: tg.io.Either<tg.io.LoadError, tg.Tensor> = tg.data.loadIdx(new Uint8Array(3));
 * if (E.isLeft(r)) console.log(r.left.message);
 * ```
 * @module
 */

/** A failure holding `left`. */
export interface Left<E> {
  readonly _tag: "Left";
  readonly left: E;
}

/** A success holding `right`. */
export interface Right<A> {
  readonly _tag: "Right";
  readonly right: A;
}

/** A failure `Left<E>` or a success `Right<A>` (fp-ts's `Either`, structurally). */
export type Either<E, A> = Left<E> | Right<A>;

/** A lazy asynchronous `Either` (fp-ts's `TaskEither`, structurally). */
export type TaskEither<E, A> = () => Promise<Either<E, A>>;
