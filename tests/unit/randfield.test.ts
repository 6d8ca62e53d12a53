/**
 * HRANDFIELD and ZRANDMEMBER through a simulated node: the random replies the conformance script cannot compare
 * byte for byte (they depend on each server's random source) are checked here for their properties instead —
 * only existing members, no repeats for positive counts, exact lengths, values and scores that belong to their
 * members, repeats for negative counts, Redis's orders where it has one, and a roughly uniform distribution.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

/** A fresh node and one connection; each call runs the simulation until its reply is in. */
function session(seed: number): (...args: string[]) => Promise<Reply> {
  const host = new SimHost({ seed });
  host.addNode({ address: 'n:1' });
  const c = new RespConnection(host.connect('cli', 'n:1'));
  return async (...args) => {
    const p = c.call(args);
    host.runUntilCondition(() => c.pending === 0, host.nowUs + 1_000_000);
    return (await p).reply;
  };
}

function items(r: Reply): Reply[] {
  if (r.type !== 'array') throw new Error(`expected an array, got ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return r.value;
}

function text(r: Reply): string {
  if (r.type === 'bulk' || r.type === 'double') return r.value;
  throw new Error(`expected a bulk string or double, got ${r.type}`);
}

const strings = (r: Reply) => items(r).map(text);

/** RESP2 flat [m, v, m, v...] or RESP3 [[m, v], ...] as pairs. */
function pairs(r: Reply, resp: 2 | 3): [string, string][] {
  const list = items(r);
  if (resp === 3) {
    return list.map((p) => {
      const two = items(p);
      expect(two).toHaveLength(2);
      return [text(two[0]), text(two[1])];
    });
  }
  expect(list.length % 2).toBe(0);
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([text(list[i]), text(list[i + 1])]);
  return out;
}

/** Pearson's statistic of observed counts against a uniform expectation. */
function chiSquare(counts: Map<string, number>, keys: string[], total: number): number {
  const expected = total / keys.length;
  return keys.reduce((sum, k) => sum + ((counts.get(k) ?? 0) - expected) ** 2 / expected, 0);
}

/**
 * A loose bound for Pearson's statistic with `df` degrees of freedom: mean df, variance 2·df; df + 6·sqrt(2·df)
 * is far in the tail (well under one in a million for these sizes), so only a real bias fails it.
 */
const chiBound = (df: number) => df + 6 * Math.sqrt(2 * df);

function tally(into: Map<string, number>, names: string[]): void {
  for (const n of names) into.set(n, (into.get(n) ?? 0) + 1);
}

const fieldNames = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);

async function makeHash(call: (...a: string[]) => Promise<Reply>, key: string, n: number): Promise<Map<string, string>> {
  const fields = fieldNames(n);
  const model = new Map(fields.map((f, i) => [f, `v${i * 7}`]));
  await call('HSET', key, ...[...model].flat());
  return model;
}

/** Members m0..m(n-1) with distinct, unsorted scores; returns member -> score text as Redis prints it. */
async function makeZset(call: (...a: string[]) => Promise<Reply>, key: string, n: number): Promise<Map<string, string>> {
  const model = new Map<string, string>();
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    const score = ((i * 37) % n) + 0.5;
    model.set(`m${i}`, String(score));
    args.push(String(score), `m${i}`);
  }
  await call('ZADD', key, ...args);
  return model;
}

describe('HRANDFIELD', () => {
  it('positive counts: exact lengths, distinct existing fields, matching values (listpack and hashtable, RESP2 and RESP3)', async () => {
    const call = session(11);
    // Redis 7.0's default is 512 fields; a lower limit makes the 300-field hash a hashtable.
    await call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    const small = await makeHash(call, 'small', 12);
    const big = await makeHash(call, 'big', 300);
    expect(await call('OBJECT', 'ENCODING', 'small')).toEqual({ type: 'bulk', value: 'listpack' });
    expect(await call('OBJECT', 'ENCODING', 'big')).toEqual({ type: 'bulk', value: 'hashtable' });
    for (const resp of [2, 3] as const) {
      await call('HELLO', String(resp));
      for (const [key, model] of [['small', small], ['big', big]] as const) {
        for (const count of [1, 2, 3, 4, 5, 7, 11, 50, 99, 100, 101, 150, 299]) {
          if (count >= model.size) continue;
          const names = strings(await call('HRANDFIELD', key, String(count)));
          expect(names).toHaveLength(count);
          expect(new Set(names).size).toBe(count);
          for (const f of names) expect(model.has(f)).toBe(true);
          const withValues = pairs(await call('HRANDFIELD', key, String(count), 'WITHVALUES'), resp);
          expect(withValues).toHaveLength(count);
          expect(new Set(withValues.map(([f]) => f)).size).toBe(count);
          for (const [f, v] of withValues) expect(model.get(f)).toBe(v);
        }
      }
    }
  });

  it('a count of at least the size returns the whole hash, a listpack in insertion order', async () => {
    const call = session(12);
    await call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    const model = await makeHash(call, 'h', 9);
    expect(strings(await call('HRANDFIELD', 'h', '9'))).toEqual([...model.keys()]);
    expect(pairs(await call('HRANDFIELD', 'h', '1000', 'WITHVALUES'), 2)).toEqual([...model]);
    const big = await makeHash(call, 'big', 200);
    expect(new Set(strings(await call('HRANDFIELD', 'big', '200')))).toEqual(new Set(big.keys()));
  });

  it('a small count against a listpack comes back in the hash order, as lpRandomPairsUnique returns it', async () => {
    const call = session(13);
    const model = await makeHash(call, 'h', 30);
    const order = [...model.keys()];
    for (let i = 0; i < 50; i++) {
      const idx = strings(await call('HRANDFIELD', 'h', '5')).map((f) => order.indexOf(f));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
  });

  it('negative counts return exactly |count| existing fields and repeat them', async () => {
    const call = session(14);
    const model = await makeHash(call, 'h', 3);
    const names = strings(await call('HRANDFIELD', 'h', '-40'));
    expect(names).toHaveLength(40);
    for (const f of names) expect(model.has(f)).toBe(true);
    expect(new Set(names).size).toBeLessThan(names.length);
    for (const resp of [2, 3] as const) {
      await call('HELLO', String(resp));
      const withValues = pairs(await call('HRANDFIELD', 'h', '-25', 'WITHVALUES'), resp);
      expect(withValues).toHaveLength(25);
      for (const [f, v] of withValues) expect(model.get(f)).toBe(v);
    }
    const big = await makeHash(call, 'big', 200);
    const many = strings(await call('HRANDFIELD', 'big', '-500'));
    expect(many).toHaveLength(500);
    for (const f of many) expect(big.has(f)).toBe(true);
  });

  it('is roughly uniform: single picks, negative counts and distinct samples', async () => {
    const call = session(15);
    await call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    for (const [key, n] of [['lp', 6], ['ht', 150]] as const) {
      const model = await makeHash(call, key, n);
      const keys = [...model.keys()];
      // With repeats: many independent draws.
      const draws = new Map<string, number>();
      const total = n * 200;
      tally(draws, strings(await call('HRANDFIELD', key, String(-total))));
      expect(chiSquare(draws, keys, total)).toBeLessThan(chiBound(n - 1));
      // Without a count: one field per call.
      if (n <= 10) {
        const single = new Map<string, number>();
        for (let i = 0; i < n * 200; i++) tally(single, [text(await call('HRANDFIELD', key))]);
        expect(chiSquare(single, keys, n * 200)).toBeLessThan(chiBound(n - 1));
      }
      // Distinct samples, both below and above a third of the size: every field equally likely to be in one.
      for (const count of [2, Math.floor(n / 2)]) {
        const seen = new Map<string, number>();
        const rounds = Math.ceil((n * 150) / count);
        for (let i = 0; i < rounds; i++) tally(seen, strings(await call('HRANDFIELD', key, String(count))));
        // Counts of inclusion are less spread than multinomial ones, so the Pearson bound stays loose.
        expect(chiSquare(seen, keys, rounds * count)).toBeLessThan(chiBound(n - 1));
      }
    }
  });

  it('edge replies: count 0, missing keys, errors', async () => {
    const call = session(16);
    await makeHash(call, 'h', 3);
    expect(await call('HRANDFIELD', 'h', '0')).toEqual({ type: 'array', value: [] });
    expect(await call('HRANDFIELD', 'nope')).toEqual({ type: 'nil', kind: 'bulk' });
    expect(await call('HRANDFIELD', 'nope', '-3')).toEqual({ type: 'array', value: [] });
    expect(await call('HRANDFIELD', 'h', '-9223372036854775808')).toEqual({
      type: 'error',
      value: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    });
    expect(await call('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES')).toEqual({ type: 'error', value: 'ERR value is out of range' });
    expect(await call('HRANDFIELD', 'h', 'x', 'y')).toEqual({ type: 'error', value: 'ERR value is not an integer or out of range' });
    expect(await call('HRANDFIELD', 'h', '1', 'y')).toEqual({ type: 'error', value: 'ERR syntax error' });
    await call('SET', 's', 'v');
    expect((await call('HRANDFIELD', 's', '0')).type).toBe('error');
  });
});

describe('ZRANDMEMBER', () => {
  it('positive counts: exact lengths, distinct existing members, matching scores (listpack and skiplist, RESP2 and RESP3)', async () => {
    const call = session(21);
    const small = await makeZset(call, 'small', 12);
    const big = await makeZset(call, 'big', 300);
    expect(await call('OBJECT', 'ENCODING', 'small')).toEqual({ type: 'bulk', value: 'listpack' });
    expect(await call('OBJECT', 'ENCODING', 'big')).toEqual({ type: 'bulk', value: 'skiplist' });
    for (const resp of [2, 3] as const) {
      await call('HELLO', String(resp));
      for (const [key, model] of [['small', small], ['big', big]] as const) {
        for (const count of [1, 2, 3, 4, 5, 7, 11, 50, 99, 100, 101, 150, 299]) {
          if (count >= model.size) continue;
          const names = strings(await call('ZRANDMEMBER', key, String(count)));
          expect(names).toHaveLength(count);
          expect(new Set(names).size).toBe(count);
          for (const m of names) expect(model.has(m)).toBe(true);
          const withScores = pairs(await call('ZRANDMEMBER', key, String(count), 'WITHSCORES'), resp);
          expect(withScores).toHaveLength(count);
          expect(new Set(withScores.map(([m]) => m)).size).toBe(count);
          for (const [m, s] of withScores) expect(model.get(m)).toBe(s);
        }
      }
    }
  });

  it('a RESP3 score is a double; RESP2 sends it as a bulk string', async () => {
    const call = session(22);
    await call('ZADD', 'z', '1.5', 'a');
    const r2 = items(await call('ZRANDMEMBER', 'z', '-1', 'WITHSCORES'));
    expect(r2).toEqual([{ type: 'bulk', value: 'a' }, { type: 'bulk', value: '1.5' }]);
    await call('HELLO', '3');
    const r3 = items(await call('ZRANDMEMBER', 'z', '-1', 'WITHSCORES'));
    expect(r3).toEqual([{ type: 'array', value: [{ type: 'bulk', value: 'a' }, { type: 'double', value: '1.5' }] }]);
  });

  it('a count of at least the size returns the whole zset, highest score first', async () => {
    const call = session(23);
    for (const [key, n] of [['lp', 10], ['sl', 200]] as const) {
      const model = await makeZset(call, key, n);
      const descending = [...model].sort((a, b) => Number(b[1]) - Number(a[1]));
      expect(pairs(await call('ZRANDMEMBER', key, String(n), 'WITHSCORES'), 2)).toEqual(descending);
      expect(strings(await call('ZRANDMEMBER', key, '100000'))).toEqual(descending.map(([m]) => m));
    }
  });

  it('a small count against a listpack comes back in ascending order', async () => {
    const call = session(24);
    const model = await makeZset(call, 'z', 30);
    for (let i = 0; i < 50; i++) {
      const scores = pairs(await call('ZRANDMEMBER', 'z', '5', 'WITHSCORES'), 2).map(([m, s]) => {
        expect(model.get(m)).toBe(s);
        return Number(s);
      });
      expect(scores).toEqual([...scores].sort((a, b) => a - b));
    }
  });

  it('negative counts return exactly |count| existing members and repeat them', async () => {
    const call = session(25);
    const model = await makeZset(call, 'z', 4);
    const names = strings(await call('ZRANDMEMBER', 'z', '-50'));
    expect(names).toHaveLength(50);
    for (const m of names) expect(model.has(m)).toBe(true);
    expect(new Set(names).size).toBeLessThan(names.length);
    for (const resp of [2, 3] as const) {
      await call('HELLO', String(resp));
      const withScores = pairs(await call('ZRANDMEMBER', 'z', '-30', 'WITHSCORES'), resp);
      expect(withScores).toHaveLength(30);
      for (const [m, s] of withScores) expect(model.get(m)).toBe(s);
    }
  });

  it('is roughly uniform: single picks, negative counts and distinct samples', async () => {
    const call = session(26);
    for (const [key, n] of [['lp', 7], ['sl', 160]] as const) {
      const model = await makeZset(call, key, n);
      const keys = [...model.keys()];
      const draws = new Map<string, number>();
      const total = n * 200;
      tally(draws, strings(await call('ZRANDMEMBER', key, String(-total))));
      expect(chiSquare(draws, keys, total)).toBeLessThan(chiBound(n - 1));
      if (n <= 10) {
        const single = new Map<string, number>();
        for (let i = 0; i < n * 200; i++) tally(single, [text(await call('ZRANDMEMBER', key))]);
        expect(chiSquare(single, keys, n * 200)).toBeLessThan(chiBound(n - 1));
      }
      for (const count of [2, Math.floor(n / 2)]) {
        const seen = new Map<string, number>();
        const rounds = Math.ceil((n * 150) / count);
        for (let i = 0; i < rounds; i++) tally(seen, strings(await call('ZRANDMEMBER', key, String(count))));
        expect(chiSquare(seen, keys, rounds * count)).toBeLessThan(chiBound(n - 1));
      }
    }
  });

  it('edge replies: count 0, missing keys, errors', async () => {
    const call = session(27);
    await makeZset(call, 'z', 3);
    expect(await call('ZRANDMEMBER', 'z', '0', 'WITHSCORES')).toEqual({ type: 'array', value: [] });
    expect(await call('ZRANDMEMBER', 'nope')).toEqual({ type: 'nil', kind: 'bulk' });
    expect(await call('ZRANDMEMBER', 'nope', '2', 'WITHSCORES')).toEqual({ type: 'array', value: [] });
    expect(await call('ZRANDMEMBER', 'z', '1', 'WITHVALUES')).toEqual({ type: 'error', value: 'ERR syntax error' });
    expect(await call('ZRANDMEMBER', 'z', '-4611686018427387904', 'WITHSCORES')).toEqual({ type: 'error', value: 'ERR value is out of range' });
    await call('HSET', 'h', 'f', 'v');
    expect(await call('ZRANDMEMBER', 'h', '1')).toEqual({
      type: 'error',
      value: 'WRONGTYPE Operation against a key holding the wrong kind of value',
    });
  });
});

describe('replies too large to build', () => {
  it('SRANDMEMBER, HRANDFIELD and ZRANDMEMBER refuse negative counts past the lab reply limit instead of freezing', async () => {
    const call = session(9);
    await call('SADD', 's', 'a');
    await call('HSET', 'h', 'f', 'v');
    await call('ZADD', 'z', '1', 'm');
    for (const cmd of [['SRANDMEMBER', 's'], ['HRANDFIELD', 'h'], ['ZRANDMEMBER', 'z']]) {
      const r = await call(...cmd, '-5000000000');
      expect(r.type).toBe('error');
      expect(r.type === 'error' && r.value).toMatch(/^ERR Cluster Lab builds at most 4000000 elements/);
      // Below the limit the count is honoured exactly.
      expect(items(await call(...cmd, '-1000')).length).toBe(1000);
    }
  });
});
