/**
 * Set commands (t_set.c). Members are byte strings in a JS Set. An intset-encoded set replies in ascending
 * numeric order, as Redis's intset does; a hashtable-encoded one replies in insertion order, where Redis's own
 * order comes from its seeded hash table (docs/fidelity.md).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { SetObject } from '../keyspace/object.ts';
import { isCanonicalInt64 } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR, MAX_REPLY_ELEMENTS, replyTooLarge } from './errors.ts';
import { outOfRange, parseInt64 } from './parse.ts';
import { lookupOfType } from './lookup.ts';

const lookupSet = (c: Client, server: Server, key: string) => lookupOfType(c, server, key, 'set');

const maxIntset = (server: Server) => Number(server.config.get('set-max-intset-entries'));

/** setTypeCreate + adds: the encoding follows the members. */
function makeSet(server: Server, members: Iterable<string>): SetObject {
  const s: SetObject = { type: 'set', value: new Set(), enc: 'intset', shared: false, lru: server.nowMs() };
  for (const m of members) addMember(server, s, m);
  return s;
}

function addMember(server: Server, s: SetObject, m: string): boolean {
  if (s.value.has(m)) return false;
  s.value.add(m);
  if (s.enc === 'intset' && (!isCanonicalInt64(m) || s.value.size > maxIntset(server))) s.enc = 'hashtable';
  return true;
}

/** Members in the order Redis would list them for this encoding. */
function members(s: SetObject): string[] {
  const list = [...s.value];
  if (s.enc === 'intset') list.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  return list;
}

function replyMembers(c: Client, list: string[]): void {
  c.reply.setHeader(list.length);
  for (const m of list) c.reply.bulk(m);
}

/** Loads the sets named by keys; missing keys are empty sets. null after replying WRONGTYPE. */
function loadSets(c: Client, server: Server, keys: string[]): (SetObject | undefined)[] | null {
  const out: (SetObject | undefined)[] = [];
  for (const k of keys) {
    const s = lookupSet(c, server, k);
    if (s === null) return null;
    out.push(s);
  }
  return out;
}

type Algebra = 'inter' | 'union' | 'diff';

function compute(op: Algebra, sets: (SetObject | undefined)[]): string[] {
  if (op === 'union') {
    const out = new Set<string>();
    for (const s of sets) if (s) for (const m of members(s)) out.add(m);
    return [...out];
  }
  const [first, ...rest] = sets;
  if (!first) return [];
  if (op === 'inter') {
    if (rest.some((s) => !s)) return [];
    return members(first).filter((m) => rest.every((s) => s!.value.has(m)));
  }
  return members(first).filter((m) => rest.every((s) => !s || !s.value.has(m)));
}

/** SINTER/SUNION/SDIFF and their STORE forms. */
function algebra(op: Algebra, store: boolean) {
  return (c: Client, server: Server): void => {
    const keys = c.argv.slice(store ? 2 : 1);
    const sets = loadSets(c, server, keys);
    if (sets === null) return;
    const result = compute(op, sets);
    server.spend(sets.reduce((n, s) => n + (s?.value.size ?? 0), 0) * COMMAND_COST_NS.perKey);
    if (!store) {
      const s = makeSet(server, result);
      return replyMembers(c, members(s));
    }
    const dst = c.argv[1];
    if (result.length === 0) c.db.delete(dst);
    else c.db.set(dst, makeSet(server, result));
    server.markDirty();
    c.reply.integer(result.length);
  };
}

const o1 = () => COMMAND_COST_NS.o1;
const perArg = (from: number) => (argv: string[]) => COMMAND_COST_NS.o1 + (argv.length - from) * COMMAND_COST_NS.perKey;

