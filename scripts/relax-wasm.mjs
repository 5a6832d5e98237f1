// Turns a kernel module built with the crate's `relaxed` feature into a relaxed SIMD module:
// every call to the imported marker `tg_relaxed.madd` (v128, v128, v128) -> v128 becomes
// `f32x4.relaxed_madd` (0xfd 0x85 0x02), which takes and leaves the same stack.
//
// wasm-ld writes call targets as 5-byte padded LEB128 (relocatable form), so a call is the six
// bytes 0x10 <5-byte index>; the rewrite puts the 3-byte opcode and three `nop`s in their place,
// leaving every size and offset unchanged. The import stays (unused); the loader supplies a
// function that throws. The result is checked: at least one call replaced, and the
// module validates with relaxed SIMD enabled.
//
// Usage: node scripts/relax-wasm.mjs <in.wasm> <out.wasm>
import { readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: node scripts/relax-wasm.mjs <in.wasm> <out.wasm>");
const bytes = new Uint8Array(readFileSync(input));

/** Reads an unsigned LEB128 at `p`: [value, next position]. */
function uleb(p) {
  let value = 0;
  let shift = 0;
  let b;
  do {
    b = bytes[p++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, p];
}

/** Skips a name (length-prefixed UTF-8) at `p`: [string, next position]. */
function name(p) {
  const [len, q] = uleb(p);
  return [new TextDecoder().decode(bytes.subarray(q, q + len)), q + len];
}

/** Skips limits (flags, min, optional max) at `p`. */
function limits(p) {
  const flags = bytes[p];
  let [, q] = uleb(p + 1);
  if (flags & 1) [, q] = uleb(q);
  return q;
}

let marker = -1;
let functionImports = 0;
let code = null;
let p = 8;
while (p < bytes.length) {
  const id = bytes[p];
  const [size, start] = uleb(p + 1);
  if (id === 2) {
    let [count, q] = uleb(start);
    for (; count > 0; count--) {
      let module;
      let field;
      [module, q] = name(q);
      [field, q] = name(q);
      const kind = bytes[q++];
      if (kind === 0) {
        if (module === "tg_relaxed" && field === "madd") marker = functionImports;
        functionImports++;
        [, q] = uleb(q);
      } else if (kind === 1) q = limits(q + 1);
      else if (kind === 2) q = limits(q);
      else if (kind === 3) q += 2;
      else throw new Error(`relax-wasm: unknown import kind ${kind}`);
    }
  } else if (id === 10) code = [start, start + size];
  p = start + size;
}
if (marker < 0) throw new Error(`relax-wasm: ${input} does not import tg_relaxed.madd`);
if (!code) throw new Error(`relax-wasm: ${input} has no code section`);

const call = [0x10, 0x80 | (marker & 0x7f), 0x80 | ((marker >> 7) & 0x7f), 0x80, 0x80, 0x00];
const madd = [0xfd, 0x85, 0x02, 0x01, 0x01, 0x01];
const isCall = (i) => call.every((b, k) => bytes[i + k] === b);
let replaced = 0;
for (let i = code[0]; i + call.length <= code[1]; i++) {
  if (isCall(i)) {
    bytes.set(madd, i);
    replaced++;
    i += call.length - 1;
  }
}
if (replaced === 0) throw new Error(`relax-wasm: no call to tg_relaxed.madd found in ${input}`);

setFlagsFromString("--experimental-wasm-relaxed-simd");
if (!WebAssembly.validate(bytes))
  throw new Error(`relax-wasm: the rewritten ${input} does not validate`);
writeFileSync(output, bytes);
console.log(`relax-wasm: ${replaced} multiply-adds -> f32x4.relaxed_madd in ${output}`);
