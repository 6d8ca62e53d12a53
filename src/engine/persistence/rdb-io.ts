/**
 * The RDB format's building blocks (rdb.c): lengths, strings (with their integer and LZF encodings) and doubles,
 * written to a growing buffer and read back from one. Object layouts are in rdb-object.ts.
 *
 * Lengths (rdbSaveLen): 00xxxxxx for < 64; 01xxxxxx xxxxxxxx (big-endian) for < 16384; 0x80 + 4 bytes big-endian;
 * 0x81 + 8 bytes big-endian. 11xxxxxx introduces a special string encoding instead: 0, 1, 2 for an 8, 16, 32 bit
 * little-endian integer, 3 for an LZF blob (compressed length, original length, data).
 */
import { byteStringToBytes, bytesToByteString, type ByteString } from '../types/bytes.ts';
import { isCanonicalInt64 } from '../keyspace/object.ts';
import { lzfCompress, lzfDecompress } from './lzf.ts';

export const RDB_ENCVAL = 3;
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** A malformed or truncated RDB stream; the loader turns it into "Bad data format". */
export class RdbFormatError extends Error {}

export class RdbWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 64) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  byteString(s: ByteString): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }

  /** The bytes written so far (a view; copy it if the writer is used again). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** rdbSaveLen. */
  saveLen(n: number): void {
    if (n < 1 << 6) this.byte(n);
    else if (n < 1 << 14) {
      this.byte(((n >> 8) & 0xff) | 0x40);
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.byte(0x80);
      for (let i = 3; i >= 0; i--) this.byte(Math.floor(n / 2 ** (8 * i)) & 0xff);
    } else {
      this.byte(0x81);
      let u = BigInt(n);
      const b = new Uint8Array(8);
      for (let i = 7; i >= 0; i--) {
        b[i] = Number(u & 0xffn);
        u >>= 8n;
      }
      this.bytes(b);
    }
  }

  /** rdbSaveLzfBlob: an already compressed blob and the length it expands to. */
  lzfBlob(compressed: Uint8Array, originalLength: number): void {
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.saveLen(compressed.length);
    this.saveLen(originalLength);
    this.bytes(compressed);
  }

  /**
   * rdbSaveRawString: a canonical integer of up to 11 characters that fits 32 bits as an integer encoding; else,
   * with `compress` (rdbcompression) and more than 20 bytes, LZF when it saves at least 4 bytes; else verbatim.
   */
  rawString(data: Uint8Array | ByteString, compress: boolean): void {
    const len = data.length;
    if (len <= 11) {
      const s = typeof data === 'string' ? data : String.fromCharCode(...data);
      if (this.tryIntegerEncoding(s)) return;
    }
    if (compress && len > 20) {
      const bytes = typeof data === 'string' ? byteStringToBytes(data) : data;
      const packed = lzfCompress(bytes, len - 4);
      if (packed !== null) {
        this.lzfBlob(packed, len);
        return;
      }
    }
    this.saveLen(len);
    if (typeof data === 'string') this.byteString(data);
    else this.bytes(data);
  }

  /** rdbTryIntegerEncoding + rdbEncodeInteger. */
  private tryIntegerEncoding(s: string): boolean {
    if (!isCanonicalInt64(s)) return false;
    const v = Number(s);
    if (v >= -128 && v <= 127) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT8);
      this.byte(v & 0xff);
    } else if (v >= -32768 && v <= 32767) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT16);
      this.byte(v & 0xff);
      this.byte((v >> 8) & 0xff);
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.byte((RDB_ENCVAL << 6) | RDB_ENC_INT32);
      for (let i = 0; i < 4; i++) this.byte((v >> (8 * i)) & 0xff);
    } else {
      return false;
    }
    return true;
  }

  /** rdbSaveBinaryDoubleValue: IEEE 754 binary64, little-endian. */
  binaryDouble(d: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, d, true);
    this.bytes(b);
  }
}

export class RdbReader {
  pos = 0;

