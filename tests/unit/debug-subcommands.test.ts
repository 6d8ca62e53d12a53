/**
 * DEBUG subcommands in a simulated node: DIGEST / DIGEST-VALUE give the hex redis-server 7.0.15 gave for the same
 * data (taken from the real server), SET-ACTIVE-EXPIRE 0 stops the expire cycle in virtual time, CHANGE-REPL-ID
 * starts a new replication history, RELOAD keeps the data and drops an expired key.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const ADDR = '127.0.0.1:6379';

function setup() {
  const host = new SimHost({ seed: 1, link: { latencyUs: 100 } });
  host.addNode({ address: ADDR, config: { 'enable-debug-command': 'yes' } });
  const conn = new RespConnection(host.connect('cli', ADDR));
  const call = async (...args: string[]) => {
    const p = conn.call(args);
    host.runUntilCondition(() => conn.pending === 0, host.nowUs + 5_000_000);
    return (await p).reply;
  };
  return { host, call };
}

describe('DEBUG subcommands', () => {
  it('DIGEST and DIGEST-VALUE equal the real server\'s hex for the same data', async () => {
    const { call } = setup();
    expect(await call('DEBUG', 'DIGEST')).toEqual({ type: 'status', value: '0'.repeat(40) });
    await call('SET', 'dk', 'hello');
    await call('RPUSH', 'dl', 'a', 'b', 'c');
    await call('ZADD', 'dz', '1.5', 'm');
    // redis-server 7.0.15: FLUSHALL, SET dk hello, RPUSH dl a b c, ZADD dz 1.5 m, then DEBUG DIGEST / DIGEST-VALUE.
    expect(await call('DEBUG', 'DIGEST')).toEqual({ type: 'status', value: '64c6d7fea3e3133b4abab8475a6983dba336ca3a' });
    expect(await call('DEBUG', 'DIGEST-VALUE', 'dk', 'dl', 'dz', 'nosuch')).toEqual({
      type: 'array',
      value: ['36b23a1456b2dce2c3ed252c456761301dba8060', '8bf72d812571eea9b927f3c11beb0c4165a6ff89', '0b67afcf657d7aa53a5226bcca2f55ea7f2fff48', '0'.repeat(40)].map((value) => ({ type: 'status', value })),
    });
  });

  it('SET-ACTIVE-EXPIRE 0 leaves expired keys to lazy expiry; 1 brings the cycle back', async () => {
    const { host, call } = setup();
    expect(await call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toEqual({ type: 'status', value: 'OK' });
    await call('SET', 'k', 'v', 'PX', '1');
    host.runFor(2_000_000);
    expect(await call('DBSIZE')).toEqual({ type: 'integer', value: 1n });
    await call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    host.runFor(2_000_000);
    expect(await call('DBSIZE')).toEqual({ type: 'integer', value: 0n });
  });

  it('CHANGE-REPL-ID gives a new replication id and clears the second one', async () => {
    const { call } = setup();
    const ids = async () => {
      const info = (await call('INFO', 'replication')) as { value: string };
      return [/master_replid:(\w+)/.exec(info.value)?.[1], /master_replid2:(\w+)/.exec(info.value)?.[1]];
    };
    const [before] = await ids();
    expect(await call('DEBUG', 'CHANGE-REPL-ID')).toEqual({ type: 'status', value: 'OK' });
    const [after, second] = await ids();
    expect(after).toMatch(/^[0-9a-f]{40}$/);
    expect(after).not.toBe(before);
    expect(second).toBe('0'.repeat(40));
  });

  it('RELOAD saves, empties and loads back: the digest stays, an expired key is gone', async () => {
    const { host, call } = setup();
    await call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await call('HSET', 'h', 'f', 'v');
    await call('SET', 'soon', 'v', 'PX', '1');
    host.runFor(10_000);
    expect(await call('DEBUG', 'RELOAD')).toEqual({ type: 'status', value: 'OK' });
    expect(await call('DBSIZE')).toEqual({ type: 'integer', value: 1n });
    expect(await call('HGET', 'h', 'f')).toEqual({ type: 'bulk', value: 'v' });
    expect(await call('DEBUG', 'RELOAD', 'NOFLUSH')).toEqual({ type: 'error', value: 'ERR Error trying to load the RDB dump' });
    expect(await call('DEBUG', 'RELOAD', 'NOSAVE')).toMatchObject({ type: 'error' });
  });
});
