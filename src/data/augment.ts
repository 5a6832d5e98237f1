/**
 * Image augmentation keyed by an explicit random key: random shifts, horizontal flips and Gaussian
 * noise, drawn independently for each image of a batch.
 * @module
 */
import { DTypeError, ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { allocFilled } from "./host.js";
import { fastStream, type Key, keyWords } from "./rng.js";

/** Options of `augment`: each transformation is off unless given. */
export interface AugmentOptions {
  /** Shift each image by a random whole number of pixels in `[-shift, shift]` along each axis, filling with `fill`. */
  shift?: number;
  /** Mirror each image left–right with probability 1/2. */
  flip?: boolean;
  /** Add Gaussian noise of this standard deviation to every pixel. */
  noise?: number;
  /** The value that shifted-in pixels take. Default 0. */
  fill?: number;
  /** Clip the result to `[lo, hi]` (for example `[0, 1]` after noise). */
  clip?: readonly [number, number];
}

/**
 * A randomly transformed copy of a batch of images, `[N, H, W]` or `[N, H, W, C]` (NHWC). Each image
 * gets its own shift, flip and noise, drawn from `key`; the same key gives the same result.
 * @example
 * ```ts
 * const [step, x] = [3, tg.zeros([8, 28, 28, 1])];
 * const xa = tg.data.augment(tg.random.key(step), x, { shift: 2, flip: true, noise: 0.05, clip: [0, 1] });
 * ```
 */
export function augment<S extends Shape>(
  key: Key,
  images: Tensor<S, "f32">,
  options: AugmentOptions,
): Tensor<S, "f32">;
export function augment(key: Key, images: AnyTensor, options: AugmentOptions): AnyTensor;
export function augment(key: Key, images: AnyTensor, options: AugmentOptions): AnyTensor {
  const s = images.shape;
  if (s.length !== 3 && s.length !== 4) {
    throw new ShapeError(
      "augment",
      `expected images [N, H, W] or [N, H, W, C], got [${s.join(", ")}]`,
    );
  }
  if (images.dtype !== "f32" && images.dtype !== "f64") {
    throw new DTypeError("augment", `images must be floating point, got ${images.dtype}`);
  }
  const [n, h, w] = s;
  const c = s.length === 4 ? s[3] : 1;
  const shift = Math.floor(options.shift ?? 0);
  const noise = options.noise ?? 0;
  const fill = options.fill ?? 0;
  const words = keyWords(key, "augment");
  const src = images.dataSync();
  const img = h * w * c;
  return allocFilled(s, images.dtype, (out) => {
    for (let k = 0; k < n; k++) {
      const r = fastStream(words, k);
      const dy = shift > 0 ? r.int(2 * shift + 1) - shift : 0;
      const dx = shift > 0 ? r.int(2 * shift + 1) - shift : 0;
      const flip = options.flip ? r.bits() >= 2 ** 31 : false;
      const base = k * img;
      for (let y = 0; y < h; y++) {
        const sy = y - dy;
        for (let x = 0; x < w; x++) {
          // Output pixel (y, x) comes from the flipped image at (y − dy, x − dx).
          const fx = x - dx;
          const sx = flip ? w - 1 - fx : fx;
          const o = base + (y * w + x) * c;
          const inside = sy >= 0 && sy < h && fx >= 0 && fx < w;
          for (let ch = 0; ch < c; ch++) {
            let v = inside ? src[base + (sy * w + sx) * c + ch] : fill;
            if (noise > 0) v += noise * r.normal();
            if (options.clip) v = Math.min(options.clip[1], Math.max(options.clip[0], v));
            out[o + ch] = v;
          }
        }
      }
    }
  });
}
