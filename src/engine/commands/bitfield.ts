/**
 * BITFIELD and BITFIELD_RO (bitops.c bitfieldGeneric): integers of 1 to 64 bits (unsigned up to 63) read,
 * written and incremented at any bit position of a string. Bit 0 is the most significant bit of byte 0, as
 * for SETBIT, so byte-aligned fields are big-endian.
 *
 * Redis parses every subcommand before touching the key, so a bad argument anywhere fails the whole call
 * and nothing is written. Only then does BITFIELD_RO reject writes, and only then is the key looked up: a
 * call with only GETs reads (a missing key reads as zeros and is not created); a call with a SET or INCRBY
 * creates the key or zero-pads it up to the farthest bit any write reaches, before the first operation
 * runs, even when every write then fails under OVERFLOW FAIL.
 *
 * Values are BigInts so i64 is exact. Overflow detection follows Redis's 64-bit arithmetic literally,
 * including its wrap-arounds (e.g. OVERFLOW SAT SET i8 with -9223372036854775808 saturates to +127).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { KeyWatcher } from '../keyspace/database.ts';
import { LAB_MAX_STRING_BYTES, LAB_STRING_LIMIT_ERROR, createGrownStringObject } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { lookupOfType } from './lookup.ts';

const TYPE_ERROR = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const OFFSET_ERROR = 'ERR bit offset is not an integer or out of range';

export type Overflow = 'wrap' | 'sat' | 'fail';

/** One parsed subcommand, run after the whole argument list has been checked. */
interface BitfieldOp {
  op: 'get' | 'set' | 'incrby';
  signed: boolean;
  bits: number;
  /** Bit offset (already multiplied out for the '#' form). */
  offset: bigint;
  /** SET value or INCRBY increment; 0 for GET. */
  arg: bigint;
  overflow: Overflow;
}

/** A field type: 'i' or 'u' then the width, i1..i64 or u1..u63. Null when invalid. */
export function parseBitfieldType(arg: string): { signed: boolean; bits: number } | null {
  const sign = arg.charAt(0);
  if (sign !== 'i' && sign !== 'u') return null;
  // Redis measures the width with strlen, so anything after a NUL byte is ignored.
  const nul = arg.indexOf('\0', 1);
  const width = parseInt64(nul < 0 ? arg.slice(1) : arg.slice(1, nul));
  if (width === null || width < 1n || width > (sign === 'i' ? 64n : 63n)) return null;
  return { signed: sign === 'i', bits: Number(width) };
}

/**
 * A bit offset: a 64-bit integer, or '#n' meaning n fields of `bits` each (the product wraps around 64
 * bits as Redis's does). Null when it is not an integer, negative, or addresses a byte at or past
 * proto-max-bulk-len.
 */
export function parseBitfieldOffset(arg: string, bits: number, protoMaxBulkLen: number): bigint | null {
  const hash = arg.charCodeAt(0) === 35; // '#'
  let v = parseInt64(hash ? arg.slice(1) : arg);
  if (v === null) return null;
  if (hash) v = BigInt.asIntN(64, v * BigInt(bits));
  if (v < 0n || v >> 3n >= BigInt(protoMaxBulkLen)) return null;
  return v;
}

/** The `bits`-wide field at bit `offset` of `s` as an unsigned value; bytes past the end read as zero. */
export function readBits(s: string, offset: bigint, bits: number): bigint {
  const firstByte = offset >> 3n;
  const shift = Number(offset & 7n);
  const nbytes = (shift + bits + 7) >> 3;
  const start = firstByte < BigInt(s.length) ? Number(firstByte) : s.length;
  let acc = 0n;
  for (let i = 0; i < nbytes; i++) {
    const at = start + i;
    acc = (acc << 8n) | BigInt(at < s.length ? s.charCodeAt(at) : 0);
  }
  return (acc >> BigInt(nbytes * 8 - shift - bits)) & ((1n << BigInt(bits)) - 1n);
}

