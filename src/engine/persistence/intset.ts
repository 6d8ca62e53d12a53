/**
 * Intsets (intset.c), the encoding of small all-integer sets, byte for byte: a 4-byte encoding (the width of
 * every element: 2, 4 or 8 bytes), a 4-byte count, then the elements in ascending order, all little-endian.
 * The width is the smallest one that holds every element (an intset only ever upgrades, so a set that once held
 * a wider member keeps its width in Redis; the lab's sets do not remember that).
 */
import type { ByteString } from '../types/bytes.ts';

const INT16_MIN = -32768n;
const INT16_MAX = 32767n;
const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;

/** _intsetValueEncoding. */
function widthOf(v: bigint): 2 | 4 | 8 {
  if (v < INT32_MIN || v > INT32_MAX) return 8;
  if (v < INT16_MIN || v > INT16_MAX) return 4;
  return 2;
}

/** The intset holding `members` (canonical integer strings, no duplicates). */
export function encodeIntset(members: Iterable<ByteString>): Uint8Array {
  const values = [...members].map((m) => BigInt(m));
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width: 2 | 4 | 8 = 2;
  for (const v of values) {
    const w = widthOf(v);
    if (w > width) width = w;
  }
  const out = new Uint8Array(8 + values.length * width);
  writeU32(out, 0, width);
  writeU32(out, 4, values.length);
  let p = 8;
  for (const v of values) {
    let u = BigInt.asUintN(width * 8, v);
    for (let i = 0; i < width; i++) {
      out[p++] = Number(u & 0xffn);
      u >>= 8n;
    }
  }
  return out;
}

/**
 * The members of an intset as decimal strings, ascending. Null when malformed (intsetValidateIntegrity with
 * `deep`: a known width, a size that matches the count, at least one element, strictly ascending).
 */
export function decodeIntset(blob: Uint8Array): ByteString[] | null {
  if (blob.length < 8) return null;
  const width = readU32(blob, 0);
  if (width !== 2 && width !== 4 && width !== 8) return null;
  const count = readU32(blob, 4);
  if (8 + count * width !== blob.length) return null;
  if (count === 0) return null;
  const out: ByteString[] = [];
  let prev: bigint | null = null;
  for (let i = 0; i < count; i++) {
    let u = 0n;
    const at = 8 + i * width;
    for (let k = width - 1; k >= 0; k--) u = (u << 8n) | BigInt(blob[at + k]);
    const v = BigInt.asIntN(width * 8, u);
    if (prev !== null && v <= prev) return null;
    prev = v;
    out.push(v.toString());
  }
  return out;
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24;
}
