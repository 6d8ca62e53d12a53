/**
 * SCAN, HSCAN, SSCAN, ZSCAN (db.c scanGenericCommand). Small collections (listpack, intset) come back whole in
 * one call with cursor 0, exactly as Redis returns them; larger ones and the keyspace use the lab's cursors
 * (src/engine/keyspace/scan-index.ts: same guarantee as Redis, different numbers).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { HashObject, SetObject, ZsetObject } from '../keyspace/object.ts';
import { ScanIndex } from '../keyspace/scan-index.ts';
import { globMatch } from '../keyspace/glob.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { lookupOfType } from './lookup.ts';
import { formatDouble17g } from '../types/double.ts';

const UINT64 = 18446744073709551616n;

/** parseScanCursorOrReply: an unsigned 64-bit number (strtoull also takes "-1" and wraps it). */
function parseCursor(c: Client, arg: string): number | null {
  if (!/^[+-]?\d+$/.test(arg) || BigInt(arg) >= UINT64 || BigInt(arg) <= -UINT64) {
    c.reply.error('ERR invalid cursor');
    return null;
  }
  const v = BigInt(arg);
  const wrapped = v < 0n ? UINT64 + v : v;
  return wrapped > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(wrapped);
}

interface ScanOptions {
  count: number;
  match: string | null;
  type: string | null;
}

function parseOptions(c: Client, from: number, allowType: boolean): ScanOptions | null {
  const o: ScanOptions = { count: 10, match: null, type: null };
  for (let j = from; j < c.argv.length; j++) {
    const opt = c.argv[j].toLowerCase();
    const more = c.argv.length - 1 - j;
    if (opt === 'count' && more >= 1) {
      const v = c.argv[++j];
      if (!/^-?\d+$/.test(v)) return (c.reply.error(ERR.notInteger), null);
      o.count = Number(v);
      if (o.count < 1) return (c.reply.error(ERR.syntax), null);
    } else if (opt === 'match' && more >= 1) {
      o.match = c.argv[++j];
    } else if (opt === 'type' && more >= 1 && allowType) {
      o.type = c.argv[++j];
    } else {
      c.reply.error(ERR.syntax);
      return null;
    }
  }
  return o;
}

function reply(c: Client, next: number, items: string[]): void {
  c.reply.arrayHeader(2);
  c.reply.bulk(String(next));
  c.reply.arrayHeader(items.length);
  for (const i of items) c.reply.bulk(i);
}

/** Per-collection cursor indexes, kept beside the objects without changing their shape. */
const collectionIndexes = new WeakMap<object, ScanIndex<string>>();

function collectionScan(keys: () => Iterable<string>, has: (k: string) => boolean, owner: object, cursor: number, work: number) {
  let index = collectionIndexes.get(owner);
  if (!index) collectionIndexes.set(owner, (index = new ScanIndex(keys())));
  else index.sync(keys(), has);
  return index.scan(cursor, work);
}

type Collection = HashObject | SetObject | ZsetObject;

function elementScan(type: 'hash' | 'set' | 'zset') {
  return (c: Client, server: Server): void => {
    const cursor = parseCursor(c, c.argv[2]);
    if (cursor === null) return;
    const opts = parseOptions(c, 3, false);
    if (opts === null) return;
    const o = lookupOfType(c, server, c.argv[1], type) as Collection | undefined | null;
    if (o === null) return;
    if (o === undefined) return reply(c, 0, []);
    const small = o.enc === 'listpack' || o.enc === 'intset';
    const out: string[] = [];
    const pushEntry = (member: string) => {
      if (opts.match !== null && !globMatch(opts.match, member)) return;
      out.push(member);
      if (o.type === 'hash') out.push(o.value.get(member)!);
      else if (o.type === 'zset') out.push(formatDouble17g(o.dict.get(member)!));
    };
    const ordered = (): string[] => {
      if (o.type === 'hash') return [...o.value.keys()];
      if (o.type === 'zset') {
        const list: string[] = [];
        for (let n = o.zsl.header.level[0].forward; n; n = n.level[0].forward) list.push(n.member);
        return list;
      }
      const list = [...o.value];
      if (o.enc === 'intset') list.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
      return list;
    };
    if (small) {
      // A listpack or intset is returned whole, whatever COUNT says, and the iteration ends at once.
      for (const m of ordered()) pushEntry(m);
      server.spend(out.length * COMMAND_COST_NS.perKey);
      return reply(c, 0, out);
    }
    const has = (k: string) => (o.type === 'hash' ? o.value.has(k) : o.type === 'zset' ? o.dict.has(k) : o.value.has(k));
    const keys = () => (o.type === 'hash' ? o.value.keys() : o.type === 'zset' ? o.dict.keys() : o.value.values());
    const r = collectionScan(keys, has, o, cursor, opts.count);
    for (const m of r.items) pushEntry(m);
    server.spend(opts.count * COMMAND_COST_NS.perKey);
    reply(c, r.next, out);
  };
}

export const scanCommands: CommandDefinition[] = [
  {
    name: 'scan',
    summaryZh: '增量遍历键空间（游标、MATCH、COUNT、TYPE）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const cursor = parseCursor(c, c.argv[1]);
      if (cursor === null) return;
      const opts = parseOptions(c, 2, true);
      if (opts === null) return;
      const now = server.nowMs();
      const r = c.db.scanKeys().scan(cursor, opts.count);
      const keys = r.items.filter((k) => {
        if (opts.match !== null && !globMatch(opts.match, k)) return false;
        const o = c.db.lookup(k, now, false);
        if (o === undefined) return false;
        return opts.type === null || o.type === opts.type.toLowerCase();
      });
      server.spend(opts.count * COMMAND_COST_NS.perKey);
      reply(c, r.next, keys);
    },
  },
  { name: 'hscan', summaryZh: '增量遍历哈希的字段与值', cost: () => COMMAND_COST_NS.o1, handler: elementScan('hash') },
  { name: 'sscan', summaryZh: '增量遍历集合成员', cost: () => COMMAND_COST_NS.o1, handler: elementScan('set') },
  { name: 'zscan', summaryZh: '增量遍历有序集合的成员与分数', cost: () => COMMAND_COST_NS.o1, handler: elementScan('zset') },
];
