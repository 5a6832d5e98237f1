/**
 * `tg.text`: tokenizing, vocabularies, bag-of-words vectors, cosine similarity and word2vec.
 * @example
 * ```ts
 * const tokens = tg.text.tokenize("The quick brown fox…");
 * const vocab = tg.text.vocabulary(tokens, { maxSize: 10000, minCount: 2 });
 * ```
 * @module
 */
export { type BagOfWordsOptions, bagOfWords } from "./bag-of-words.js";
export { cosineSimilarity } from "./similarity.js";
export type { Vec } from "./similarity.js";
export { type TokenizeOptions, tokenize } from "./tokenize.js";
export { UNK, type Vocabulary, type VocabularyOptions, vocabulary } from "./vocabulary.js";
export { type Word2Vec, type Word2VecOptions, word2vec } from "./word2vec.js";
