/**
 * The RDB object serializer (src/engine/persistence): CRC-64, LZF, listpacks, intsets, ziplists, quicklist node
 * layout, "%.17g" and whole DUMP payloads, checked against vectors captured from redis-server 7.0.15 and by
 * round trips (fast-check) through DUMP and RESTORE's loader.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc64 } from '../../src/engine/persistence/crc64.ts';
import { lzfCompress, lzfDecompress } from '../../src/engine/persistence/lzf.ts';
import { decodeListpack, encodeListpack, lpBytesFor, lpEntrySize } from '../../src/engine/persistence/listpack.ts';
import { decodeIntset, encodeIntset } from '../../src/engine/persistence/intset.ts';
import { decodeZiplist } from '../../src/engine/persistence/ziplist.ts';
import { splitIntoNodes } from '../../src/engine/persistence/quicklist.ts';
import { formatG17 } from '../../src/engine/persistence/double-text.ts';
import { RdbReader, RdbWriter } from '../../src/engine/persistence/rdb-io.ts';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../../src/engine/persistence/dump-payload.ts';
import { listpackScore, type RdbLoadOptions, type RdbSaveOptions } from '../../src/engine/persistence/rdb-object.ts';
import { SkipList } from '../../src/engine/keyspace/skiplist.ts';
import { Prng } from '../../src/engine/random/prng.ts';
import { createStringObject, type RedisObject, type ZsetObject } from '../../src/engine/keyspace/object.ts';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

const SAVE: RdbSaveOptions = { compression: true, listMaxListpackSize: -2, listCompressDepth: 0 };
function loadOptions(over: Partial<RdbLoadOptions> = {}): RdbLoadOptions {
  const rng = new Prng(7);
  return {
    hashMaxListpackEntries: 512,
    hashMaxListpackValue: 64,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
    setMaxIntsetEntries: 512,
    sharedIntegers: true,
    nowMs: 1_000_000,
    newSkipList: () => new SkipList(rng),
    ...over,
  };
}

function zsetOf(pairs: [string, number][], enc: ZsetObject['enc']): ZsetObject {
  const z: ZsetObject = { type: 'zset', dict: new Map(), zsl: new SkipList(new Prng(1)), enc, shared: false, lru: 0 };
  for (const [m, s] of pairs) {
    z.dict.set(m, s);
    z.zsl.insert(s, m);
  }
  return z;
}

/** DUMP payloads of redis-server 7.0.15, hex. */
const REAL = {
  int1: '00c0010a002678e7b6d10111fc',
  hello: '000568656c6c6f0a006372df76653420' + '0a',
  lzfA65: '00c30940410161 61e0340001 61610a004bb41cd1dee2017a'.replace(/ /g, ''),
  lorem:
    '00c3408640b41f4c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7315656374657475722061646970697363696e6720656c69201c0273656420300c20656975736d6f642074656d70203c10696e6369646964756e74207574206c6162205e022065742029205a1065206d61676e6120616c697175612e204c2012e0297b01742e0a0069a27b7b5630c801',
  // HSET k f v n 1 big 100000 neg -5
  hash: '102424000000080081660281760281 6e02010183626967 04f2a0860104836e656704dffb02ff0a00714a123 1f544bffb'.replace(/ /g, ''),
  // SADD k 1 2 3 -7
  intset: '0b1002000000040000 00f9ff010002000300 0a003bfa4a3923b1fa84'.replace(/ /g, ''),
  // RPUSH k a b 1 2 300
  list: '1201021414000000050081610281620201010201c12c02ff0a0084 21c79fc0b821fa'.replace(/ /g, ''),
  // ZADD k 1 a 2.5 b -3 c
  zsetListpack: '111a1a000000060081630 2dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2'.replace(/ /g, ''),
  // ZADD k 3 c 1 a 2 b 1.5 x*70 (zset-max-listpack-value exceeded: skiplist)
  zsetSkiplist: '05040163000000000000084001620000000000000040c3094046017878e03900017878000000000000f83f0161000000000000f03f0a0042a85ec088dea13c',
  // list-max-listpack-size 2; RPUSH k a b c d e
  listNodes: '1203020d0d0000000200816102816202ff020d0d0000000200816302816402ff020a0a0000000100816502ff0a00ec5236a76020a1db',
};

