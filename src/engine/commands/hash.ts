/**
 * Hash commands (t_hash.c). A small hash is a listpack (fields in insertion order); it becomes a hashtable for
 * good once it has more than hash-max-listpack-entries fields or is given a field or value longer than
 * hash-max-listpack-value bytes. OBJECT ENCODING shows the switch.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { HashObject } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { parseRandomCount, sampleIndexes } from './random-count.ts';
import { ERR, MAX_REPLY_ELEMENTS, arityError, replyTooLarge, runningCommandName } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { lookupOfType } from './lookup.ts';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from '../types/long-double.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The hash at argv[1]: undefined when missing, null after replying WRONGTYPE. */
const lookupHash = (c: Client, server: Server) => lookupOfType(c, server, c.argv[1], 'hash');

/** hashTypeLookupWriteOrCreate. */
function hashForWrite(c: Client, server: Server): HashObject | null {
  const o = lookupHash(c, server);
  if (o === null) return null;
  if (o !== undefined) return o;
  const created: HashObject = { type: 'hash', value: new Map(), enc: 'listpack', shared: false, lru: server.nowMs() };
  c.db.set(c.argv[1], created);
  return created;
}

const limit = (server: Server, name: string) => Number(server.config.get(name));

/** hashTypeTryConversion: a field or value in argv[from..] too long for a listpack converts the hash first. */
function tryConversion(o: HashObject, server: Server, argv: string[], from: number): void {
  if (o.enc !== 'listpack') return;
  const max = limit(server, 'hash-max-listpack-value');
  for (let i = from; i < argv.length; i++) {
    if (argv[i].length > max) {
      o.enc = 'hashtable';
      return;
    }
  }
}

/** hashTypeSet: returns true when the field is new; converts once the hash outgrows a listpack. */
function hashSet(o: HashObject, server: Server, field: string, value: string): boolean {
  const isNew = !o.value.has(field);
  o.value.set(field, value);
  if (o.enc === 'listpack' && o.value.size > limit(server, 'hash-max-listpack-entries')) o.enc = 'hashtable';
  return isNew;
}

/** HSET and HMSET: pairs after the key, all set; the hash is touched once. */
function hsetGeneric(reply: 'count' | 'ok') {
  return (c: Client, server: Server): void => {
    if (c.argv.length % 2 === 1) return c.reply.error(arityError(runningCommandName(c)));
    const o = hashForWrite(c, server);
    if (o === null) return;
    tryConversion(o, server, c.argv, 2);
    let created = 0;
    for (let i = 2; i < c.argv.length; i += 2) if (hashSet(o, server, c.argv[i], c.argv[i + 1])) created++;
    c.db.touchWatched(c.argv[1]);
    server.markDirty((c.argv.length - 2) / 2);
    if (reply === 'ok') c.reply.ok();
    else c.reply.integer(created);
  };
}

const perField = (from: number) => (argv: string[]) => COMMAND_COST_NS.o1 + (argv.length - from) * COMMAND_COST_NS.perKey;
/** O(N) reads of the whole hash cost per field; the handler adds that once it knows N. */
const wholeHashCost = (server: Server, o: HashObject | undefined | null) => server.spend((o?.value.size ?? 0) * COMMAND_COST_NS.perKey);

/** HKEYS, HVALS, HGETALL. */
function hgetall(keys: boolean, values: boolean) {
  return (c: Client, server: Server): void => {
    const o = lookupHash(c, server);
    if (o === null) return;
    wholeHashCost(server, o);
    const n = o?.value.size ?? 0;
    if (keys && values) c.reply.mapHeader(n);
    else c.reply.arrayHeader(n);
    if (!o) return;
    for (const [f, v] of o.value) {
      if (keys) c.reply.bulk(f);
      if (values) c.reply.bulk(v);
    }
  };
}

// ---- HRANDFIELD ----------------------------------------------------------------------------------------------

/** HRANDFIELD_SUB_STRATEGY_MUL: below this ratio of size to count, Redis copies the hash and removes picks. */
const SUB_STRATEGY_MUL = 3n;

