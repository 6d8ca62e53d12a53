/**
 * Lists, sets and sorted sets against plain models under random operation sequences (fast-check), like
 * model-properties.test.ts does for strings and hashes: whatever the sequence, each reply of a fresh simulated
 * node equals what a Map-based model of Redis 7.0's behaviour predicts.
 *
 * The models encode real Redis 7.0 replies (checked against redis-server 7.0.15). To re-check a model itself
 * against a real server, run with MODEL_REDIS_PORT=<port> (e.g. a throwaway `redis-server --port 6399 --save ''`):
 * the same sequences then go to that server (FLUSHALL first!) instead of the simulated node.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import net from 'node:net';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { flushReplies, runCommands } from './sim-node.ts';

const REAL_PORT = process.env.MODEL_REDIS_PORT ? Number(process.env.MODEL_REDIS_PORT) : null;

/** Runs commands one by one through a fresh node and returns their replies. */
async function runSim(commands: string[][]): Promise<Reply[]> {
  const replies = runCommands(commands);
  await flushReplies();
  return replies;
}

/** The same against a real redis-server (only with MODEL_REDIS_PORT): validates the models themselves. */
async function runReal(commands: string[][]): Promise<Reply[]> {
  const socket = net.createConnection({ host: '127.0.0.1', port: REAL_PORT! });
  await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
  const c = new RespConnection({
    send: (b) => socket.write(b),
    onData: (cb) => socket.on('data', (d) => cb(new Uint8Array(d))),
    onClose: (cb) => socket.on('close', cb),
    close: () => socket.end(),
  });
  const replies = await c.pipeline([['FLUSHALL'], ...commands]);
  c.close();
  return replies.slice(1).map((r) => r.reply);
}

const run = REAL_PORT ? runReal : runSim;

// --- reply builders ---------------------------------------------------------------------------------------
const int = (n: number | bigint): Reply => ({ type: 'integer', value: BigInt(n) });
const bulk = (s: string): Reply => ({ type: 'bulk', value: s });
const bulks = (ss: readonly string[]): Reply => ({ type: 'array', value: ss.map(bulk) });
const NIL_BULK: Reply = { type: 'nil', kind: 'bulk' };
const NIL_ARRAY: Reply = { type: 'nil', kind: 'array' };
const OK: Reply = { type: 'status', value: 'OK' };
const err = (value: string): Reply => ({ type: 'error', value });
const status = (value: string): Reply => ({ type: 'status', value });

/** What the model predicts; `unordered` replies are arrays whose order Redis leaves to the encoding. */
interface Expected {
  reply: Reply;
  unordered?: boolean;
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedArray(r: Reply): Reply {
  if (r.type !== 'array') return r;
  const vals = [...r.value].sort((a, b) => byteOrder(JSON.stringify(a), JSON.stringify(b)));
  return { type: 'array', value: vals };
}

/** Runs a sequence through the engine and checks every reply against a fresh model. */
async function check(commands: string[][], model: (cmd: string[]) => Expected | Reply): Promise<void> {
  const replies = await run(commands);
  expect(replies.length).toBe(commands.length);
  commands.forEach((cmd, i) => {
    const e = model(cmd);
    const exp: Expected = 'reply' in e ? e : { reply: e };
    const got = exp.unordered ? sortedArray(replies[i]) : replies[i];
    const want = exp.unordered ? sortedArray(exp.reply) : exp.reply;
    expect(got, `${cmd.map((a) => JSON.stringify(a)).join(' ')} (step ${i})`).toEqual(want);
  });
}

/** Redis's index-range normalisation (LRANGE, LTRIM, ZRANGE, ZREMRANGEBYRANK): inclusive [from, to] or null. */
function span(start: number, stop: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return null;
  if (stop >= len) stop = len - 1;
  return [start, stop];
}

/** Redis 7.0 prints doubles with %.17g: integers without ".0", -0 as "-0". Exact for the halves used here. */
const fmt = (n: number) => (Object.is(n, -0) ? '-0' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n));

const RUNS = 200;
const opsOf = <T>(op: fc.Arbitrary<T>) => fc.array(op, { minLength: 1, maxLength: 60, size: 'max' });
const idx = fc.integer({ min: -5, max: 5 }).map(String);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const limitArgs = opt(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 3 }))).map((l) =>
  l ? ['LIMIT', String(l[0]), String(l[1])] : [],
);

