/**
 * KEYS pattern matching against the real server: many keys, many seeded patterns (wildcards, sets, ranges,
 * negation, escapes, unterminated sets), results compared as sorted sets (Redis's order is its hash table's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectResp, startServers, type Servers } from './harness.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { Prng } from '../../src/engine/random/prng.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';


const KEYS = ['a', 'b', 'ab', 'abc', 'a*c', 'a?c', 'a[b]c', 'a\\b', 'hello', 'hallo', 'hxllo', 'user:1', 'user:22', 'user:{1}', 'x-y', 'B', 'aBc', '', '[', ']', '^', 'z9'];
const ATOMS = ['a', 'b', 'c', '*', '?', '[ab]', '[^a]', '[a-c]', '[c-a]', '\\*', '\\?', '[', ']', 'h', 'l', 'o', 'user:', '[\\]]', '[^', '\\', 'B', '{1}', '-'];

function patterns(n: number): string[] {
  const rng = new Prng(2026).fork('glob');
  const out = ['*', '?', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'user:*', 'a\\*c', '[', 'a[', '[^'];
  while (out.length < n) {
    let p = '';
    const len = 1 + rng.int(5);
    for (let i = 0; i < len; i++) p += ATOMS[rng.int(ATOMS.length)];
    out.push(p);
  }
  return out;
}

const sortedBulks = (r: Reply) => (r.type === 'array' ? r.value.map((x) => (x.type === 'bulk' ? x.value : '?')).sort() : [r.type]);

describe('KEYS glob matching matches redis-server', () => {
  let servers: Servers;
  let real: RespConnection;
  let lab: RespConnection;
  beforeAll(async () => {
    servers = await startServers();
    real = await connectResp(servers.realPort);
    lab = await connectResp(servers.labPort);
    for (const c of [real, lab]) {
      await c.call(['FLUSHALL']);
      for (const k of KEYS) await c.call(['SET', k, '1']);
    }
  });
  afterAll(async () => {
    real?.close();
    lab?.close();
    await servers?.stop();
  });

  it('for 300 patterns', async () => {
    const mismatches: string[] = [];
    let nonEmpty = 0;
    for (const p of patterns(300)) {
      const [r, l] = await Promise.all([real.call(['KEYS', p]), lab.call(['KEYS', p])]);
      const a = sortedBulks(r.reply);
      const b = sortedBulks(l.reply);
      if (a.length > 0) nonEmpty++;
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`KEYS ${JSON.stringify(p)}: redis ${JSON.stringify(a)} lab ${JSON.stringify(b)}`);
    }
    expect(mismatches).toEqual([]);
    // The patterns must exercise matching, not just agree on empty results.
    expect(nonEmpty).toBeGreaterThan(60);
  });
});