/** `s` with the `bits`-wide field at bit `offset` replaced by the low bits of `value`; `s` must reach it. */
export function writeBits(s: string, offset: bigint, bits: number, value: bigint): string {
  const start = Number(offset >> 3n);
  const shift = Number(offset & 7n);
  const nbytes = (shift + bits + 7) >> 3;
  let acc = 0n;
  for (let i = 0; i < nbytes; i++) acc = (acc << 8n) | BigInt(s.charCodeAt(start + i));
  const low = BigInt(nbytes * 8 - shift - bits);
  const mask = ((1n << BigInt(bits)) - 1n) << low;
  acc = (acc & ~mask) | ((BigInt.asUintN(bits, value) << low) & mask);
  let patch = '';
  for (let i = nbytes - 1; i >= 0; i--) {
    patch = String.fromCharCode(Number(acc & 0xffn)) + patch;
    acc >>= 8n;
  }
  return s.slice(0, start) + patch + s.slice(start + nbytes);
}

/**
 * checkSignedBitfieldOverflow: 0 when value + incr fits a signed `bits`-wide field, else 1 (overflow) or -1
 * (underflow) and the value to store under WRAP or SAT. The range tests use the same 64-bit wrapping
 * differences as Redis, so a SET far below the range of a narrow type can report an overflow.
 */
export function signedOverflow(value: bigint, incr: bigint, bits: number, overflow: Overflow): { dir: 0 | 1 | -1; limit: bigint } {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrapped = () => BigInt.asIntN(bits, BigInt.asIntN(64, value + incr));
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return { dir: 1, limit: overflow === 'wrap' ? wrapped() : max };
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return { dir: -1, limit: overflow === 'wrap' ? wrapped() : min };
  }
  return { dir: 0, limit: 0n };
}

/** checkUnsignedBitfieldOverflow, for `value` taken as a 64-bit unsigned number (a negative SET value is huge). */
export function unsignedOverflow(value: bigint, incr: bigint, bits: number, overflow: Overflow): { dir: 0 | 1 | -1; limit: bigint } {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrapped = () => BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxincr)) return { dir: 1, limit: overflow === 'wrap' ? wrapped() : max };
  if (incr < 0n && incr < minincr) return { dir: -1, limit: overflow === 'wrap' ? wrapped() : 0n };
  return { dir: 0, limit: 0n };
}

/** Parses the subcommands; null after replying with the first error. */
function parseOps(c: Client, server: Server): BitfieldOp[] | null {
  const argv = c.argv;
  const ops: BitfieldOp[] = [];
  let overflow: Overflow = 'wrap';
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j].toLowerCase();
    let op: BitfieldOp['op'];
    if (sub === 'get' && remaining >= 2) op = 'get';
    else if (sub === 'set' && remaining >= 3) op = 'set';
    else if (sub === 'incrby' && remaining >= 3) op = 'incrby';
    else if (sub === 'overflow' && remaining >= 1) {
      const kind = argv[++j].toLowerCase();
      if (kind !== 'wrap' && kind !== 'sat' && kind !== 'fail') return (c.reply.error('ERR Invalid OVERFLOW type specified'), null);
      overflow = kind;
      continue;
    } else {
      return (c.reply.error(ERR.syntax), null);
    }
    const type = parseBitfieldType(argv[j + 1]);
    if (type === null) return (c.reply.error(TYPE_ERROR), null);
    const offset = parseBitfieldOffset(argv[j + 2], type.bits, server.config.protoMaxBulkLen);
    if (offset === null) return (c.reply.error(OFFSET_ERROR), null);
    let arg = 0n;
    if (op !== 'get') {
      const v = parseInt64(argv[j + 3]);
      if (v === null) return (c.reply.error(ERR.notInteger), null);
      arg = v;
    }
    ops.push({ op, signed: type.signed, bits: type.bits, offset, arg, overflow });
    j += op === 'get' ? 2 : 3;
  }
  return ops;
}