/** Applies a LIMIT offset count the way ZRANGE ... BYSCORE|BYLEX does. */
function applyLimit<T>(items: T[], cmd: string[]): T[] {
  const li = cmd.indexOf('LIMIT');
  if (li < 0) return items;
  const off = Number(cmd[li + 1]);
  const cnt = Number(cmd[li + 2]);
  if (off < 0) return [];
  return cnt < 0 ? items.slice(off) : items.slice(off, off + cnt);
}

describe('model-based properties: collections', () => {
  // ------------------------------------------------------------------------------------------------------
  it('lists behave like a Map of arrays', async () => {
    const key = fc.constantFrom('l1', 'l2');
    const elem = fc.constantFrom('a', 'b', 'c');
    const end = fc.constantFrom('LEFT', 'RIGHT');
    const op = fc.oneof(
      fc.tuple(fc.constantFrom('LPUSH', 'RPUSH'), key, fc.array(elem, { minLength: 1, maxLength: 3 })).map(([c, k, es]) => [c, k, ...es]),
      fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, opt(fc.integer({ min: -1, max: 4 }))).map(([c, k, n]) =>
        n === undefined ? [c, k] : [c, k, String(n)],
      ),
      fc.tuple(fc.constant('LLEN'), key),
      fc.tuple(fc.constant('LRANGE'), key, idx, idx),
      fc.tuple(fc.constant('LINDEX'), key, idx),
      fc.tuple(fc.constant('LSET'), key, idx, elem),
      fc.tuple(fc.constant('LREM'), key, fc.integer({ min: -3, max: 3 }).map(String), elem),
      fc.tuple(fc.constant('LINSERT'), key, fc.constantFrom('BEFORE', 'AFTER'), elem, fc.constantFrom('a', 'b', 'c', 'x')),
      fc.tuple(fc.constant('LTRIM'), key, idx, idx),
      fc
        .tuple(key, elem, opt(fc.integer({ min: -3, max: 3 })), opt(fc.integer({ min: 0, max: 3 })), opt(fc.integer({ min: 0, max: 4 })))
        .map(([k, e, rank, count, maxlen]) => [
          'LPOS',
          k,
          e,
          ...(rank === undefined ? [] : ['RANK', String(rank)]),
          ...(count === undefined ? [] : ['COUNT', String(count)]),
          ...(maxlen === undefined ? [] : ['MAXLEN', String(maxlen)]),
        ]),
      fc.tuple(fc.constant('LMOVE'), key, key, end, end),
      fc.tuple(fc.constantFrom('EXISTS', 'TYPE'), key),
    );
    await fc.assert(
      fc.asyncProperty(opsOf(op), async (ops) => {
        const model = new Map<string, string[]>();
        const store = (k: string, l: string[]) => (l.length ? model.set(k, l) : model.delete(k));
        const pop = (k: string, left: boolean): string | undefined => {
          const l = model.get(k);
          if (!l) return undefined;
          const v = left ? l.shift() : l.pop();
          store(k, l);
          return v;
        };
        await check(ops.map((o) => [...o] as string[]), (cmd) => {
          const [name, k] = cmd;
          const l = model.get(k);
          const len = l?.length ?? 0;
          switch (name) {
            case 'LPUSH':
            case 'RPUSH': {
              const list = l ?? [];
              for (const e of cmd.slice(2)) {
                if (name === 'LPUSH') list.unshift(e);
                else list.push(e);
              }
              model.set(k, list);
              return int(list.length);
            }
            case 'LPOP':
            case 'RPOP': {
              if (cmd.length === 2) {
                const v = pop(k, name === 'LPOP');
                return v === undefined ? NIL_BULK : bulk(v);
              }
              const n = Number(cmd[2]);
              if (n < 0) return err('ERR value is out of range, must be positive');
              if (!l) return NIL_ARRAY;
              const out: string[] = [];
              while (out.length < n && model.has(k)) out.push(pop(k, name === 'LPOP')!);
              return bulks(out);
            }
            case 'LLEN':
              return int(len);
            case 'LRANGE': {
              const s = span(Number(cmd[2]), Number(cmd[3]), len);
              return bulks(s ? l!.slice(s[0], s[1] + 1) : []);
            }
            case 'LINDEX': {
              let i = Number(cmd[2]);
              if (i < 0) i += len;
              return l && i >= 0 && i < len ? bulk(l[i]) : NIL_BULK;
            }
            case 'LSET': {
              if (!l) return err('ERR no such key');
              let i = Number(cmd[2]);
              if (i < 0) i += len;
              if (i < 0 || i >= len) return err('ERR index out of range');
              l[i] = cmd[3];
              return OK;
            }
            case 'LREM': {
              if (!l) return int(0);
              const count = Number(cmd[2]);
              const limit = count === 0 ? Infinity : Math.abs(count);
              let removed = 0;
              if (count >= 0) {
                for (let i = 0; i < l.length && removed < limit; ) {
                  if (l[i] === cmd[3]) {
                    l.splice(i, 1);
                    removed++;
                  } else i++;
                }
              } else {
                for (let i = l.length - 1; i >= 0 && removed < limit; i--) {
                  if (l[i] === cmd[3]) {
                    l.splice(i, 1);
                    removed++;
                  }
                }
              }
              store(k, l);
              return int(removed);
            }
            case 'LINSERT': {
              if (!l) return int(0);
              const at = l.indexOf(cmd[3]);
              if (at < 0) return int(-1);
              l.splice(cmd[2] === 'BEFORE' ? at : at + 1, 0, cmd[4]);
              return int(l.length);
            }
            case 'LTRIM': {
              if (!l) return OK;
              const s = span(Number(cmd[2]), Number(cmd[3]), len);
              store(k, s ? l.slice(s[0], s[1] + 1) : []);
              return OK;
            }
            case 'LPOS': {
              const opt = (name: string) => {
                const i = cmd.indexOf(name, 3);
                return i < 0 ? undefined : Number(cmd[i + 1]);
              };
              const rank = opt('RANK') ?? 1;
              const count = opt('COUNT');
              const maxlen = opt('MAXLEN') ?? 0;
              if (rank === 0) {
                return err(
                  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                );
              }
              const found: number[] = [];
              const list = l ?? [];
              let matches = 0;
              for (let j = 0; j < list.length && (maxlen === 0 || j < maxlen); j++) {
                const pos = rank > 0 ? j : list.length - 1 - j;
                if (list[pos] !== cmd[2]) continue;
                if (++matches < Math.abs(rank)) continue;
                found.push(pos);
                if (count === undefined || (count > 0 && found.length >= count)) break;
              }
              if (count === undefined) return found.length ? int(found[0]) : NIL_BULK;
              return { type: 'array', value: found.map(int) };
            }
            case 'LMOVE': {
              const v = pop(k, cmd[3] === 'LEFT');
              if (v === undefined) return NIL_BULK;
              const dst = model.get(cmd[2]) ?? [];
              if (cmd[4] === 'LEFT') dst.unshift(v);
              else dst.push(v);
              model.set(cmd[2], dst);
              return bulk(v);
            }
            case 'EXISTS':
              return int(l ? 1 : 0);
            case 'TYPE':
              return status(l ? 'list' : 'none');
          }
          throw new Error(`no model for ${name}`);
        });
      }),
      { numRuns: RUNS },
    );
  });

  // ------------------------------------------------------------------------------------------------------
  it('sets behave like a Map of Sets (and small all-integer sets list in intset order)', async () => {
    const key = fc.constantFrom('s1', 's2', 's3');
    const keys = fc.array(key, { minLength: 1, maxLength: 3 });
    const member = fc.constantFrom('1', '2', '-3', '10', 'a', 'b', 'x');
    const members = fc.array(member, { minLength: 1, maxLength: 3 });
    const op = fc.oneof(
      { arbitrary: fc.tuple(fc.constant('SADD'), key, members).map(([c, k, ms]) => [c, k, ...ms]), weight: 4 },
      { arbitrary: fc.tuple(fc.constant('SREM'), key, fc.array(member, { minLength: 1, maxLength: 2 })).map(([c, k, ms]) => [c, k, ...ms]), weight: 2 },
      { arbitrary: fc.tuple(fc.constant('SISMEMBER'), key, member), weight: 1 },
      { arbitrary: fc.tuple(fc.constant('SMISMEMBER'), key, members).map(([c, k, ms]) => [c, k, ...ms]), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom('SCARD', 'SMEMBERS', 'EXISTS', 'TYPE'), key), weight: 3 },
      { arbitrary: fc.tuple(fc.constant('SMOVE'), key, key, member), weight: 2 },
      { arbitrary: fc.tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), keys).map(([c, ks]) => [c, ...ks]), weight: 2 },
      { arbitrary: fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, keys).map(([c, d, ks]) => [c, d, ...ks]), weight: 2 },
      {
        arbitrary: fc
          .tuple(keys, opt(fc.integer({ min: 0, max: 3 })))
          .map(([ks, lim]) => ['SINTERCARD', String(ks.length), ...ks, ...(lim === undefined ? [] : ['LIMIT', String(lim)])]),
        weight: 1,
      },
    );
    const isInt = (s: string) => /^-?[1-9]\d*$|^0$/.test(s);
    await fc.assert(
      fc.asyncProperty(opsOf(op), async (ops) => {
        const model = new Map<string, Set<string>>();
        /** Keys whose Redis encoding is still intset (created all-integer and never given a non-integer). */
        const intset = new Set<string>();
        const put = (k: string, s: Set<string>) => {
          model.delete(k);
          intset.delete(k);
          if (s.size === 0) return;
          model.set(k, s);
          if ([...s].every(isInt)) intset.add(k);
        };
        const drop = (k: string) => {
          if (model.get(k)?.size === 0) {
            model.delete(k);
            intset.delete(k);
          }
        };
        const add = (k: string, m: string): boolean => {
          let s = model.get(k);
          if (!s) {
            s = new Set();
            model.set(k, s);
            // setTypeCreate: intset when the first member added is an integer.
            if (isInt(m)) intset.add(k);
          }
          if (s.has(m)) return false;
          s.add(m);
          if (!isInt(m)) intset.delete(k);
          return true;
        };
        const members = (k: string) => model.get(k) ?? new Set<string>();
        const combine = (name: string, ks: string[]): string[] => {
          const sets = ks.map(members);
          if (name.startsWith('SINTER')) return [...sets[0]].filter((m) => sets.every((s) => s.has(m)));
          if (name.startsWith('SUNION')) return [...new Set(sets.flatMap((s) => [...s]))];
          return [...sets[0]].filter((m) => !sets.slice(1).some((s) => s.has(m)));
        };
        await check(ops.map((o) => [...o] as string[]), (cmd): Expected | Reply => {
          const [name, k] = cmd;
          const s = model.get(k);
          switch (name) {
            case 'SADD':
              return int(cmd.slice(2).filter((m) => add(k, m)).length);
            case 'SREM': {
              const n = cmd.slice(2).filter((m) => s?.delete(m)).length;
              drop(k);
              return int(n);
            }
            case 'SISMEMBER':
              return int(s?.has(cmd[2]) ? 1 : 0);
            case 'SMISMEMBER':
              return { type: 'array', value: cmd.slice(2).map((m) => int(s?.has(m) ? 1 : 0)) };
            case 'SCARD':
              return int(s?.size ?? 0);
            case 'EXISTS':
              return int(s ? 1 : 0);
            case 'TYPE':
              return status(s ? 'set' : 'none');
            case 'SMEMBERS': {
              const all = [...(s ?? [])];
              if (intset.has(k)) return bulks(all.sort((a, b) => Number(a) - Number(b)));
              return { reply: bulks(all), unordered: true };
            }
            case 'SMOVE': {
              const [, src, dst, m] = cmd;
              if (!s?.has(m)) return int(0);
              if (src !== dst) {
                s.delete(m);
                drop(src);
                add(dst, m);
              }
              return int(1);
            }
            case 'SINTER':
            case 'SUNION':
            case 'SDIFF':
              return { reply: bulks(combine(name, cmd.slice(1))), unordered: true };
            case 'SINTERSTORE':
            case 'SUNIONSTORE':
            case 'SDIFFSTORE': {
              const result = combine(name, cmd.slice(2));
              put(k, new Set(result));
              return int(result.length);
            }
            case 'SINTERCARD': {
              const n = Number(cmd[1]);
              const card = combine('SINTER', cmd.slice(2, 2 + n)).length;
              const limit = cmd[2 + n] === 'LIMIT' ? Number(cmd[3 + n]) : 0;
              return int(limit > 0 ? Math.min(card, limit) : card);
            }
          }
          throw new Error(`no model for ${name}`);
        });
      }),
      { numRuns: RUNS },
    );
  });

  // ------------------------------------------------------------------------------------------------------
  it('sorted sets behave like a Map of member->score Maps ordered by (score, member)', async () => {
    const key = fc.constantFrom('z1', 'z2');
    const member = fc.constantFrom('a', 'b', 'c', 'd');
    const score = fc.integer({ min: -4, max: 4 }).map((i) => fmt(i / 2));
    const bound = fc.constantFrom('-inf', '+inf', '-1', '0', '1', '2', '(0', '(1', '(-1', '1.5', '(-0.5', '-2');
    const zaddFlags = fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'], { maxLength: 3 });
    const op = fc.oneof(
      {
        arbitrary: fc
          .tuple(key, zaddFlags, fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 4 }))
          .map(([k, flags, pairs, keepAll]) => [
            'ZADD',
            k,
            ...flags,
            ...(flags.includes('INCR') && keepAll > 0 ? pairs.slice(0, 1) : pairs).flat(),
          ]),
        weight: 6,
      },
      { arbitrary: fc.tuple(fc.constant('ZREM'), key, fc.array(member, { minLength: 1, maxLength: 2 })).map(([c, k, ms]) => [c, k, ...ms]), weight: 2 },
      { arbitrary: fc.tuple(fc.constant('ZINCRBY'), key, score, member), weight: 2 },
      { arbitrary: fc.tuple(fc.constantFrom('ZSCORE', 'ZRANK', 'ZREVRANK'), key, member), weight: 2 },
      { arbitrary: fc.tuple(fc.constantFrom('ZCARD', 'EXISTS', 'TYPE'), key), weight: 1 },
      { arbitrary: fc.tuple(fc.constant('ZCOUNT'), key, bound, bound), weight: 1 },
      {
        arbitrary: fc
          .tuple(key, idx, idx, fc.boolean(), fc.boolean())
          .map(([k, a, b, rev, ws]) => ['ZRANGE', k, a, b, ...(rev ? ['REV'] : []), ...(ws ? ['WITHSCORES'] : [])]),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(key, bound, bound, fc.boolean(), limitArgs, fc.boolean())
          .map(([k, a, b, rev, limit, ws]) => ['ZRANGE', k, a, b, 'BYSCORE', ...(rev ? ['REV'] : []), ...limit, ...(ws ? ['WITHSCORES'] : [])]),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(key, bound, bound, fc.boolean(), limitArgs)
          .map(([k, a, b, ws, limit]) => ['ZRANGEBYSCORE', k, a, b, ...(ws ? ['WITHSCORES'] : []), ...limit]),
        weight: 1,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, opt(fc.integer({ min: -1, max: 3 })))
          .map(([c, k, n]) => (n === undefined ? [c, k] : [c, k, String(n)])),
        weight: 2,
      },
      { arbitrary: fc.tuple(fc.constant('ZREMRANGEBYRANK'), key, idx, idx), weight: 1 },
    );
    const ZADD_FLAGS = new Set(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']);
    const parseBound = (s: string) => {
      const ex = s.startsWith('(');
      const t = ex ? s.slice(1) : s;
      const v = t === '-inf' ? -Infinity : t === '+inf' || t === 'inf' ? Infinity : Number(t);
      return (x: number, isMin: boolean) => (isMin ? (ex ? x > v : x >= v) : ex ? x < v : x <= v);
    };
    await fc.assert(
      fc.asyncProperty(opsOf(op), async (ops) => {
        const model = new Map<string, Map<string, number>>();
        const ordered = (k: string): [string, number][] =>
          [...(model.get(k) ?? new Map<string, number>())].sort((a, b) => a[1] - b[1] || byteOrder(a[0], b[0]));
        const drop = (k: string) => {
          if (model.get(k)?.size === 0) model.delete(k);
        };
        const out = (items: [string, number][], ws: boolean) => bulks(items.flatMap(([m, s]) => (ws ? [m, fmt(s)] : [m])));
        await check(ops.map((o) => [...o] as string[]), (cmd) => {
          const [name, k] = cmd;
          const z = model.get(k);
          switch (name) {
            case 'ZADD': {
              const flags = new Set<string>();
              let i = 2;
              while (ZADD_FLAGS.has(cmd[i])) flags.add(cmd[i++]);
              const pairs = cmd.slice(i);
              const [nx, xx, gt, lt, ch, incr] = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'].map((f) => flags.has(f));
              if (nx && xx) return err('ERR XX and NX options at the same time are not compatible');
              if ((gt && nx) || (lt && nx) || (gt && lt)) return err('ERR GT, LT, and/or NX options at the same time are not compatible');
              if (incr && pairs.length > 2) return err('ERR INCR option supports a single increment-element pair');
              if (!z && xx) return incr ? NIL_BULK : int(0);
              const zs = z ?? new Map<string, number>();
              model.set(k, zs);
              let added = 0;
              let updated = 0;
              let processed = 0;
              let last = 0;
              for (let p = 0; p < pairs.length; p += 2) {
                let sc = Number(pairs[p]);
                const m = pairs[p + 1];
                const cur = zs.get(m);
                if (cur === undefined) {
                  if (xx) continue;
                  zs.set(m, sc);
                  added++;
                  processed++;
                  last = sc;
                  continue;
                }
                if (nx) continue;
                if (incr) sc += cur;
                if ((lt && sc >= cur) || (gt && sc <= cur)) continue;
                processed++;
                last = sc;
                if (sc !== cur) {
                  zs.set(m, sc);
                  updated++;
                }
              }
              drop(k);
              if (incr) return processed ? bulk(fmt(last)) : NIL_BULK;
              return int(ch ? added + updated : added);
            }
            case 'ZREM': {
              const n = cmd.slice(2).filter((m) => z?.delete(m)).length;
              drop(k);
              return int(n);
            }
            case 'ZINCRBY': {
              const zs = z ?? new Map<string, number>();
              const v = (zs.get(cmd[3]) ?? 0) + Number(cmd[2]);
              zs.set(cmd[3], v);
              model.set(k, zs);
              return bulk(fmt(v));
            }
            case 'ZSCORE':
              return z?.has(cmd[2]) ? bulk(fmt(z.get(cmd[2])!)) : NIL_BULK;
            case 'ZRANK':
            case 'ZREVRANK': {
              const o = ordered(k);
              const r = o.findIndex(([m]) => m === cmd[2]);
              if (r < 0) return NIL_BULK;
              return int(name === 'ZRANK' ? r : o.length - 1 - r);
            }
            case 'ZCARD':
              return int(z?.size ?? 0);
            case 'EXISTS':
              return int(z ? 1 : 0);
            case 'TYPE':
              return status(z ? 'zset' : 'none');
            case 'ZCOUNT': {
              const [min, max] = [parseBound(cmd[2]), parseBound(cmd[3])];
              return int(ordered(k).filter(([, s]) => min(s, true) && max(s, false)).length);
            }
            case 'ZRANGE':
            case 'ZRANGEBYSCORE': {
              const rev = cmd.includes('REV');
              const ws = cmd.includes('WITHSCORES');
              let items = ordered(k);
              if (name === 'ZRANGEBYSCORE' || cmd.includes('BYSCORE')) {
                const [min, max] = rev ? [parseBound(cmd[3]), parseBound(cmd[2])] : [parseBound(cmd[2]), parseBound(cmd[3])];
                items = items.filter(([, s]) => min(s, true) && max(s, false));
                if (rev) items.reverse();
                return out(applyLimit(items, cmd), ws);
              }
              if (rev) items.reverse();
              const s = span(Number(cmd[2]), Number(cmd[3]), items.length);
              return out(s ? items.slice(s[0], s[1] + 1) : [], ws);
            }
            case 'ZPOPMIN':
            case 'ZPOPMAX': {
              let n = 1;
              if (cmd.length > 2) {
                n = Number(cmd[2]);
                if (n < 0) return err('ERR value is out of range, must be positive');
              }
              const items = ordered(k);
              if (name === 'ZPOPMAX') items.reverse();
              const popped = items.slice(0, n);
              for (const [m] of popped) z!.delete(m);
              drop(k);
              return out(popped, true);
            }
            case 'ZREMRANGEBYRANK': {
              const items = ordered(k);
              const s = span(Number(cmd[2]), Number(cmd[3]), items.length);
              const gone = s ? items.slice(s[0], s[1] + 1) : [];
              for (const [m] of gone) z!.delete(m);
              drop(k);
              return int(gone.length);
            }
          }
          throw new Error(`no model for ${name}`);
        });
      }),
      { numRuns: RUNS },
    );
  });

  // ------------------------------------------------------------------------------------------------------
  it('equal-score sorted sets range by member byte order (BYLEX)', async () => {
    const member = fc.constantFrom('', 'a', 'aa', 'ab', 'b', 'ba', 'c');
    const bound = fc.constantFrom('-', '+', '[a', '(a', '[aa', '(ab', '[b', '(b', '[ba', '[c', '[', '(', 'b');
    const op = fc.oneof(
      { arbitrary: fc.array(member, { minLength: 1, maxLength: 3 }).map((ms) => ['ZADD', 'zl', ...ms.flatMap((m) => ['0', m])]), weight: 3 },
      { arbitrary: fc.array(member, { minLength: 1, maxLength: 2 }).map((ms) => ['ZREM', 'zl', ...ms]), weight: 1 },
      { arbitrary: fc.tuple(bound, bound, limitArgs).map(([a, b, l]) => ['ZRANGEBYLEX', 'zl', a, b, ...l]), weight: 2 },
      { arbitrary: fc.tuple(bound, bound, limitArgs).map(([a, b, l]) => ['ZREVRANGEBYLEX', 'zl', a, b, ...l]), weight: 1 },
      {
        arbitrary: fc.tuple(bound, bound, fc.boolean(), limitArgs).map(([a, b, rev, l]) => ['ZRANGE', 'zl', a, b, 'BYLEX', ...(rev ? ['REV'] : []), ...l]),
        weight: 1,
      },
      { arbitrary: fc.tuple(fc.constantFrom('ZLEXCOUNT', 'ZREMRANGEBYLEX'), bound, bound).map(([c, a, b]) => [c, 'zl', a, b]), weight: 1 },
      { arbitrary: fc.constant(['ZCARD', 'zl']), weight: 1 },
    );
    /** A lex bound as a predicate (isMin says which side), or null when it is not a valid range item. */
    const parseLex = (s: string) => {
      if (s === '-') return (_m: string, isMin: boolean) => isMin;
      if (s === '+') return (_m: string, isMin: boolean) => !isMin;
      if (s[0] !== '[' && s[0] !== '(') return null;
      const ex = s[0] === '(';
      const v = s.slice(1);
      return (m: string, isMin: boolean) => (isMin ? (ex ? m > v : m >= v) : ex ? m < v : m <= v);
    };
    await fc.assert(
      fc.asyncProperty(opsOf(op), async (ops) => {
        const zl = new Set<string>();
        await check(ops.map((o) => [...o] as string[]), (cmd) => {
          const name = cmd[0];
          if (name === 'ZADD') {
            let added = 0;
            for (let i = 3; i < cmd.length; i += 2) if (!zl.has(cmd[i]) && zl.add(cmd[i])) added++;
            return int(added);
          }
          if (name === 'ZREM') return int(cmd.slice(2).filter((m) => zl.delete(m)).length);
          if (name === 'ZCARD') return int(zl.size);
          const rev = name === 'ZREVRANGEBYLEX' || cmd.includes('REV');
          const [min, max] = rev ? [parseLex(cmd[3]), parseLex(cmd[2])] : [parseLex(cmd[2]), parseLex(cmd[3])];
          if (!min || !max) return err('ERR min or max not valid string range item');
          const items = [...zl].sort(byteOrder).filter((m) => min(m, true) && max(m, false));
          if (name === 'ZLEXCOUNT') return int(items.length);
          if (name === 'ZREMRANGEBYLEX') {
            for (const m of items) zl.delete(m);
            return int(items.length);
          }
          if (rev) items.reverse();
          return bulks(applyLimit(items, cmd));
        });
      }),
      { numRuns: RUNS },
    );
  });
});
