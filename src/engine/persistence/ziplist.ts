/**
 * Ziplists (ziplist.c), read-only: the small-collection encoding of Redis up to 6.2. Redis 7.0 no longer writes
 * them but still loads them from older DUMP payloads and RDB files (RDB types LIST_ZIPLIST, ZSET_ZIPLIST,
 * HASH_ZIPLIST and the ziplist nodes of LIST_QUICKLIST), converting them to listpacks.
 *
 * Layout: 4-byte total size, 4-byte offset of the last entry, 2-byte count (65535: unknown), entries, 0xFF.
 * An entry is <prevlen: 1 byte, or 0xFE + 4 bytes> <encoding> <data>. Encodings: 00llllll, 01llllll llllllll
 * (big-endian) and 0x80 + 4 bytes big-endian for strings; 0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24,
 * 0xFE int8 (little-endian); 0xF1..0xFD the values 0..12 themselves.
 */
import { bytesToByteString, type ByteString } from '../types/bytes.ts';

const HEADER_SIZE = 10;
const ZIP_END = 0xff;
const BIG_PREVLEN = 254;

/**
 * The elements of a ziplist, integers as decimal text; null when it does not pass ziplistValidateIntegrity
 * with `deep` (sizes, prevlens, the tail offset and the count all consistent).
 */
export function decodeZiplist(zl: Uint8Array): ByteString[] | null {
  const size = zl.length;
  if (size < HEADER_SIZE + 1) return null;
  const u32 = (at: number) => (zl[at] | (zl[at + 1] << 8) | (zl[at + 2] << 16)) + zl[at + 3] * 2 ** 24;
  if (u32(0) !== size) return null;
  if (zl[size - 1] !== ZIP_END) return null;
  const tail = u32(4);
  if (tail > size - 1) return null;
  const headerCount = zl[8] | (zl[9] << 8);
  const last = size - 1; // the terminator: nothing may reach past it
  const out: ByteString[] = [];
  let p = HEADER_SIZE;
  let prevSize = 0;
  let prev = -1;
  while (zl[p] !== ZIP_END) {
    // prevlen
    let q = p;
    let prevlen: number;
    if (zl[q] < BIG_PREVLEN) {
      prevlen = zl[q];
      q += 1;
    } else {
      if (q + 5 > last) return null;
      prevlen = u32(q + 1);
      q += 5;
    }
    if (prevlen !== prevSize) return null;
    if (q > last) return null;
    const enc = zl[q];
    let value: ByteString;
    let entryEnd: number;
    if (enc < 0xc0) {
      // string
      const kind = enc >> 6;
      let len: number;
      let hdr: number;
      if (kind === 0) {
        len = enc & 0x3f;
        hdr = 1;
      } else if (kind === 1) {
        if (q + 1 > last) return null;
        len = ((enc & 0x3f) << 8) | zl[q + 1];
        hdr = 2;
      } else if (enc === 0x80) {
        if (q + 4 > last) return null;
        len = zl[q + 1] * 2 ** 24 + ((zl[q + 2] << 16) | (zl[q + 3] << 8) | zl[q + 4]);
        hdr = 5;
      } else {
        return null;
      }
      entryEnd = q + hdr + len;
      if (entryEnd > last) return null;
      value = bytesToByteString(zl, q + hdr, entryEnd);
    } else {
      let n: number;
      if (enc === 0xc0) n = 2;
      else if (enc === 0xd0) n = 4;
      else if (enc === 0xe0) n = 8;
      else if (enc === 0xf0) n = 3;
      else if (enc === 0xfe) n = 1;
      else if (enc >= 0xf1 && enc <= 0xfd) n = 0;
      else return null;
      entryEnd = q + 1 + n;
      if (entryEnd > last) return null;
      if (n === 0) value = String((enc & 0x0f) - 1);
      else {
        let u = 0n;
        for (let i = n - 1; i >= 0; i--) u = (u << 8n) | BigInt(zl[q + 1 + i]);
        value = BigInt.asIntN(n * 8, u).toString();
      }
    }
    out.push(value);
    prevSize = entryEnd - p;
    prev = p;
    p = entryEnd;
  }
  if (p !== last) return null;
  if (prev !== -1 && prev !== tail) return null;
  if (headerCount !== 0xffff && headerCount !== out.length) return null;
  return out;
}