function parseRandCount(c: Client): { count: bigint; withValues: boolean } | null {
  const r = parseRandomCount(c, 'WITHVALUES');
  return r === null ? null : { count: r.count, withValues: r.withPairs };
}


/** Fields, with their values when asked: RESP2 a flat array, RESP3 an array of [field, value] pairs. */
function replyFields(c: Client, entries: Iterable<[string, string]>, n: number, withValues: boolean): void {
  const pairs = withValues && c.reply.resp === 3;
  c.reply.arrayHeader(withValues && !pairs ? n * 2 : n);
  for (const [f, v] of entries) {
    if (pairs) c.reply.arrayHeader(2);
    c.reply.bulk(f);
    if (withValues) c.reply.bulk(v);
  }
}

/**
 * hrandfieldWithCountCommand. A negative count (or 1) draws with repeats, in draw order. A count of at least the
 * hash's size returns the whole hash in its own order (a listpack's is insertion order). Otherwise `count`
 * distinct fields: Redis returns them in the hash's order when it samples a listpack, or keeps a copy and
 * removes random fields when the count is close to the size (its temporary dict's order; here the hash's
 * order), and in draw order when it samples a hashtable.
 */
function hrandfieldWithCount(c: Client, server: Server, count: bigint, withValues: boolean): void {
  const o = lookupHash(c, server);
  if (o === null) return;
  if (!o || count === 0n) return c.reply.arrayHeader(0);
  const entries = [...o.value];
  const size = entries.length;
  if (count < 0n || count === 1n) {
    if (-count > BigInt(MAX_REPLY_ELEMENTS)) return c.reply.error(replyTooLarge(-count));
    const n = Number(count < 0n ? -count : count);
    server.spend(n * COMMAND_COST_NS.perKey);
    const draws = function* (): Generator<[string, string]> {
      for (let i = 0; i < n; i++) yield entries[server.rng.int(size)];
    };
    return replyFields(c, draws(), n, withValues);
  }
  if (count >= BigInt(size)) {
    wholeHashCost(server, o);
    return replyFields(c, entries, size, withValues);
  }
  const n = Number(count);
  server.spend(n * COMMAND_COST_NS.perKey);
  const picked = sampleIndexes(server, size, n);
  const drawOrder = count * SUB_STRATEGY_MUL <= BigInt(size) && o.enc === 'hashtable';
  if (!drawOrder) picked.sort((a, b) => a - b);
  replyFields(c, picked.map((i) => entries[i]), n, withValues);
}

/** HRANDFIELD key [count [WITHVALUES]]. */
function hrandfield(c: Client, server: Server): void {
  if (c.argv.length >= 3) {
    const args = parseRandCount(c);
    if (args) hrandfieldWithCount(c, server, args.count, args.withValues);
    return;
  }
  const o = lookupHash(c, server);
  if (o === null) return;
  if (!o) return c.reply.nullBulk();
  const fields = [...o.value.keys()];
  c.reply.bulk(fields[server.rng.int(fields.length)]);
}

