/**
 * Generic keyspace commands (Redis's "generic" group, db.c and expire.c): existence, deletion, types, expiry,
 * renaming, copying and moving keys, and walking the keyspace.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR, invalidExpireTime } from './errors.ts';
import { exactMs, parseInt64, parseIntArg } from './parse.ts';
import { globMatch } from '../keyspace/glob.ts';
import { copyZset } from './zset.ts';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const perKeyCost = (argv: string[]) => (argv.length - 1) * COMMAND_COST_NS.perKey;

/** DEL and UNLINK: remove keys, counting those that existed (an expired key counts as missing). */
function deleteKeys(c: Client, server: Server): void {
  const now = server.nowMs();
  let deleted = 0;
  for (let i = 1; i < c.argv.length; i++) {
    c.db.expireIfNeeded(c.argv[i], now);
    if (c.db.delete(c.argv[i])) deleted++;
  }
  if (deleted > 0) server.markDirty(deleted);
  c.reply.integer(deleted);
}

/** Counts how many of argv[1..] exist (duplicates count again): EXISTS (no access) and TOUCH (an access). */
function countExisting(touch: boolean) {
  return (c: Client, server: Server): void => {
    const now = server.nowMs();
    let count = 0;
    for (let i = 1; i < c.argv.length; i++) if (c.db.lookup(c.argv[i], now, touch) !== undefined) count++;
    c.reply.integer(count);
  };
}

/** The NX/XX/GT/LT options of EXPIRE and friends (parseExtendedExpireArgumentsOrReply). */
function parseExpireFlags(c: Client): { nx: boolean; xx: boolean; gt: boolean; lt: boolean } | null {
  const f = { nx: false, xx: false, gt: false, lt: false };
  for (let j = 3; j < c.argv.length; j++) {
    const opt = c.argv[j].toLowerCase();
    if (opt === 'nx') f.nx = true;
    else if (opt === 'xx') f.xx = true;
    else if (opt === 'gt') f.gt = true;
    else if (opt === 'lt') f.lt = true;
    else {
      c.reply.error(`ERR Unsupported option ${c.argv[j]}`);
      return null;
    }
  }
  if ((f.nx && f.xx) || (f.nx && f.gt) || (f.nx && f.lt)) {
    c.reply.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return null;
  }
  if (f.gt && f.lt) {
    c.reply.error('ERR GT and LT options at the same time are not compatible');
    return null;
  }
  return f;
}

/** expireGenericCommand: `relative` adds the current time; `seconds` scales by 1000. */
function expireGeneric(name: string, relative: boolean, seconds: boolean) {
  return (c: Client, server: Server): void => {
    const flags = parseExpireFlags(c);
    if (!flags) return;
    let when = parseInt64(c.argv[2]);
    if (when === null) {
      c.reply.error(ERR.notInteger);
      return;
    }
    if (seconds) {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
        c.reply.error(invalidExpireTime(name));
        return;
      }
      when *= 1000n;
    }
    const base = relative ? BigInt(server.nowMs()) : 0n;
    if (when > INT64_MAX - base) {
      c.reply.error(invalidExpireTime(name));
      return;
    }
    when += base;
    const now = server.nowMs();
    const key = c.argv[1];
    if (c.db.lookup(key, now) === undefined) {
      c.reply.integer(0);
      return;
    }
    const current = c.db.getExpire(key);
    const whenMs = exactMs(when);
    if (flags.nx && current !== undefined) return c.reply.integer(0);
    if (flags.xx && current === undefined) return c.reply.integer(0);
    // No expiry counts as an infinite TTL: GT never beats it, LT always does.
    if (flags.gt && (current === undefined || whenMs <= current)) return c.reply.integer(0);
    if (flags.lt && current !== undefined && whenMs >= current) return c.reply.integer(0);
    if (whenMs <= now) c.db.delete(key);
    else c.db.setExpire(key, whenMs);
    server.markDirty();
    c.reply.integer(1);
  };
}

/** ttlGenericCommand: -2 missing, -1 no expiry; relative TTLs never go below 0; seconds round to nearest. */
function ttlGeneric(ms: boolean, absolute: boolean) {
  return (c: Client, server: Server): void => {
    const now = server.nowMs();
    if (c.db.lookup(c.argv[1], now) === undefined) return c.reply.integer(-2);
    const expire = c.db.getExpire(c.argv[1]);
    if (expire === undefined) return c.reply.integer(-1);
    let ttl = absolute ? BigInt(expire) : BigInt(expire) - BigInt(now);
    if (ttl < 0n) ttl = 0n;
    c.reply.integer(ms ? ttl : (ttl + 500n) / 1000n);
  };
}

