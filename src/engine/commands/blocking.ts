/**
 * What the blocking commands share (blocked.c, t_list.c, t_zset.c): reading a timeout, serving at once when a
 * key has data, and otherwise parking the client on its keys until data arrives or the deadline passes.
 */
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { ListObject, ZsetObject } from '../keyspace/object.ts';
import { lookupOfType } from './lookup.ts';
import { parseLongDouble, type LongDouble } from '../types/long-double.ts';

/**
 * getTimeoutFromObjectOrReply: seconds as a long double, to an absolute deadline in ms (0 = wait forever).
 * Redis computes (long long)ceill(seconds * 1000.0L), so any positive timeout, however small (0.0001, 1e-400,
 * 0x1p-20), waits at least a millisecond instead of forever.
 */
export function parseTimeout(c: Client, server: Server, arg: string): number | null {
  const seconds = parseLongDouble(arg);
  if (seconds === null) {
    c.reply.error('ERR timeout is not a float or out of range');
    return null;
  }
  const ms = timeoutMs(seconds);
  if (ms < 0n) {
    c.reply.error('ERR timeout is negative');
    return null;
  }
  // Redis adds mstime() in 64-bit arithmetic; so large a wait never ends either way.
  return ms === 0n ? 0 : server.nowMs() + Number(ms);
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;

/**
 * (long long)ceill(x * 1000.0L) on x86-64: the product rounded to a 64-bit mantissa (half to even), rounded up
 * to an integer; out of the 64-bit range (or infinite) the conversion gives LLONG_MIN, which reads as negative.
 */
export function timeoutMs(x: LongDouble | 'inf' | '-inf'): bigint {
  if (typeof x === 'string') return -TWO63;
  let m = x.m * 1000n;
  let e = x.e;
  if (m === 0n) return 0n;
  // Back to a 64-bit mantissa: 1000 adds at most 10 bits.
  let drop = 0;
  while (m >> BigInt(drop) >= TWO64) drop++;
  if (drop > 0) {
    const d = BigInt(drop);
    const rest = m & ((1n << d) - 1n);
    const half = 1n << (d - 1n);
    m >>= d;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m++;
    e += drop;
  }
  let n: bigint;
  if (e >= 0) n = e > 64 ? TWO64 : m << BigInt(e);
  else if (-e >= 128) n = x.neg ? 0n : 1n;
  else {
    const d = BigInt(-e);
    n = m >> d;
    // ceil: a positive value with a fraction goes up; a negative one (truncated towards zero) already went up.
    if (!x.neg && (m & ((1n << d) - 1n)) !== 0n) n++;
  }
  if (n >= TWO63) return -TWO63;
  return x.neg ? -n : n;
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
