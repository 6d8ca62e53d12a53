/**
 * Persistence across restarts: RDB snapshots (SAVE, BGSAVE and what a kill before the child finishes leaves),
 * and the AOF under each appendfsync policy. A killed process loses nothing it wrote (the kernel has it); a
 * crashed machine loses what was neither fsynced nor written back: under always nothing acknowledged, under
 * everysec at most about a second, under no everything of the last 30 s.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const ADDR = '127.0.0.1:6379';

function setup(config: Record<string, string>) {
  const host = new SimHost({ seed: 11, log: false });
  host.addNode({ address: ADDR, config: { save: '', ...config } });
  let n = 0;
  const conn = () => new RespConnection(host.connect(`cli-${++n}`, ADDR));
  const call = async (c: RespConnection, ...args: string[]): Promise<Reply> => {
    const p = c.call(args);
    host.runUntilCondition(() => c.pending === 0, host.nowUs + 10_000_000);
    return (await p).reply;
  };
  return { host, conn, call };
}

/** Write key:0, key:1, ... every 10 ms for `ms`, and return the keys acknowledged with the time of their ack. */
async function writeFor(host: SimHost, c: RespConnection, ms: number): Promise<{ key: string; ackUs: number }[]> {
  const acked: { key: string; ackUs: number }[] = [];
  for (let i = 0; i < ms / 10; i++) {
    const key = `key:${i}`;
    c.call(['SET', key, String(i)]).then((r) => {
      if (r.reply.type === 'status') acked.push({ key, ackUs: host.nowUs });
    });
    host.runFor(10_000);
    await new Promise((r) => setImmediate(r));
  }
  return acked;
}

async function surviving(host: SimHost, keys: string[]): Promise<Set<string>> {
  const c = new RespConnection(host.connect('check', ADDR));
  const out = new Set<string>();
  for (const k of keys) {
    const p = c.call(['EXISTS', k]);
    host.runUntilCondition(() => c.pending === 0, host.nowUs + 1_000_000);
    const r = (await p).reply;
    if (r.type === 'integer' && r.value === 1n) out.add(k);
  }
  return out;
}

describe('persistence', () => {
  it('SAVE and BGSAVE snapshots survive a restart; a kill before the child finishes keeps the old snapshot', async () => {
    const { host, conn, call } = setup({});
    const c = conn();
    await call(c, 'SET', 'a', '1');
    expect(await call(c, 'SAVE')).toEqual({ type: 'status', value: 'OK' });
    await call(c, 'SET', 'b', '2');
    // About 20 MB of data: the child needs about 100 ms of virtual time to write it.
    const big = 'x'.repeat(10_000);
    const mset = ['MSET'];
    for (let i = 0; i < 2000; i++) mset.push(`big:${i}`, big);
    await call(c, ...mset);
    // Pipelined, so both arrive while the child runs.
    const first = c.call(['BGSAVE']);
    const second = c.call(['BGSAVE']);
    host.runUntilCondition(() => c.pending === 0, host.nowUs + 1_000_000);
    expect((await first).reply).toEqual({ type: 'status', value: 'Background saving started' });
    expect((await second).reply).toEqual({ type: 'error', value: 'ERR Background save already in progress' });
    // Killed at once: the child's snapshot (with b) never replaced dump.rdb.
    host.kill(ADDR);
    host.restart(ADDR);
    const c2 = conn();
    expect(await call(c2, 'GET', 'a')).toEqual({ type: 'bulk', value: '1' });
    expect(await call(c2, 'GET', 'b')).toEqual({ type: 'nil', kind: 'bulk' });
    await call(c2, 'SET', 'b', '2');
    const before = await call(c2, 'LASTSAVE');
    await call(c2, 'BGSAVE');
    host.runFor(2_000_000);
    const after = await call(c2, 'LASTSAVE');
    expect(after.type === 'integer' && before.type === 'integer' && after.value >= before.value).toBe(true);
    const info = await call(c2, 'INFO', 'persistence');
    expect(info.type === 'bulk' && info.value.includes('rdb_changes_since_last_save:0\r\n')).toBe(true);
    host.kill(ADDR);
    host.restart(ADDR);
    expect(await call(conn(), 'GET', 'b')).toEqual({ type: 'bulk', value: '2' });
  });

  it('save points: a BGSAVE starts by itself once enough changes are old enough', async () => {
    const { host, conn, call } = setup({ save: '1 3' });
    const c = conn();
    for (const k of ['a', 'b', 'c']) await call(c, 'SET', k, 'v');
    host.runFor(2_500_000);
    const info = await call(c, 'INFO', 'persistence');
    expect(info.type === 'bulk' && /rdb_saves:1\r\n/.test(info.value)).toBe(true);
    host.crash(ADDR);
    host.restart(ADDR);
    expect(await call(conn(), 'DBSIZE')).toEqual({ type: 'integer', value: 3n });
  });

  for (const policy of ['always', 'everysec', 'no'] as const) {
    it(`appendfsync ${policy}: a killed process loses nothing acknowledged; a crashed machine loses what was not on the device`, async () => {
      for (const fault of ['kill', 'crash'] as const) {
        const { host, conn } = setup({ appendonly: 'yes', appendfsync: policy });
        const acked = await writeFor(host, conn(), 3000);
        const crashUs = host.nowUs;
        if (fault === 'kill') host.kill(ADDR);
        else host.crash(ADDR);
        host.restart(ADDR);
        host.runFor(100_000);
        const alive = await surviving(host, acked.map((a) => a.key));
        const lost = acked.filter((a) => !alive.has(a.key));
        expect(acked.length).toBeGreaterThan(250);
        if (fault === 'kill' || policy === 'always') {
          expect(lost.length, `${policy}/${fault}`).toBe(0);
        } else if (policy === 'everysec') {
          // Only writes acknowledged after the last once-a-second fsync can be gone.
          for (const l of lost) expect(crashUs - l.ackUs, `${policy}/${fault} ${l.key}`).toBeLessThanOrEqual(1_100_000);
          expect(lost.length, `${policy}/${fault}`).toBeLessThanOrEqual(110);
        } else {
          // appendfsync no: nothing was fsynced and 3 s is less than the kernel's 30 s write-back.
          expect(lost.length, `${policy}/${fault}`).toBe(acked.length);
        }
      }
    });
  }
});
