import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc16 } from '../../src/engine/cluster/crc16.ts';
import { hashTag, keyHashSlot } from '../../src/engine/cluster/slots.ts';
import { utf8ToByteString } from '../../src/engine/types/bytes.ts';

/** Bitwise CRC-16/XMODEM, the textbook definition, to check the table-driven one against. */
function crc16Reference(s: string): number {
  let crc = 0;
  for (let i = 0; i < s.length; i++) {
    crc ^= s.charCodeAt(i) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('CRC16 and hash slots', () => {
  it('has the XMODEM check value', () => {
    expect(crc16('123456789')).toBe(0x31c3);
  });

  it('matches the bitwise definition on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const s = String.fromCharCode(...bytes);
        expect(crc16(s)).toBe(crc16Reference(s));
      }),
    );
  });

  // Values checked with CLUSTER KEYSLOT on redis-server 7.0.15 (../shared/reference/redis-cluster-facts.md).
  it.each([
    ['foo', 12182], ['bar', 5061], ['hello', 866], ['somekey', 11058],
    ['user:{1000}:email', 11326], ['{user1000}.following', 3443],
    ['foo{}{bar}', 8363], ['foo{{bar}}zap', 4015], ['foo{bar}{zap}', 5061], ['', 0],
  ])('KEYSLOT %j = %i', (key, slot) => {
    expect(keyHashSlot(key)).toBe(slot);
  });

  it('hashes the UTF-8 bytes of non-ASCII keys', () => {
    const key = utf8ToByteString('用户:{42}');
    expect(keyHashSlot(key)).toBe(keyHashSlot('42'));
    expect(keyHashSlot(utf8ToByteString('你好'))).toBe(crc16Reference('\xe4\xbd\xa0\xe5\xa5\xbd') & 0x3fff);
  });

  it('reports the tag used', () => {
    expect(hashTag('user:{1000}:email')).toBe('1000');
    expect(hashTag('foo{}{bar}')).toBeNull();
    expect(hashTag('foo{{bar}}zap')).toBe('{bar');
    expect(hashTag('plain')).toBeNull();
  });
});
