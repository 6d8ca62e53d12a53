/**
 * Listpacks (listpack.c), the compact encoding of small hashes, sorted sets and quicklist nodes, byte for byte.
 *
 * Layout: 4-byte total size and 2-byte element count (both little-endian; the count saturates at 65535, meaning
 * "unknown"), the entries, then the terminator 0xFF. Each entry is its encoding (with the data) followed by a
 * "backlen": that encoding's length written big-endian in 7-bit groups, continuation bits set on all but the
 * first byte, so it can be read from the right.
 *
 * Encodings: a string that is a canonical 64-bit integer (lpStringToInt64: no sign on 0, no leading zeros) is
 * stored as the smallest fitting integer: 7-bit unsigned (0xxxxxxx), 13-bit (110xxxxx + 1 byte), then 16, 24,
 * 32 and 64 bits (0xF1..0xF4 + little-endian two's complement). Other strings are 10xxxxxx (length < 64),
 * 1110xxxx + 1 byte (length < 4096) or 0xF0 + 4 bytes of length.
 */
import { bytesToByteString, type ByteString } from '../types/bytes.ts';
import { isCanonicalInt64 } from '../keyspace/object.ts';

export const LP_HDR_SIZE = 6;
export const LP_EOF = 0xff;
/** lpNew: an empty listpack is the header plus the terminator. */
export const LP_EMPTY_SIZE = LP_HDR_SIZE + 1;
const NUMELE_UNKNOWN = 0xffff;

/** Bytes lpEncodeBacklen needs for an entry whose encoding is `l` bytes long. */
export function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** The integer a listpack would store for `s`, or null when `s` is stored as a string. */
function asInteger(s: ByteString): number | bigint | null {
  if (!isCanonicalInt64(s)) return null;
  return s.length <= 15 ? Number(s) : BigInt(s);
}

/** Length of the encoding (without backlen) of an integer. */
function intEncodingSize(v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v >= -2147483648n && v <= 2147483647n) return intEncodingSize(Number(v));
    return 9;
  }
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

