/**
 * The type-level shape algebra, in one import: decimal arithmetic on size literals, broadcasting,
 * matmul, reshape, axes, joins, convolution and pooling, and shapes of nested array literals.
 *
 * @example
 * ```ts
 * import type { MatMul, Reshape } from "typegrad";
 * type Y = MatMul<[32, 784], [784, 10]>; // [32, 10]
 * type F = Reshape<[8, 7, 7, 64], [8, -1]>; // [8, 3136]
 * ```
 * @module
 */
export type {
  Add,
  AllLit,
  CeilDiv,
  Compare,
  DimAdd,
  DimCompare,
  DimProduct,
  DimSub,
  FloorDiv,
  IsLiteral,
  Mul,
  Product,
  Sub,
  Sum,
} from "./arith.js";
export type {
  Axes,
  ExpandDims,
  Gather,
  NormAxis,
  OneHot,
  Permute,
  Reduce,
  Squeeze,
} from "./axes.js";
export type { Conv2d, OutSize, Padding, Pool2d, Stride2d } from "./conv.js";
export type {
  Broadcast,
  Check,
  Fits,
  FitsK,
  Fmt,
  Is,
  KindOf,
  Kinds,
  KnownRank,
  Named,
  NotScalar,
  Ok,
  Same,
  ShapeMismatch,
  ShapesFit,
} from "./dims.js";
export type { DTypeCheck, FloatDType, NumericDType } from "./dtype.js";
export type { BroadcastTo, Concat, Pad, Slice, Stack } from "./join.js";
export type { MatMul } from "./matmul.js";
export type { Nested, NestedShape } from "./nested.js";
export type { Flatten, Reshape } from "./reshape.js";
