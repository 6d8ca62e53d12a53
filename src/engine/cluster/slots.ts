/**
 * Keys to hash slots (cluster.c keyHashSlot).
 *
 * 16384 slots. The slot of a key is CRC16 of the key modulo 16384, except that a hash tag narrows what is
 * hashed: if the key has a '{' and a '}' somewhere after it, and something between them, only the bytes between
 * the first '{' and the first '}' after it are hashed. So `user:{1000}:name` and `user:{1000}:email` share a slot,
 * while `foo{}{bar}` (empty first tag) hashes whole.
 */
import type { ByteString } from '../types/bytes.ts';
import { crc16 } from './crc16.ts';

export const CLUSTER_SLOTS = 16384;

export function keyHashSlot(key: ByteString): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & 0x3fff;
  }
  return crc16(key) & 0x3fff;
}

/** The hash tag a key would be routed by, or null when the whole key is hashed (for explanations in the UI). */
export function hashTag(key: ByteString): ByteString | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}
