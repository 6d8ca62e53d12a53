/**
 * What a write command replicates as. Most commands go to replicas exactly as the client sent them; the ones
 * whose effect depends on when or where they run are rewritten first, as Redis 7.0 rewrites them, so a replica
 * that applies the stream later ends up with the same data:
 *
 * - relative expiry becomes absolute: SET/SETEX/PSETEX with a TTL -> SET key value PXAT ms; EXPIRE, PEXPIRE,
 *   EXPIREAT -> PEXPIREAT key ms (flags kept); GETEX EX/PX/EXAT -> PEXPIREAT, GETEX PERSIST -> PERSIST; a
 *   deadline already in the past deleted the key -> DEL;
 * - floating-point increments become the value they produced: INCRBYFLOAT -> SET key value KEEPTTL,
 *   HINCRBYFLOAT -> HSET key field value (so replicas never redo the float arithmetic);
 * - random choices come from the handler (SPOP sets `c.propagateAs`).
 */
import type { Client } from '../server/client.ts';
import type { RedisObject } from '../keyspace/object.ts';

export function propagatedCommands(c: Client, name: string, argv: readonly string[]): string[][] {
  if (c.propagateAs !== null) return c.propagateAs;
  const db = c.db;
  const key = argv[1];
  switch (name) {
    case 'set':
    case 'setex':
    case 'psetex': {
      const when = db.getExpire(key);
      if (when === undefined) return [argv.slice()];
      // SET ... KEEPTTL keeps an old deadline: that is no new expiry to rewrite.
      if (name === 'set' && !hasExpiryOption(argv)) return [argv.slice()];
      const value = name === 'set' ? argv[2] : argv[3];
      return [['SET', key, value, 'PXAT', String(when)]];
    }
    case 'expire':
    case 'pexpire':
    case 'expireat': {
      if (!db.keys.has(key)) return [['DEL', key]];
      const when = db.getExpire(key);
      if (when === undefined) return [argv.slice()];
      return [['PEXPIREAT', key, String(when), ...argv.slice(3)]];
    }
    case 'getex': {
      if (!db.keys.has(key)) return [['DEL', key]];
      const when = db.getExpire(key);
      return when === undefined ? [['PERSIST', key]] : [['PEXPIREAT', key, String(when)]];
    }
    case 'incrbyfloat': {
      const o = db.keys.get(key);
      return o === undefined || o.type !== 'string' ? [argv.slice()] : [['SET', key, stringValue(o), 'KEEPTTL']];
    }
    case 'hincrbyfloat': {
      const o = db.keys.get(key);
      const v = o?.type === 'hash' ? (o.value as Map<string, string>).get(argv[2]) : undefined;
      return v === undefined ? [argv.slice()] : [['HSET', key, argv[2], v]];
    }
    default:
      return [argv.slice()];
  }
}

function hasExpiryOption(argv: readonly string[]): boolean {
  for (let i = 3; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'ex' || o === 'px' || o === 'exat' || o === 'pxat') return true;
  }
  return false;
}

function stringValue(o: RedisObject): string {
  return o.type === 'string' ? o.value : '';
}
