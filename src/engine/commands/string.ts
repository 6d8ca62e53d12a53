/**
 * String commands (t_string.c). Values are byte strings; numbers are parsed with Redis's strict rules and kept
 * in 64-bit range with BigInt where overflow must be detected exactly.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { LAB_MAX_STRING_BYTES, LAB_STRING_LIMIT_ERROR, createGrownStringObject, createPlainStringObject, createRawStringObject, createStringObject, type StringObject } from '../keyspace/object.ts';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from '../types/long-double.ts';
import { ERR, arityError, invalidExpireTime, runningCommandName } from './errors.ts';
import { exactMs, parseInt64 } from './parse.ts';
import { lookupOfType } from './lookup.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

type ExpireUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

interface StringOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  expire: { unit: ExpireUnit; arg: string } | null;
}

/**
 * parseExtendedStringArgumentsOrReply, for SET (from argv[3]: NX, XX, GET, KEEPTTL and the expire options)
 * and GETEX (from argv[2]: the expire options and PERSIST). Options may repeat; conflicting ones, unknown ones
 * and an expire option without its value are syntax errors.
 */
function parseStringOptions(argv: string[], forGet: boolean): StringOptions | null {
  const o: StringOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, expire: null };
  for (let j = forGet ? 2 : 3; j < argv.length; j++) {
    const opt = argv[j].toUpperCase();
    const hasNext = j < argv.length - 1;
    if (!forGet && opt === 'NX' && !o.xx) o.nx = true;
    else if (!forGet && opt === 'XX' && !o.nx) o.xx = true;
    else if (!forGet && opt === 'GET') o.get = true;
    else if (!forGet && opt === 'KEEPTTL' && !o.persist && !o.expire) o.keepTtl = true;
    else if (forGet && opt === 'PERSIST' && !o.expire && !o.keepTtl) o.persist = true;
    else if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && !o.keepTtl && !o.persist && hasNext &&
      (!o.expire || o.expire.unit === opt)) {
      // The same expire option twice is accepted (the last value wins); two different kinds are not.
      o.expire = { unit: opt, arg: argv[++j] };
    } else return null;
  }
  return o;
}

/** getExpireMillisecondsOrReply: the absolute deadline in unix ms, or null after replying with the error. */
function expireDeadlineMs(c: Client, server: Server, unit: ExpireUnit, arg: string, command: string): number | bigint | null {
  let ms = parseInt64(arg);
  if (ms === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  const seconds = unit === 'EX' || unit === 'EXAT';
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) {
    c.reply.error(invalidExpireTime(command));
    return null;
  }
  if (seconds) ms *= 1000n;
  if (unit === 'EX' || unit === 'PX') ms += BigInt(server.nowMs());
  // In C the sum wraps to a negative number, which Redis reports as an invalid expire time.
  if (ms > INT64_MAX) {
    c.reply.error(invalidExpireTime(command));
    return null;
  }
  return exactMs(ms);
}

/**
 * A new string value as Redis stores it (tryObjectEncoding). Shared integer objects are not used when an LRU or
 * LFU maxmemory policy needs per-key access data (MAXMEMORY_FLAG_NO_SHARED_INTEGERS).
 */
export function newString(server: Server, value: string): StringObject {
  return createStringObject(value, server.nowMs(), server.config.sharedIntegers);
}

/** setGenericCommand: SET and its older forms. Returns after replying. */
function setGeneric(c: Client, server: Server, key: string, value: string, opts: StringOptions, okReply?: () => void, abortReply?: () => void): void {
  let deadline: number | bigint | null = null;
  if (opts.expire) {
    deadline = expireDeadlineMs(c, server, opts.expire.unit, opts.expire.arg, runningCommandName(c));
    if (deadline === null) return;
  }
  const now = server.nowMs();
  const existing = c.db.lookup(key, now);
  if (opts.get) {
    // SET ... GET replies with the old value first; a non-string old value aborts the whole command.
    if (existing === undefined) c.reply.nullBulk();
    else if (existing.type !== 'string') return c.reply.error(ERR.wrongType);
    else c.reply.bulk(existing.value);
  }
  if ((opts.nx && existing !== undefined) || (opts.xx && existing === undefined)) {
    if (!opts.get) {
      if (abortReply) abortReply();
      else c.reply.nullBulk();
    }
    return;
  }
  c.db.set(key, createStringObject(value, now, server.config.sharedIntegers), opts.keepTtl);
  if (deadline !== null) c.db.setExpire(key, deadline);
  server.markDirty();
  if (!opts.get) {
    if (okReply) okReply();
    else c.reply.ok();
  }
}

