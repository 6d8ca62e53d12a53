/**
 * HyperLogLog internals (src/engine/keyspace/hll.ts) and the PF commands through a simulated node. Expected
 * values marked "redis" were produced by redis-server 7.0.15 (PFDEBUG DECODE, GET, PFCOUNT).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuffer,
  countRegisters,
  decodeSparse,
  denseGet,
  hllAdd,
  hllCount,
  hllMerge,
  hllPatLen,
  isValidHll,
  murmurHash64A,
  sparseToDense,
} from '../../src/engine/keyspace/hll.ts';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const MASK = (1n << 64n) - 1n;

/** MurmurHash64A written plainly with bigints, as a reference for the 32-bit-halves version. */
function murmurReference(s: string, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const len = s.length;
  let h = (seed ^ ((BigInt(len) * m) & MASK)) & MASK;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(s.charCodeAt(i + b));
    k = (k * m) & MASK;
    k ^= k >> 47n;
    k = (k * m) & MASK;
    h ^= k;
    h = (h * m) & MASK;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let b = rest - 1; b >= 0; b--) h ^= BigInt(s.charCodeAt(blocks + b)) << BigInt(8 * b);
    h = (h * m) & MASK;
  }
  h ^= h >> 47n;
  h = (h * m) & MASK;
  h ^= h >> 47n;
  return h;
}

const bytes = (codes: number[]) => String.fromCharCode(...codes);
const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }).map(bytes);

function sketch(elements: string[], maxBytes = 3000): HllBuffer {
  const h = HllBuffer.create();
  let failed = 0;
  for (const e of elements) if (hllAdd(h, e, maxBytes) === -1) failed++;
  expect(failed).toBe(0);
  return h;
}

describe('MurmurHash64A', () => {
  it('agrees with a bigint reference on arbitrary bytes and seeds', () => {
    fc.assert(
      fc.property(byteString, fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
        expect(murmurHash64A(s, seed)).toBe(murmurReference(s, BigInt(seed)));
      }),
      { numRuns: 2000 },
    );
  });

  it('puts elements in the registers redis-server puts them in (PFDEBUG DECODE)', () => {
    // element -> [register, run length], read off redis-server 7.0.15's "Z:<index> v:<count>,1 ..." decode.
    const redis: [string, number, number][] = [
      ['a', 12711, 2],
      ['b', 15780, 1],
      ['c', 8436, 1],
      ['', 5938, 2],
      ['hello', 9216, 1],
      ['foobar12', 15489, 2],
      ['0123456789abcdef0123', 1401, 3],
      [bytes([0, 0xff, 0x80, 0x61, 0x62, 0x63, 1, 2, 3, 4, 5]), 4127, 6],
    ];
    for (const [ele, index, count] of redis) expect(hllPatLen(ele), JSON.stringify(ele)).toEqual([index, count]);
  });
});

