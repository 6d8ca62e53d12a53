/**
 * BITFIELD: the field codec and overflow rules against plain bit-by-bit BigInt models (fast-check), and the
 * command end to end against a model of the string.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { flushReplies, runCommands } from './sim-node.ts';
import {
  parseBitfieldOffset,
  parseBitfieldType,
  readBits,
  signedOverflow,
  unsignedOverflow,
  writeBits,
  type Overflow,
} from '../../src/engine/commands/bitfield.ts';

const MB512 = 512 * 1024 * 1024;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Bit i of a byte string, MSB first; zero past the end. */
function bit(s: string, i: number): number {
  const byte = Math.floor(i / 8);
  return byte < s.length ? (s.charCodeAt(byte) >> (7 - (i % 8))) & 1 : 0;
}

function modelRead(s: string, offset: number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i++) v = v * 2n + BigInt(bit(s, offset + i));
  return v;
}

function modelWrite(s: string, offset: number, bits: number, value: bigint): string {
  const need = Math.floor((offset + bits - 1) / 8) + 1;
  const bytes = Array.from({ length: Math.max(s.length, need) }, (_, i) => (i < s.length ? s.charCodeAt(i) : 0));
  const u = BigInt.asUintN(bits, value);
  for (let i = 0; i < bits; i++) {
    const b = Number((u >> BigInt(bits - 1 - i)) & 1n);
    const at = offset + i;
    const mask = 1 << (7 - (at % 8));
    bytes[Math.floor(at / 8)] = b ? bytes[Math.floor(at / 8)] | mask : bytes[Math.floor(at / 8)] & ~mask;
  }
  return String.fromCharCode(...bytes);
}

const byteString = fc.uint8Array({ maxLength: 16 }).map((a) => String.fromCharCode(...a));
const width = fc.integer({ min: 1, max: 64 });
const int64 = fc.bigInt({ min: I64_MIN, max: I64_MAX });

const range = (signed: boolean, bits: number) =>
  signed ? { min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n } : { min: 0n, max: (1n << BigInt(bits)) - 1n };

/** What a field ends up holding when `target` (any integer) is stored under each overflow rule; null for FAIL. */
function modelStore(target: bigint, signed: boolean, bits: number, overflow: Overflow): bigint | null {
  const { min, max } = range(signed, bits);
  if (target >= min && target <= max) return target;
  if (overflow === 'fail') return null;
  if (overflow === 'sat') return target > max ? max : min;
  const span = 1n << BigInt(bits);
  return ((((target - min) % span) + span) % span) + min;
}