const NO_OPTIONS: StringOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, expire: null };

/** The string at `key`, or undefined when missing; null after replying WRONGTYPE. */
const lookupString = (c: Client, server: Server, key: string) => lookupOfType(c, server, key, 'string');

/** incrDecrCommand: the value must be a 64-bit integer; overflow is refused; the TTL is kept. */
function incrDecr(c: Client, server: Server, by: bigint): void {
  const o = lookupString(c, server, c.argv[1]);
  if (o === null) return;
  const current = o === undefined ? 0n : parseInt64(o.value);
  if (current === null) return c.reply.error(ERR.notInteger);
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) return c.reply.error('ERR increment or decrement would overflow');
  c.db.set(c.argv[1], newString(server, next.toString()), true);
  server.markDirty();
  c.reply.integer(next);
}

/** Shared arity check for MSET and MSETNX, whose key/value pairs Redis counts itself. */
function pairsOk(c: Client): boolean {
  if (c.argv.length % 2 === 0) {
    c.reply.error(arityError(runningCommandName(c)));
    return false;
  }
  return true;
}

const o1 = () => COMMAND_COST_NS.o1;
const valueCost = (i: number) => (argv: string[]) => COMMAND_COST_NS.o1 + (argv[i]?.length ?? 0) * COMMAND_COST_NS.perByte;
const perKey = (argv: string[]) => (argv.length - 1) * COMMAND_COST_NS.perKey;