function bitfield(c: Client, server: Server, readOnlyCommand: boolean): void {
  const ops = parseOps(c, server);
  if (ops === null) return;
  const key = c.argv[1];
  const writes = ops.filter((o) => o.op !== 'get');

  if (writes.length === 0) {
    const o = lookupOfType(c, server, key, 'string');
    if (o === null) return;
    const s = o?.value ?? '';
    c.reply.arrayHeader(ops.length);
    for (const op of ops) {
      const u = readBits(s, op.offset, op.bits);
      c.reply.integer(op.signed ? BigInt.asIntN(op.bits, u) : u);
    }
    return;
  }

  if (readOnlyCommand) return c.reply.error('ERR BITFIELD_RO only supports the GET subcommand');
  const o = lookupOfType(c, server, key, 'string');
  if (o === null) return;

  // Make room up to the farthest bit written (lookupStringForBitCommand).
  let highest = 0n;
  for (const w of writes) if (w.offset + BigInt(w.bits) - 1n > highest) highest = w.offset + BigInt(w.bits) - 1n;
  const needed = Number(highest >> 3n) + 1;
  let s = o?.value ?? '';
  if (needed > LAB_MAX_STRING_BYTES && s.length < needed) return c.reply.error(LAB_STRING_LIMIT_ERROR);
  let grown = o === undefined;
  if (s.length < needed) {
    server.spend((needed - s.length) * COMMAND_COST_NS.perByte);
    s += '\0'.repeat(needed - s.length);
    grown = true;
  }

  let changes = 0;
  c.reply.arrayHeader(ops.length);
  for (const op of ops) {
    const old = readBits(s, op.offset, op.bits);
    if (op.op === 'get') {
      c.reply.integer(op.signed ? BigInt.asIntN(op.bits, old) : old);
      continue;
    }
    const oldValue = op.signed ? BigInt.asIntN(op.bits, old) : old;
    let newValue: bigint;
    let check: { dir: 0 | 1 | -1; limit: bigint };
    if (op.op === 'incrby') {
      check = op.signed ? signedOverflow(oldValue, op.arg, op.bits, op.overflow) : unsignedOverflow(oldValue, op.arg, op.bits, op.overflow);
      newValue = check.dir !== 0 ? check.limit : oldValue + op.arg;
    } else {
      newValue = op.signed ? op.arg : BigInt.asUintN(64, op.arg);
      check = op.signed ? signedOverflow(newValue, 0n, op.bits, op.overflow) : unsignedOverflow(newValue, 0n, op.bits, op.overflow);
      if (check.dir !== 0) newValue = check.limit;
    }
    if (check.dir !== 0 && op.overflow === 'fail') {
      c.reply.nullBulk();
      continue;
    }
    c.reply.integer(op.op === 'incrby' ? newValue : oldValue);
    s = writeBits(s, op.offset, op.bits, newValue);
    if (grown || oldValue !== newValue) changes++;
  }

  // The stored value is always a raw string now (dbUnshareStringValue), but only real changes count as a
  // modification: when there were none (every write failed or rewrote the same value), Redis neither signals
  // the key to WATCHers nor bumps the dirty counter, even if the key was just created or padded.
  const watchers = c.db.watchers.get(key);
  const clean: KeyWatcher[] = changes === 0 && watchers ? [...watchers].filter((w) => !w.dirtyCas) : [];
  c.db.set(key, createGrownStringObject(o ?? undefined, s, server.nowMs()), true);
  for (const w of clean) w.dirtyCas = false;
  if (changes > 0) server.markDirty(changes);
}

/** Roughly one field operation per three arguments after the key. */
const cost = (argv: string[]) => COMMAND_COST_NS.o1 * Math.max(1, Math.ceil((argv.length - 2) / 3));

export const bitfieldCommands: CommandDefinition[] = [
  {
    name: 'bitfield',
    summaryZh: '把字符串当作位数组，按任意宽度和偏移读取、设置或递增整数字段',
    cost,
    handler: (c, server) => bitfield(c, server, false),
  },
  {
    name: 'bitfield_ro',
    summaryZh: 'BITFIELD 的只读版本，只支持 GET 子命令',
    cost,
    handler: (c, server) => bitfield(c, server, true),
  },
];
