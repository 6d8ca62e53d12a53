/**
 * List commands (t_list.c), without the blocking ones (BLPOP and friends arrive with blocked clients).
 * Elements are kept in an array, head first; an empty list is deleted, as in Redis.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { ListObject } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR, arityError, runningCommandName } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { clampRange, lookupOfType } from './lookup.ts';
import { blockOn, parseTimeout } from './blocking.ts';

type End = 'left' | 'right';

const lookupList = (c: Client, server: Server, key: string) => lookupOfType(c, server, key, 'list');

function newList(server: Server): ListObject {
  return { type: 'list', value: [], enc: 'quicklist', shared: false, lru: server.nowMs() };
}

/** After removing elements: delete an emptied list, else tell watchers it changed. */
function afterRemove(c: Client, key: string, o: ListObject): void {
  if (o.value.length === 0) c.db.delete(key);
  else c.db.touchWatched(key);
}

/** getLongFromObjectOrReply. */
function longArg(c: Client, arg: string): number | null {
  const v = parseInt64(arg);
  if (v === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  return Number(v);
}

function parseEnd(arg: string): End | null {
  const a = arg.toLowerCase();
  return a === 'left' ? 'left' : a === 'right' ? 'right' : null;
}

function push(end: End, onlyIfExists: boolean) {
  return (c: Client, server: Server): void => {
    let o = lookupList(c, server, c.argv[1]);
    if (o === null) return;
    if (o === undefined) {
      if (onlyIfExists) return c.reply.integer(0);
      o = newList(server);
      c.db.set(c.argv[1], o);
      server.signalKeyAsReady(c.db.id, c.argv[1]);
    }
    for (let i = 2; i < c.argv.length; i++) {
      if (end === 'left') o.value.unshift(c.argv[i]);
      else o.value.push(c.argv[i]);
    }
    c.db.touchWatched(c.argv[1]);
    server.markDirty(c.argv.length - 2);
    c.reply.integer(o.value.length);
  };
}

function popOne(o: ListObject, end: End): string {
  return (end === 'left' ? o.value.shift() : o.value.pop())!;
}

/** LPOP/RPOP key [count]. */
function pop(end: End) {
  return (c: Client, server: Server): void => {
    let count = -1;
    if (c.argv.length === 3) {
      // getPositiveLongFromObjectOrReply: one message whether the count is not a number or negative.
      const v = parseInt64(c.argv[2]);
      if (v === null || v < 0n) return c.reply.error('ERR value is out of range, must be positive');
      count = Number(v);
    } else if (c.argv.length > 3) {
      return c.reply.error(arityError(runningCommandName(c)));
    }
    const o = lookupList(c, server, c.argv[1]);
    if (o === null) return;
    if (o === undefined) return count < 0 ? c.reply.nullBulk() : c.reply.nullArray();
    if (count < 0) {
      c.reply.bulk(popOne(o, end));
    } else {
      const n = Math.min(count, o.value.length);
      c.reply.arrayHeader(n);
      for (let i = 0; i < n; i++) c.reply.bulk(popOne(o, end));
    }
    afterRemove(c, c.argv[1], o);
    server.markDirty();
  };
}

/** LMOVE and RPOPLPUSH: pop from one end of src, push to one end of dst (which may be src). */
function move(c: Client, server: Server, from: End, to: End): void {
  const src = lookupList(c, server, c.argv[1]);
  if (src === null) return;
  if (src === undefined) return c.reply.nullBulk();
  const dstExisting = lookupList(c, server, c.argv[2]);
  if (dstExisting === null) return;
  const value = popOne(src, from);
  const dst = dstExisting ?? newList(server);
  if (dstExisting === undefined) {
    c.db.set(c.argv[2], dst);
    server.signalKeyAsReady(c.db.id, c.argv[2]);
  }
  if (to === 'left') dst.value.unshift(value);
  else dst.value.push(value);
  afterRemove(c, c.argv[1], src);
  c.db.touchWatched(c.argv[2]);
  server.markDirty();
  c.reply.bulk(value);
}

const o1 = () => COMMAND_COST_NS.o1;
const perArg = (argv: string[]) => COMMAND_COST_NS.o1 + (argv.length - 2) * COMMAND_COST_NS.perKey;

export const listCommands: CommandDefinition[] = [
  { name: 'lpush', summaryZh: '在列表头部插入元素，返回列表长度', cost: perArg, handler: push('left', false) },
  { name: 'rpush', summaryZh: '在列表尾部插入元素，返回列表长度', cost: perArg, handler: push('right', false) },
  { name: 'lpushx', summaryZh: '仅当列表存在时在头部插入', cost: perArg, handler: push('left', true) },
  { name: 'rpushx', summaryZh: '仅当列表存在时在尾部插入', cost: perArg, handler: push('right', true) },
  { name: 'lpop', summaryZh: '从列表头部弹出元素', cost: o1, handler: pop('left') },
  { name: 'rpop', summaryZh: '从列表尾部弹出元素', cost: o1, handler: pop('right') },
  {
    name: 'llen',
    summaryZh: '返回列表长度',
    cost: o1,
    handler: (c, server) => {
      const o = lookupList(c, server, c.argv[1]);
      if (o !== null) c.reply.integer(o?.value.length ?? 0);
    },
  },
  {
    name: 'lindex',
    summaryZh: '按下标返回列表元素（支持负下标）',
    cost: o1,
    handler: (c, server) => {
      // The key first, then the index: a missing key is nil whatever the index says.
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.nullBulk();
      const index = longArg(c, c.argv[2]);
      if (index === null) return;
      const i = index < 0 ? o.value.length + index : index;
      const v = o.value[i];
      if (v === undefined || i < 0) c.reply.nullBulk();
      else c.reply.bulk(v);
    },
  },
  {
    name: 'lset',
    summaryZh: '按下标设置列表元素',
    cost: o1,
    handler: (c, server) => {
      // lookupKeyWriteOrReply and the type check come before the index is parsed.
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.error('ERR no such key');
      const index = longArg(c, c.argv[2]);
      if (index === null) return;
      const i = index < 0 ? o.value.length + index : index;
      if (i < 0 || i >= o.value.length) return c.reply.error('ERR index out of range');
      o.value[i] = c.argv[3];
      c.db.touchWatched(c.argv[1]);
      server.markDirty();
      c.reply.ok();
    },
  },
  {
    name: 'lrange',
    summaryZh: '返回列表指定区间的元素（闭区间）',
    cost: o1,
    handler: (c, server) => {
      const from = longArg(c, c.argv[2]);
      if (from === null) return;
      const to = longArg(c, c.argv[3]);
      if (to === null) return;
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      const range = o ? clampRange(from, to, o.value.length) : null;
      if (!o || !range) return c.reply.arrayHeader(0);
      const [start, end] = range;
      server.spend((end - start + 1) * COMMAND_COST_NS.perKey);
      c.reply.arrayHeader(end - start + 1);
      for (let i = start; i <= end; i++) c.reply.bulk(o.value[i]);
    },
  },
  {
    name: 'ltrim',
    summaryZh: '只保留列表指定区间的元素',
    cost: o1,
    handler: (c, server) => {
      const from = longArg(c, c.argv[2]);
      if (from === null) return;
      const to = longArg(c, c.argv[3]);
      if (to === null) return;
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.ok();
      const range = clampRange(from, to, o.value.length);
      o.value = range ? o.value.slice(range[0], range[1] + 1) : [];
      afterRemove(c, c.argv[1], o);
      server.markDirty();
      c.reply.ok();
    },
  },
  {
    name: 'lrem',
    summaryZh: '删除列表中等于给定值的元素（count>0 从头，<0 从尾，0 全部）',
    cost: o1,
    handler: (c, server) => {
      const count = longArg(c, c.argv[2]);
      if (count === null) return;
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.integer(0);
      const target = c.argv[3];
      let removed = 0;
      const limit = count === 0 ? Infinity : Math.abs(count);
      if (count >= 0) {
        o.value = o.value.filter((v) => (v === target && removed < limit ? (removed++, false) : true));
      } else {
        const kept: string[] = [];
        for (let i = o.value.length - 1; i >= 0; i--) {
          if (o.value[i] === target && removed < limit) removed++;
          else kept.push(o.value[i]);
        }
        o.value = kept.reverse();
      }
      if (removed > 0) {
        afterRemove(c, c.argv[1], o);
        server.markDirty(removed);
      }
      c.reply.integer(removed);
    },
  },
  {
    name: 'linsert',
    summaryZh: '在基准元素之前或之后插入元素',
    cost: o1,
    handler: (c, server) => {
      const where = c.argv[2].toLowerCase();
      if (where !== 'before' && where !== 'after') return c.reply.error(ERR.syntax);
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.integer(0);
      const at = o.value.indexOf(c.argv[3]);
      if (at < 0) return c.reply.integer(-1);
      o.value.splice(where === 'before' ? at : at + 1, 0, c.argv[4]);
      c.db.touchWatched(c.argv[1]);
      server.markDirty();
      c.reply.integer(o.value.length);
    },
  },
  {
    name: 'lpos',
    summaryZh: '返回匹配元素的下标（可指定 RANK、COUNT、MAXLEN）',
    cost: o1,
    handler: (c, server) => {
      let rank = 1;
      let count = -1;
      let maxlen = 0;
      for (let j = 3; j < c.argv.length; j++) {
        const opt = c.argv[j].toLowerCase();
        const more = c.argv.length - 1 - j;
        if ((opt === 'rank' || opt === 'count' || opt === 'maxlen') && more >= 1) {
          const v = parseInt64(c.argv[++j]);
          if (v === null) return c.reply.error(ERR.notInteger);
          const n = Number(v);
          if (opt === 'rank') {
            if (n === 0) {
              return c.reply.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
            }
            rank = n;
          } else if (opt === 'count') {
            if (n < 0) return c.reply.error("ERR COUNT can't be negative");
            count = n;
          } else {
            if (n < 0) return c.reply.error("ERR MAXLEN can't be negative");
            maxlen = n;
          }
        } else return c.reply.error(ERR.syntax);
      }
      const o = lookupList(c, server, c.argv[1]);
      if (o === null) return;
      const list = o?.value ?? [];
      const matches: number[] = [];
      const wanted = count === 0 ? Infinity : count < 0 ? 1 : count;
      let skip = Math.abs(rank) - 1;
      const n = list.length;
      for (let step = 0; step < n && (maxlen === 0 || step < maxlen) && matches.length < wanted; step++) {
        const i = rank > 0 ? step : n - 1 - step;
        if (list[i] !== c.argv[2]) continue;
        if (skip > 0) skip--;
        else matches.push(i);
      }
      if (count < 0) return matches.length ? c.reply.integer(matches[0]) : c.reply.nullBulk();
      c.reply.arrayHeader(matches.length);
      for (const m of matches) c.reply.integer(m);
    },
  },
  {
    name: 'lmove',
    summaryZh: '从一个列表的一端弹出，压入另一个列表的一端',
    cost: o1,
    handler: (c, server) => {
      const from = parseEnd(c.argv[3]);
      const to = parseEnd(c.argv[4]);
      if (!from || !to) return c.reply.error(ERR.syntax);
      move(c, server, from, to);
    },
  },
  { name: 'rpoplpush', summaryZh: '从尾部弹出并压入另一列表头部', cost: o1, handler: (c, server) => move(c, server, 'right', 'left') },
  {
    name: 'lmpop',
    summaryZh: '从第一个非空列表中弹出一个或多个元素',
    cost: o1,
    handler: (c, server) => {
      const args = parseMpopArgs(c, 1);
      if (args === null) return;
      for (const key of args.keys) {
        const o = lookupList(c, server, key);
        if (o === null) return;
        if (o === undefined) continue;
        return replyMpop(c, server, key, o, args.end, args.count);
      }
      c.reply.nullArray();
    },
  },
];

/** LMPOP/BLMPOP arguments from `numkeysAt`: numkeys key... LEFT|RIGHT [COUNT count]. null after replying. */
function parseMpopArgs(c: Client, numkeysAt: number): { keys: string[]; end: End; count: number } | null {
  // getRangeLongFromObjectOrReply with a message: one text for "not a number" and "out of range" alike.
  const numkeys = parseInt64(c.argv[numkeysAt]);
  if (numkeys === null || numkeys <= 0n) return (c.reply.error('ERR numkeys should be greater than 0'), null);
  const nk = Number(numkeys);
  if (c.argv.length < numkeysAt + 1 + nk + 1) return (c.reply.error(ERR.syntax), null);
  const end = parseEnd(c.argv[numkeysAt + 1 + nk]);
  if (!end) return (c.reply.error(ERR.syntax), null);
  let count = 1;
  const rest = c.argv.slice(numkeysAt + 2 + nk);
  if (rest.length === 2 && rest[0].toLowerCase() === 'count') {
    const v = parseInt64(rest[1]);
    if (v === null || v <= 0n) return (c.reply.error('ERR count should be greater than 0'), null);
    count = Number(v);
  } else if (rest.length !== 0) return (c.reply.error(ERR.syntax), null);
  return { keys: c.argv.slice(numkeysAt + 1, numkeysAt + 1 + nk), end, count };
}

/** [key, [elements]]: up to `count` elements popped from one end of the list at `key`. */
function replyMpop(c: Client, server: Server, key: string, o: ListObject, end: End, count: number): void {
  const n = Math.min(count, o.value.length);
  c.reply.arrayHeader(2);
  c.reply.bulk(key);
  c.reply.arrayHeader(n);
  for (let k = 0; k < n; k++) c.reply.bulk(popOne(o, end));
  afterRemove(c, key, o);
  server.markDirty();
}

// ---- Blocking commands -------------------------------------------------------------------------------------

/** BLPOP / BRPOP key [key ...] timeout: replies [key, element]. */
function bpop(end: End) {
  return (c: Client, server: Server): void => {
    const deadline = parseTimeout(c, server, c.argv[c.argv.length - 1]);
    if (deadline === null) return;
    blockOn(c, server, 'list', c.argv.slice(1, -1), deadline, (key, o) => {
      c.reply.arrayHeader(2);
      c.reply.bulk(key);
      c.reply.bulk(popOne(o, end));
      afterRemove(c, key, o);
      server.markDirty();
    }, () => c.reply.nullArray());
  };
}

/** BLMOVE / BRPOPLPUSH: once src has data, move one element as LMOVE does. */
function bmove(c: Client, server: Server, from: End, to: End, timeoutArg: string): void {
  const deadline = parseTimeout(c, server, timeoutArg);
  if (deadline === null) return;
  // A real timeout answers a null array (replyToBlockedClientTimedOut); refusing to block inside EXEC answers a
  // null bulk string, as blmoveGenericCommand does.
  blockOn(c, server, 'list', [c.argv[1]], deadline, () => move(c, server, from, to), () => c.reply.nullArray(), () => c.reply.nullBulk());
}

export const blockingListCommands: CommandDefinition[] = [
  { name: 'blpop', summaryZh: '阻塞式地从列表头部弹出（超时以虚拟时间计）', cost: o1, handler: bpop('left') },
  { name: 'brpop', summaryZh: '阻塞式地从列表尾部弹出（超时以虚拟时间计）', cost: o1, handler: bpop('right') },
  {
    name: 'brpoplpush',
    summaryZh: '阻塞式 RPOPLPUSH',
    cost: o1,
    handler: (c, server) => bmove(c, server, 'right', 'left', c.argv[3]),
  },
  {
    name: 'blmove',
    summaryZh: '阻塞式 LMOVE',
    cost: o1,
    handler: (c, server) => {
      const from = parseEnd(c.argv[3]);
      const to = parseEnd(c.argv[4]);
      if (!from || !to) return c.reply.error(ERR.syntax);
      bmove(c, server, from, to, c.argv[5]);
    },
  },
  {
    name: 'blmpop',
    summaryZh: '阻塞式 LMPOP',
    cost: o1,
    handler: (c, server) => {
      const deadline = parseTimeout(c, server, c.argv[1]);
      if (deadline === null) return;
      const args = parseMpopArgs(c, 2);
      if (args === null) return;
      blockOn(c, server, 'list', args.keys, deadline, (key, o) => replyMpop(c, server, key, o, args.end, args.count), () => c.reply.nullArray());
    },
  },
];
