/**
 * Sorted set commands (t_zset.c): members ordered by (score, member) in a real skiplist with spans, plus a map
 * for O(1) score lookups. Scores print as Redis 7.0 prints doubles ("%.17g"). Encoding: listpack while small,
 * skiplist after (zset-max-listpack-entries / -value), decided as zaddGenericCommand and zsetAdd decide it.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { ZsetObject } from '../keyspace/object.ts';
import { SkipList, type SkipNode } from '../keyspace/skiplist.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { parseRandomCount } from './random-count.ts';
import { ERR, MAX_REPLY_ELEMENTS, replyTooLarge, runningCommandName } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { lookupOfType } from './lookup.ts';
import { formatDouble17g, parseDouble, parseRangeDouble } from '../types/double.ts';
import { blockOn, parseTimeout } from './blocking.ts';

const lookupZset = (c: Client, server: Server, key: string) => lookupOfType(c, server, key, 'zset');
const NOT_FLOAT = 'ERR value is not a valid float';
const limit = (server: Server, name: string) => Number(server.config.get(name));

function newZset(server: Server, firstMemberLength: number): ZsetObject {
  const listpack = limit(server, 'zset-max-listpack-entries') > 0 && firstMemberLength <= limit(server, 'zset-max-listpack-value');
  return { type: 'zset', dict: new Map(), zsl: new SkipList(server.rng), enc: listpack ? 'listpack' : 'skiplist', shared: false, lru: server.nowMs() };
}

export function copyZset(o: ZsetObject, server: Server): ZsetObject {
  const z: ZsetObject = { ...o, dict: new Map(o.dict), zsl: new SkipList(server.rng) };
  for (let n = o.zsl.header.level[0].forward; n; n = n.level[0].forward) z.zsl.insert(n.score, n.member);
  return z;
}

/**
 * A listpack stores a score as text, and -0 comes back from it as 0; a skiplist node keeps -0, and replies print
 * the score a command computed (ZINCRBY of -0 on a new member answers "-0").
 */
const normalize = (score: number) => (score === 0 ? 0 : score);

function setScore(server: Server, z: ZsetObject, member: string, score: number): void {
  const old = z.dict.get(member);
  if (old !== undefined) z.zsl.delete(old, member);
  else if (z.enc === 'listpack' && (z.dict.size + 1 > limit(server, 'zset-max-listpack-entries') || member.length > limit(server, 'zset-max-listpack-value'))) {
    z.enc = 'skiplist';
  }
  const stored = z.enc === 'listpack' ? normalize(score) : score;
  z.dict.set(member, stored);
  z.zsl.insert(stored, member);
}

function removeMember(z: ZsetObject, member: string): boolean {
  const score = z.dict.get(member);
  if (score === undefined) return false;
  z.dict.delete(member);
  z.zsl.delete(score, member);
  return true;
}

function replyScore(c: Client, score: number): void {
  c.reply.double(formatDouble17g(score));
}

/** Members with optional scores: RESP2 flat, RESP3 [member, score] pairs (ZRANGE WITHSCORES and friends). */
function replyNodes(c: Client, nodes: SkipNode[], withScores: boolean): void {
  if (withScores && c.reply.resp === 2) c.reply.arrayHeader(nodes.length * 2);
  else c.reply.arrayHeader(nodes.length);
  for (const n of nodes) {
    if (withScores && c.reply.resp === 3) c.reply.arrayHeader(2);
    c.reply.bulk(n.member);
    if (withScores) replyScore(c, n.score);
  }
}

// ---- ranges --------------------------------------------------------------------------------------------------

interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** zslParseRange: "(" makes a bound exclusive; each bound is read by bare strtod (so "" is 0 and " 1" is 1). */
function parseScoreRange(minArg: string, maxArg: string): ScoreRange | null {
  const bound = (s: string): [number, boolean] | null => {
    const ex = s.startsWith('(');
    const v = parseRangeDouble(ex ? s.slice(1) : s);
    return v === null ? null : [v, ex];
  };
  const a = bound(minArg);
  const b = bound(maxArg);
  if (!a || !b) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

const gteMin = (v: number, r: ScoreRange) => (r.minex ? v > r.min : v >= r.min);
const lteMax = (v: number, r: ScoreRange) => (r.maxex ? v < r.max : v <= r.max);

interface LexRange {
  min: string | null; // null: "-"
  max: string | null; // null: "+"
  minex: boolean;
  maxex: boolean;
  minInf: 1 | -1 | 0;
  maxInf: 1 | -1 | 0;
}

/** zslParseLexRangeItem: "[x" inclusive, "(x" exclusive, "-" and "+" the extremes. */
function parseLexRange(minArg: string, maxArg: string): LexRange | null {
  const item = (s: string): { v: string | null; ex: boolean; inf: 1 | -1 | 0 } | null => {
    if (s === '+') return { v: null, ex: false, inf: 1 };
    if (s === '-') return { v: null, ex: false, inf: -1 };
    if (s.startsWith('(')) return { v: s.slice(1), ex: true, inf: 0 };
    if (s.startsWith('[')) return { v: s.slice(1), ex: false, inf: 0 };
    return null;
  };
  const a = item(minArg);
  const b = item(maxArg);
  if (!a || !b) return null;
  return { min: a.v, max: b.v, minex: a.ex, maxex: b.ex, minInf: a.inf, maxInf: b.inf };
}

function lexGteMin(v: string, r: LexRange): boolean {
  if (r.minInf === -1) return true;
  if (r.minInf === 1) return false;
  return r.minex ? v > r.min! : v >= r.min!;
}
function lexLteMax(v: string, r: LexRange): boolean {
  if (r.maxInf === 1) return true;
  if (r.maxInf === -1) return false;
  return r.maxex ? v < r.max! : v <= r.max!;
}

/** Nodes in a score range, ascending or descending, with LIMIT offset/count (count < 0: all). */
function byScore(z: ZsetObject, r: ScoreRange, rev: boolean, offset: number, count: number): SkipNode[] {
  const out: SkipNode[] = [];
  let n = rev ? z.zsl.lastInRange(r.max, r.maxex) : z.zsl.firstInRange(r.min, r.minex);
  for (; n && count !== 0; n = rev ? n.backward : n.level[0].forward) {
    const inside = rev ? gteMin(n.score, r) : lteMax(n.score, r);
    if (!inside) break;
    if ((rev ? lteMax(n.score, r) : gteMin(n.score, r)) === false) continue;
    if (offset > 0) {
      offset--;
      continue;
    }
    out.push(n);
    if (count > 0) count--;
  }
  return out;
}

function byLex(z: ZsetObject, r: LexRange, rev: boolean, offset: number, count: number): SkipNode[] {
  const all: SkipNode[] = [];
  for (let n = z.zsl.header.level[0].forward; n; n = n.level[0].forward) all.push(n);
  if (rev) all.reverse();
  const out: SkipNode[] = [];
  let started = false;
  for (const n of all) {
    if (count === 0) break;
    if (!started) {
      if (!(rev ? lexLteMax(n.member, r) : lexGteMin(n.member, r))) continue;
      started = true;
    }
    if (!(rev ? lexGteMin(n.member, r) : lexLteMax(n.member, r))) break;
    if (offset > 0) {
      offset--;
      continue;
    }
    out.push(n);
    if (count > 0) count--;
  }
  return out;
}

/** Index range (ZRANGE by rank), reversed for REV. */
function byRank(z: ZsetObject, start: number, end: number, rev: boolean): SkipNode[] {
  const len = z.dict.size;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  const out: SkipNode[] = [];
  let n = z.zsl.byRank(rev ? len - start : start + 1);
  for (let i = start; i <= end && n; i++) {
    out.push(n);
    n = rev ? n.backward : n.level[0].forward;
  }
  return out;
}

type RangeKind = 'rank' | 'score' | 'lex';

/**
 * zrangeGenericCommand for ZRANGE and its older forms. `argStart` is where options begin; `forced` fixes
 * the kind and direction for ZRANGEBYSCORE, ZREVRANGE and the like, whose own options are a subset.
 */
function zrangeGeneric(c: Client, server: Server, opts: { kind?: RangeKind; rev?: boolean; legacy: boolean; store?: boolean }): void {
  // ZRANGESTORE dst src ...: the same grammar shifted by one argument, without WITHSCORES.
  const shift = opts.store ? 1 : 0;
  let kind: RangeKind = opts.kind ?? 'rank';
  let rev = opts.rev ?? false;
  let withScores = false;
  let offset = 0;
  let count = -1;
  let limitGiven = false;
  for (let j = 4 + shift; j < c.argv.length; j++) {
    const opt = c.argv[j].toLowerCase();
    const more = c.argv.length - 1 - j;
    // Every form parses WITHSCORES and LIMIT; the combinations a form does not allow are refused below.
    if (opt === 'withscores' && !opts.store) withScores = true;
    else if (opt === 'limit' && more >= 2) {
      const o = parseInt64(c.argv[j + 1]);
      const n = parseInt64(c.argv[j + 2]);
      if (o === null || n === null) return c.reply.error(ERR.notInteger);
      offset = Number(o);
      count = Number(n);
      limitGiven = true;
      j += 2;
    } else if (!opts.legacy && opt === 'byscore' && kind === 'rank') kind = 'score';
    else if (!opts.legacy && opt === 'bylex' && kind === 'rank') kind = 'lex';
    else if (!opts.legacy && opt === 'rev') rev = true;
    else return c.reply.error(ERR.syntax);
  }
  if (limitGiven && kind === 'rank') {
    return c.reply.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && kind === 'lex') return c.reply.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  // With REV the range arguments come max first.
  const [a, b] = rev && kind !== 'rank' ? [c.argv[3 + shift], c.argv[2 + shift]] : [c.argv[2 + shift], c.argv[3 + shift]];
  let score: ScoreRange | null = null;
  let lex: LexRange | null = null;
  let start = 0;
  let end = 0;
  if (kind === 'rank') {
    const s = parseInt64(c.argv[2 + shift]);
    const e = parseInt64(c.argv[3 + shift]);
    if (s === null || e === null) return c.reply.error(ERR.notInteger);
    start = Number(s);
    end = Number(e);
  } else if (kind === 'score') {
    score = parseScoreRange(a, b);
    if (!score) return c.reply.error('ERR min or max is not a float');
  } else {
    lex = parseLexRange(a, b);
    if (!lex) return c.reply.error('ERR min or max not valid string range item');
  }
  const z = lookupZset(c, server, c.argv[1 + shift]);
  if (z === null) return;
  const nodes = !z || (offset < 0 && kind !== 'rank') ? []
    : kind === 'rank' ? byRank(z, start, end, rev) : kind === 'score' ? byScore(z, score!, rev, offset, count) : byLex(z, lex!, rev, offset, count);
  server.spend(nodes.length * COMMAND_COST_NS.perKey);
  if (opts.store) return storeResult(c, server, c.argv[1], nodes.map((n) => [n.member, n.score] as [string, number]), true);
  replyNodes(c, nodes, withScores);
}

/** Store (member, score) pairs at dst as a new sorted set (deleting dst when empty); reply the count. */
/**
 * The destination of a STORE form. ZUNIONSTORE and friends build a skiplist and convert it to a listpack if it
 * is small (zsetConvertToListpackIfNeeded); ZRANGESTORE (`listpackFirst`) starts a listpack and adds members in
 * order, converting when one does not fit, so only the members added before that point lose a -0.
 */
function storeResult(c: Client, server: Server, dst: string, pairs: [string, number][], listpackFirst = false): void {
  if (pairs.length === 0) {
    if (c.db.delete(dst)) server.markDirty();
    return c.reply.integer(0);
  }
  const z = newZset(server, 0);
  // zsetConvertToListpackIfNeeded: the result's encoding follows its final size and longest member.
  const longest = pairs.reduce((m, [member]) => Math.max(m, member.length), 0);
  if (pairs.length > limit(server, 'zset-max-listpack-entries') || longest > limit(server, 'zset-max-listpack-value')) z.enc = 'skiplist';
  const tooBig = (i: number) => i + 1 > limit(server, 'zset-max-listpack-entries') || pairs[i][0].length > limit(server, 'zset-max-listpack-value');
  let convertedAt = z.enc === 'listpack' ? pairs.length : 0;
  if (listpackFirst && z.enc === 'skiplist') {
    convertedAt = 0;
    while (convertedAt < pairs.length && !tooBig(convertedAt)) convertedAt++;
  }
  pairs.forEach(([member, score], i) => {
    const stored = i < convertedAt ? normalize(score) : score;
    z.dict.set(member, stored);
    z.zsl.insert(stored, member);
  });
  c.db.set(dst, z);
  server.signalKeyAsReady(c.db.id, dst);
  server.markDirty();
  c.reply.integer(pairs.length);
}

type SetOp = 'union' | 'inter' | 'diff';

/**
 * zunionInterDiffGenericCommand: ZUNION/ZINTER/ZDIFF, their STORE forms and ZINTERCARD. Inputs may be sets
 * (every member scores 1) or sorted sets; WEIGHTS multiply (a NaN product counts as 0), AGGREGATE combines.
 */
function setOperation(op: SetOp, form: 'reply' | 'store' | 'card') {
  return (c: Client, server: Server): void => {
    const numkeysAt = form === 'store' ? 2 : 1;
    const numkeys = parseInt64(c.argv[numkeysAt]);
    if (numkeys === null) return c.reply.error(ERR.notInteger);
    if (numkeys < 1n) return c.reply.error(`ERR at least 1 input key is needed for '${runningCommandName(c)}' command`);
    const n = Number(numkeys);
    if (n > c.argv.length - numkeysAt - 1) return c.reply.error(ERR.syntax);
    const inputs: (Map<string, number> | null)[] = [];
    for (let i = 0; i < n; i++) {
      const o = c.db.lookup(c.argv[numkeysAt + 1 + i], server.nowMs());
      if (o === undefined) inputs.push(null);
      else if (o.type === 'zset') inputs.push(o.dict);
      else if (o.type === 'set') inputs.push(new Map([...o.value].map((m) => [m, 1] as [string, number])));
      else return c.reply.error(ERR.wrongType);
    }
    const weights = new Array<number>(n).fill(1);
    let aggregate: 'sum' | 'min' | 'max' = 'sum';
    let withScores = false;
    let cardLimit = 0;
    for (let j = numkeysAt + 1 + n; j < c.argv.length; j++) {
      const opt = c.argv[j].toLowerCase();
      const more = c.argv.length - 1 - j;
      if (form === 'card') {
        if (opt === 'limit' && more >= 1) {
          const v = parseInt64(c.argv[++j]);
          if (v === null) return c.reply.error(ERR.notInteger);
          if (v < 0n) return c.reply.error("ERR LIMIT can't be negative");
          cardLimit = Number(v);
          continue;
        }
        return c.reply.error(ERR.syntax);
      }
      if (op !== 'diff' && opt === 'weights' && more >= n) {
        for (let k = 0; k < n; k++) {
          const w = parseDouble(c.argv[++j]);
          if (w === null) return c.reply.error('ERR weight value is not a float');
          weights[k] = w;
        }
      } else if (op !== 'diff' && opt === 'aggregate' && more >= 1) {
        const a = c.argv[++j].toLowerCase();
        if (a !== 'sum' && a !== 'min' && a !== 'max') return c.reply.error(ERR.syntax);
        aggregate = a;
      } else if (form === 'reply' && opt === 'withscores') {
        withScores = true;
      } else return c.reply.error(ERR.syntax);
    }
    const weigh = (score: number, k: number) => {
      const v = score * weights[k];
      return Number.isNaN(v) ? 0 : v;
    };
    const combine = (a: number, b: number) => {
      if (aggregate === 'min') return Math.min(a, b);
      if (aggregate === 'max') return Math.max(a, b);
      const sum = a + b;
      return Number.isNaN(sum) ? 0 : sum;
    };
    const result = new Map<string, number>();
    if (op === 'union') {
      inputs.forEach((m, k) => {
        if (!m) return;
        for (const [member, score] of m) {
          const w = weigh(score, k);
          const cur = result.get(member);
          result.set(member, cur === undefined ? w : combine(cur, w));
        }
      });
    } else if (op === 'inter') {
      if (inputs.every((m) => m !== null)) {
        const [first, ...rest] = inputs as Map<string, number>[];
        for (const [member, score] of first) {
          if (!rest.every((m) => m.has(member))) continue;
          let acc = weigh(score, 0);
          rest.forEach((m, k) => (acc = combine(acc, weigh(m.get(member)!, k + 1))));
          result.set(member, acc);
        }
      }
    } else if (inputs[0]) {
      for (const [member, score] of inputs[0]) if (!inputs.slice(1).some((m) => m?.has(member))) result.set(member, score);
    }
    server.spend(inputs.reduce((t, m) => t + (m?.size ?? 0), 0) * COMMAND_COST_NS.perKey);
    if (form === 'card') return c.reply.integer(cardLimit > 0 ? Math.min(cardLimit, result.size) : result.size);
    const pairs = [...result];
    pairs.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    if (form === 'store') return storeResult(c, server, c.argv[1], pairs);
    replyNodes(c, pairs.map(([member, score]) => ({ member, score }) as SkipNode), withScores);
  };
}

/** ZREMRANGEBYRANK / BYSCORE / BYLEX. */
function zremrange(kind: RangeKind) {
  return (c: Client, server: Server): void => {
    let nodesOf: (z: ZsetObject) => SkipNode[];
    if (kind === 'rank') {
      const s = parseInt64(c.argv[2]);
      const e = parseInt64(c.argv[3]);
      if (s === null || e === null) return c.reply.error(ERR.notInteger);
      nodesOf = (z) => byRank(z, Number(s), Number(e), false);
    } else if (kind === 'score') {
      const r = parseScoreRange(c.argv[2], c.argv[3]);
      if (!r) return c.reply.error('ERR min or max is not a float');
      nodesOf = (z) => byScore(z, r, false, 0, -1);
    } else {
      const r = parseLexRange(c.argv[2], c.argv[3]);
      if (!r) return c.reply.error('ERR min or max not valid string range item');
      nodesOf = (z) => byLex(z, r, false, 0, -1);
    }
    const z = lookupZset(c, server, c.argv[1]);
    if (z === null) return;
    if (!z) return c.reply.integer(0);
    const members = nodesOf(z).map((n) => n.member);
    for (const m of members) removeMember(z, m);
    if (members.length > 0) {
      if (z.dict.size === 0) c.db.delete(c.argv[1]);
      else c.db.touchWatched(c.argv[1]);
      server.markDirty(members.length);
    }
    c.reply.integer(members.length);
  };
}

/** ZPOPMIN / ZPOPMAX key [count]. */
function zpop(max: boolean) {
  return (c: Client, server: Server): void => {
    let count = 1;
    let countGiven = false;
    if (c.argv.length === 3) {
      const v = parseInt64(c.argv[2]);
      if (v === null || v < 0n) return c.reply.error('ERR value is out of range, must be positive');
      count = Number(v);
      countGiven = true;
    } else if (c.argv.length > 3) return c.reply.error(ERR.syntax);
    const z = lookupZset(c, server, c.argv[1]);
    if (z === null) return;
    if (!z || count === 0) return c.reply.arrayHeader(0);
    const nodes: SkipNode[] = [];
    for (let i = 0; i < count && z.dict.size > 0; i++) {
      const n = max ? z.zsl.tail! : z.zsl.header.level[0].forward!;
      nodes.push({ ...n });
      removeMember(z, n.member);
    }
    if (z.dict.size === 0) c.db.delete(c.argv[1]);
    else c.db.touchWatched(c.argv[1]);
    server.markDirty(nodes.length);
    // RESP3 pairs only when a count was given (a single pop stays flat).
    if (c.reply.resp === 3 && countGiven) return replyNodes(c, nodes, true);
    c.reply.arrayHeader(nodes.length * 2);
    for (const n of nodes) {
      c.reply.bulk(n.member);
      replyScore(c, n.score);
    }
  };
}

/** Pops up to `count` members from the low (min) or high end; deletes the key when emptied. */
function popMembers(c: Client, server: Server, key: string, z: ZsetObject, max: boolean, count: number): { member: string; score: number }[] {
  const out: { member: string; score: number }[] = [];
  for (let i = 0; i < count && z.dict.size > 0; i++) {
    const n = max ? z.zsl.tail! : z.zsl.header.level[0].forward!;
    out.push({ member: n.member, score: n.score });
    removeMember(z, n.member);
  }
  if (z.dict.size === 0) c.db.delete(key);
  else c.db.touchWatched(key);
  server.markDirty(out.length);
  return out;
}

/** ZMPOP / BZMPOP reply: [key, [[member, score], ...]]. */
function replyZmpop(c: Client, key: string, popped: { member: string; score: number }[]): void {
  c.reply.arrayHeader(2);
  c.reply.bulk(key);
  c.reply.arrayHeader(popped.length);
  for (const p of popped) {
    c.reply.arrayHeader(2);
    c.reply.bulk(p.member);
    replyScore(c, p.score);
  }
}

/** ZMPOP/BZMPOP arguments from `numkeysAt`: numkeys key... MIN|MAX [COUNT count]. null after replying. */
function parseZmpopArgs(c: Client, numkeysAt: number): { keys: string[]; max: boolean; count: number } | null {
  const numkeys = parseInt64(c.argv[numkeysAt]);
  if (numkeys === null || numkeys <= 0n) return (c.reply.error('ERR numkeys should be greater than 0'), null);
  const nk = Number(numkeys);
  if (c.argv.length < numkeysAt + 1 + nk + 1) return (c.reply.error(ERR.syntax), null);
  const where = c.argv[numkeysAt + 1 + nk].toLowerCase();
  if (where !== 'min' && where !== 'max') return (c.reply.error(ERR.syntax), null);
  let count = 1;
  const rest = c.argv.slice(numkeysAt + 2 + nk);
  if (rest.length === 2 && rest[0].toLowerCase() === 'count') {
    const v = parseInt64(rest[1]);
    if (v === null || v <= 0n) return (c.reply.error('ERR count should be greater than 0'), null);
    count = Number(v);
  } else if (rest.length !== 0) return (c.reply.error(ERR.syntax), null);
  return { keys: c.argv.slice(numkeysAt + 1, numkeysAt + 1 + nk), max: where === 'max', count };
}

/** BZPOPMIN / BZPOPMAX key [key ...] timeout: replies [key, member, score]. */
function bzpop(max: boolean) {
  return (c: Client, server: Server): void => {
    const deadline = parseTimeout(c, server, c.argv[c.argv.length - 1]);
    if (deadline === null) return;
    blockOn(c, server, 'zset', c.argv.slice(1, -1), deadline, (key, z) => {
      const [p] = popMembers(c, server, key, z, max, 1);
      c.reply.arrayHeader(3);
      c.reply.bulk(key);
      c.reply.bulk(p.member);
      replyScore(c, p.score);
    }, () => c.reply.nullArray());
  };
}

function countRange(kind: 'score' | 'lex') {
  return (c: Client, server: Server): void => {
    const score = kind === 'score' ? parseScoreRange(c.argv[2], c.argv[3]) : null;
    const lex = kind === 'lex' ? parseLexRange(c.argv[2], c.argv[3]) : null;
    if (kind === 'score' && !score) return c.reply.error('ERR min or max is not a float');
    if (kind === 'lex' && !lex) return c.reply.error('ERR min or max not valid string range item');
    const z = lookupZset(c, server, c.argv[1]);
    if (z === null) return;
    if (!z) return c.reply.integer(0);
    c.reply.integer(kind === 'score' ? byScore(z, score!, false, 0, -1).length : byLex(z, lex!, false, 0, -1).length);
  };
}

function zrank(rev: boolean) {
  return (c: Client, server: Server): void => {
    const z = lookupZset(c, server, c.argv[1]);
    if (z === null) return;
    const score = z?.dict.get(c.argv[2]);
    if (!z || score === undefined) return c.reply.nullBulk();
    const rank = z.zsl.rank(score, c.argv[2]) - 1;
    c.reply.integer(rev ? z.dict.size - 1 - rank : rank);
  };
}

// ---- ZRANDMEMBER ---------------------------------------------------------------------------------------------

/** ZRANDMEMBER_SUB_STRATEGY_MUL: below this ratio of size to count, Redis copies the zset and removes picks. */
const SUB_STRATEGY_MUL = 3n;

function parseRandCount(c: Client): { count: bigint; withScores: boolean } | null {
  const r = parseRandomCount(c, 'WITHSCORES');
  return r === null ? null : { count: r.count, withScores: r.withPairs };
}

/** Members, with scores when asked: RESP2 a flat array, RESP3 an array of [member, score] pairs. */
function replyRandom(c: Client, nodes: Iterable<SkipNode>, n: number, withScores: boolean): void {
  const pairs = withScores && c.reply.resp === 3;
  c.reply.arrayHeader(withScores && !pairs ? n * 2 : n);
  for (const node of nodes) {
    if (pairs) c.reply.arrayHeader(2);
    c.reply.bulk(node.member);
    if (withScores) replyScore(c, node.score);
  }
}

/** A uniformly random member's node (rank 1..size). */
const randomNode = (server: Server, z: ZsetObject): SkipNode => z.zsl.byRank(server.rng.int(z.zsl.length) + 1)!;

/**
 * zrandmemberWithCountCommand. A negative count (or 1) draws with repeats, in draw order. A count of at least
 * the zset's size returns it whole, highest score first (Redis walks it from the tail). Otherwise `count`
 * distinct members: when the count is close to the size Redis copies the zset (tail first) and removes random
 * members until `count` remain, so they come out highest first here; when it is small against the size Redis
 * samples a listpack in its ascending order and a skiplist in draw order.
 */
function zrandmemberWithCount(c: Client, server: Server, count: bigint, withScores: boolean): void {
  const z = lookupZset(c, server, c.argv[1]);
  if (z === null) return;
  if (!z || count === 0n) return c.reply.arrayHeader(0);
  const size = z.zsl.length;
  if (count < 0n || count === 1n) {
    if (-count > BigInt(MAX_REPLY_ELEMENTS)) return c.reply.error(replyTooLarge(-count));
    const n = Number(count < 0n ? -count : count);
    server.spend(n * COMMAND_COST_NS.perKey);
    const draws = function* (): Generator<SkipNode> {
      for (let i = 0; i < n; i++) yield randomNode(server, z);
    };
    return replyRandom(c, draws(), n, withScores);
  }
  if (count >= BigInt(size)) {
    server.spend(size * COMMAND_COST_NS.perKey);
    const all: SkipNode[] = [];
    for (let node = z.zsl.tail; node; node = node.backward) all.push(node);
    return replyRandom(c, all, size, withScores);
  }
  const n = Number(count);
  server.spend(n * COMMAND_COST_NS.perKey);
  let ranks: number[];
  if (count * SUB_STRATEGY_MUL > BigInt(size)) {
    // Close to the whole zset: a partial shuffle of all ranks, highest first.
    const all = Array.from({ length: size }, (_, i) => i + 1);
    for (let i = 0; i < n; i++) {
      const j = i + server.rng.int(size - i);
      const t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    ranks = all.slice(0, n).sort((a, b) => b - a);
  } else {
    // Small against the zset: random draws until `count` distinct ones (at most a third of the members).
    const seen = new Set<number>();
    ranks = [];
    while (ranks.length < n) {
      const r = server.rng.int(size) + 1;
      if (seen.has(r)) continue;
      seen.add(r);
      ranks.push(r);
    }
    if (z.enc === 'listpack') ranks.sort((a, b) => a - b);
  }
  replyRandom(c, ranks.map((r) => z.zsl.byRank(r)!), n, withScores);
}

/** ZRANDMEMBER key [count [WITHSCORES]]. */
function zrandmember(c: Client, server: Server): void {
  if (c.argv.length >= 3) {
    const args = parseRandCount(c);
    if (args) zrandmemberWithCount(c, server, args.count, args.withScores);
    return;
  }
  const z = lookupZset(c, server, c.argv[1]);
  if (z === null) return;
  if (!z) return c.reply.nullBulk();
  c.reply.bulk(randomNode(server, z).member);
}

const o1 = () => COMMAND_COST_NS.o1;
const logN = (argv: string[]) => COMMAND_COST_NS.o1 + (argv.length - 2) * COMMAND_COST_NS.perKey;

export const zsetCommands: CommandDefinition[] = [
  {
    name: 'zadd',
    summaryZh: '向有序集合添加成员或更新分数（支持 NX/XX/GT/LT/CH/INCR）',
    cost: logN,
    handler: (c, server) => {
      let nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
      let idx = 2;
      for (; idx < c.argv.length; idx++) {
        const opt = c.argv[idx].toLowerCase();
        if (opt === 'nx') nx = true;
        else if (opt === 'xx') xx = true;
        else if (opt === 'ch') ch = true;
        else if (opt === 'incr') incr = true;
        else if (opt === 'gt') gt = true;
        else if (opt === 'lt') lt = true;
        else break;
      }
      const elements = c.argv.length - idx;
      if (elements === 0 || elements % 2 !== 0) return c.reply.error(ERR.syntax);
      if (nx && xx) return c.reply.error('ERR XX and NX options at the same time are not compatible');
      if ((gt && nx) || (lt && nx) || (gt && lt)) return c.reply.error('ERR GT, LT, and/or NX options at the same time are not compatible');
      if (incr && elements > 2) return c.reply.error('ERR INCR option supports a single increment-element pair');
      const scores: number[] = [];
      for (let j = idx; j < c.argv.length; j += 2) {
        const v = parseDouble(c.argv[j]);
        if (v === null) return c.reply.error(NOT_FLOAT);
        scores.push(v);
      }
      let z = lookupZset(c, server, c.argv[1]);
      if (z === null) return;
      if (z === undefined) {
        if (xx) return incr ? c.reply.nullBulk() : c.reply.integer(0);
        z = newZset(server, c.argv[idx + 1].length);
        c.db.set(c.argv[1], z);
        server.signalKeyAsReady(c.db.id, c.argv[1]);
      }
      let added = 0;
      let updated = 0;
      let processed = 0;
      let lastScore = 0;
      for (let k = 0; k < scores.length; k++) {
        const member = c.argv[idx + 1 + 2 * k];
        let score = scores[k];
        const cur = z.dict.get(member);
        if (cur !== undefined) {
          if (nx) continue;
          if (incr) {
            score += cur;
            if (Number.isNaN(score)) {
              if (z.dict.size === 0) c.db.delete(c.argv[1]);
              return c.reply.error('ERR resulting score is not a number (NaN)');
            }
          }
          if ((gt && score <= cur) || (lt && score >= cur)) continue;
          processed++;
          lastScore = score;
          if (score !== cur) {
            setScore(server, z, member, score);
            updated++;
          }
        } else {
          if (xx) continue;
          setScore(server, z, member, score);
          added++;
          processed++;
          lastScore = score;
        }
      }
      if (z.dict.size === 0) c.db.delete(c.argv[1]);
      if (added + updated > 0) {
        c.db.touchWatched(c.argv[1]);
        server.markDirty(added + updated);
      }
      if (incr) return processed > 0 ? replyScore(c, lastScore) : c.reply.nullBulk();
      c.reply.integer(ch ? added + updated : added);
    },
  },
  {
    name: 'zincrby',
    summaryZh: '把成员的分数加上增量，返回新分数',
    cost: o1,
    handler: (c, server) => {
      const by = parseDouble(c.argv[2]);
      if (by === null) return c.reply.error(NOT_FLOAT);
      let z = lookupZset(c, server, c.argv[1]);
      if (z === null) return;
      if (z === undefined) {
        z = newZset(server, c.argv[3].length);
        c.db.set(c.argv[1], z);
        server.signalKeyAsReady(c.db.id, c.argv[1]);
      }
      // zsetAdd adds the current score only to a member that exists: a new one gets the increment itself (-0 too).
      const cur = z.dict.get(c.argv[3]);
      const score = cur === undefined ? by : cur + by;
      if (Number.isNaN(score)) {
        if (z.dict.size === 0) c.db.delete(c.argv[1]);
        return c.reply.error('ERR resulting score is not a number (NaN)');
      }
      setScore(server, z, c.argv[3], score);
      c.db.touchWatched(c.argv[1]);
      server.markDirty();
      replyScore(c, score);
    },
  },
  {
    name: 'zcard',
    summaryZh: '返回有序集合的成员数',
    cost: o1,
    handler: (c, server) => {
      const z = lookupZset(c, server, c.argv[1]);
      if (z !== null) c.reply.integer(z?.dict.size ?? 0);
    },
  },
  {
    name: 'zscore',
    summaryZh: '返回成员的分数',
    cost: o1,
    handler: (c, server) => {
      const z = lookupZset(c, server, c.argv[1]);
      if (z === null) return;
      const s = z?.dict.get(c.argv[2]);
      if (s === undefined) c.reply.nullBulk();
      else replyScore(c, s);
    },
  },
  {
    name: 'zmscore',
    summaryZh: '返回多个成员的分数',
    cost: logN,
    handler: (c, server) => {
      const z = lookupZset(c, server, c.argv[1]);
      if (z === null) return;
      c.reply.arrayHeader(c.argv.length - 2);
      for (let i = 2; i < c.argv.length; i++) {
        const s = z?.dict.get(c.argv[i]);
        if (s === undefined) c.reply.nullBulk();
        else replyScore(c, s);
      }
    },
  },
  {
    name: 'zrem',
    summaryZh: '删除有序集合的成员',
    cost: logN,
    handler: (c, server) => {
      const z = lookupZset(c, server, c.argv[1]);
      if (z === null) return;
      if (!z) return c.reply.integer(0);
      let removed = 0;
      for (let i = 2; i < c.argv.length; i++) if (removeMember(z, c.argv[i])) removed++;
      if (removed > 0) {
        if (z.dict.size === 0) c.db.delete(c.argv[1]);
        else c.db.touchWatched(c.argv[1]);
        server.markDirty(removed);
      }
      c.reply.integer(removed);
    },
  },
  { name: 'zrank', summaryZh: '返回成员按分数升序的排名（从 0 开始）', cost: o1, handler: zrank(false) },
  { name: 'zrevrank', summaryZh: '返回成员按分数降序的排名（从 0 开始）', cost: o1, handler: zrank(true) },
  { name: 'zcount', summaryZh: '统计分数区间内的成员数', cost: o1, handler: countRange('score') },
  { name: 'zlexcount', summaryZh: '统计字典序区间内的成员数', cost: o1, handler: countRange('lex') },
  {
    name: 'zrange',
    summaryZh: '按排名、分数或字典序返回区间内的成员（可 REV、LIMIT、WITHSCORES）',
    cost: o1,
    handler: (c, server) => zrangeGeneric(c, server, { legacy: false }),
  },
  { name: 'zrevrange', summaryZh: '按排名降序返回区间内的成员', cost: o1, handler: (c, server) => zrangeGeneric(c, server, { kind: 'rank', rev: true, legacy: true }) },
  { name: 'zrangebyscore', summaryZh: '返回分数区间内的成员（升序）', cost: o1, handler: (c, server) => zrangeGeneric(c, server, { kind: 'score', legacy: true }) },
  { name: 'zrevrangebyscore', summaryZh: '返回分数区间内的成员（降序）', cost: o1, handler: (c, server) => zrangeGeneric(c, server, { kind: 'score', rev: true, legacy: true }) },
  { name: 'zrangebylex', summaryZh: '返回字典序区间内的成员（升序）', cost: o1, handler: (c, server) => zrangeGeneric(c, server, { kind: 'lex', legacy: true }) },
  { name: 'zrevrangebylex', summaryZh: '返回字典序区间内的成员（降序）', cost: o1, handler: (c, server) => zrangeGeneric(c, server, { kind: 'lex', rev: true, legacy: true }) },
  { name: 'zpopmin', summaryZh: '弹出分数最低的成员', cost: o1, handler: zpop(false) },
  {
    name: 'zmpop',
    summaryZh: '从第一个非空有序集合中弹出最小或最大的成员',
    cost: o1,
    handler: (c, server) => {
      const args = parseZmpopArgs(c, 1);
      if (args === null) return;
      for (const key of args.keys) {
        const z = lookupZset(c, server, key);
        if (z === null) return;
        if (z === undefined) continue;
        return replyZmpop(c, key, popMembers(c, server, key, z, args.max, args.count));
      }
      c.reply.nullArray();
    },
  },
  {
    name: 'bzmpop',
    summaryZh: '阻塞式 ZMPOP',
    cost: o1,
    handler: (c, server) => {
      const deadline = parseTimeout(c, server, c.argv[1]);
      if (deadline === null) return;
      const args = parseZmpopArgs(c, 2);
      if (args === null) return;
      blockOn(c, server, 'zset', args.keys, deadline, (key, z) => replyZmpop(c, key, popMembers(c, server, key, z, args.max, args.count)), () => c.reply.nullArray());
    },
  },
  { name: 'bzpopmin', summaryZh: '阻塞式地弹出分数最低的成员', cost: o1, handler: bzpop(false) },
  { name: 'bzpopmax', summaryZh: '阻塞式地弹出分数最高的成员', cost: o1, handler: bzpop(true) },
  { name: 'zrangestore', summaryZh: '把 ZRANGE 的结果存入目标键', cost: o1, handler: (c, server) => zrangeGeneric(c, server, { legacy: false, store: true }) },
  { name: 'zunion', summaryZh: '返回多个（有序）集合的并集', cost: o1, handler: setOperation('union', 'reply') },
  { name: 'zinter', summaryZh: '返回多个（有序）集合的交集', cost: o1, handler: setOperation('inter', 'reply') },
  { name: 'zdiff', summaryZh: '返回第一个（有序）集合与其余集合的差集', cost: o1, handler: setOperation('diff', 'reply') },
  { name: 'zunionstore', summaryZh: '把并集存入目标键', cost: o1, handler: setOperation('union', 'store') },
  { name: 'zinterstore', summaryZh: '把交集存入目标键', cost: o1, handler: setOperation('inter', 'store') },
  { name: 'zdiffstore', summaryZh: '把差集存入目标键', cost: o1, handler: setOperation('diff', 'store') },
  { name: 'zintercard', summaryZh: '返回交集的基数（可用 LIMIT 提前结束）', cost: o1, handler: setOperation('inter', 'card') },
  { name: 'zremrangebyrank', summaryZh: '删除排名区间内的成员', cost: o1, handler: zremrange('rank') },
  { name: 'zremrangebyscore', summaryZh: '删除分数区间内的成员', cost: o1, handler: zremrange('score') },
  { name: 'zremrangebylex', summaryZh: '删除字典序区间内的成员', cost: o1, handler: zremrange('lex') },
  { name: 'zpopmax', summaryZh: '弹出分数最高的成员', cost: o1, handler: zpop(true) },
  { name: 'zrandmember', summaryZh: '随机返回有序集合中的成员（可带分数；负数个数允许重复）', cost: o1, handler: zrandmember },
];