describe('crc64 (Jones, reflected)', () => {
  it('matches the check values of crc64.c', () => {
    expect(crc64(bytes('123456789'))).toBe(0xe9c6d914c4b8d9can);
    const lorem =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\0';
    expect(crc64(bytes(lorem))).toBe(0xc7794709e69683b3n);
    expect(crc64(new Uint8Array(0))).toBe(0n);
  });

  it('is the checksum in the footer of real DUMP payloads', () => {
    for (const h of Object.values(REAL)) {
      const p = hex(h);
      const stored = new DataView(p.buffer).getBigUint64(p.length - 8, true);
      expect(crc64(p, 0, p.length - 8)).toBe(stored);
    }
  });
});

describe('lzf', () => {
  it('compresses exactly as Redis does', () => {
    // The LZF blob inside real payloads: after type byte, 0xc3, compressed length, original length.
    const a65 = lzfCompress(bytes('a'.repeat(65)), 61);
    expect(toHex(a65!)).toBe('016161e0340001 6161'.replace(/ /g, ''));
    const text =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Lorem ipsum dolor sit amet, consectetur adipiscing elit.';
    const packed = lzfCompress(bytes(text), text.length - 4)!;
    expect(toHex(packed)).toBe(REAL.lorem.slice(2 + 2 + 4 + 4, REAL.lorem.length - 20));
  });

  it('gives up when the output would not fit', () => {
    expect(lzfCompress(bytes('abcdefghijklmnopqrstuvwxyz'), 22)).toBeNull();
    expect(lzfCompress(new Uint8Array(0), 10)).toBeNull();
  });

  it('round-trips anything it compresses', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 3 }), (data, alphabet) => {
        const input = alphabet === 0 ? data : data.map((b) => b % (alphabet * 2));
        const packed = lzfCompress(input, input.length + 64);
        if (input.length === 0) {
          expect(packed).toBeNull();
          return;
        }
        expect(packed).not.toBeNull();
        expect(lzfDecompress(packed!, input.length)).toEqual(input);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed or mis-sized data', () => {
    const packed = lzfCompress(bytes('a'.repeat(100)), 96)!;
    expect(lzfDecompress(packed, 99)).toBeNull();
    expect(lzfDecompress(packed, 101)).toBeNull();
    expect(lzfDecompress(Uint8Array.from([0x05, 0x61]), 6)).toBeNull(); // literal run past the input
    expect(lzfDecompress(Uint8Array.from([0x20, 0x00]), 3)).toBeNull(); // back reference before the start
  });
});