describe('bitfield codec', () => {
  it('reads any field like a bit-by-bit model, zeros past the end', () => {
    fc.assert(
      fc.property(byteString, fc.integer({ min: 0, max: 160 }), width, (s, offset, bits) => {
        expect(readBits(s, BigInt(offset), bits)).toBe(modelRead(s, offset, bits));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes any field like a bit-by-bit model and leaves the other bits alone', () => {
    fc.assert(
      fc.property(byteString, fc.integer({ min: 0, max: 160 }), width, int64, (s, offset, bits, value) => {
        const need = Math.floor((offset + bits - 1) / 8) + 1;
        const padded = s.length < need ? s + '\0'.repeat(need - s.length) : s;
        const out = writeBits(padded, BigInt(offset), bits, value);
        expect(out).toBe(modelWrite(s, offset, bits, value));
        expect(out.length).toBe(padded.length);
        expect(readBits(out, BigInt(offset), bits)).toBe(BigInt.asUintN(bits, value));
        expect(BigInt.asIntN(bits, readBits(out, BigInt(offset), bits))).toBe(BigInt.asIntN(bits, value));
      }),
      { numRuns: 2000 },
    );
  });

  it('places a 5-bit 23 at offset 7 as in the Redis documentation', () => {
    expect(writeBits('\0\0', 7n, 5, 23n)).toBe('\x01\x70');
  });
});

describe('bitfield overflow', () => {
  const overflow = fc.constantFrom<Overflow>('wrap', 'sat', 'fail');

  it('INCRBY on a signed field: overflow and the stored value follow the arithmetic model', () => {
    fc.assert(
      fc.property(width, int64, int64, overflow, (bits, raw, incr, ow) => {
        const value = BigInt.asIntN(bits, raw); // a value read back from a field is always in range
        const r = signedOverflow(value, incr, bits, ow);
        const sum = value + incr;
        const { min, max } = range(true, bits);
        expect(r.dir).toBe(sum > max ? 1 : sum < min ? -1 : 0);
        if (r.dir !== 0 && ow !== 'fail') expect(r.limit).toBe(modelStore(sum, true, bits, ow));
      }),
      { numRuns: 3000 },
    );
  });

  it('INCRBY on an unsigned field: overflow and the stored value follow the arithmetic model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 63 }), int64, int64, overflow, (bits, raw, incr, ow) => {
        const value = BigInt.asUintN(bits, raw);
        const r = unsignedOverflow(value, incr, bits, ow);
        const sum = value + incr;
        const { max } = range(false, bits);
        expect(r.dir).toBe(sum > max ? 1 : sum < 0n ? -1 : 0);
        if (r.dir !== 0 && ow !== 'fail') expect(r.limit).toBe(modelStore(sum, false, bits, ow));
      }),
      { numRuns: 3000 },
    );
  });

  it("SET takes Redis's 64-bit view: negative values are huge for unsigned fields", () => {
    expect(unsignedOverflow(BigInt.asUintN(64, -1n), 0n, 8, 'sat')).toEqual({ dir: 1, limit: 255n });
    expect(unsignedOverflow(BigInt.asUintN(64, -1n), 0n, 8, 'wrap')).toEqual({ dir: 1, limit: 255n });
    expect(unsignedOverflow(BigInt.asUintN(64, -2n), 0n, 63, 'wrap')).toEqual({ dir: 1, limit: I64_MAX - 1n });
    // The signed range test wraps too: far below an i8's range reads as above it.
    expect(signedOverflow(I64_MIN, 0n, 8, 'sat')).toEqual({ dir: 1, limit: 127n });
    expect(signedOverflow(I64_MIN + 128n, 0n, 8, 'sat')).toEqual({ dir: -1, limit: -128n });
    expect(signedOverflow(-129n, 0n, 8, 'wrap')).toEqual({ dir: -1, limit: 127n });
    expect(signedOverflow(I64_MIN, 0n, 64, 'sat').dir).toBe(0);
  });
});

describe('bitfield arguments', () => {
  it('parses types i1..i64 and u1..u63 only', () => {
    expect(parseBitfieldType('i64')).toEqual({ signed: true, bits: 64 });
    expect(parseBitfieldType('u63')).toEqual({ signed: false, bits: 63 });
    expect(parseBitfieldType('u1')).toEqual({ signed: false, bits: 1 });
    expect(parseBitfieldType('i8\0junk')).toEqual({ signed: true, bits: 8 });
    for (const bad of ['u64', 'i65', 'i0', 'I8', 'U8', 'x8', 'i', '', 'i08', 'i+8', 'i-8', 'i8 ']) expect(parseBitfieldType(bad)).toBeNull();
  });

  it('parses offsets, # multiplies by the width with 64-bit wrap-around, and checks the size limit', () => {
    expect(parseBitfieldOffset('13', 8, MB512)).toBe(13n);
    expect(parseBitfieldOffset('#3', 12, MB512)).toBe(36n);
    expect(parseBitfieldOffset('4294967295', 8, MB512)).toBe(4294967295n);
    expect(parseBitfieldOffset('4294967296', 8, MB512)).toBeNull();
    expect(parseBitfieldOffset('#67108863', 64, MB512)).toBe(67108863n * 64n);
    expect(parseBitfieldOffset('#67108864', 64, MB512)).toBeNull();
    expect(parseBitfieldOffset('#2305843009213693953', 8, MB512)).toBe(8n);
    expect(parseBitfieldOffset('#9223372036854775807', 8, MB512)).toBeNull();
    for (const bad of ['-1', '#-1', '#', '', 'x', '01', '+1', '##1', '#-0', '1.5']) expect(parseBitfieldOffset(bad, 8, MB512)).toBeNull();
    expect(parseBitfieldOffset('8388607', 8, 1024 * 1024)).toBe(8388607n);
    expect(parseBitfieldOffset('8388608', 8, 1024 * 1024)).toBeNull();
  });
});

const run = runCommands;

const flush = flushReplies;
const int = (value: bigint): Reply => ({ type: 'integer', value });

