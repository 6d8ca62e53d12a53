/**
 * DEBUG DIGEST and DIGEST-VALUE against redis-server 7.0: the same data set (every type, both encodings of each,
 * binary values, odd scores, deadlines, several databases) hashes to the same hex on both; DEBUG RELOAD keeps the
 * digest and re-encodes as Redis does; DEBUG SET-ACTIVE-EXPIRE 0 leaves an expired key in place until it is read.
 */
import { describe, expect, it } from 'vitest';
import { useServerPair } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const DATA: string[][] = [
  ['SET', 's:int', '12345'],
  ['SET', 's:neg', '-7'],
  ['SET', 's:str', 'hello world'],
  ['SET', 's:bin', '\x00\xff\r\n'],
  ['SET', 's:long', 'x'.repeat(300)],
  ['SET', 's:ttl', 'v', 'EX', '100000'],
  ['SET', 's:pttl', 'v', 'PXAT', '99999999999999'],
  ['RPUSH', 'l:small', 'a', 'b', 'c', '1', '2'],
  ['RPUSH', 'l:big', ...range(700).map((i) => `e${i}`)],
  ['SADD', 'set:int', '3', '1', '2', '-5', '100000000000'],
  ['SADD', 'set:str', 'x', 'y', 'z'],
  ['SADD', 'set:big', ...range(600).map(String)],
  ['HSET', 'h:small', 'f1', 'v1', 'f2', '2', 'n', ''],
  ['HSET', 'h:big', ...range(600).flatMap((i) => [`f${i}`, `v${i}`])],
  ['HSET', 'h:long', 'f', 'v'.repeat(100)],
  ['ZADD', 'z:small', '1', 'a', '0.1', 'b', '-2.5', 'c', '1e300', '123', '-inf', 'm', 'inf', 'n', '3', '-17'],
  ['ZADD', 'z:big', ...range(200).flatMap((i) => [String(i / 7), `m${i}`])],
  ['ZADD', 'z:long', '5', 'm'.repeat(100)],
  ['EXPIRE', 'h:small', '100000'],
  ['PEXPIRE', 'z:big', '100000000'],
];

async function both(pair: { real: RespConnection; lab: RespConnection }, args: string[]) {
  const [r, l] = await Promise.all([pair.real.call(args), pair.lab.call(args)]);
  return [r.reply, l.reply] as const;
}

describe('DEBUG DIGEST compared with redis-server', () => {
  const pair = useServerPair(['--enable-debug-command', 'yes']);

  it('an empty data set digests to zeros', async () => {
    const [r, l] = await both(pair, ['DEBUG', 'DIGEST']);
    expect(r).toEqual({ type: 'status', value: '0'.repeat(40) });
    expect(l).toEqual(r);
  });

  it('matches after every command of a data set of every type and encoding', async () => {
    const digests = new Set<string>();
    for (const cmd of DATA) {
      await both(pair, cmd);
      const [r, l] = await both(pair, ['DEBUG', 'DIGEST']);
      expect(l, cmd.slice(0, 2).join(' ')).toEqual(r);
      digests.add((r as { value: string }).value);
    }
    // Every step changed the digest (EXPIRE included: a deadline is part of it).
    expect(digests.size).toBe(DATA.length);
  });

  it('DIGEST-VALUE matches per key, zeros for a missing key', async () => {
    const keys = [...new Set(DATA.map((d) => d[1])), 'nosuch'];
    const [r, l] = await both(pair, ['DEBUG', 'DIGEST-VALUE', ...keys]);
    expect(l).toEqual(r);
    expect((r as { value: { value: string }[] }).value.at(-1)?.value).toBe('0'.repeat(40));
  });

  it('hashes the database id: the same key in another database digests differently, alike on both', async () => {
    for (const cmd of [['SELECT', '3'], ['SET', 's:str', 'hello world'], ['SADD', 'other', 'q']]) await both(pair, cmd);
    const [r, l] = await both(pair, ['DEBUG', 'DIGEST']);
    expect(l).toEqual(r);
    await both(pair, ['FLUSHDB']);
    await both(pair, ['SELECT', '0']);
  });

  it('DEBUG RELOAD keeps the digest and re-encodes as loading does', async () => {
    // A hash converted to a hashtable by a long value, then shortened: reloading makes it a listpack again.
    for (const cmd of [['HSET', 'h:conv', 'f', 'v'.repeat(100)], ['HSET', 'h:conv', 'f', 'short']]) await both(pair, cmd);
    const [before] = await both(pair, ['DEBUG', 'DIGEST']);
    const [encR, encL] = await both(pair, ['OBJECT', 'ENCODING', 'h:conv']);
    expect(encL).toEqual(encR);
    // One after the other: both servers write dump.rdb in the same directory.
    const rr = (await pair.real.call(['DEBUG', 'RELOAD'])).reply;
    const rl = (await pair.lab.call(['DEBUG', 'RELOAD'])).reply;
    expect(rr).toEqual({ type: 'status', value: 'OK' });
    expect(rl).toEqual(rr);
    const [r, l] = await both(pair, ['DEBUG', 'DIGEST']);
    expect(l).toEqual(r);
    expect(r).toEqual(before);
    for (const key of ['h:conv', 'h:small', 'set:int', 'z:small', 'z:big', 's:int', 'l:small']) {
      const [er, el] = await both(pair, ['OBJECT', 'ENCODING', key]);
      expect(el, key).toEqual(er);
    }
    const [ttlR, ttlL] = await both(pair, ['TTL', 's:ttl']);
    expect(ttlL).toEqual(ttlR);
    // NOFLUSH without MERGE over existing keys: Redis panics, the lab refuses; with MERGE both reload.
    const mr = (await pair.real.call(['DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'])).reply;
    const ml = (await pair.lab.call(['DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'])).reply;
    expect(ml).toEqual(mr);
    const [r2, l2] = await both(pair, ['DEBUG', 'DIGEST']);
    expect(l2).toEqual(r2);
  });

  it('SET-ACTIVE-EXPIRE 0 keeps an expired key until it is read; 1 lets the cycle delete it', async () => {
    await both(pair, ['FLUSHALL']);
    await both(pair, ['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    await both(pair, ['SET', 'gone', 'v', 'PX', '1']);
    await new Promise((r) => setTimeout(r, 400));
    const [r, l] = await both(pair, ['DBSIZE']);
    expect(r).toEqual({ type: 'integer', value: 1n });
    expect(l).toEqual(r);
    await both(pair, ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    await new Promise((res) => setTimeout(res, 600));
    const [r2, l2] = await both(pair, ['DBSIZE']);
    expect(r2).toEqual({ type: 'integer', value: 0n });
    expect(l2).toEqual(r2);
  });
});