describe('listpack', () => {
  it('encodes like listpack.c, integers in their smallest width', () => {
    const lp = encodeListpack(['f', 'v', 'n', '1', 'big', '100000', 'neg', '-5']);
    expect(toHex(lp)).toBe(REAL.hash.slice(4, 4 + 36 * 2));
    const widths: [string, number][] = [
      ['0', 2], ['127', 2], ['128', 3], ['-1', 3], ['4095', 3], ['-4096', 3], ['4096', 4], ['32767', 4], ['-32768', 4],
      ['32768', 5], ['8388607', 5], ['-8388608', 5], ['8388608', 6], ['2147483647', 6], ['-2147483648', 6],
      ['2147483648', 10], ['9223372036854775807', 10], ['-9223372036854775808', 10],
      ['9223372036854775808', 21], ['01', 4], ['-0', 4], ['', 2], ['x'.repeat(63), 65], ['x'.repeat(64), 67],
      ['x'.repeat(125), 128], ['x'.repeat(126), 130], ['x'.repeat(127), 131], ['x'.repeat(4095), 4099], ['x'.repeat(4096), 4103],
    ];
    for (const [s, size] of widths) {
      expect(lpEntrySize(s), JSON.stringify(s.slice(0, 8))).toBe(size);
      expect(encodeListpack([s]).length).toBe(7 + size);
      expect(decodeListpack(encodeListpack([s]))).toEqual([s]);
    }
  });

  it('round-trips any elements', () => {
    const element = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      fc.integer({ min: -70000, max: 70000 }).map(String),
    );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 60 }), (entries) => {
        const lp = encodeListpack(entries);
        expect(lp.length).toBe(lpBytesFor(entries));
        expect(decodeListpack(lp)).toEqual(entries);
      }),
    );
  });

  it('saturates the element count at 65535', () => {
    const entries = Array.from({ length: 70000 }, (_, i) => String(i % 100));
    const lp = encodeListpack(entries);
    expect(lp[4] | (lp[5] << 8)).toBe(65535);
    expect(decodeListpack(lp)?.length).toBe(70000);
  });

  it('rejects malformed listpacks', () => {
    const good = encodeListpack(['a', 'bb', '300']);
    const mutate = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return decodeListpack(b);
    };
    expect(decodeListpack(good)).toEqual(['a', 'bb', '300']);
    expect(mutate((b) => b[0]++)).toBeNull(); // total size
    expect(mutate((b) => (b[b.length - 1] = 0))).toBeNull(); // terminator
    expect(mutate((b) => b[4]++)).toBeNull(); // count
    expect(mutate((b) => (b[7 + 1] = 9))).toBeNull(); // backlen of 'a'
    expect(mutate((b) => (b[6] = 0xf5))).toBeNull(); // no such encoding
    expect(decodeListpack(good.subarray(0, 6))).toBeNull();
  });
});

describe('intset', () => {
  it('encodes like intset.c with the narrowest width', () => {
    expect(toHex(encodeIntset(['3', '1', '2', '-7']))).toBe(REAL.intset.slice(4, 4 + 16 * 2));
    expect(encodeIntset(['1', '70000'])[0]).toBe(4);
    expect(encodeIntset(['1', '-2147483649'])[0]).toBe(8);
    expect(encodeIntset(['32767', '-32768'])[0]).toBe(2);
  });

  it('round-trips and validates', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 50 }), (values) => {
        const sorted = [...values].sort((a, b) => (a < b ? -1 : 1)).map(String);
        expect(decodeIntset(encodeIntset(values.map(String)))).toEqual(sorted);
      }),
    );
    const is = encodeIntset(['1', '2']);
    expect(decodeIntset(is.subarray(0, 10))).toBeNull();
    const unsorted = is.slice();
    unsorted[8] = 5; // 5, 2
    expect(decodeIntset(unsorted)).toBeNull();
    expect(decodeIntset(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0]))).toBeNull(); // empty
  });
});

describe('ziplist (read-only)', () => {
  it('reads every entry encoding', () => {
    // Built by hand: "f", 1 (immediate), "big", 100000 (int24), -5 (int8), 40000 (int32), 2^40 (int64), 300 (int16).
    const entries = [
      [0x01, 0x66],
      [0xf2],
      [0x03, 0x62, 0x69, 0x67],
      [0xf0, 0xa0, 0x86, 0x01],
      [0xfe, 0xfb],
      [0xd0, 0x40, 0x9c, 0x00, 0x00],
      [0xe0, 0, 0, 0, 0, 0, 1, 0, 0],
      [0xc0, 0x2c, 0x01],
    ];
    const body: number[] = [];
    let prev = 0;
    let tail = 10;
    for (const e of entries) {
      tail = 10 + body.length;
      body.push(prev, ...e);
      prev = e.length + 1;
    }
    const total = 10 + body.length + 1;
    const zl = Uint8Array.from([total, 0, 0, 0, tail, 0, 0, 0, entries.length, 0, ...body, 0xff]);
    expect(decodeZiplist(zl)).toEqual(['f', '1', 'big', '100000', '-5', '40000', String(2 ** 40), '300']);
    const bad = zl.slice();
    bad[4]++; // tail offset
    expect(decodeZiplist(bad)).toBeNull();
  });
});