export const stringCommands: CommandDefinition[] = [
  {
    name: 'get',
    summaryZh: '获取键的字符串值，键不存在时返回 nil',
    cost: o1,
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o === undefined) c.reply.nullBulk();
      else if (o !== null) c.reply.bulk(o.value);
    },
  },
  {
    name: 'set',
    summaryZh: '设置键的字符串值，可带 NX/XX、GET 与过期时间选项',
    cost: valueCost(2),
    handler: (c, server) => {
      const opts = parseStringOptions(c.argv, false);
      if (opts === null) return c.reply.error(ERR.syntax);
      setGeneric(c, server, c.argv[1], c.argv[2], opts);
    },
  },
  {
    name: 'setnx',
    summaryZh: '仅当键不存在时设置值（返回 1 或 0）',
    cost: valueCost(2),
    handler: (c, server) =>
      setGeneric(c, server, c.argv[1], c.argv[2], { ...NO_OPTIONS, nx: true }, () => c.reply.integer(1), () => c.reply.integer(0)),
  },
  {
    name: 'setex',
    summaryZh: '设置值并以秒为单位设置过期时间',
    cost: valueCost(3),
    handler: (c, server) => setGeneric(c, server, c.argv[1], c.argv[3], { ...NO_OPTIONS, expire: { unit: 'EX', arg: c.argv[2] } }),
  },
  {
    name: 'psetex',
    summaryZh: '设置值并以毫秒为单位设置过期时间',
    cost: valueCost(3),
    handler: (c, server) => setGeneric(c, server, c.argv[1], c.argv[3], { ...NO_OPTIONS, expire: { unit: 'PX', arg: c.argv[2] } }),
  },
  {
    name: 'getset',
    summaryZh: '设置新值并返回旧值',
    cost: valueCost(2),
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) c.reply.nullBulk();
      else c.reply.bulk(o.value);
      c.db.set(c.argv[1], newString(server, c.argv[2]));
      server.markDirty();
    },
  },
  {
    name: 'getdel',
    summaryZh: '获取值并删除该键',
    cost: o1,
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.nullBulk();
      c.reply.bulk(o.value);
      c.db.delete(c.argv[1]);
      server.markDirty();
    },
  },
  {
    name: 'getex',
    summaryZh: '获取值，并可同时设置或移除过期时间',
    cost: o1,
    handler: (c, server) => {
      const opts = parseStringOptions(c.argv, true);
      if (opts === null) return c.reply.error(ERR.syntax);
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.nullBulk();
      let deadline: number | bigint | null = null;
      if (opts.expire) {
        deadline = expireDeadlineMs(c, server, opts.expire.unit, opts.expire.arg, 'getex');
        if (deadline === null) return;
      }
      c.reply.bulk(o.value);
      const absolute = opts.expire?.unit === 'EXAT' || opts.expire?.unit === 'PXAT';
      if (deadline !== null && absolute && deadline <= server.nowMs()) {
        c.db.delete(c.argv[1]);
        server.markDirty();
      } else if (deadline !== null) {
        c.db.setExpire(c.argv[1], deadline);
        server.markDirty();
      } else if (opts.persist && c.db.removeExpire(c.argv[1])) {
        server.markDirty();
      }
    },
  },
  {
    name: 'mget',
    summaryZh: '获取多个键的值（不存在或非字符串的返回 nil）',
    cost: perKey,
    handler: (c, server) => {
      const now = server.nowMs();
      c.reply.arrayHeader(c.argv.length - 1);
      for (let i = 1; i < c.argv.length; i++) {
        const o = c.db.lookup(c.argv[i], now);
        if (o === undefined || o.type !== 'string') c.reply.nullBulk();
        else c.reply.bulk(o.value);
      }
    },
  },
  {
    name: 'mset',
    summaryZh: '同时设置多个键值对',
    cost: perKey,
    handler: (c, server) => {
      if (!pairsOk(c)) return;
      for (let i = 1; i < c.argv.length; i += 2) c.db.set(c.argv[i], newString(server, c.argv[i + 1]));
      server.markDirty((c.argv.length - 1) / 2);
      c.reply.ok();
    },
  },
  {
    name: 'msetnx',
    summaryZh: '仅当所有键都不存在时同时设置多个键值对',
    cost: perKey,
    handler: (c, server) => {
      if (!pairsOk(c)) return;
      const now = server.nowMs();
      for (let i = 1; i < c.argv.length; i += 2) if (c.db.lookup(c.argv[i], now) !== undefined) return c.reply.integer(0);
      for (let i = 1; i < c.argv.length; i += 2) c.db.set(c.argv[i], newString(server, c.argv[i + 1]));
      server.markDirty((c.argv.length - 1) / 2);
      c.reply.integer(1);
    },
  },
  { name: 'incr', summaryZh: '将键的整数值加一', cost: o1, handler: (c, server) => incrDecr(c, server, 1n) },
  { name: 'decr', summaryZh: '将键的整数值减一', cost: o1, handler: (c, server) => incrDecr(c, server, -1n) },
  {
    name: 'incrby',
    summaryZh: '将键的整数值加上给定增量',
    cost: o1,
    handler: (c, server) => {
      const by = parseInt64(c.argv[2]);
      if (by === null) return c.reply.error(ERR.notInteger);
      incrDecr(c, server, by);
    },
  },
  {
    name: 'decrby',
    summaryZh: '将键的整数值减去给定减量',
    cost: o1,
    handler: (c, server) => {
      const by = parseInt64(c.argv[2]);
      if (by === null) return c.reply.error(ERR.notInteger);
      // Negating LLONG_MIN does not fit in 64 bits.
      if (by === INT64_MIN) return c.reply.error('ERR decrement would overflow');
      incrDecr(c, server, -by);
    },
  },
  {
    name: 'incrbyfloat',
    summaryZh: '将键的值加上浮点增量（以 80 位 long double 计算，与 Redis 相同）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      const value = o === undefined ? parseLongDouble('0') : parseLongDouble(o.value);
      if (value === null) return c.reply.error('ERR value is not a valid float');
      const incr = parseLongDouble(c.argv[2]);
      if (incr === null) return c.reply.error('ERR value is not a valid float');
      const sum = typeof value === 'string' || typeof incr === 'string' ? 'inf' : addLongDouble(value, incr);
      if (typeof sum === 'string') return c.reply.error('ERR increment would produce NaN or Infinity');
      const text = formatLongDoubleHuman(sum);
      c.db.set(c.argv[1], createPlainStringObject(text, server.nowMs()), true);
      server.markDirty();
      c.reply.bulk(text);
    },
  },
  {
    name: 'append',
    summaryZh: '在字符串末尾追加内容，返回新长度',
    cost: valueCost(2),
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      // checkStringLength, before the concatenation: past the lab's limit the JS string could not be built.
      const total = (o?.value.length ?? 0) + c.argv[2].length;
      if (total > server.config.protoMaxBulkLen) return c.reply.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      if (total > LAB_MAX_STRING_BYTES) return c.reply.error(LAB_STRING_LIMIT_ERROR);
      const value = (o?.value ?? '') + c.argv[2];
      // A new key stores the argument as SET would; appending to an existing value makes it raw.
      c.db.set(c.argv[1], o === undefined ? newString(server, value) : createGrownStringObject(o, value, server.nowMs()), true);
      server.markDirty();
      c.reply.integer(value.length);
    },
  },
  {
    name: 'strlen',
    summaryZh: '返回字符串值的长度（字节）',
    cost: o1,
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o !== null) c.reply.integer(o?.value.length ?? 0);
    },
  },
  { name: 'getrange', summaryZh: '返回字符串的子串（闭区间，支持负索引）', cost: o1, handler: getRange },
  { name: 'substr', summaryZh: '返回字符串的子串（GETRANGE 的旧名）', cost: o1, handler: getRange },
  {
    name: 'setrange',
    summaryZh: '从给定偏移处覆盖字符串，返回新长度',
    cost: valueCost(3),
    handler: (c, server) => {
      const offset = parseInt64(c.argv[2]);
      if (offset === null) return c.reply.error(ERR.notInteger);
      if (offset < 0n) return c.reply.error('ERR offset is out of range');
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      const patch = c.argv[3];
      if (patch.length === 0) return c.reply.integer(o?.value.length ?? 0);
      if (offset + BigInt(patch.length) > BigInt(server.config.protoMaxBulkLen)) {
        return c.reply.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      }
      const at = Number(offset);
      if (Math.max(at + patch.length, o?.value.length ?? 0) > LAB_MAX_STRING_BYTES) return c.reply.error(LAB_STRING_LIMIT_ERROR);
      const old = o?.value ?? '';
      const padded = old.length < at ? old + '\0'.repeat(at - old.length) : old;
      const value = padded.slice(0, at) + patch + padded.slice(at + patch.length);
      c.db.set(c.argv[1], createGrownStringObject(o, value, server.nowMs()), true);
      server.markDirty();
      c.reply.integer(value.length);
    },
  },
];

/** getrangeCommand: both ends inclusive, negative counts from the end, clamped to the string. */
function getRange(c: Client, server: Server): void {
  const start0 = parseInt64(c.argv[2]);
  if (start0 === null) return c.reply.error(ERR.notInteger);
  const end0 = parseInt64(c.argv[3]);
  if (end0 === null) return c.reply.error(ERR.notInteger);
  const o = lookupString(c, server, c.argv[1]);
  if (o === null) return;
  const s = o?.value ?? '';
  const len = BigInt(s.length);
  let start = start0;
  let end = end0;
  if (start < 0n && end < 0n && start > end) return c.reply.bulk('');
  if (start < 0n) start = len + start;
  if (end < 0n) end = len + end;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) return c.reply.bulk('');
  c.reply.bulk(s.slice(Number(start), Number(end) + 1));
}