export const setCommands: CommandDefinition[] = [
  {
    name: 'sadd',
    summaryZh: '向集合添加成员，返回新增个数',
    cost: perArg(2),
    handler: (c, server) => {
      let s = lookupSet(c, server, c.argv[1]);
      if (s === null) return;
      if (s === undefined) {
        s = makeSet(server, []);
        c.db.set(c.argv[1], s);
      }
      let added = 0;
      for (let i = 2; i < c.argv.length; i++) if (addMember(server, s, c.argv[i])) added++;
      if (added > 0) {
        c.db.touchWatched(c.argv[1]);
        server.markDirty(added);
      }
      c.reply.integer(added);
    },
  },
  {
    name: 'srem',
    summaryZh: '从集合删除成员，返回删除个数',
    cost: perArg(2),
    handler: (c, server) => {
      const s = lookupSet(c, server, c.argv[1]);
      if (s === null) return;
      if (s === undefined) return c.reply.integer(0);
      let removed = 0;
      for (let i = 2; i < c.argv.length; i++) if (s.value.delete(c.argv[i])) removed++;
      if (removed > 0) {
        if (s.value.size === 0) c.db.delete(c.argv[1]);
        else c.db.touchWatched(c.argv[1]);
        server.markDirty(removed);
      }
      c.reply.integer(removed);
    },
  },
  {
    name: 'scard',
    summaryZh: '返回集合成员数',
    cost: o1,
    handler: (c, server) => {
      const s = lookupSet(c, server, c.argv[1]);
      if (s !== null) c.reply.integer(s?.value.size ?? 0);
    },
  },
  {
    name: 'sismember',
    summaryZh: '判断成员是否在集合中',
    cost: o1,
    handler: (c, server) => {
      const s = lookupSet(c, server, c.argv[1]);
      if (s !== null) c.reply.integer(s?.value.has(c.argv[2]) ? 1 : 0);
    },
  },
  {
    name: 'smismember',
    summaryZh: '批量判断成员是否在集合中',
    cost: perArg(2),
    handler: (c, server) => {
      const s = lookupSet(c, server, c.argv[1]);
      if (s === null) return;
      c.reply.arrayHeader(c.argv.length - 2);
      for (let i = 2; i < c.argv.length; i++) c.reply.integer(s?.value.has(c.argv[i]) ? 1 : 0);
    },
  },
  {
    name: 'smembers',
    summaryZh: '返回集合的所有成员',
    cost: o1,
    handler: (c, server) => {
      const s = lookupSet(c, server, c.argv[1]);
      if (s === null) return;
      server.spend((s?.value.size ?? 0) * COMMAND_COST_NS.perKey);
      replyMembers(c, s ? members(s) : []);
    },
  },
  {
    name: 'smove',
    summaryZh: '把成员从一个集合移到另一个集合',
    cost: o1,
    handler: (c, server) => {
      const src = lookupSet(c, server, c.argv[1]);
      if (src === null) return;
      const dst = lookupSet(c, server, c.argv[2]);
      if (dst === null) return;
      const m = c.argv[3];
      if (!src || !src.value.has(m)) return c.reply.integer(0);
      if (src === dst) return c.reply.integer(1);
      src.value.delete(m);
      if (src.value.size === 0) c.db.delete(c.argv[1]);
      else c.db.touchWatched(c.argv[1]);
      if (dst) {
        addMember(server, dst, m);
        c.db.touchWatched(c.argv[2]);
      } else c.db.set(c.argv[2], makeSet(server, [m]));
      server.markDirty();
      c.reply.integer(1);
    },
  },
  { name: 'sinter', summaryZh: '返回多个集合的交集', cost: perArg(1), handler: algebra('inter', false) },
  { name: 'sunion', summaryZh: '返回多个集合的并集', cost: perArg(1), handler: algebra('union', false) },
  { name: 'sdiff', summaryZh: '返回第一个集合与其余集合的差集', cost: perArg(1), handler: algebra('diff', false) },
  { name: 'sinterstore', summaryZh: '把交集存入目标键，返回成员数', cost: perArg(2), handler: algebra('inter', true) },
  { name: 'sunionstore', summaryZh: '把并集存入目标键，返回成员数', cost: perArg(2), handler: algebra('union', true) },
  { name: 'sdiffstore', summaryZh: '把差集存入目标键，返回成员数', cost: perArg(2), handler: algebra('diff', true) },
  {
    name: 'sintercard',
    summaryZh: '返回交集的基数（可用 LIMIT 提前结束）',
    cost: perArg(2),
    handler: (c, server) => {
      const numkeys = parseInt64(c.argv[1]);
      if (numkeys === null || numkeys <= 0n) return c.reply.error('ERR numkeys should be greater than 0');
      const nk = Number(numkeys);
      if (nk > c.argv.length - 2) return c.reply.error("ERR Number of keys can't be greater than number of args");
      let limit = 0;
      const rest = c.argv.slice(2 + nk);
      for (let j = 0; j < rest.length; j++) {
        if (rest[j].toLowerCase() === 'limit' && j + 1 < rest.length) {
          const v = parseInt64(rest[++j]);
          if (v === null || v < 0n) return c.reply.error("ERR LIMIT can't be negative");
          limit = Number(v);
        } else return c.reply.error(ERR.syntax);
      }
      const sets = loadSets(c, server, c.argv.slice(2, 2 + nk));
      if (sets === null) return;
      const n = compute('inter', sets).length;
      c.reply.integer(limit > 0 ? Math.min(limit, n) : n);
    },
  },
  {
    name: 'spop',
    summaryZh: '随机移除并返回集合中的成员',
    cost: o1,
    handler: (c, server) => {
      let count = -1;
      if (c.argv.length === 3) {
        const v = parseInt64(c.argv[2]);
        if (v === null || v < 0n) return c.reply.error('ERR value is out of range, must be positive');
        count = Number(v);
      } else if (c.argv.length > 3) return c.reply.error(ERR.syntax);
      const s = lookupSet(c, server, c.argv[1]);
      if (s === null) return;
      if (s === undefined) return count < 0 ? c.reply.nullBulk() : c.reply.setHeader(0);
      if (count >= s.value.size) {
        // Asking for at least the whole set returns all of it, in the set's own order, and deletes the key.
        const all = members(s);
        c.db.delete(c.argv[1]);
        server.markDirty(all.length);
        c.propagateAs = [['DEL', c.argv[1]]];
        return replyMembers(c, all);
      }
      const picked: string[] = [];
      const n = count < 0 ? 1 : count;
      for (let i = 0; i < n; i++) {
        const all = [...s.value];
        const m = all[server.rng.int(all.length)];
        s.value.delete(m);
        picked.push(m);
      }
      if (s.value.size === 0) c.db.delete(c.argv[1]);
      else c.db.touchWatched(c.argv[1]);
      if (n > 0) server.markDirty(n);
      // The picks were random: replicas are told which members went (SREM, 1024 at a time, as Redis batches them).
      c.propagateAs = [];
      for (let i = 0; i < picked.length; i += 1024) c.propagateAs.push(['SREM', c.argv[1], ...picked.slice(i, i + 1024)]);
      if (count < 0) return c.reply.bulk(picked[0]);
      replyMembers(c, picked);
    },
  },
  {
    name: 'srandmember',
    summaryZh: '随机返回集合中的成员（负数个数允许重复）',
    cost: o1,
    handler: (c, server) => {
      let count: number | null = null;
      if (c.argv.length === 3) {
        const v = parseInt64(c.argv[2]);
        if (v === null) return c.reply.error(ERR.notInteger);
        // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): the one value below is refused.
        if (v < -9223372036854775807n) return c.reply.error(outOfRange(-9223372036854775807n, 9223372036854775807n));
        count = Number(v);
      } else if (c.argv.length > 3) return c.reply.error(ERR.syntax);
      const s = lookupSet(c, server, c.argv[1]);
      if (s === null) return;
      if (count === null) {
        if (!s) return c.reply.nullBulk();
        const all = [...s.value];
        return c.reply.bulk(all[server.rng.int(all.length)]);
      }
      if (!s || count === 0) return c.reply.arrayHeader(0);
      const all = members(s);
      if (count < 0) {
        if (-count > MAX_REPLY_ELEMENTS) return c.reply.error(replyTooLarge(-count));
        // Repeats allowed: -count independent picks.
        c.reply.arrayHeader(-count);
        for (let i = 0; i < -count; i++) c.reply.bulk(all[server.rng.int(all.length)]);
        return;
      }
      if (count >= all.length) return replyArray(c, all);
      const pool = [...all];
      const picked: string[] = [];
      for (let i = 0; i < count; i++) picked.push(pool.splice(server.rng.int(pool.length), 1)[0]);
      replyArray(c, picked);
    },
  },
];

function replyArray(c: Client, list: string[]): void {
  c.reply.arrayHeader(list.length);
  for (const m of list) c.reply.bulk(m);
}
