/**
 * SORT and SORT_RO (sort.c): sort a list, set or sorted set numerically or (ALPHA) by bytes, optionally by
 * external keys (BY pattern, "*" replaced by the element, "->field" for a hash field), with LIMIT, GET and STORE.
 * Equal numeric scores fall back to comparing the elements, so the order is total, as in Redis.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { ListObject } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { strtod } from '../types/double.ts';

/** lookupKeyByPattern: "#" is the element; otherwise the first "*" becomes the element ("->f" reads a hash field). */
function lookupByPattern(c: Client, server: Server, pattern: string, element: string): string | null {
  if (pattern === '#') return element;
  const star = pattern.indexOf('*');
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const field = arrow >= 0 && arrow + 2 < pattern.length ? pattern.slice(arrow + 2) : null;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, field !== null ? arrow : pattern.length);
  const o = c.db.lookup(key, server.nowMs());
  if (!o) return null;
  if (field !== null) return o.type === 'hash' ? (o.value.get(field) ?? null) : null;
  return o.type === 'string' ? o.value : null;
}

/** C's strtod over the whole string (sortCommand): trailing junk, ERANGE or NaN is an error. */
function strtodWhole(s: string): number | null {
  // sortCommand: strtod must reach the end of the C string, without ERANGE (an overflow, or an underflow even
  // to a subnormal) and without NaN; leading spaces are skipped and "" is 0.
  const r = strtod(s);
  if ((r.end !== s.length && s.charCodeAt(r.end) !== 0) || r.erange || Number.isNaN(r.value)) return null;
  return r.value;
}

const byteCompare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortGeneric(readonly: boolean) {
  return (c: Client, server: Server): void => {
    let desc = false;
    let alpha = false;
    let limitStart = 0;
    let limitCount = -1;
    let store: string | null = null;
    let by: string | null = null;
    let dontsort = false;
    const gets: string[] = [];
    for (let j = 2; j < c.argv.length; j++) {
      const opt = c.argv[j].toLowerCase();
      const left = c.argv.length - j - 1;
      if (opt === 'asc') desc = false;
      else if (opt === 'desc') desc = true;
      else if (opt === 'alpha') alpha = true;
      else if (opt === 'limit' && left >= 2) {
        const s = parseInt64(c.argv[j + 1]);
        const n = s === null ? null : parseInt64(c.argv[j + 2]);
        if (s === null || n === null) return c.reply.error(ERR.notInteger);
        limitStart = Number(s);
        limitCount = Number(n);
        j += 2;
      } else if (!readonly && opt === 'store' && left >= 1) store = c.argv[++j];
      else if (opt === 'by' && left >= 1) {
        by = c.argv[++j];
        if (!by.includes('*')) dontsort = true;
        else if (server.config.clusterEnabled) return c.reply.error('ERR BY option of SORT denied in Cluster mode.');
      } else if (opt === 'get' && left >= 1) {
        if (server.config.clusterEnabled) return c.reply.error('ERR GET option of SORT denied in Cluster mode.');
        gets.push(c.argv[++j]);
      } else return c.reply.error(ERR.syntax);
    }
    const o = c.db.lookup(c.argv[1], server.nowMs());
    if (o && o.type !== 'set' && o.type !== 'list' && o.type !== 'zset') return c.reply.error(ERR.wrongType);
    // A set has no order of its own worth keeping when the result is stored: sort it.
    if (dontsort && o?.type === 'set' && store !== null) {
      dontsort = false;
      alpha = true;
      by = null;
    }
    // Redis converts the sorted set to its skiplist encoding to read it (a visible side effect).
    if (o?.type === 'zset') o.enc = 'skiplist';
    const all: string[] =
      !o ? [] : o.type === 'list' ? o.value
      : o.type === 'set' ? (o.enc === 'intset' ? [...o.value].sort((a, b) => Number(BigInt(a) - BigInt(b) > 0n) - Number(BigInt(a) - BigInt(b) < 0n)) : [...o.value])
      : (() => {
        const out: string[] = [];
        for (let n = o.zsl.header.level[0].forward; n; n = n.level[0].forward) out.push(n.member);
        return out;
      })();
    const n = all.length;
    let start = Math.min(Math.max(limitStart, 0), n);
    const count = Math.min(Math.max(limitCount, -1), n);
    let end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
      start = n - 1;
      end = n - 2;
    }
    if (end >= n) end = n - 1;
    let items: string[];
    if (dontsort && (o?.type === 'list' || o?.type === 'zset')) {
      // Not sorting an ordered type: the requested slice, read from the end for DESC.
      items = [];
      for (let i = start; i <= end; i++) items.push(desc ? all[n - 1 - i] : all[i]);
    } else {
      items = [...all];
      if (!dontsort) {
        const keys = items.map((e) => (by ? lookupByPattern(c, server, by, e) : e));
        const scores = new Map<string, number>();
        if (!alpha) {
          for (let i = 0; i < items.length; i++) {
            if (keys[i] === null) {
              scores.set(items[i], 0);
              continue;
            }
            const v = strtodWhole(keys[i]!);
            if (v === null) return c.reply.error("ERR One or more scores can't be converted into double");
            scores.set(items[i], v);
          }
        }
        const cmpObj = new Map(items.map((e, i) => [e, keys[i]] as const));
        items.sort((a, b) => {
          let cmp: number;
          if (!alpha) cmp = scores.get(a)! - scores.get(b)! || byteCompare(a, b);
          else if (by) {
            const x = cmpObj.get(a) ?? null;
            const y = cmpObj.get(b) ?? null;
            cmp = x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : byteCompare(x, y);
          } else cmp = byteCompare(a, b);
          return desc ? -cmp : cmp;
        });
        server.spend(items.length * Math.log2(items.length + 1) * COMMAND_COST_NS.perKey);
      }
      items = items.slice(start, end + 1);
    }
    const output: (string | null)[] = [];
    for (const e of items) {
      if (gets.length === 0) output.push(e);
      else for (const g of gets) output.push(lookupByPattern(c, server, g, e));
    }
    if (store === null) {
      c.reply.arrayHeader(output.length);
      for (const v of output) {
        if (v === null) c.reply.nullBulk();
        else c.reply.bulk(v);
      }
      return;
    }
    if (output.length > 0) {
      const list: ListObject = { type: 'list', value: output.map((v) => v ?? ''), enc: 'quicklist', shared: false, lru: server.nowMs() };
      c.db.set(store, list);
      server.signalKeyAsReady(c.db.id, store);
      server.markDirty(output.length);
    } else if (c.db.delete(store)) server.markDirty();
    c.reply.integer(output.length);
  };
}

export const sortCommands: CommandDefinition[] = [
  { name: 'sort', summaryZh: '对列表、集合或有序集合排序（BY、LIMIT、GET、ALPHA、STORE）', cost: () => COMMAND_COST_NS.o1, handler: sortGeneric(false) },
  { name: 'sort_ro', summaryZh: 'SORT 的只读版本（不支持 STORE）', cost: () => COMMAND_COST_NS.o1, handler: sortGeneric(true) },
];
