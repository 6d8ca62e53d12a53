/**
 * Bit commands on strings (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP. Bit 0 is the most significant
 * bit of byte 0. Argument checks follow Redis's order, which differs per command (BITCOUNT looks the key up
 * before checking its range arguments; BITPOS checks its bit argument first).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { LAB_MAX_STRING_BYTES, LAB_STRING_LIMIT_ERROR, createGrownStringObject, createRawStringObject } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { lookupOfType } from './lookup.ts';

const lookupString = (c: Client, server: Server, key: string) => lookupOfType(c, server, key, 'string');

/** getBitOffsetFromArgument: a non-negative integer whose byte fits proto-max-bulk-len. */
function bitOffset(c: Client, server: Server, arg: string): number | null {
  const v = parseInt64(arg);
  if (v === null || v < 0n || v >> 3n >= BigInt(server.config.protoMaxBulkLen)) {
    c.reply.error('ERR bit offset is not an integer or out of range');
    return null;
  }
  return Number(v);
}

// Offsets reach 2^32 - 1: the byte index is a division, as `>>` would wrap past 2^31 (`& 7` keeps the low bits).
const bitAt = (s: string, i: number) => (Math.floor(i / 8) < s.length ? (s.charCodeAt(Math.floor(i / 8)) >> (7 - (i & 7))) & 1 : 0);

function popcount(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

/** Start/end (and BYTE|BIT) as BITCOUNT and BITPOS read them, normalised to an inclusive range. */
function readRange(c: Client, args: string[], len: number): { start: number; end: number; isBit: boolean } | null | 'empty' {
  const start0 = parseInt64(args[0]);
  if (start0 === null) return (c.reply.error(ERR.notInteger), null);
  let end0: bigint | null = null;
  if (args.length >= 2) {
    end0 = parseInt64(args[1]);
    if (end0 === null) return (c.reply.error(ERR.notInteger), null);
  }
  let isBit = false;
  if (args.length === 3) {
    const unit = args[2].toLowerCase();
    if (unit === 'bit') isBit = true;
    else if (unit !== 'byte') return (c.reply.error(ERR.syntax), null);
  }
  const total = isBit ? len * 8 : len;
  let start = Number(start0);
  let end = end0 === null ? len - 1 : Number(end0);
  if (end0 !== null && start < 0 && end < 0 && start > end) return 'empty';
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return { start, end, isBit };
}

function bitop(c: Client, server: Server): void {
  const op = c.argv[1].toLowerCase();
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') return c.reply.error(ERR.syntax);
  const sources = c.argv.slice(3);
  if (op === 'not' && sources.length !== 1) return c.reply.error('ERR BITOP NOT must be called with a single source key.');
  const values: string[] = [];
  for (const key of sources) {
    const o = lookupString(c, server, key);
    if (o === null) return;
    values.push(o?.value ?? '');
  }
  const len = Math.max(0, ...values.map((v) => v.length));
  let out = '';
  for (let i = 0; i < len; i++) {
    const bytes = values.map((v) => (i < v.length ? v.charCodeAt(i) : 0));
    let b = bytes[0];
    if (op === 'not') b = ~b & 0xff;
    else for (let k = 1; k < bytes.length; k++) b = op === 'and' ? b & bytes[k] : op === 'or' ? b | bytes[k] : b ^ bytes[k];
    out += String.fromCharCode(b);
  }
  server.spend(len * sources.length * COMMAND_COST_NS.perByte);
  if (len === 0) {
    if (c.db.delete(c.argv[2])) server.markDirty();
  } else {
    c.db.set(c.argv[2], createRawStringObject(out, server.nowMs()));
    server.markDirty();
  }
  c.reply.integer(len);
}

export const bitCommands: CommandDefinition[] = [
  {
    name: 'setbit',
    summaryZh: '设置字符串某一位的值，返回原来的值',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const offset = bitOffset(c, server, c.argv[2]);
      if (offset === null) return;
      const bit = c.argv[3];
      if (bit !== '0' && bit !== '1') return c.reply.error('ERR bit is not an integer or out of range');
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      let s = o?.value ?? '';
      const byte = Math.floor(offset / 8);
      if (byte >= LAB_MAX_STRING_BYTES && s.length <= byte) return c.reply.error(LAB_STRING_LIMIT_ERROR);
      if (s.length <= byte) s += '\0'.repeat(byte + 1 - s.length);
      const old = bitAt(s, offset);
      const mask = 1 << (7 - (offset & 7));
      const b = bit === '1' ? s.charCodeAt(byte) | mask : s.charCodeAt(byte) & ~mask;
      s = s.slice(0, byte) + String.fromCharCode(b) + s.slice(byte + 1);
      c.db.set(c.argv[1], createGrownStringObject(o, s, server.nowMs()), true);
      server.markDirty();
      c.reply.integer(old);
    },
  },
  {
    name: 'getbit',
    summaryZh: '读取字符串某一位的值',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const offset = bitOffset(c, server, c.argv[2]);
      if (offset === null) return;
      const o = lookupString(c, server, c.argv[1]);
      if (o !== null) c.reply.integer(bitAt(o?.value ?? '', offset));
    },
  },
  {
    name: 'bitcount',
    summaryZh: '统计字符串中值为 1 的位数（可指定字节或位区间）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.integer(0);
      const s = o.value;
      let r: ReturnType<typeof readRange> = { start: 0, end: s.length - 1, isBit: false };
      if (c.argv.length === 4 || c.argv.length === 5) r = readRange(c, c.argv.slice(2), s.length);
      else if (c.argv.length !== 2) return c.reply.error(ERR.syntax);
      if (r === null) return;
      if (r === 'empty' || r.start > r.end) return c.reply.integer(0);
      let n = 0;
      if (r.isBit) for (let i = r.start; i <= r.end; i++) n += bitAt(s, i);
      else for (let i = r.start; i <= r.end; i++) n += popcount(s.charCodeAt(i));
      server.spend((r.end - r.start + 1) * COMMAND_COST_NS.perByte);
      c.reply.integer(n);
    },
  },
  {
    name: 'bitpos',
    summaryZh: '返回第一个值为 0 或 1 的位的位置',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const bitArg = parseInt64(c.argv[2]);
      if (bitArg === null) return c.reply.error(ERR.notInteger);
      if (bitArg !== 0n && bitArg !== 1n) return c.reply.error('ERR The bit argument must be 1 or 0.');
      const bit = Number(bitArg);
      const o = lookupString(c, server, c.argv[1]);
      if (o === null) return;
      if (o === undefined) return c.reply.integer(bit ? -1 : 0);
      const s = o.value;
      const endGiven = c.argv.length >= 5;
      let r: ReturnType<typeof readRange> = { start: 0, end: s.length - 1, isBit: false };
      if (c.argv.length >= 4 && c.argv.length <= 6) r = readRange(c, c.argv.slice(3), s.length);
      else if (c.argv.length !== 3) return c.reply.error(ERR.syntax);
      if (r === null) return;
      if (r === 'empty' || r.start > r.end) return c.reply.integer(-1);
      const [from, to] = r.isBit ? [r.start, r.end] : [r.start * 8, r.end * 8 + 7];
      for (let i = from; i <= to; i++) if (bitAt(s, i) === bit) return c.reply.integer(i);
      // Looking for a clear bit past a string with no explicit end: the string is taken as zero-padded.
      c.reply.integer(bit === 0 && !endGiven ? to + 1 : -1);
    },
  },
  { name: 'bitop', summaryZh: '对多个字符串做按位与、或、异或、非，结果存入目标键', cost: () => COMMAND_COST_NS.o1, handler: bitop },
];
