/**
 * Redis's CRC-64 (crc64.c): the "Jones" polynomial 0xad93d23594c935a9, input and output reflected, initial
 * value 0, no final xor. It checksums DUMP payloads and RDB files. Check value: CRC of "123456789" is
 * 0xe9c6d914c4b8d9ca.
 *
 * The reflected algorithm runs on two 32-bit halves so that it stays in plain integer arithmetic (no BigInt per
 * byte): one table lookup per byte, as crcspeed's first table does.
 */

/** The polynomial bit-reversed (what the reflected, LSB-first algorithm shifts in): 0x95ac9329ac4bc9b5. */
const REFLECTED_POLY_HI = 0x95ac9329;
const REFLECTED_POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);

for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ REFLECTED_POLY_HI) >>> 0;
      lo = (lo ^ REFLECTED_POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}

/** A running CRC-64 as two unsigned 32-bit halves. */
export interface Crc64State {
  hi: number;
  lo: number;
}

/** Feeds bytes [start, end) of `data` into `state` (updated in place) and returns it. */
export function crc64Update(state: Crc64State, data: Uint8Array, start = 0, end = data.length): Crc64State {
  let hi = state.hi;
  let lo = state.lo;
  for (let i = start; i < end; i++) {
    const idx = (lo ^ data[i]) & 0xff;
    lo = (((lo >>> 8) | ((hi & 0xff) << 24)) ^ TABLE_LO[idx]) >>> 0;
    hi = ((hi >>> 8) ^ TABLE_HI[idx]) >>> 0;
  }
  state.hi = hi;
  state.lo = lo;
  return state;
}

/** crc64(0, data[start..end)) as two 32-bit halves. */
export function crc64Parts(data: Uint8Array, start = 0, end = data.length): Crc64State {
  return crc64Update({ hi: 0, lo: 0 }, data, start, end);
}

/** crc64(0, data[start..end)) as an unsigned 64-bit bigint. */
export function crc64(data: Uint8Array, start = 0, end = data.length): bigint {
  const { hi, lo } = crc64Parts(data, start, end);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Writes the CRC little-endian (as Redis stores it in payload footers) into out[at..at+8). */
export function writeCrc64LE(state: Crc64State, out: Uint8Array, at: number): void {
  for (let i = 0; i < 4; i++) out[at + i] = (state.lo >>> (8 * i)) & 0xff;
  for (let i = 0; i < 4; i++) out[at + 4 + i] = (state.hi >>> (8 * i)) & 0xff;
}