export const hashCommands: CommandDefinition[] = [
  { name: 'hset', summaryZh: '设置哈希的一个或多个字段，返回新增字段数', cost: perField(2), handler: hsetGeneric('count') },
  { name: 'hmset', summaryZh: '设置哈希的多个字段（旧命令，回复 OK）', cost: perField(2), handler: hsetGeneric('ok') },
  {
    name: 'hsetnx',
    summaryZh: '仅当字段不存在时设置哈希字段',
    cost: perField(2),
    handler: (c, server) => {
      const o = hashForWrite(c, server);
      if (o === null) return;
      if (o.value.has(c.argv[2])) return c.reply.integer(0);
      tryConversion(o, server, c.argv, 2);
      hashSet(o, server, c.argv[2], c.argv[3]);
      c.db.touchWatched(c.argv[1]);
      server.markDirty();
      c.reply.integer(1);
    },
  },
  {
    name: 'hget',
    summaryZh: '获取哈希字段的值',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = lookupHash(c, server);
      if (o === null) return;
      const v = o?.value.get(c.argv[2]);
      if (v === undefined) c.reply.nullBulk();
      else c.reply.bulk(v);
    },
  },
  {
    name: 'hmget',
    summaryZh: '获取哈希多个字段的值',
    cost: perField(2),
    handler: (c, server) => {
      const o = lookupHash(c, server);
      if (o === null) return;
      c.reply.arrayHeader(c.argv.length - 2);
      for (let i = 2; i < c.argv.length; i++) {
        const v = o?.value.get(c.argv[i]);
        if (v === undefined) c.reply.nullBulk();
        else c.reply.bulk(v);
      }
    },
  },
  {
    name: 'hdel',
    summaryZh: '删除哈希字段，返回删除的个数（删空后键也删除）',
    cost: perField(2),
    handler: (c, server) => {
      const o = lookupHash(c, server);
      if (o === null) return;
      if (o === undefined) return c.reply.integer(0);
      let deleted = 0;
      for (let i = 2; i < c.argv.length; i++) if (o.value.delete(c.argv[i])) deleted++;
      if (deleted > 0) {
        if (o.value.size === 0) c.db.delete(c.argv[1]);
        else c.db.touchWatched(c.argv[1]);
        server.markDirty(deleted);
      }
      c.reply.integer(deleted);
    },
  },
  {
    name: 'hlen',
    summaryZh: '返回哈希的字段数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = lookupHash(c, server);
      if (o !== null) c.reply.integer(o?.value.size ?? 0);
    },
  },
  {
    name: 'hexists',
    summaryZh: '判断哈希字段是否存在',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = lookupHash(c, server);
      if (o !== null) c.reply.integer(o?.value.has(c.argv[2]) ? 1 : 0);
    },
  },
  {
    name: 'hstrlen',
    summaryZh: '返回哈希字段值的长度',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = lookupHash(c, server);
      if (o !== null) c.reply.integer(o?.value.get(c.argv[2])?.length ?? 0);
    },
  },
  { name: 'hkeys', summaryZh: '返回哈希的所有字段', cost: () => COMMAND_COST_NS.o1, handler: hgetall(true, false) },
  { name: 'hvals', summaryZh: '返回哈希的所有值', cost: () => COMMAND_COST_NS.o1, handler: hgetall(false, true) },
  { name: 'hgetall', summaryZh: '返回哈希的所有字段和值', cost: () => COMMAND_COST_NS.o1, handler: hgetall(true, true) },
  {
    name: 'hincrbyfloat',
    summaryZh: '将哈希字段的值加上浮点增量（80 位 long double）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const incr = parseLongDouble(c.argv[3]);
      if (incr === null) return c.reply.error('ERR value is not a valid float');
      if (typeof incr === 'string') return c.reply.error('ERR value is NaN or Infinity');
      const o = hashForWrite(c, server);
      if (o === null) return;
      const old = o.value.get(c.argv[2]);
      const current = old === undefined ? parseLongDouble('0') : parseLongDouble(old);
      if (current === null || typeof current === 'string') return c.reply.error('ERR hash value is not a float');
      const sum = addLongDouble(current, incr);
      if (typeof sum === 'string') return c.reply.error('ERR increment would produce NaN or Infinity');
      const text = formatLongDoubleHuman(sum);
      hashSet(o, server, c.argv[2], text);
      c.db.touchWatched(c.argv[1]);
      server.markDirty();
      c.reply.bulk(text);
    },
  },
  {
    name: 'hincrby',
    summaryZh: '将哈希字段的整数值加上增量',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const by = parseInt64(c.argv[3]);
      if (by === null) return c.reply.error(ERR.notInteger);
      const o = hashForWrite(c, server);
      if (o === null) return;
      const old = o.value.get(c.argv[2]);
      const current = old === undefined ? 0n : parseInt64(old);
      if (current === null) return c.reply.error('ERR hash value is not an integer');
      const next = current + by;
      if (next > INT64_MAX || next < INT64_MIN) return c.reply.error('ERR increment or decrement would overflow');
      hashSet(o, server, c.argv[2], next.toString());
      c.db.touchWatched(c.argv[1]);
      server.markDirty();
      c.reply.integer(next);
    },
  },
  { name: 'hrandfield', summaryZh: '随机返回哈希中的字段（可带值；负数个数允许重复）', cost: () => COMMAND_COST_NS.o1, handler: hrandfield },
];
