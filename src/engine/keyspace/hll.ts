/**
 * The HyperLogLog representation of Redis 7.0 (hyperloglog.c), byte for byte.
 *
 * An HLL is an ordinary string value. Its first 16 bytes are a header: the magic "HYLL", an encoding byte
 * (0 dense, 1 sparse), three reserved bytes and a cached cardinality, 8 bytes little endian, whose top bit says
 * the cache is stale. After the header come 16384 registers of 6 bits each:
 *
 * - dense: 12288 bytes, register i in bits 6i..6i+5 counted from the least significant bit of each byte;
 * - sparse: run-length opcodes. ZERO (00llllll) covers 1..64 zero registers; XZERO (01llllll llllllll) covers
 *   1..16384 zero registers; VAL (1vvvvvll) sets 1..4 registers to a value 1..32.
 *
 * The code works on a mutable byte buffer (HllBuffer) that behaves like an sds string: the byte just past its
 * length is readable (normally the NUL terminator; a dense read of the last register and a truncated XZERO at
 * the end of a corrupted sparse string read it), and it tracks the sds allocation, which grows greedily while
 * sparse updates make room (MEMORY USAGE shows it). Algorithms follow Redis's exactly, including how a sparse
 * update splits and merges opcodes, when it promotes to dense, and the floating point steps of the estimator,
 * because the bytes (GET) and the counts (PFCOUNT) must come out identical.
 */
import type { ByteString } from '../types/bytes.ts';
import { mallocSize } from '../memory/jemalloc.ts';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
/** 0.5 / ln(2), the estimator's alpha for an infinite number of registers. */
const HLL_ALPHA_INF = 0.72134752044448170368;

const MURMUR_SEED = 0xadc83b19;

// ---------------------------------------------------------------------------------------------------------
// MurmurHash64A on 32-bit halves.

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** Result registers of mul64 (high and low 32 bits), to avoid allocating on the hot path. */
let mulHi = 0;
let mulLo = 0;

/** (ah:al) * (bh:bl) modulo 2^64, into mulHi:mulLo. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const cross = a0 * b1 + a1 * b0; // below 2^33: exact
  const low = a0 * b0 + (cross % 65536) * 65536; // below 2^33
  const lo32 = low >>> 0;
  const carry = (low - lo32) / 4294967296;
  const hiOfLow = a1 * b1 + Math.floor(cross / 65536) + carry;
  mulLo = lo32;
  mulHi = (hiOfLow + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** Result of murmurHash64A's fast path: high and low 32 bits. */
let hashHi = 0;
let hashLo = 0;