describe('quicklist layout', () => {
  it('splits nodes as quicklistPushTail does', () => {
    expect(splitIntoNodes(['a', 'b', 'c', 'd', 'e'], 2).map((n) => n.elements)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(splitIntoNodes(['a', 'b'], 0).length).toBe(2);
    // fill -2: 8 KB per node, estimated as node bytes + element length + 8.
    const big = 'x'.repeat(3000);
    expect(splitIntoNodes([big, big, big], -2).map((n) => n.elements.length)).toEqual([2, 1]);
    expect(splitIntoNodes([big, big, big], -3).map((n) => n.elements.length)).toEqual([3]);
    expect(splitIntoNodes(Array(100).fill('v'), -9).length).toBe(1); // clamped to -5
  });
});

describe('%.17g', () => {
  it('prints like glibc, ties to even', () => {
    expect(formatG17(0.1)).toBe('0.10000000000000001');
    expect(formatG17(222487752791494.125)).toBe('222487752791494.12');
    expect(formatG17(2.5)).toBe('2.5');
    expect(formatG17(1e20)).toBe('1e+20');
    expect(formatG17(1.5e-5)).toBe('1.5e-05');
    expect(formatG17(1.1e-5)).toBe('1.1e-05');
    expect(formatG17(-1e-300)).toBe('-1e-300');
    expect(formatG17(0.3)).toBe('0.29999999999999999');
    expect(formatG17(1e16)).toBe('10000000000000000');
    expect(formatG17(1e17)).toBe('1e+17');
    expect(formatG17(-2.675)).toBe('-2.6749999999999998');
    expect(formatG17(123456789012345680000)).toBe('1.2345678901234568e+20');
    expect(formatG17(0.0001)).toBe('0.0001');
    expect(formatG17(5e-324)).toBe('4.9406564584124654e-324');
    expect(formatG17(-Infinity)).toBe('-inf');
    expect(formatG17(-0)).toBe('-0');
  });

  it('stores listpack scores as zzlInsertAt does', () => {
    expect(listpackScore(3)).toBe('3');
    expect(listpackScore(-0)).toBe('0');
    expect(listpackScore(2 ** 62)).toBe('4611686018427387904');
    expect(listpackScore(2 ** 62 + 1024)).toBe('4.6116860184273889e+18');
    expect(listpackScore(Infinity)).toBe('inf');
    expect(listpackScore(2.5)).toBe('2.5');
  });
});

describe('rdb primitives', () => {
  it('writes and reads lengths of every size', () => {
    for (const n of [0, 63, 64, 16383, 16384, 2 ** 32 - 1, 2 ** 32, 2 ** 40]) {
      const w = new RdbWriter();
      w.saveLen(n);
      expect(w.length).toBe(n < 64 ? 1 : n < 16384 ? 2 : n <= 2 ** 32 - 1 ? 5 : 9);
      expect(new RdbReader(w.view().slice()).loadLen()).toBe(n);
    }
  });

  it('integer-encodes canonical small integers only', () => {
    const enc = (s: string) => {
      const w = new RdbWriter();
      w.rawString(s, true);
      return toHex(w.view());
    };
    expect(enc('-100')).toBe('c09c');
    expect(enc('3000')).toBe('c1b80b');
    expect(enc('-2000000000')).toBe('c2006cca88');
    expect(enc('2147483648')).toBe('0a' + toHex(bytes('2147483648')));
    expect(enc('0123')).toBe('04' + toHex(bytes('0123')));
    expect(enc('-0')).toBe('02' + toHex(bytes('-0')));
  });
});

describe('DUMP payloads', () => {
  it('match real redis-server bytes', () => {
    const dump = (o: RedisObject, opts = SAVE) => toHex(createDumpPayload(o, opts));
    const str = (v: string) => createStringObject(v);
    expect(dump(str('1'))).toBe(REAL.int1);
    expect(dump(str('hello'))).toBe(REAL.hello);
    expect(dump(str('a'.repeat(65)))).toBe(REAL.lzfA65);
    expect(
      dump({ type: 'hash', value: new Map([['f', 'v'], ['n', '1'], ['big', '100000'], ['neg', '-5']]), enc: 'listpack', shared: false, lru: 0 }),
    ).toBe(REAL.hash);
    expect(dump({ type: 'set', value: new Set(['1', '2', '3', '-7']), enc: 'intset', shared: false, lru: 0 })).toBe(REAL.intset);
    expect(dump({ type: 'list', value: ['a', 'b', '1', '2', '300'], enc: 'quicklist', shared: false, lru: 0 })).toBe(REAL.list);
    expect(dump(zsetOf([['a', 1], ['b', 2.5], ['c', -3]], 'listpack'))).toBe(REAL.zsetListpack);
    expect(dump(zsetOf([['c', 3], ['a', 1], ['b', 2], ['x'.repeat(70), 1.5]], 'skiplist'))).toBe(REAL.zsetSkiplist);
    const list = { type: 'list', value: ['a', 'b', 'c', 'd', 'e'], enc: 'quicklist', shared: false, lru: 0 } as const;
    expect(dump({ ...list, value: [...list.value] }, { ...SAVE, listMaxListpackSize: 2 })).toBe(REAL.listNodes);
  });

  it('verify the version and the checksum', () => {
    const p = hex(REAL.hello);
    expect(verifyDumpPayload(p)).toBe(true);
    expect(verifyDumpPayload(p.subarray(0, 9))).toBe(false);
    for (let i = 0; i < p.length; i++) {
      const q = p.slice();
      q[i] ^= 0x10;
      expect(verifyDumpPayload(q), `byte ${i}`).toBe(false);
    }
  });

  it('load real payloads into the encodings Redis gives them', () => {
    const load = (h: string, over?: Partial<RdbLoadOptions>) => loadDumpPayload(hex(h), loadOptions(over));
    expect(load(REAL.int1)).toMatchObject({ type: 'string', value: '1', enc: 'int', shared: true });
    expect(load(REAL.lorem)).toMatchObject({ type: 'string', enc: 'raw' });
    expect(load(REAL.hash)).toMatchObject({ type: 'hash', enc: 'listpack' });
    expect(load(REAL.hash, { hashMaxListpackEntries: 3 })).toMatchObject({ type: 'hash', enc: 'hashtable' });
    expect(load(REAL.intset, { setMaxIntsetEntries: 3 })).toMatchObject({ type: 'set', enc: 'hashtable' });
    expect(load(REAL.zsetSkiplist)).toMatchObject({ type: 'zset', enc: 'skiplist' });
    expect(load(REAL.zsetSkiplist, { zsetMaxListpackValue: 70 })).toMatchObject({ type: 'zset', enc: 'listpack' });
    const list = load(REAL.listNodes);
    expect(list).toMatchObject({ type: 'list', value: ['a', 'b', 'c', 'd', 'e'] });
  });
});

// ---- DUMP -> RESTORE round trips for random objects ----------------------------------------------------------

const byteString = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength });
const element = fc.oneof(
  byteString(12),
  byteString(100),
  fc.constantFrom('a'.repeat(200), 'ab'.repeat(50), ''),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.integer({ min: -100000, max: 100000 }).map(String),
);
const score = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(Infinity, -Infinity, 0.1, 2 ** 62, 2 ** 63),
);