/** renameGenericCommand. */
function renameGeneric(nx: boolean) {
  return (c: Client, server: Server): void => {
    const [, src, dst] = c.argv;
    const now = server.nowMs();
    const o = c.db.lookup(src, now);
    if (o === undefined) return c.reply.error('ERR no such key');
    if (src === dst) return nx ? c.reply.integer(0) : c.reply.ok();
    const expire = c.db.getExpire(src);
    if (c.db.lookup(dst, now) !== undefined) {
      if (nx) return c.reply.integer(0);
      c.db.delete(dst);
    }
    c.db.set(dst, o);
    if (expire !== undefined) c.db.setExpire(dst, expire);
    c.db.delete(src);
    server.markDirty();
    if (nx) c.reply.integer(1);
    else c.reply.ok();
  };
}

export const genericCommands: CommandDefinition[] = [
  { name: 'del', summaryZh: '删除一个或多个键，返回实际删除的个数', cost: perKeyCost, handler: deleteKeys },
  { name: 'unlink', summaryZh: '删除键（内存在后台回收），返回删除的个数', cost: perKeyCost, handler: deleteKeys },
  { name: 'exists', summaryZh: '统计给定的键中有多少个存在（重复的键重复计数）', cost: perKeyCost, handler: countExisting(false) },
  { name: 'touch', summaryZh: '更新键的最近访问时间，返回存在的键数', cost: perKeyCost, handler: countExisting(true) },
  {
    name: 'type',
    summaryZh: '返回键所存值的类型',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => c.reply.status(c.db.lookup(c.argv[1], server.nowMs(), false)?.type ?? 'none'),
  },
  {
    name: 'object|encoding',
    summaryZh: '返回值的内部编码（如 int、embstr、raw）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = c.db.lookup(c.argv[2], server.nowMs(), false);
      if (o === undefined) c.reply.nullBulk();
      else c.reply.bulk(o.enc);
    },
  },
  {
    name: 'object|refcount',
    summaryZh: '返回值对象的引用计数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = c.db.lookup(c.argv[2], server.nowMs(), false);
      // Shared objects carry OBJ_SHARED_REFCOUNT (INT_MAX).
      if (o === undefined) c.reply.nullBulk();
      else c.reply.integer(o.shared ? 2147483647 : 1);
    },
  },
  {
    name: 'object|idletime',
    summaryZh: '返回键自上次访问以来空闲的秒数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const now = server.nowMs();
      const o = c.db.lookup(c.argv[2], now, false);
      if (o === undefined) return c.reply.nullBulk();
      if (/lfu/.test(server.config.get('maxmemory-policy') ?? '')) {
        return c.reply.error('ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
      }
      // Shared integers are never touched: their clock is the server's start.
      c.reply.integer(Math.floor((now - (o.shared ? server.startedAtMs() : o.lru)) / 1000));
    },
  },
  {
    name: 'object|freq',
    summaryZh: '返回键的 LFU 访问频率计数（需 LFU 淘汰策略）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const now = server.nowMs();
      const o = c.db.lookup(c.argv[2], now, false);
      if (o === undefined) return c.reply.nullBulk();
      if (!/lfu/.test(server.config.get('maxmemory-policy') ?? '')) {
        return c.reply.error('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
      }
      // LFUDecrAndReturn: the counter after decay, without counting this look as an access.
      c.reply.integer(server.lfu.counter(o.lru, now));
    },
  },
  { name: 'expire', summaryZh: '以秒为单位设置键的过期时间', cost: () => COMMAND_COST_NS.o1, handler: expireGeneric('expire', true, true) },
  { name: 'pexpire', summaryZh: '以毫秒为单位设置键的过期时间', cost: () => COMMAND_COST_NS.o1, handler: expireGeneric('pexpire', true, false) },
  { name: 'expireat', summaryZh: '以 Unix 秒时间戳设置键的过期时刻', cost: () => COMMAND_COST_NS.o1, handler: expireGeneric('expireat', false, true) },
  { name: 'pexpireat', summaryZh: '以 Unix 毫秒时间戳设置键的过期时刻', cost: () => COMMAND_COST_NS.o1, handler: expireGeneric('pexpireat', false, false) },
  { name: 'ttl', summaryZh: '返回键的剩余生存时间（秒）', cost: () => COMMAND_COST_NS.o1, handler: ttlGeneric(false, false) },
  { name: 'pttl', summaryZh: '返回键的剩余生存时间（毫秒）', cost: () => COMMAND_COST_NS.o1, handler: ttlGeneric(true, false) },
  { name: 'expiretime', summaryZh: '返回键的过期时刻（Unix 秒）', cost: () => COMMAND_COST_NS.o1, handler: ttlGeneric(false, true) },
  { name: 'pexpiretime', summaryZh: '返回键的过期时刻（Unix 毫秒）', cost: () => COMMAND_COST_NS.o1, handler: ttlGeneric(true, true) },
  {
    name: 'persist',
    summaryZh: '移除键的过期时间',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      if (c.db.lookup(c.argv[1], server.nowMs()) === undefined || !c.db.removeExpire(c.argv[1])) return c.reply.integer(0);
      server.markDirty();
      c.reply.integer(1);
    },
  },
  { name: 'rename', summaryZh: '重命名键（目标键存在时覆盖）', cost: () => COMMAND_COST_NS.o1, handler: renameGeneric(false) },
  { name: 'renamenx', summaryZh: '仅当新键名不存在时重命名键', cost: () => COMMAND_COST_NS.o1, handler: renameGeneric(true) },
  {
    name: 'keys',
    summaryZh: '返回匹配模式的所有键（O(N)，会阻塞事件循环）',
    cost: () => 0,
    handler: (c, server) => {
      const pattern = c.argv[1];
      const all = pattern === '*';
      const now = server.nowMs();
      const found: string[] = [];
      for (const key of c.db.keys.keys()) {
        if (!all && !globMatch(pattern, key)) continue;
        const when = c.db.expires.get(key);
        if (when === undefined || when > now) found.push(key);
      }
      server.spend(c.db.size * COMMAND_COST_NS.scanPerKey);
      c.reply.arrayHeader(found.length);
      for (const k of found) c.reply.bulk(k);
    },
  },
  {
    name: 'randomkey',
    summaryZh: '随机返回一个键',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const now = server.nowMs();
      // Like dbRandomKey: pick at random, and drop expired keys met on the way.
      while (c.db.size > 0) {
        const keys = [...c.db.keys.keys()];
        const key = keys[server.rng.int(keys.length)];
        if (!c.db.expireIfNeeded(key, now)) return c.reply.bulk(key);
      }
      c.reply.nullBulk();
    },
  },
  {
    name: 'copy',
    summaryZh: '把键的值复制到另一个键（可跨库、可覆盖）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      let dst = c.db;
      let replace = false;
      for (let j = 3; j < c.argv.length; j++) {
        const opt = c.argv[j].toLowerCase();
        if (opt === 'replace') replace = true;
        else if (opt === 'db' && j + 1 < c.argv.length) {
          const id = parseIntArg(c.argv[++j]);
          if (typeof id !== 'number') return c.reply.error(id.error);
          if (id < 0 || id >= server.dbs.length) return c.reply.error('ERR DB index is out of range');
          dst = server.dbs[id];
        } else return c.reply.error(ERR.syntax);
      }
      if (server.config.clusterEnabled && (c.db.id !== 0 || dst.id !== 0)) {
        return c.reply.error('ERR Copying to another database is not allowed in cluster mode');
      }
      const [, key, newkey] = c.argv;
      if (dst === c.db && key === newkey) return c.reply.error('ERR source and destination objects are the same');
      const now = server.nowMs();
      const o = c.db.lookup(key, now);
      if (o === undefined) return c.reply.integer(0);
      const expire = c.db.getExpire(key);
      if (dst.lookup(newkey, now) !== undefined) {
        if (!replace) return c.reply.integer(0);
        dst.delete(newkey);
      }
      // A copy owns its data: a shared integer becomes a private one, a hash gets its own table.
      dst.set(
        newkey,
        o.type === 'hash' ? { ...o, value: new Map(o.value) }
        : o.type === 'list' ? { ...o, value: [...o.value] }
        : o.type === 'set' ? { ...o, value: new Set(o.value) }
        : o.type === 'zset' ? copyZset(o, server)
        : { ...o, shared: false },
      );
      if (expire !== undefined) dst.setExpire(newkey, expire);
      server.markDirty();
      c.reply.integer(1);
    },
  },
  {
    name: 'move',
    summaryZh: '把键移动到另一个数据库',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      if (server.config.clusterEnabled) return c.reply.error('ERR MOVE is not allowed in cluster mode');
      const id = parseIntArg(c.argv[2]);
      if (typeof id !== 'number') return c.reply.error(id.error);
      if (id < 0 || id >= server.dbs.length) return c.reply.error('ERR DB index is out of range');
      const dst = server.dbs[id];
      if (dst === c.db) return c.reply.error('ERR source and destination objects are the same');
      const now = server.nowMs();
      const key = c.argv[1];
      const o = c.db.lookup(key, now);
      if (o === undefined) return c.reply.integer(0);
      if (dst.lookup(key, now) !== undefined) return c.reply.integer(0);
      const expire = c.db.getExpire(key);
      dst.set(key, o);
      if (expire !== undefined) dst.setExpire(key, expire);
      c.db.delete(key);
      server.markDirty();
      c.reply.integer(1);
    },
  },
];