function murmurInto(s: ByteString, seed: number): void {
  const len = s.length;
  mul64(0, len, M_HI, M_LO);
  let hHi = mulHi;
  let hLo = (mulLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    let kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mul64(kHi, kLo, M_HI, M_LO);
    kHi = mulHi;
    kLo = (mulLo ^ (mulHi >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kHi, kLo, M_HI, M_LO);
    hHi = (hHi ^ mulHi) >>> 0;
    hLo = (hLo ^ mulLo) >>> 0;
    mul64(hHi, hLo, M_HI, M_LO);
    hHi = mulHi;
    hLo = mulLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    if (rest >= 7) hHi ^= s.charCodeAt(i + 6) << 16;
    if (rest >= 6) hHi ^= s.charCodeAt(i + 5) << 8;
    if (rest >= 5) hHi ^= s.charCodeAt(i + 4);
    if (rest >= 4) hLo ^= s.charCodeAt(i + 3) << 24;
    if (rest >= 3) hLo ^= s.charCodeAt(i + 2) << 16;
    if (rest >= 2) hLo ^= s.charCodeAt(i + 1) << 8;
    hLo ^= s.charCodeAt(i);
    mul64(hHi >>> 0, hLo >>> 0, M_HI, M_LO);
    hHi = mulHi;
    hLo = mulLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mul64(hHi, hLo, M_HI, M_LO);
  hashHi = mulHi;
  hashLo = (mulLo ^ (mulHi >>> 15)) >>> 0;
}

/** MurmurHash64A (Redis's endian-neutral variant) of a byte string, as an unsigned 64-bit bigint. */
export function murmurHash64A(s: ByteString, seed = MURMUR_SEED): bigint {
  murmurInto(s, seed >>> 0);
  return (BigInt(hashHi) << 32n) | BigInt(hashLo);
}

/** Register index and run length ("000...1" pattern, 1..51) that PFADD derives from an element. */
let patIndex = 0;
function patLen(ele: ByteString): number {
  murmurInto(ele, MURMUR_SEED);
  patIndex = hashLo & HLL_P_MASK;
  // The 50 bits above the index, looked at from their least significant end.
  const lo = ((hashLo >>> HLL_P) | ((hashHi & HLL_P_MASK) << (32 - HLL_P))) >>> 0;
  if (lo !== 0) return 32 - Math.clz32(lo & -lo);
  const hi = hashHi >>> HLL_P;
  if (hi !== 0) return 32 + 32 - Math.clz32(hi & -hi);
  return HLL_Q + 1;
}

/** [register index, count] for an element: what PFADD would set (hllPatLen). */
export function hllPatLen(ele: ByteString): [number, number] {
  const count = patLen(ele);
  return [patIndex, count];
}

// ---------------------------------------------------------------------------------------------------------
// The buffer.

/**
 * The sds allocation Redis holds an HLL string in, which MEMORY USAGE reports: the header size (1 for the
 * type-5 header of short strings, which records no spare room), the capacity (sds "alloc") and the allocator's
 * usable size of the whole block.
 */
export interface SdsAlloc {
  hdr: number;
  cap: number;
  size: number;
}

const SDS_MAX_PREALLOC = 1024 * 1024;
const sdsReqHeader = (len: number) => (len < 32 ? 1 : len < 256 ? 3 : len < 65536 ? 5 : 9);
const sdsTypeMax = (hdr: number) => (hdr === 3 ? 255 : hdr === 5 ? 65535 : 0xffffffff);

/** sdsnewlen: a fresh string of exactly `len` bytes. */
export function newSds(len: number): SdsAlloc {
  const hdr = len === 0 ? 3 : sdsReqHeader(len);
  const size = mallocSize(hdr + len + 1);
  return { hdr, cap: hdr === 1 ? len : Math.min(size - hdr - 1, sdsTypeMax(hdr)), size };
}

/** The allocation of a raw string known only by its block size (a string grown by APPEND and friends). */
export function sdsOfSize(len: number, size: number | undefined): SdsAlloc {
  const fresh = newSds(len);
  if (size === undefined || size === fresh.size) return fresh;
  const hdr = size - 4 < 256 ? 3 : size - 6 < 65536 ? 5 : 9;
  return { hdr, cap: Math.min(size - hdr - 1, sdsTypeMax(hdr)), size };
}

/** An HLL string being worked on: bytes[0..len) are the value; bytes[len] is always readable. */
export class HllBuffer {
  constructor(
    public bytes: Uint8Array,
    public len: number,
    public sds: SdsAlloc = newSds(len),
  ) {}

  static from(value: ByteString, sds?: SdsAlloc): HllBuffer {
    const bytes = new Uint8Array(value.length + 16);
    for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
    return new HllBuffer(bytes, value.length, sds ?? newSds(value.length));
  }

  /** createHLLObject: an empty sparse HLL, all registers covered by XZERO opcodes, cached count 0. */
  static create(): HllBuffer {
    const h = new HllBuffer(new Uint8Array(64), HLL_HDR_SIZE);
    h.bytes.set([72, 89, 76, 76, HLL_SPARSE]);
    let left = HLL_REGISTERS;
    while (left > 0) {
      const run = Math.min(left, SPARSE_XZERO_MAX_LEN);
      h.bytes[h.len] = ((run - 1) >> 8) | 0x40;
      h.bytes[h.len + 1] = (run - 1) & 0xff;
      h.len += 2;
      left -= run;
    }
    h.sds = newSds(h.len);
    return h;
  }

  toByteString(): ByteString {
    let s = '';
    const b = this.bytes;
    for (let i = 0; i < this.len; i += 0x2000) {
      s += String.fromCharCode.apply(null, b.subarray(i, Math.min(i + 0x2000, this.len)) as unknown as number[]);
    }
    return s;
  }

  /** sdsMakeRoomFor: room for `extra` more bytes, growing greedily as sds does. */
  makeRoomFor(extra: number): void {
    if (this.len + extra + 1 > this.bytes.length) {
      const grown = new Uint8Array((this.len + extra + 1) * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    const sds = this.sds;
    const avail = sds.hdr === 1 ? 0 : sds.cap - this.len;
    if (avail >= extra) return;
    let want = this.len + extra;
    want = want < SDS_MAX_PREALLOC ? want * 2 : want + SDS_MAX_PREALLOC;
    const hdr = Math.max(3, sdsReqHeader(want));
    const size = mallocSize(hdr + want + 1);
    this.sds = { hdr, cap: Math.min(size - hdr - 1, sdsTypeMax(hdr)), size };
  }

  /** sdsIncrLen: move the end and write the terminator. */
  incrLen(delta: number): void {
    this.len += delta;
    this.bytes[this.len] = 0;
  }

  get encoding(): number {
    return this.bytes[4];
  }

  get cacheValid(): boolean {
    return (this.bytes[15] & 0x80) === 0;
  }

  invalidateCache(): void {
    this.bytes[15] |= 0x80;
  }

  /** The cached cardinality (all 8 bytes, as Redis reads them when the cache is valid). */
  get cachedCard(): bigint {
    let v = 0n;
    for (let i = 15; i >= 8; i--) v = (v << 8n) | BigInt(this.bytes[i]);
    return v;
  }

  setCachedCard(card: number): void {
    let v = card;
    for (let i = 8; i < 16; i++) {
      this.bytes[i] = v % 256;
      v = Math.floor(v / 256);
    }
  }
}

/** isHLLObjectOrReply's checks on a string value. */
export function isValidHll(value: ByteString): boolean {
  if (value.length < HLL_HDR_SIZE) return false;
  if (value.charCodeAt(0) !== 72 || value.charCodeAt(1) !== 89 || value.charCodeAt(2) !== 76 || value.charCodeAt(3) !== 76) return false;
  const enc = value.charCodeAt(4);
  if (enc > HLL_MAX_ENCODING) return false;
  if (enc === HLL_DENSE && value.length !== HLL_DENSE_SIZE) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Registers.

/** A dense register; `base` is where the registers start in `b`. */
export function denseGet(b: Uint8Array, base: number, reg: number): number {
  const bit = reg * HLL_BITS;
  const at = base + (bit >> 3);
  const fb = bit & 7;
  return ((b[at] >> fb) | (b[at + 1] << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSetRegister(b: Uint8Array, base: number, reg: number, val: number): void {
  const bit = reg * HLL_BITS;
  const at = base + (bit >> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[at] = (b[at] & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  b[at + 1] = (b[at + 1] & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8);
}

/** hllDenseSet: raise a register; 1 if it changed. */
function denseSet(b: Uint8Array, reg: number, count: number): number {
  if (count > denseGet(b, HLL_HDR_SIZE, reg)) {
    denseSetRegister(b, HLL_HDR_SIZE, reg, count);
    return 1;
  }
  return 0;
}

const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const isVal = (op: number) => (op & 0x80) !== 0;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number) => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 3) + 1;
const valOp = (val: number, len: number) => (((val - 1) << 2) | (len - 1) | 0x80) & 0xff;

/** hllSparseToDense: false when the sparse string does not cover exactly all registers. */
export function sparseToDense(h: HllBuffer): boolean {
  if (h.encoding === HLL_DENSE) return true;
  const src = h.bytes;
  const dense = new Uint8Array(HLL_DENSE_SIZE + 16);
  dense.set(src.subarray(0, HLL_HDR_SIZE));
  dense[4] = HLL_DENSE;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  const end = h.len;
  while (p < end) {
    const op = src[p];
    if (isZero(op)) {
      idx += zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      idx += xzeroLen(op, src[p + 1]);
      p += 2;
    } else {
      let run = valLen(op);
      const val = valValue(op);
      if (run + idx > HLL_REGISTERS) break;
      while (run--) denseSetRegister(dense, HLL_HDR_SIZE, idx++, val);
      p++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  h.bytes = dense;
  h.len = HLL_DENSE_SIZE;
  h.sds = newSds(HLL_DENSE_SIZE);
  return true;
}

/** Writes a zero run of `len` registers as ZERO or XZERO into `seq`. */
function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) {
    seq.push(((len - 1) >> 8) | 0x40, (len - 1) & 0xff);
  } else {
    seq.push(len - 1);
  }
}

/**
 * hllSparseSet: raise register `index` to `count` in a sparse HLL. Returns 1 when it changed, 0 when not,
 * -1 when the string is corrupted. May promote to dense (count above 32, or the string would grow beyond
 * `maxBytes`), after which `h` holds the dense bytes.
 */
export function sparseSet(h: HllBuffer, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  h.makeRoomFor(3);
  const b = h.bytes;
  const sparse = HLL_HDR_SIZE;
  let end = h.len;
  let p = sparse;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (p < end) {
    let oplen = 1;
    const op = b[p];
    if (isZero(op)) span = zeroLen(op);
    else if (isVal(op)) span = valLen(op);
    else {
      span = xzeroLen(op, b[p + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  let next = isXzero(b[p]) ? p + 2 : p + 1;
  if (next >= end) next = -1;

  const op = b[p];
  const opIsZero = isZero(op);
  const opIsXzero = isXzero(op);
  const runlen = opIsZero ? zeroLen(op) : opIsXzero ? xzeroLen(op, b[p + 1]) : valLen(op);

  let changed = false;
  if (!opIsZero && !opIsXzero) {
    if (valValue(op) >= count) return 0;
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      changed = true;
    }
  }
  if (!changed && opIsZero && runlen === 1) {
    b[p] = valOp(count, 1);
    changed = true;
  }

  if (!changed) {
    // Split the opcode into up to three: what lies before the register, the register, what lies after.
    const seq: number[] = [];
    const last = first + span - 1;
    if (opIsZero || opIsXzero) {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valOp(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    } else {
      const cur = valValue(op);
      if (index !== first) seq.push(valOp(cur, index - first));
      seq.push(valOp(count, 1));
      if (index !== last) seq.push(valOp(cur, last - index));
    }
    const delta = seq.length - (opIsXzero ? 2 : 1);
    if (delta > 0 && h.len + delta > maxBytes) return promote(h, index, count);
    if (delta !== 0 && next >= 0) b.copyWithin(next + delta, next, end);
    h.incrLen(delta);
    for (let k = 0; k < seq.length; k++) b[p + k] = seq[k];
    end += delta;
  }

  // Merge runs of adjacent VAL opcodes with equal values, looking at a few opcodes from the previous one.
  p = prev >= 0 ? prev : sparse;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const o = b[p];
    if (isXzero(o)) {
      p += 2;
      continue;
    }
    if (isZero(o)) {
      p++;
      continue;
    }
    if (p + 1 < end && isVal(b[p + 1])) {
      const v = valValue(o);
      if (v === valValue(b[p + 1])) {
        const len = valLen(o) + valLen(b[p + 1]);
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v, len);
          b.copyWithin(p, p + 1, end + 1);
          h.incrLen(-1);
          end--;
          continue;
        }
      }
    }
    p++;
  }
  h.invalidateCache();
  return 1;
}

function promote(h: HllBuffer, index: number, count: number): number {
  if (!sparseToDense(h)) return -1;
  denseSet(h.bytes, index, count);
  return 1;
}

/** hllAdd: 1 if a register changed, 0 if not, -1 for a corrupted sparse string. */
export function hllAdd(h: HllBuffer, ele: ByteString, maxBytes: number): number {
  const count = patLen(ele);
  const index = patIndex;
  if (h.encoding === HLL_DENSE) return denseSet(h.bytes, index, count);
  if (h.encoding === HLL_SPARSE) return sparseSet(h, index, count, maxBytes);
  return -1;
}

/** Raise register `index` to `count` in whichever encoding (what PFMERGE does per register). */
export function hllSet(h: HllBuffer, index: number, count: number, maxBytes: number): void {
  if (h.encoding === HLL_DENSE) denseSet(h.bytes, index, count);
  else if (h.encoding === HLL_SPARSE) sparseSet(h, index, count, maxBytes);
}

/** hllMerge: max[i] = max(max[i], register i). False for a corrupted sparse string. */
export function hllMerge(max: Uint8Array, h: HllBuffer): boolean {
  const b = h.bytes;
  if (h.encoding === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, HLL_HDR_SIZE, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  let i = 0;
  let p = HLL_HDR_SIZE;
  const end = h.len;
  while (p < end) {
    const op = b[p];
    if (isZero(op)) {
      i += zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      i += xzeroLen(op, b[p + 1]);
      p += 2;
    } else {
      let run = valLen(op);
      const val = valValue(op);
      if (run + i > HLL_REGISTERS) break;
      while (run--) {
        if (val > max[i]) max[i] = val;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

// ---------------------------------------------------------------------------------------------------------
// The estimator (Otmar Ertl's, as in Redis 4.0 and later).

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x; // pow(1 - x, 2) compiles to a multiplication
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The cardinality estimate from a histogram of register values (64 slots). */
export function estimate(histo: Int32Array | number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** hllCount of a dense or sparse HLL: the estimate, or null when the sparse string is corrupted. */
export function hllCount(h: HllBuffer): number | null {
  const histo = new Int32Array(64);
  const b = h.bytes;
  if (h.encoding === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(b, HLL_HDR_SIZE, i)]++;
  } else {
    let idx = 0;
    let p = HLL_HDR_SIZE;
    const end = h.len;
    while (p < end) {
      const op = b[p];
      if (isZero(op)) {
        const run = zeroLen(op);
        idx += run;
        histo[0] += run;
        p++;
      } else if (isXzero(op)) {
        const run = xzeroLen(op, b[p + 1]);
        idx += run;
        histo[0] += run;
        p += 2;
      } else {
        const run = valLen(op);
        idx += run;
        histo[valValue(op)] += run;
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return null;
  }
  return estimate(histo);
}

/** hllCount of plain registers (one byte each), as multi-key PFCOUNT merges them. */
export function countRegisters(regs: Uint8Array): number {
  const histo = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[regs[i]]++;
  return estimate(histo);
}

/** PFDEBUG DECODE's rendering of a sparse HLL's opcodes. */
export function decodeSparse(h: HllBuffer): string {
  const parts: string[] = [];
  const b = h.bytes;
  let p = HLL_HDR_SIZE;
  while (p < h.len) {
    const op = b[p];
    if (isZero(op)) {
      parts.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXzero(op)) {
      parts.push(`Z:${xzeroLen(op, b[p + 1])}`);
      p += 2;
    } else {
      parts.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return parts.join(' ');
}