  constructor(private readonly buf: Uint8Array, private readonly end = buf.length) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos >= this.end) throw new RdbFormatError('short read');
    return this.buf[this.pos++];
  }

  bytes(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new RdbFormatError('short read');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** rdbLoadLenByRef: a length, or (encoded) the special string encoding that follows. */
  lengthOrEncoding(): { len: number; encoded: boolean } {
    const b = this.byte();
    const type = (b & 0xc0) >> 6;
    if (type === RDB_ENCVAL) return { len: b & 0x3f, encoded: true };
    if (type === 0) return { len: b & 0x3f, encoded: false };
    if (type === 1) return { len: ((b & 0x3f) << 8) | this.byte(), encoded: false };
    if (b === 0x80) {
      let n = 0;
      for (let i = 0; i < 4; i++) n = n * 256 + this.byte();
      return { len: n, encoded: false };
    }
    if (b === 0x81) {
      let n = 0n;
      for (let i = 0; i < 8; i++) n = (n << 8n) | BigInt(this.byte());
      // Nothing real is this long; a length beyond the buffer fails on the read that follows.
      return { len: n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n), encoded: false };
    }
    throw new RdbFormatError('unknown length encoding');
  }

  /** rdbLoadLen: a plain length. */
  loadLen(): number {
    return this.lengthOrEncoding().len;
  }

  /** rdbGenericLoadStringObject: the string's bytes (an integer encoding becomes its decimal text). */
  string(): Uint8Array {
    const { len, encoded } = this.lengthOrEncoding();
    if (!encoded) return this.bytes(len);
    if (len === RDB_ENC_INT8) {
      const v = (this.byte() << 24) >> 24;
      return byteStringToBytes(String(v));
    }
    if (len === RDB_ENC_INT16) {
      const v = ((this.byte() | (this.byte() << 8)) << 16) >> 16;
      return byteStringToBytes(String(v));
    }
    if (len === RDB_ENC_INT32) {
      const v = this.byte() | (this.byte() << 8) | (this.byte() << 16) | (this.byte() << 24);
      return byteStringToBytes(String(v));
    }
    if (len === RDB_ENC_LZF) {
      const clen = this.loadLen();
      const ulen = this.loadLen();
      const data = this.bytes(clen);
      // lzf_decompress must produce exactly the announced length (0 bytes "succeeds" trivially, as in C).
      if (ulen === 0) return new Uint8Array(0);
      // A back reference of 3 bytes expands to at most 264: anything larger cannot be real (and is not allocated).
      if (ulen > clen * 88) throw new RdbFormatError('invalid LZF compressed string');
      const out = lzfDecompress(data, ulen);
      if (out === null) throw new RdbFormatError('invalid LZF compressed string');
      return out;
    }
    throw new RdbFormatError('unknown string encoding');
  }

  /** A string as a byte string. */
  byteString(): ByteString {
    return bytesToByteString(this.string());
  }

  /** rdbLoadBinaryDoubleValue. */
  binaryDouble(): number {
    const b = this.bytes(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /**
   * rdbLoadDoubleValue (RDB_TYPE_ZSET, before binary doubles): a length byte, 253 NaN, 254 +inf, 255 -inf, else
   * that many characters of text for strtod.
   */
  textDouble(): number {
    const len = this.byte();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    const b = this.bytes(len);
    const v = strtodPrefix(String.fromCharCode(...b));
    if (v === null) throw new RdbFormatError('bad double');
    return v;
  }
}

/**
 * sscanf("%lg") / strtod on text: the longest numeric prefix after leading blanks (inf, infinity and nan in any
 * case included); null when there is none.
 */
export function strtodPrefix(text: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:(inf(?:inity)?|nan)|(0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)|((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))/i.exec(text);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return m[2].toLowerCase() === 'nan' ? NaN : sign * Infinity;
  if (m[3] !== undefined) return sign * parseHexFloat(m[3]);
  return sign * Number(m[4]);
}

function parseHexFloat(s: string): number {
  const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(s)!;
  const digits = m[1] + m[2];
  let v = 0;
  for (const d of digits) v = v * 16 + parseInt(d, 16);
  const exp = (m[3] ? Number(m[3]) : 0) - 4 * m[2].length;
  return v * 2 ** exp;
}