describe('BITFIELD end to end', () => {
  it('a random sequence of GET/SET/INCRBY/OVERFLOW behaves like the model string', async () => {
    const type = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 64 })).map(([s, b]) => ({ signed: s || b === 64, bits: b }));
    const sub = fc.oneof(
      fc.record({ op: fc.constant('GET' as const), type, offset: fc.integer({ min: 0, max: 100 }), arg: fc.constant(0n) }),
      fc.record({ op: fc.constant('SET' as const), type, offset: fc.integer({ min: 0, max: 100 }), arg: fc.bigInt({ min: -(1n << 62n), max: 1n << 62n }) }),
      fc.record({ op: fc.constant('INCRBY' as const), type, offset: fc.integer({ min: 0, max: 100 }), arg: fc.oneof(fc.bigInt({ min: -300n, max: 300n }), int64) }),
      fc.record({ op: fc.constant('OVERFLOW' as const), kind: fc.constantFrom<Overflow>('wrap', 'sat', 'fail') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(sub, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), async (calls) => {
        const commands = calls.map((subs) => {
          const cmd = ['BITFIELD', 'k'];
          for (const s of subs) {
            if (s.op === 'OVERFLOW') cmd.push('OVERFLOW', s.kind.toUpperCase());
            else {
              // Sometimes address the field with '#', when the offset is a multiple of the width.
              const off = s.offset % s.type.bits === 0 && s.offset % 3 === 0 ? `#${s.offset / s.type.bits}` : String(s.offset);
              cmd.push(s.op, `${s.type.signed ? 'i' : 'u'}${s.type.bits}`, off);
              if (s.op !== 'GET') cmd.push(s.arg.toString());
            }
          }
          return cmd;
        });
        commands.push(['GET', 'k']);
        const replies = run(commands);
        await flush();

        let model: string | null = null;
        calls.forEach((subs, i) => {
          let ow: Overflow = 'wrap';
          const out: Reply[] = [];
          const writes = subs.filter((s) => s.op === 'SET' || s.op === 'INCRBY');
          if (writes.length > 0) {
            let s: string = model ?? '';
            for (const w of writes) {
              const need = Math.floor((w.offset + w.type.bits - 1) / 8) + 1;
              if (s.length < need) s += '\0'.repeat(need - s.length);
            }
            model = s;
          }
          for (const s of subs) {
            if (s.op === 'OVERFLOW') {
              ow = s.kind;
              continue;
            }
            const { signed, bits } = s.type;
            const u = modelRead(model ?? '', s.offset, bits);
            const old = signed ? BigInt.asIntN(bits, u) : u;
            if (s.op === 'GET') {
              out.push(int(old));
              continue;
            }
            // Redis reads a SET value for an unsigned field as a 64-bit unsigned number.
            const target = s.op === 'SET' ? (signed ? s.arg : BigInt.asUintN(64, s.arg)) : old + s.arg;
            const stored = modelStore(target, signed, bits, ow);
            if (stored === null) {
              out.push({ type: 'nil', kind: 'bulk' });
              continue;
            }
            out.push(int(s.op === 'SET' ? old : stored));
            model = modelWrite(model!, s.offset, bits, stored);
          }
          expect(replies[i], JSON.stringify(commands[i])).toEqual({ type: 'array', value: out });
        });
        expect(replies[replies.length - 1]).toEqual(model === null ? { type: 'nil', kind: 'bulk' } : { type: 'bulk', value: model });
      }),
      { numRuns: 150 },
    );
  });

  it('leaves a missing key alone when only reading, and rejects writes in BITFIELD_RO', async () => {
    const replies = run([
      ['BITFIELD', 'k', 'GET', 'u8', '0', 'GET', 'i64', '1000'],
      ['EXISTS', 'k'],
      ['BITFIELD_RO', 'k', 'GET', 'u8', '0', 'INCRBY', 'u8', '0', '1'],
      ['EXISTS', 'k'],
      ['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'SET', 'u8', '16', '256'],
      ['GET', 'k'],
      ['BITFIELD', 'k', 'GET', 'u64', '0'],
      ['BITFIELD', 'k', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'k', 'OVERFLOW', 'NOPE'],
    ]);
    await flush();
    expect(replies).toEqual([
      { type: 'array', value: [int(0n), int(0n)] },
      int(0n),
      { type: 'error', value: 'ERR BITFIELD_RO only supports the GET subcommand' },
      int(0n),
      { type: 'array', value: [{ type: 'nil', kind: 'bulk' }] },
      { type: 'bulk', value: '\0\0\0' },
      { type: 'error', value: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.' },
      { type: 'error', value: 'ERR bit offset is not an integer or out of range' },
      { type: 'error', value: 'ERR Invalid OVERFLOW type specified' },
    ]);
  });
});