describe('HLL representation', () => {
  it('builds the same sparse bytes as redis-server', () => {
    const h = sketch(['a', 'b', 'c']);
    // redis: PFADD h a b c; GET h
    expect(h.toByteString()).toBe('HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ');
    expect(decodeSparse(h)).toBe('Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
    expect(hllCount(h)).toBe(3);
  });

  it('models the sds allocation behind the string', () => {
    const h = HllBuffer.create();
    expect(h.sds).toEqual({ hdr: 1, cap: 18, size: 32 });
    hllAdd(h, 'a', 3000);
    // sdsMakeRoomFor(3) on a type-5 sds: (18 + 3) * 2 bytes in an sdshdr8, rounded up by jemalloc.
    expect(h.sds).toEqual({ hdr: 3, cap: 44, size: 48 });
    expect(sparseToDense(h)).toBe(true);
    expect(h.sds).toEqual({ hdr: 5, cap: 14330, size: 14336 });
  });

  it('creates an empty sparse sketch with a valid zero cache', () => {
    const h = HllBuffer.create();
    expect(h.toByteString()).toBe('HYLL\x01' + '\0'.repeat(11) + '\x7f\xff');
    expect(h.cacheValid).toBe(true);
    expect(h.cachedCard).toBe(0n);
    expect(hllCount(h)).toBe(0);
    expect(isValidHll(h.toByteString())).toBe(true);
  });

  it('validates strings as isHLLObjectOrReply does', () => {
    const hdr = (enc: number) => 'HYLL' + String.fromCharCode(enc) + '\0'.repeat(11);
    expect(isValidHll(hdr(1))).toBe(true);
    expect(isValidHll(hdr(2) + '\x7f\xff')).toBe(false);
    expect(isValidHll(hdr(0) + '\x7f\xff')).toBe(false);
    expect(isValidHll(hdr(0) + '\0'.repeat(HLL_DENSE_SIZE - 16))).toBe(true);
    expect(isValidHll('HYLX' + hdr(1).slice(4))).toBe(false);
    expect(isValidHll('HYLL\x01')).toBe(false);
  });

  it('stays sparse within hll-sparse-max-bytes and then turns dense', () => {
    const h = HllBuffer.create();
    let promotedAt = -1;
    for (let i = 0; i < 1000; i++) {
      hllAdd(h, `m${i}`, 3000);
      if (h.encoding === HLL_SPARSE) expect(h.len).toBeLessThanOrEqual(3000);
      else if (promotedAt < 0) promotedAt = i;
    }
    // redis: 1000 such elements still fit (STRLEN 1901, sparse, PFCOUNT 1002).
    expect(promotedAt).toBe(-1);
    expect(h.len).toBe(1901);
    expect(hllCount(h)).toBe(1002);
    for (let i = 1000; i < 3000; i++) hllAdd(h, `m${i}`, 3000);
    expect(h.encoding).toBe(HLL_DENSE);
    expect(h.len).toBe(HLL_DENSE_SIZE);
  });

  it('keeps the same registers in sparse and dense form', () => {
    fc.assert(
      fc.property(fc.array(byteString, { maxLength: 300 }), (elements) => {
        const sparse = sketch(elements, 1_000_000);
        const dense = HllBuffer.create();
        expect(sparseToDense(dense)).toBe(true);
        for (const e of elements) hllAdd(dense, e, 0);
        const a = new Uint8Array(HLL_REGISTERS);
        const b = new Uint8Array(HLL_REGISTERS);
        expect(hllMerge(a, sparse)).toBe(true);
        expect(hllMerge(b, dense)).toBe(true);
        expect(a.every((v, i) => v === b[i])).toBe(true);
        expect(hllCount(sparse)).toBe(hllCount(dense));
        expect(countRegisters(a)).toBe(hllCount(dense));
        expect(sparseToDense(sparse)).toBe(true);
        expect(sparse.toByteString().slice(16)).toBe(dense.toByteString().slice(16));
      }),
      { numRuns: 60 },
    );
  });

  it('reads 6-bit dense registers from the packed layout', () => {
    const h = HllBuffer.create();
    sparseToDense(h);
    const want = new Uint8Array(HLL_REGISTERS);
    let x = 12345;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      want[i] = x >>> 26;
    }
    // Pack the registers by hand: register i takes bits 6i..6i+5, least significant bit of each byte first.
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (want[i] === 0) continue;
      const bit = i * 6;
      const at = 16 + (bit >> 3);
      const fb = bit & 7;
      h.bytes[at] |= (want[i] << fb) & 0xff;
      h.bytes[at + 1] |= want[i] >> (8 - fb);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) expect(denseGet(h.bytes, 16, i)).toBe(want[i]);
    const max = new Uint8Array(HLL_REGISTERS);
    expect(hllMerge(max, h)).toBe(true);
    expect(max.every((v, i) => v === want[i])).toBe(true);
  });

  it('estimates 100k distinct elements exactly as redis-server and within the expected error', () => {
    const h = HllBuffer.create();
    for (let i = 0; i < 100_000; i++) hllAdd(h, `el:${i}`, 3000);
    const card = hllCount(h)!;
    // redis: PFADD k el:0 ... el:99999; PFCOUNT k
    expect(card).toBe(98893);
    // Standard error is 1.04/sqrt(16384) = 0.81%; allow five of them.
    expect(Math.abs(card - 100_000) / 100_000).toBeLessThan(5 * 0.0081);
  });

  it('detects sparse strings that do not cover all registers', () => {
    const short = HllBuffer.from('HYLL\x01' + '\0'.repeat(10) + '\x80\x7f\xf0');
    expect(hllCount(short)).toBeNull();
    expect(hllMerge(new Uint8Array(HLL_REGISTERS), short)).toBe(false);
    expect(sparseToDense(HllBuffer.from(short.toByteString()))).toBe(false);
    const long = HllBuffer.from('HYLL\x01' + '\0'.repeat(10) + '\x80\x7f\xff\x85');
    expect(hllCount(long)).toBeNull();
  });
});

