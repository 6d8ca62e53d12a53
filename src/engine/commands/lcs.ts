/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] (t_string.c): the longest common subsequence by the
 * classic dynamic-programming table, walked back from the end; IDX reports the matched ranges in the order that
 * walk meets them (last first), exactly as Redis 7.0 emits them.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { parseInt64 } from './parse.ts';

interface Range {
  a: [number, number];
  b: [number, number];
  len: number;
}

function lcs(c: Client, server: Server): void {
  const now = server.nowMs();
  const oa = c.db.lookup(c.argv[1], now);
  const ob = c.db.lookup(c.argv[2], now);
  if ((oa && oa.type !== 'string') || (ob && ob.type !== 'string')) {
    return c.reply.error('ERR The specified keys must contain string values');
  }
  const a = oa?.type === 'string' ? oa.value : '';
  const b = ob?.type === 'string' ? ob.value : '';
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < c.argv.length; j++) {
    const opt = c.argv[j].toLowerCase();
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && j < c.argv.length - 1) {
      const v = parseInt64(c.argv[++j]);
      if (v === null) return c.reply.error(ERR.notInteger);
      minMatchLen = v < 0n ? 0 : Number(v);
    } else return c.reply.error(ERR.syntax);
  }
  if (getLen && getIdx) return c.reply.error('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  if ((alen + 1) * (blen + 1) * 4 > server.config.protoMaxBulkLen) {
    return c.reply.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  // table[i][j] = LCS length of a[0..i) and b[0..j).
  const w = blen + 1;
  const table = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    for (let j = 1; j <= blen; j++) {
      table[i * w + j] = a.charCodeAt(i - 1) === b.charCodeAt(j - 1)
        ? table[(i - 1) * w + j - 1] + 1
        : Math.max(table[(i - 1) * w + j], table[i * w + j - 1]);
    }
  }
  server.spend(alen * blen * 2);
  const total = table[alen * w + blen];
  if (getLen) return c.reply.integer(total);

  // Walk back from the end, collecting the subsequence and the contiguous ranges it is made of.
  const chars: string[] = new Array(total);
  const ranges: Range[] = [];
  let k = total;
  let open: { aStart: number; aEnd: number; bStart: number; bEnd: number } | null = null;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let close = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[--k] = a[i - 1];
      if (!open) open = { aStart: i - 1, aEnd: i - 1, bStart: j - 1, bEnd: j - 1 };
      else if (open.aStart === i && open.bStart === j) {
        open.aStart--;
        open.bStart--;
      } else close = true;
      if (open.aStart === 0 || open.bStart === 0) close = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j] > table[i * w + j - 1]) i--;
      else j--;
      if (open) close = true;
    }
    if (close && open) {
      const len = open.aEnd - open.aStart + 1;
      if (minMatchLen === 0 || len >= minMatchLen) ranges.push({ a: [open.aStart, open.aEnd], b: [open.bStart, open.bEnd], len });
      open = null;
    }
  }
  if (!getIdx) return c.reply.bulk(chars.join(''));
  c.reply.mapHeader(2);
  c.reply.bulk('matches');
  c.reply.arrayHeader(ranges.length);
  for (const r of ranges) {
    c.reply.arrayHeader(withMatchLen ? 3 : 2);
    c.reply.arrayHeader(2);
    c.reply.integer(r.a[0]);
    c.reply.integer(r.a[1]);
    c.reply.arrayHeader(2);
    c.reply.integer(r.b[0]);
    c.reply.integer(r.b[1]);
    if (withMatchLen) c.reply.integer(r.len);
  }
  c.reply.bulk('len');
  c.reply.integer(total);
}

export const lcsCommands: CommandDefinition[] = [
  { name: 'lcs', summaryZh: '求两个字符串的最长公共子序列（可返回长度或匹配位置）', cost: () => COMMAND_COST_NS.o1, handler: lcs },
];
