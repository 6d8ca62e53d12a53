/**
 * MIGRATE between simulated servers: keys move with their TTL, the source blocks (other clients wait) for the
 * round trip, errors from the target and connection failures are reported as Redis reports them.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const A = '127.0.0.1:7000';
const B = '127.0.0.1:7001';

function setup(latencyUs = 500) {
  const host = new SimHost({ seed: 3, link: { latencyUs }, log: false });
  host.addNode({ address: A });
  host.addNode({ address: B });
  const a = new RespConnection(host.connect('cli-a', A));
  const b = new RespConnection(host.connect('cli-b', B));
  const call = async (c: RespConnection, ...args: string[]): Promise<Reply> => {
    const p = c.call(args);
    expect(host.runUntilCondition(() => c.pending === 0, host.nowUs + 30_000_000)).toBe(true);
    return (await p).reply;
  };
  return { host, a, b, call };
}

const ok: Reply = { type: 'status', value: 'OK' };

describe('MIGRATE', () => {
  it('moves keys with their TTL, reports NOKEY, BUSYKEY from the target, COPY and REPLACE', async () => {
    const { a, b, call } = setup();
    await call(a, 'SET', 'k', 'v');
    await call(a, 'RPUSH', 'list', 'x', 'y', 'z');
    await call(a, 'SET', 'ttl', 'v', 'EX', '100');
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000')).toEqual(ok);
    expect(await call(a, 'EXISTS', 'k')).toEqual({ type: 'integer', value: 0n });
    expect(await call(b, 'GET', 'k')).toEqual({ type: 'bulk', value: 'v' });
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000')).toEqual({ type: 'status', value: 'NOKEY' });
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', '', '0', '1000', 'KEYS', 'list', 'ttl', 'missing')).toEqual(ok);
    expect(await call(b, 'LRANGE', 'list', '0', '-1')).toEqual({ type: 'array', value: ['x', 'y', 'z'].map((v) => ({ type: 'bulk', value: v })) });
    const ttl = await call(b, 'TTL', 'ttl');
    expect(ttl.type === 'integer' && ttl.value > 95n && ttl.value <= 100n).toBe(true);
    await call(a, 'SET', 'k', 'second');
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000')).toEqual({
      type: 'error',
      value: 'ERR Target instance replied with error: BUSYKEY Target key name already exists.',
    });
    expect(await call(a, 'EXISTS', 'k')).toEqual({ type: 'integer', value: 1n });
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000', 'COPY', 'REPLACE')).toEqual(ok);
    expect(await call(a, 'GET', 'k')).toEqual({ type: 'bulk', value: 'second' });
    expect(await call(b, 'GET', 'k')).toEqual({ type: 'bulk', value: 'second' });
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '3', '1000', 'REPLACE')).toEqual(ok);
    expect(await call(b, 'SELECT', '3')).toEqual(ok);
    expect(await call(b, 'GET', 'k')).toEqual({ type: 'bulk', value: 'second' });
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000', 'KEYS', 'k')).toEqual({
      type: 'error',
      value: 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string',
    });
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000', 'BOGUS')).toEqual({ type: 'error', value: 'ERR syntax error' });
  });

  it('answers IOERR when nobody listens or the target is silent, and blocks the whole server while it waits', async () => {
    const { host, a, call } = setup(20_000);
    await call(a, 'SET', 'k', 'v');
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7999', 'k', '0', '1000')).toEqual({ type: 'error', value: 'IOERR error or timeout writing to target instance' });
    // A target cut off by a partition never answers: the wait ends at the timeout.
    host.fabric.network.partition([[A], [B]], host.nowUs);
    const before = host.nowUs;
    expect(await call(a, 'MIGRATE', '127.0.0.1', '7001', 'k', '0', '300')).toEqual({ type: 'error', value: 'IOERR error or timeout reading to target instance' });
    expect(host.nowUs - before).toBeGreaterThanOrEqual(300_000);
    host.fabric.network.heal(host.nowUs);
    // A second client's PING sent while MIGRATE waits for the 40 ms round trip waits with it.
    const other = new RespConnection(host.connect('other', A));
    await call(other, 'PING');
    const t0 = host.nowUs;
    host.at(t0 + 10, () => void a.call(['MIGRATE', '127.0.0.1', '7001', 'k', '0', '1000']));
    host.at(t0 + 25_000, () => void other.call(['PING']));
    // MIGRATE starts when its request arrives (20 ms) and waits for the target's reply (40 ms more); the PING
    // arrives at 45 ms, in the middle, and is not served while the server waits.
    host.runUntil(t0 + 70_000);
    expect(a.pending).toBe(1);
    expect(other.pending).toBe(1);
    expect(host.runUntilCondition(() => a.pending === 0, t0 + 5_000_000)).toBe(true);
    const migrateDone = host.nowUs - t0;
    expect(migrateDone).toBeGreaterThanOrEqual(80_000);
    expect(host.runUntilCondition(() => other.pending === 0, t0 + 5_000_000)).toBe(true);
    expect(host.nowUs - t0).toBeGreaterThanOrEqual(migrateDone);
  });
});