function stringEncodingSize(len: number): number {
  return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

/** lpEncodeGetType's size: the encoding of `s` (without backlen). */
function encodingSize(s: ByteString): number {
  const v = asInteger(s);
  return v === null ? stringEncodingSize(s.length) : intEncodingSize(v);
}

/** Bytes the element `s` takes inside a listpack, backlen included. */
export function lpEntrySize(s: ByteString): number {
  const l = encodingSize(s);
  return l + backlenSize(l);
}

/** Size of a listpack holding `entries`. */
export function lpBytesFor(entries: readonly ByteString[]): number {
  let n = LP_EMPTY_SIZE;
  for (const e of entries) n += lpEntrySize(e);
  return n;
}

/** Builds the listpack that appending `entries` one by one (lpAppend) to an empty one produces. */
export function encodeListpack(entries: readonly ByteString[]): Uint8Array {
  const total = lpBytesFor(entries);
  const out = new Uint8Array(total);
  out[0] = total & 0xff;
  out[1] = (total >>> 8) & 0xff;
  out[2] = (total >>> 16) & 0xff;
  out[3] = (total >>> 24) & 0xff;
  const count = Math.min(entries.length, NUMELE_UNKNOWN);
  out[4] = count & 0xff;
  out[5] = (count >>> 8) & 0xff;
  let p = LP_HDR_SIZE;
  for (const s of entries) {
    const start = p;
    const v = asInteger(s);
    if (v !== null) p = writeInteger(out, p, v);
    else p = writeString(out, p, s);
    p = writeBacklen(out, p, p - start);
  }
  out[p] = LP_EOF;
  return out;
}

function writeInteger(out: Uint8Array, p: number, value: number | bigint): number {
  const size = intEncodingSize(value);
  if (size === 9) {
    let u = BigInt.asUintN(64, BigInt(value));
    out[p++] = 0xf4;
    for (let i = 0; i < 8; i++) {
      out[p++] = Number(u & 0xffn);
      u >>= 8n;
    }
    return p;
  }
  const v = Number(value);
  if (size === 1) {
    out[p++] = v;
  } else if (size === 2) {
    const u = v < 0 ? (1 << 13) + v : v;
    out[p++] = (u >> 8) | 0xc0;
    out[p++] = u & 0xff;
  } else {
    // 16, 24 or 32 bits, little-endian two's complement.
    const bytes = size - 1;
    out[p++] = bytes === 2 ? 0xf1 : bytes === 3 ? 0xf2 : 0xf3;
    const u = v < 0 ? 2 ** (8 * bytes) + v : v;
    for (let i = 0; i < bytes; i++) out[p++] = Math.floor(u / 2 ** (8 * i)) & 0xff;
  }
  return p;
}

function writeString(out: Uint8Array, p: number, s: ByteString): number {
  const len = s.length;
  if (len < 64) {
    out[p++] = 0x80 | len;
  } else if (len < 4096) {
    out[p++] = 0xe0 | (len >> 8);
    out[p++] = len & 0xff;
  } else {
    out[p++] = 0xf0;
    out[p++] = len & 0xff;
    out[p++] = (len >>> 8) & 0xff;
    out[p++] = (len >>> 16) & 0xff;
    out[p++] = (len >>> 24) & 0xff;
  }
  for (let i = 0; i < len; i++) out[p++] = s.charCodeAt(i);
  return p;
}

/** lpEncodeBacklen. */
function writeBacklen(out: Uint8Array, p: number, l: number): number {
  const n = backlenSize(l);
  // Most significant group first; every byte but the first carries the continuation bit.
  for (let i = 0; i < n; i++) {
    const shift = 7 * (n - 1 - i);
    const group = Math.floor(l / 2 ** shift) & 127;
    out[p++] = i === 0 ? group : group | 128;
  }
  return p;
}

/** lpDecodeBacklen, reading leftwards from the entry's last byte at `p`; -1 when longer than 5 bytes. */
function readBacklen(lp: Uint8Array, p: number, floor: number): number {
  let val = 0;
  let shift = 0;
  for (;;) {
    if (p < floor) return -1;
    val += (lp[p] & 127) * 2 ** shift;
    if (!(lp[p] & 128)) break;
    shift += 7;
    p--;
    if (shift > 28) return -1;
  }
  return val;
}

/**
 * Reads every element of a listpack, integers as their decimal text. Validates it the way lpValidateIntegrity
 * does with `deep` set (header size, terminator, each entry and its backlen inside the buffer, the count):
 * returns null for anything malformed instead of trusting it.
 */
export function decodeListpack(lp: Uint8Array): ByteString[] | null {
  const size = lp.length;
  if (size < LP_EMPTY_SIZE) return null;
  const total = (lp[0] | (lp[1] << 8) | (lp[2] << 16)) + lp[3] * 2 ** 24;
  if (total !== size) return null;
  if (lp[size - 1] !== LP_EOF) return null;
  const numele = lp[4] | (lp[5] << 8);
  const out: ByteString[] = [];
  const last = size - 1; // OUT_OF_RANGE: beyond the terminator
  let p = LP_HDR_SIZE;
  while (lp[p] !== LP_EOF) {
    const b = lp[p];
    let headerBytes = 1;
    let dataLen = 0;
    let value: ByteString | null = null;
    if ((b & 0x80) === 0) {
      value = String(b & 0x7f);
    } else if ((b & 0xc0) === 0x80) {
      dataLen = b & 0x3f;
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 1 > last) return null;
      let v = ((b & 0x1f) << 8) | lp[p + 1];
      if (v >= 1 << 12) v -= 1 << 13;
      value = String(v);
      headerBytes = 2;
    } else if (b === 0xf1 || b === 0xf2 || b === 0xf3) {
      const n = b === 0xf1 ? 2 : b === 0xf2 ? 3 : 4;
      if (p + n > last) return null;
      let u = 0;
      for (let i = 0; i < n; i++) u += lp[p + 1 + i] * 2 ** (8 * i);
      if (u >= 2 ** (8 * n - 1)) u -= 2 ** (8 * n);
      value = String(u);
      headerBytes = 1 + n;
    } else if (b === 0xf4) {
      if (p + 8 > last) return null;
      let u = 0n;
      for (let i = 7; i >= 0; i--) u = (u << 8n) | BigInt(lp[p + 1 + i]);
      value = BigInt.asIntN(64, u).toString();
      headerBytes = 9;
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 1 > last) return null;
      dataLen = ((b & 0x0f) << 8) | lp[p + 1];
      headerBytes = 2;
    } else if (b === 0xf0) {
      if (p + 5 > last) return null;
      dataLen = (lp[p + 1] | (lp[p + 2] << 8) | (lp[p + 3] << 16)) + lp[p + 4] * 2 ** 24;
      headerBytes = 5;
    } else {
      return null; // 0xf5..0xfe: no such encoding
    }
    const encLen = value === null ? headerBytes + dataLen : headerBytes;
    const entryLen = encLen + backlenSize(encLen);
    if (p + entryLen > last) return null;
    if (readBacklen(lp, p + entryLen - 1, p + encLen) !== encLen) return null;
    if (value === null) value = bytesToByteString(lp, p + headerBytes, p + headerBytes + dataLen);
    out.push(value);
    p += entryLen;
  }
  if (p !== last) return null;
  if (numele !== NUMELE_UNKNOWN && numele !== out.length) return null;
  return out;
}
