/**
 * Active expiry: keys that nobody reads again still disappear, because serverCron samples keys with a TTL
 * and deletes the expired ones; INFO counts them and keeps Redis's running avg_ttl estimate.
 * Size from SIM_EXPIRE_KEYS (default 5,000).
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const ADDR = '127.0.0.1:6379';
const KEYS = Number(process.env.SIM_EXPIRE_KEYS ?? 5_000);

describe('active expiry', () => {
  it(`deletes ${KEYS} keys with a 100 ms TTL within seconds of virtual time, without any client reading them`, async () => {
    const host = new SimHost({ seed: 11 });
    const node = host.addNode({ address: ADDR });
    const c = new RespConnection(host.connect('cli', ADDR));
    const call = async (args: string[]) => {
      const p = c.call(args);
      expect(host.runUntilCondition(() => c.pending === 0, host.nowUs + 10_000_000)).toBe(true);
      return (await p).reply;
    };
    for (let i = 0; i < KEYS; i += 500) {
      const args = ['MSET'];
      for (let j = i; j < Math.min(KEYS, i + 500); j++) args.push(`temp:${j}`, 'v');
      await call(args);
    }
    for (let i = 0; i < KEYS; i++) c.call(['PEXPIRE', `temp:${i}`, '100']);
    expect(host.runUntilCondition(() => c.pending === 0, host.nowUs + 60_000_000)).toBe(true);
    await call(['SET', 'long-lived', 'v', 'EX', '1000']);
    expect(await call(['DBSIZE'])).toEqual({ type: 'integer', value: BigInt(KEYS + 1) });

    // Nobody touches the keys; the cron runs every 100 ms.
    host.runUntil(host.nowUs + 10_000_000);
    expect(node.dbs[0].size).toBe(1);
    expect(await call(['DBSIZE'])).toEqual({ type: 'integer', value: 1n });
    const info = await call(['INFO', 'stats']);
    const text = info.type === 'bulk' || info.type === 'verbatim' ? info.value : '';
    expect(text).toContain(`expired_keys:${KEYS}\r\n`);
    // avg_ttl moves towards the one remaining key (about 990 s) by 2% of the difference per sample, as in Redis.
    const keyspace = await call(['INFO', 'keyspace']);
    const ks = keyspace.type === 'bulk' || keyspace.type === 'verbatim' ? keyspace.value : '';
    const avg = Number(/avg_ttl=(\d+)/.exec(ks)?.[1]);
    expect(avg).toBeGreaterThan(700_000);
    expect(avg).toBeLessThan(1_000_000);
  });
});
