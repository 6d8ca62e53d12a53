/** Typed key lookup shared by the data-type commands (lookupKeyRead + checkType). */
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { RedisObject, RedisType } from '../keyspace/object.ts';
import { ERR } from './errors.ts';

/**
 * The value at `key` if it has type `type`; undefined when the key is missing; null after replying WRONGTYPE
 * when it holds another type.
 */
export function lookupOfType<T extends RedisType>(
  c: Client,
  server: Server,
  key: string,
  type: T,
): Extract<RedisObject, { type: T }> | undefined | null {
  const o = c.db.lookup(key, server.nowMs());
  if (o === undefined) return undefined;
  if (o.type !== type) {
    c.reply.error(ERR.wrongType);
    return null;
  }
  return o as Extract<RedisObject, { type: T }>;
}

/**
 * Redis's range clamping for LRANGE, LTRIM and friends: negative indexes count from the end; returns the
 * inclusive [start, end] inside a list of `len`, or null when the range is empty.
 */
export function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  return [start, Math.min(end, len - 1)];
}
