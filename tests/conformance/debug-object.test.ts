/**
 * DEBUG OBJECT against redis-server 7.0: refcount, encoding, the RDB-serialized length and the quicklist
 * figures equal for every encoding; the address and the LRU clock are the process's own.
 */
import { describe, expect, it } from 'vitest';
import { useServerPair } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const VALUES: string[][] = [
  ['SET', 'k', '12'],
  ['SET', 'k', '123456789'],
  ['SET', 'k', 'hello'],
  ['SET', 'k', 'a'.repeat(100)],
  ['SET', 'k', 'abcdefghij'.repeat(30) + 'zyx'.repeat(40)],
  ['RPUSH', 'k', ...range(50).map(String)],
  ['RPUSH', 'k', ...range(3000).map((i) => `element-${i}`)],
  ['HSET', 'k', ...range(10).flatMap((i) => [`f${i}`, `v${i}`])],
  ['SADD', 'k', ...range(20).map(String)],
  ['ZADD', 'k', ...range(10).flatMap((i) => [String(i / 4), `m${i}`])],
];

describe('DEBUG OBJECT compared with redis-server', () => {
  const pair = useServerPair(['--enable-debug-command', 'yes']);

  it.each(VALUES.map((v) => [v[0] + ' ' + v.slice(2).join(' ').slice(0, 40), v] as const))('%s', async (_name, cmd) => {
    const out: string[] = [];
    for (const conn of [pair.real, pair.lab]) {
      await conn.call(['DEL', 'k']);
      await conn.call(cmd);
      const r = (await conn.call(['DEBUG', 'OBJECT', 'k'])).reply;
      out.push(r.type === 'status' ? r.value.replace(/^Value at:0x[0-9a-f]+ /, 'Value at:* ').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru:* lru_seconds_idle:*') : JSON.stringify(r));
    }
    expect(out[1]).toBe(out[0]);
  });

  it('answers a missing key with the same error', async () => {
    const [r, l] = await Promise.all([pair.real.call(['DEBUG', 'OBJECT', 'nosuch']), pair.lab.call(['DEBUG', 'OBJECT', 'nosuch'])]);
    expect(l.reply).toEqual(r.reply);
  });
});
