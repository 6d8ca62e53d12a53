/**
 * Memory against redis-server 7.0: MEMORY USAGE within 25% for strings, hashes, lists, sets and sorted sets of
 * typical sizes in every encoding (most are exact; hashtables and skiplists are sampled, as Redis samples them),
 * and maxmemory: the same OOM error under noeviction, eviction keeping used memory under the limit.
 */
import { describe, expect, it } from 'vitest';
import { useServerPair } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Commands that build one key each, named by what they hold. */
const FIXTURES: Record<string, string[][]> = {
  'int string': [['SET', 'k', '12345']],
  'short string': [['SET', 'k', 'hello world']],
  'long string': [['SET', 'k', 'x'.repeat(1000)]],
  'appended string': [['SET', 'k', 'abc'], ['APPEND', 'k', 'y'.repeat(300)]],
  'small hash': [['HSET', 'k', ...range(10).flatMap((i) => [`field:${i}`, `value:${i}`])]],
  'hashtable hash 1k': [['HSET', 'k', ...range(1000).flatMap((i) => [`field:${i}`, `value:${i * 7}`])]],
  'hashtable hash 10k': [['HSET', 'k', ...range(10000).flatMap((i) => [`f${i}`, 'v'.repeat(20)])]],
  'small list': [['RPUSH', 'k', ...range(20).map((i) => `item-${i}`)]],
  'big list': [['RPUSH', 'k', ...range(20000).map((i) => `item-${i}`)]],
  'intset': [['SADD', 'k', ...range(300).map(String)]],
  'hashtable set': [['SADD', 'k', ...range(5000).map((i) => `member:${i}`)]],
  'small zset': [['ZADD', 'k', ...range(50).flatMap((i) => [String(i * 1.5), `m${i}`])]],
  'skiplist zset': [['ZADD', 'k', ...range(5000).flatMap((i) => [String(i), `player:${i}`])]],
};

describe('memory compared with redis-server', () => {
  const pair = useServerPair();

  const both = async (args: string[]): Promise<[Reply, Reply]> => {
    const [r, l] = await Promise.all([pair.real.call(args), pair.lab.call(args)]);
    return [r.reply, l.reply];
  };
  const int = (r: Reply) => (r.type === 'integer' ? Number(r.value) : NaN);

  it.each(Object.keys(FIXTURES))('MEMORY USAGE of a %s is within 25 percent of Redis', async (name) => {
    await both(['FLUSHALL']);
    for (const cmd of FIXTURES[name]) await both(cmd);
    const [encReal, encLab] = await both(['OBJECT', 'ENCODING', 'k']);
    expect(encLab).toEqual(encReal);
    for (const samples of ['5', '0']) {
      const [r, l] = await both(['MEMORY', 'USAGE', 'k', 'SAMPLES', samples]);
      const ratio = int(l) / int(r);
      expect(ratio, `${name} SAMPLES ${samples}: redis ${int(r)} lab ${int(l)}`).toBeGreaterThanOrEqual(0.75);
      expect(ratio, `${name} SAMPLES ${samples}: redis ${int(r)} lab ${int(l)}`).toBeLessThanOrEqual(1.25);
    }
  });

  it('noeviction: a limit 200 KB above the current use fills after about as many 1 KB values as on Redis', async () => {
    await both(['FLUSHALL']);
    for (const conn of [pair.real, pair.lab]) {
      // A limit just above what the server uses now, then fill past it.
      const info = await conn.call(['MEMORY', 'STATS']);
      expect(info.reply.type === 'array' || info.reply.type === 'map').toBe(true);
    }
    const usedReal = await usedMemory(pair.real);
    const usedLab = await usedMemory(pair.lab);
    await pair.real.call(['CONFIG', 'SET', 'maxmemory', String(usedReal + 200_000)]);
    await pair.lab.call(['CONFIG', 'SET', 'maxmemory', String(usedLab + 200_000)]);
    const value = 'v'.repeat(1000);
    const firstOom: (number | null)[] = [];
    for (const conn of [pair.real, pair.lab]) {
      let oomAt: number | null = null;
      for (let i = 0; i < 400 && oomAt === null; i++) {
        const r = await conn.call(['SET', `key:${i}`, value]);
        if (r.reply.type === 'error') {
          expect(r.reply.value).toBe("OOM command not allowed when used memory > 'maxmemory'.");
          oomAt = i;
        }
      }
      firstOom.push(oomAt);
    }
    expect(firstOom[0]).not.toBeNull();
    expect(firstOom[1]).not.toBeNull();
    // Both servers fill about the same number of 1 KB values into 200 KB (redis-server also counts its clients'
    // buffers, which the lab's model of used memory measures differently: docs/fidelity.md).
    expect(Math.abs(firstOom[0]! - firstOom[1]!), `OOM after ${firstOom[0]} keys on redis, ${firstOom[1]} on the lab`).toBeLessThanOrEqual(
      Math.max(10, firstOom[0]! * 0.4),
    );
    await both(['CONFIG', 'SET', 'maxmemory', '0']);
    await both(['FLUSHALL']);
  });

  it('allkeys-lru: writes keep succeeding, old keys are evicted, used memory stays near the limit', async () => {
    await both(['FLUSHALL']);
    const limit = (await usedMemory(pair.lab)) + 300_000;
    await pair.lab.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']);
    await pair.lab.call(['CONFIG', 'SET', 'maxmemory', String(limit)]);
    const value = 'v'.repeat(1000);
    for (let i = 0; i < 1000; i++) {
      const r = await pair.lab.call(['SET', `key:${i}`, value]);
      expect(r.reply).toEqual({ type: 'status', value: 'OK' });
    }
    const size = int((await pair.lab.call(['DBSIZE'])).reply);
    expect(size).toBeGreaterThan(150);
    expect(size).toBeLessThan(400);
    expect(await usedMemory(pair.lab)).toBeLessThanOrEqual(limit + 2000);
    // The newest key survived; most of the oldest did not.
    expect(int((await pair.lab.call(['EXISTS', 'key:999'])).reply)).toBe(1);
    const evicted = await pair.lab.call(['INFO', 'stats']);
    expect(evicted.reply.type).toBe('bulk');
    await pair.lab.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await pair.lab.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
  });
});

async function usedMemory(conn: RespConnection): Promise<number> {
  const r = await conn.call(['MEMORY', 'STATS']);
  const items = r.reply.type === 'array' ? r.reply.value : [];
  for (let i = 0; i < items.length; i += 2) {
    const k = items[i];
    const v = items[i + 1];
    if (k.type === 'bulk' && k.value === 'total.allocated' && v.type === 'integer') return Number(v.value);
  }
  throw new Error('no total.allocated in MEMORY STATS');
}
