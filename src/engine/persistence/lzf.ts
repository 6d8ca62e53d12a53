/**
 * LZF, the compressor Redis uses for RDB strings (lzf_c.c, lzf_d.c, version 3.6 as vendored in Redis 7.0).
 *
 * The compressor must produce exactly Redis's bytes, so it follows lzf_c.c as built by Redis (lzfP.h):
 * HLOG 16, VERY_FAST 1, ULTRA_FAST 0, INIT_HTAB 0. Details that shape the output:
 *  - the hash of three bytes is IDX(h) = ((h >> 8) - h * 5) & 0xffff, over a rolling 32-bit value;
 *  - a candidate match must start strictly after the input's first byte (`ref > in_data`) and lie within 8 KB;
 *  - after a match only its last two positions are hashed (VERY_FAST);
 *  - the output is abandoned (0 returned) exactly where lzf_compress gives up for a full output buffer.
 * INIT_HTAB 0 means C starts from whatever the stack holds; a stale entry can only matter if it points into
 * the current input before the cursor, so an empty table is what Redis effectively starts from.
 *
 * Format: 000LLLLL + L+1 literal bytes; LLLooooo oooooooo is a back reference of L+2 bytes (L 1..6) at
 * distance o+1; 111ooooo LLLLLLLL oooooooo is one of L+9 bytes.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * The hash table of positions, shared by every call (the engine is single-threaded). A slot is valid only when
 * stamped with the current call's generation, which saves clearing 256 KB per call.
 */
const slotPos = new Int32Array(HSIZE);
const slotGen = new Uint32Array(HSIZE);
let generation = 0;

const idx = (h: number): number => ((h >>> 8) - Math.imul(h, 5)) & (HSIZE - 1);

/**
 * lzf_compress(input, out_len): the compressed bytes, or null when they would not fit in `outLen` bytes (or the
 * input is empty), exactly when the C function returns 0.
 */
export function lzfCompress(input: Uint8Array, outLen: number): Uint8Array | null {
  const inLen = input.length;
  if (inLen === 0 || outLen <= 0) return null;
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    slotGen.fill(0);
    generation = 1;
  }
  const gen = generation;
  // A little slack: C writes a run header one past the data before noticing the buffer is full.
  const out = new Uint8Array(outLen + 8);
  const outEnd = outLen;
  const inEnd = inLen;
  const at = (i: number) => (i < inLen ? input[i] : 0);

  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run

  let hval = ((at(0) << 8) | at(1)) >>> 0;
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | input[ip + 2]) >>> 0;
    const slot = idx(hval);
    const ref = slotGen[slot] === gen ? slotPos[slot] : -1;
    slotGen[slot] = gen;
    slotPos[slot] = ip;

    let off = 0;
    if (
      ref > 0 && // ref > in_data (an empty slot never matches)
      (off = ip - ref - 1) < MAX_OFF &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      if (op + 3 + 1 >= outEnd) {
        if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return null;
      }

      out[op - lit - 1] = (lit - 1) & 0xff; // stop run
      if (lit === 0) op--; // undo run if length is zero

      scan: {
        if (maxlen > 16) {
          for (let k = 0; k < 16; k++) {
            len++;
            if (input[ref + len] !== input[ip + len]) break scan;
          }
        }
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }

      len -= 2; // len is now #octets - 1
      ip++;

      if (len < 7) {
        out[op++] = ((off >> 8) + (len << 5)) & 0xff;
      } else {
        out[op++] = ((off >> 8) + (7 << 5)) & 0xff;
        out[op++] = (len - 7) & 0xff;
      }
      out[op++] = off & 0xff;

      lit = 0;
      op++; // start run

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: hash the last two positions of the match.
      ip -= 2;
      hval = ((input[ip] << 8) | input[ip + 1]) >>> 0;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      let s = idx(hval);
      slotGen[s] = gen;
      slotPos[s] = ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]) >>> 0;
      s = idx(hval);
      slotGen[s] = gen;
      slotPos[s] = ip;
      ip++;
    } else {
      // one more literal byte we must copy
      if (op >= outEnd) return null;
      lit++;
      out[op++] = input[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }

  if (op + 3 > outEnd) return null; // at most 3 bytes can be missing here

  while (ip < inEnd) {
    lit++;
    out[op++] = input[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = (lit - 1) & 0xff; // end run
  if (lit === 0) op--; // undo run if length is zero
  return out.slice(0, op);
}

/**
 * lzf_decompress into exactly `outLen` bytes: null when the data is malformed or would not fill `outLen`
 * exactly (Redis rejects a payload whose decompressed size differs from the one it announces).
 */
export function lzfDecompress(input: Uint8Array, outLen: number): Uint8Array | null {
  const out = new Uint8Array(outLen);
  const inEnd = input.length;
  let ip = 0;
  let op = 0;
  while (ip < inEnd) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outLen) return null;
      if (ip + ctrl > inEnd) return null;
      out.set(input.subarray(ip, ip + ctrl), op);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return null;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inEnd) return null;
      }
      ref -= input[ip++];
      if (op + len + 2 > outLen) return null;
      if (ref < 0) return null;
      len += 2;
      // Byte by byte: the source may overlap what is being written.
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  return op === outLen ? out : null;
}