const randomObject: fc.Arbitrary<RedisObject> = fc.oneof(
  element.map((v) => createStringObject(v) as RedisObject),
  fc.array(element, { minLength: 1, maxLength: 400 }).map((value): RedisObject => ({ type: 'list', value, enc: 'quicklist', shared: false, lru: 0 })),
  fc
    .uniqueArray(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), { minLength: 1, maxLength: 100 })
    .map((m): RedisObject => ({ type: 'set', value: new Set(m), enc: 'intset', shared: false, lru: 0 })),
  fc.uniqueArray(element, { minLength: 1, maxLength: 100 }).map((m): RedisObject => ({ type: 'set', value: new Set(m), enc: 'hashtable', shared: false, lru: 0 })),
  fc
    .uniqueArray(fc.tuple(element, element), { minLength: 1, maxLength: 80, selector: ([f]) => f })
    .chain((pairs) =>
      fc.constantFrom<'listpack' | 'hashtable'>('listpack', 'hashtable').map((enc): RedisObject => ({ type: 'hash', value: new Map(pairs), enc, shared: false, lru: 0 })),
    ),
  fc
    .uniqueArray(fc.tuple(element, score), { minLength: 1, maxLength: 80, selector: ([m]) => m })
    .chain((pairs) => fc.constantFrom<'listpack' | 'skiplist'>('listpack', 'skiplist').map((enc) => zsetOf(pairs.map(([m, s]) => [m, s === 0 ? 0 : s]), enc) as RedisObject)),
);

