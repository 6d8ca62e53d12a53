/**
 * What the blocking commands share (blocked.c, t_list.c, t_zset.c): reading a timeout, serving at once when a
 * key has data, and otherwise parking the client on its keys until data arrives or the deadline passes.
 */
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { ListObject, ZsetObject } from '../keyspace/object.ts';
import { lookupOfType } from './lookup.ts';
import { parseDouble } from '../types/double.ts';

/** getTimeoutFromObjectOrReply: seconds as a float, to an absolute deadline in ms (0 = wait forever). */
export function parseTimeout(c: Client, server: Server, arg: string): number | null {
  const seconds = parseDouble(arg);
  if (seconds === null) {
    c.reply.error('ERR timeout is not a float or out of range');
    return null;
  }
  // (long long)(seconds * 1000): beyond the 64-bit range (or infinite) the C cast gives LLONG_MIN.
  const scaled = seconds * 1000;
  const ms = Math.abs(scaled) >= 9223372036854775807 ? -1 : Math.trunc(scaled);
  if (ms < 0) {
    c.reply.error('ERR timeout is negative');
    return null;
  }
  return ms === 0 ? 0 : server.nowMs() + ms;
}

type Blockable = { list: ListObject; zset: ZsetObject };

const size = (o: ListObject | ZsetObject) => (o.type === 'list' ? o.value.length : o.dict.size);

/**
 * Serve now if one of `keys` has data; otherwise block (or, inside EXEC, give up at once). As
 * blockingPopGenericCommand: keys in order; a wrong type stops with WRONGTYPE; the first non-empty key is served
 * at once and later keys are not even looked at. `serveFrom` pops and replies; `timedOut` replies for a
 * timeout; `denied` for refusing to block (by default the same reply).
 */
export function blockOn<T extends keyof Blockable>(
  c: Client,
  server: Server,
  type: T,
  keys: string[],
  deadline: number,
  serveFrom: (key: string, o: Blockable[T]) => void,
  timedOut: () => void,
  denied: () => void = timedOut,
): void {
  for (const key of keys) {
    const o = lookupOfType(c, server, key, type) as Blockable[T] | undefined | null;
    if (o === null) return;
    if (o && size(o) > 0) return serveFrom(key, o);
  }
  if (c.denyBlocking) return denied();
  const tryServe = (): boolean => {
    for (const key of keys) {
      const o = c.db.lookup(key, server.nowMs());
      if (o && o.type === type && size(o as Blockable[T]) > 0) {
        serveFrom(key, o as Blockable[T]);
        return true;
      }
    }
    return false;
  };
  server.block(c, { keys, deadlineMs: deadline, serve: tryServe, timedOut });
}
