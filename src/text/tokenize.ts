/**
 * Splitting text into lowercase words, Unicode-aware: letters, marks and digits of any script
 * form words; apostrophes inside a word are kept (`don't`), other punctuation separates.
 * @module
 */

/** Options of `tokenize`. */
export interface TokenizeOptions {
  /** Lowercase the words. Default true. */
  lowercase?: boolean;
  /** Keep apostrophes inside words (`don't` stays one token). Default true. */
  apostrophes?: boolean;
  /** Drop tokens shorter than this. Default 1. */
  minLength?: number;
}

const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const WORD_PLAIN = /[\p{L}\p{M}\p{N}]+/gu;

/**
 * The words of a text, lowercased (NFKC-normalised first, so that `ﬁ` is `fi` and full-width
 * letters are plain ones).
 * @example
 * ```ts
 * tg.text.tokenize("Déjà vu: it's 2 o'clock, ΚΑΛΗΜΕΡΑ!"); // ["déjà", "vu", "it's", "2", "o'clock", "καλημερα"]
 * ```
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  let t = text.normalize("NFKC");
  if (options.lowercase ?? true) t = t.toLowerCase();
  const re = (options.apostrophes ?? true) ? WORD : WORD_PLAIN;
  const words = t.match(re) ?? [];
  const min = options.minLength ?? 1;
  return (min > 1 ? words.filter((w) => [...w].length >= min) : words).map((w) =>
    w.replace(/’/g, "'"),
  );
}
