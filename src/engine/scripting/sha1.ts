/**
 * SHA-1 of a byte string, as lowercase hex: how Redis names a script (EVALSHA, SCRIPT LOAD) and what
 * redis.sha1hex returns. Written for byte strings so no encoding step can change the digest.
 */
import type { ByteString } from '../types/bytes.ts';

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

export function sha1hex(data: ByteString): string {
  const len = data.length;
  // Message plus the 0x80 byte, zero padding and the 64-bit length: a multiple of 64 bytes.
  const total = (((len + 8) >> 6) + 1) * 64;
  const bytes = new Uint8Array(total);
  for (let i = 0; i < len; i++) bytes[i] = data.charCodeAt(i);
  bytes[len] = 0x80;
  const bitLen = len * 8;
  const view = new DataView(bytes.buffer);
  view.setUint32(total - 8, Math.floor(bitLen / 0x100000000));
  view.setUint32(total - 4, bitLen >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let off = 0; off < total; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getInt32(off + t * 4);
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (rotl(a, 5) + f + e + k + w[t]) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return [h0, h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}