/** A value's content, independent of encoding details the round trip may change. */
function content(o: RedisObject): unknown {
  switch (o.type) {
    case 'string':
      return o.value;
    case 'list':
      return o.value;
    case 'set':
      return [...o.value].sort();
    case 'hash':
      return [...o.value].sort();
    case 'zset': {
      const out: [string, number][] = [];
      for (let n = o.zsl.header.level[0].forward; n; n = n.level[0].forward) out.push([n.member, n.score]);
      return [out, [...o.dict].sort()];
    }
  }
}

describe('DUMP -> RESTORE round trip', () => {
  it('restores every value with the same content, and dumps it back to the same bytes', () => {
    const options = fc.record({
      compression: fc.boolean(),
      listMaxListpackSize: fc.constantFrom(-2, -1, 1, 3, 128),
      listCompressDepth: fc.constantFrom(0, 0, 1, 2),
    });
    fc.assert(
      fc.property(randomObject, options, (o, save) => {
        const payload = createDumpPayload(o, save);
        expect(verifyDumpPayload(payload)).toBe(true);
        // Limits high enough that the loader keeps the encoding it was given.
        const back = loadDumpPayload(payload, loadOptions({ hashMaxListpackEntries: 1e9, hashMaxListpackValue: 1e9, zsetMaxListpackEntries: 0, zsetMaxListpackValue: 0 }));
        expect(back).not.toBeNull();
        expect(back!.type).toBe(o.type);
        expect(content(back!)).toEqual(content(o));
        if (o.type === 'zset' && o.enc === 'skiplist') expect(back!.enc).toBe('skiplist');
        if (o.type === 'set' && o.enc === 'intset') expect(back!.enc).toBe('intset');
        // Same encoding, same bytes (hashes may legitimately come back as listpacks; sets of integers as intsets).
        if (back!.enc === o.enc) expect(latin1(createDumpPayload(back!, save))).toBe(latin1(payload));
      }),
      { numRuns: 400 },
    );
  });

  it('refuses corrupted bodies with Bad data format (null), never throwing', () => {
    fc.assert(
      fc.property(randomObject, fc.nat(), fc.integer({ min: 1, max: 255 }), (o, at, flip) => {
        const payload = createDumpPayload(o, SAVE);
        const body = payload.subarray(0, payload.length - 10);
        const i = at % body.length;
        const broken = payload.slice();
        broken[i] ^= flip;
        // Whatever the loader makes of it, it must not throw.
        expect(() => loadDumpPayload(broken, loadOptions())).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
