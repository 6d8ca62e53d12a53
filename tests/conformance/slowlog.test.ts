/**
 * SLOWLOG entries against redis-server 7.0: the same entries in the same order with the same trimmed
 * arguments and client names (ids, timestamps, durations and addresses aside), plus a simulation check that a
 * slow command's virtual duration is what SLOWLOG and LATENCY report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectResp, startServers, type Servers } from './harness.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

/** An entry without its id, time, duration and peer address. */
function shape(entry: Reply): unknown {
  if (entry.type !== 'array') return entry;
  const [, , , argv, , name] = entry.value;
  return [argv, name];
}

describe('SLOWLOG compared with redis-server', () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers();
  });
  afterAll(async () => {
    await servers?.stop();
  });

  it('logs the same commands with the same trimmed arguments', async () => {
    const seen: unknown[] = [];
    for (const port of [servers.realPort, servers.labPort]) {
      const c = await connectResp(port);
      await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
      await c.call(['SLOWLOG', 'RESET']);
      await c.call(['CLIENT', 'SETNAME', 'logger']);
      await c.call(['SET', 'long', 'x'.repeat(300)]);
      await c.call(['DEL', ...Array.from({ length: 40 }, (_, i) => `k${i}`)]);
      await c.call(['MULTI']);
      await c.call(['INCR', 'n']);
      await c.call(['EXEC']);
      const r = (await c.call(['SLOWLOG', 'GET', '-1'])).reply;
      seen.push(r.type === 'array' ? r.value.map(shape) : r);
      await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
      c.close();
    }
    expect(seen[1]).toEqual(seen[0]);
  });
});

describe('SLOWLOG and LATENCY in virtual time', () => {
  it('DEBUG SLEEP 0.05 is logged with its 50 ms and shows as a latency spike', async () => {
    const host = new SimHost({ seed: 2 });
    host.addNode({ address: 'n:1', config: { 'enable-debug-command': 'yes', 'latency-monitor-threshold': '10' } });
    const c = new RespConnection(host.connect('cli', 'n:1'));
    const run = async (args: string[]) => {
      const p = c.call(args);
      expect(host.runUntilCondition(() => c.pending === 0, host.nowUs + 5_000_000)).toBe(true);
      return (await p).reply;
    };
    await run(['DEBUG', 'SLEEP', '0.05']);
    const log = await run(['SLOWLOG', 'GET', '1']);
    const entry = log.type === 'array' && log.value[0].type === 'array' ? log.value[0].value : [];
    const durationUs = entry[2]?.type === 'integer' ? Number(entry[2].value) : 0;
    expect(durationUs).toBeGreaterThanOrEqual(50_000);
    expect(durationUs).toBeLessThan(51_000);
    const latest = await run(['LATENCY', 'LATEST']);
    const row = latest.type === 'array' && latest.value[0]?.type === 'array' ? latest.value[0].value : [];
    expect(row[0]).toEqual({ type: 'bulk', value: 'command' });
    expect(row[2]).toEqual({ type: 'integer', value: 50n });
  });
});