describe('PF commands on a node', () => {
  const ADDR = '127.0.0.1:6379';

  async function session() {
    const host = new SimHost({ seed: 1, link: { latencyUs: 100 } });
    host.addNode({ address: ADDR });
    const conn = new RespConnection(host.connect('cli', ADDR));
    return async (...args: string[]) => {
      const p = conn.call(args);
      expect(host.runUntilCondition(() => conn.pending === 0, host.nowUs + 5_000_000)).toBe(true);
      return Buffer.from((await p).raw).toString('latin1');
    };
  }

  it('adds, counts with a cached cardinality, merges and reports errors', async () => {
    const call = await session();
    expect(await call('PFADD', 'h', 'a', 'b', 'c')).toBe(':1\r\n');
    expect(await call('PFADD', 'h', 'a')).toBe(':0\r\n');
    expect(await call('PFCOUNT', 'h')).toBe(':3\r\n');
    // The count is cached in the header (little endian, top bit clear).
    expect(await call('GET', 'h')).toBe('$27\r\nHYLL\x01\0\0\0\x03\0\0\0\0\0\0\0`\xf3\x80P\xb1\x84K\xfb\x80BZ\r\n');
    expect(await call('PFDEBUG', 'ENCODING', 'h')).toBe('+sparse\r\n');
    // redis: the 18-byte sds of a new sketch was regrown greedily by the first sparse update.
    expect(await call('MEMORY', 'USAGE', 'h')).toBe(':96\r\n');
    expect(await call('PFADD', 'h2', 'c', 'd')).toBe(':1\r\n');
    expect(await call('PFCOUNT', 'h', 'h2')).toBe(':4\r\n');
    expect(await call('PFMERGE', 'm', 'h', 'h2')).toBe('+OK\r\n');
    expect(await call('PFCOUNT', 'm')).toBe(':4\r\n');
    expect(await call('PFDEBUG', 'TODENSE', 'm')).toBe(':1\r\n');
    expect(await call('STRLEN', 'm')).toBe(`:${HLL_DENSE_SIZE}\r\n`);
    expect(await call('SET', 's', 'hello')).toBe('+OK\r\n');
    expect(await call('PFADD', 's', 'x')).toBe('-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n');
    expect(await call('RPUSH', 'l', 'x')).toBe(':1\r\n');
    expect(await call('PFCOUNT', 'l')).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    expect(await call('SET', 'bad', 'HYLL\x01' + '\0'.repeat(10) + '\x80\x7f\xf0')).toBe('+OK\r\n');
    expect(await call('PFCOUNT', 'bad')).toBe('-INVALIDOBJ Corrupted HLL object detected\r\n');
    expect(await call('PFDEBUG', 'GETREG', 'nosuch')).toBe('-ERR The specified key does not exist\r\n');
    expect(await call('PFDEBUG', 'what', 'h')).toBe("-ERR Unknown PFDEBUG subcommand 'what'\r\n");
  });
});

describe('HyperLogLog against a plain model of sets', () => {
  it('PFADD/PFMERGE/PFCOUNT estimate the model cardinality closely, and PFADD of known elements changes nothing', async () => {
    const ADDR = '127.0.0.1:6379';
    const key = fc.constantFrom('h1', 'h2', 'h3');
    const element = fc.integer({ min: 0, max: 3000 }).map((n) => `e${n}`);
    const op = fc.oneof(
      fc.tuple(fc.constant('PFADD'), key, fc.array(element, { minLength: 1, maxLength: 40 })),
      fc.tuple(fc.constant('PFMERGE'), key, fc.array(key, { minLength: 1, maxLength: 3 })),
      fc.tuple(fc.constant('PFCOUNT'), fc.array(key, { minLength: 1, maxLength: 3 })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const host = new SimHost({ seed: 1 });
        host.addNode({ address: ADDR });
        const conn = new RespConnection(host.connect('cli', ADDR));
        const call = async (args: string[]) => {
          const p = conn.call(args);
          host.runUntilCondition(() => conn.pending === 0, host.nowUs + 1_000_000);
          return (await p).reply;
        };
        const model = new Map<string, Set<string>>();
        for (const o of ops) {
          if (o[0] === 'PFADD') {
            const [, k, els] = o as [string, string, string[]];
            const before = model.get(k) ?? new Set<string>();
            const novel = els.some((e) => !before.has(e));
            const r = await call(['PFADD', k, ...els]);
            // Adding only elements already present can never change a register.
            if (!novel && model.has(k)) expect(r).toEqual({ type: 'integer', value: 0n });
            for (const e of els) before.add(e);
            model.set(k, before);
          } else if (o[0] === 'PFMERGE') {
            const [, dest, srcs] = o as [string, string, string[]];
            await call(['PFMERGE', dest, ...srcs]);
            const union = new Set(model.get(dest) ?? []);
            for (const s of srcs) for (const e of model.get(s) ?? []) union.add(e);
            model.set(dest, union);
          } else {
            const [, keys] = o as [string, string[]];
            const r = await call(['PFCOUNT', ...keys]);
            const union = new Set<string>();
            for (const k of keys) for (const e of model.get(k) ?? []) union.add(e);
            const est = r.type === 'integer' ? Number(r.value) : NaN;
            // With at most a few thousand elements the 7.0 estimator stays within a few percent.
            expect(Math.abs(est - union.size)).toBeLessThanOrEqual(Math.max(2, union.size * 0.04));
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
