/**
 * CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final XOR): the checksum Redis Cluster
 * hashes keys with (crc16.c). Check value: crc16("123456789") = 0x31C3.
 *
 * Computed over the key's bytes; keys are byte strings here, so each char code is one byte.
 */
import type { ByteString } from '../types/bytes.ts';

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

export function crc16(s: ByteString, start = 0, end = s.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff];
  return crc;
}
