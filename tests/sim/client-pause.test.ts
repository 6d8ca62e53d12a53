/**
 * CLIENT PAUSE in virtual time: under WRITE, reads keep flowing while writes wait for the pause to end (and
 * then run in arrival order); under ALL, everything waits. The end of a pause is noticed at the next event-loop
 * iteration, at worst the next serverCron tick, as on a real server.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const ADDR = '127.0.0.1:6379';

function setup() {
  const host = new SimHost({ seed: 5, link: { latencyUs: 100 } });
  host.addNode({ address: ADDR });
  const admin = new RespConnection(host.connect('admin', ADDR));
  const app = new RespConnection(host.connect('app', ADDR));
  const settle = (c: RespConnection) => expect(host.runUntilCondition(() => c.pending === 0, host.nowUs + 5_000_000)).toBe(true);
  return { host, admin, app, settle };
}

describe('CLIENT PAUSE', () => {
  it('WRITE: GET answers at once, SET waits about 500 ms, then both queued writes apply in order', async () => {
    const { host, admin, app, settle } = setup();
    admin.call(['CLIENT', 'PAUSE', '500', 'WRITE']);
    settle(admin);
    const t0 = host.nowUs;
    const replies: [string, Reply, number][] = [];
    const track = (name: string, p: Promise<{ reply: Reply }>) => p.then((r) => replies.push([name, r.reply, host.nowUs - t0]));
    track('set1', app.call(['SET', 'k', '1']));
    track('get', admin.call(['GET', 'k']));
    track('set2', app.call(['SET', 'k', '2']));
    expect(host.runUntilCondition(() => admin.pending === 0, host.nowUs + 1_000_000)).toBe(true);
    const getDoneUs = host.nowUs - t0;
    expect(getDoneUs).toBeLessThan(5_000);
    expect(app.pending).toBe(2);
    settle(app);
    const writesDoneUs = host.nowUs - t0;
    expect(writesDoneUs).toBeGreaterThanOrEqual(490_000);
    expect(writesDoneUs).toBeLessThan(700_000);
    await Promise.resolve();
    expect(replies.map((r) => r[0])).toEqual(['get', 'set1', 'set2']);
    const check = await (async () => {
      const p = admin.call(['GET', 'k']);
      settle(admin);
      return (await p).reply;
    })();
    expect(check).toEqual({ type: 'bulk', value: '2' });
  });

  it('ALL: even PING waits; CLIENT UNPAUSE cannot get through either, the timeout ends it', async () => {
    const { host, admin, app, settle } = setup();
    admin.call(['CLIENT', 'PAUSE', '300']);
    settle(admin);
    const t0 = host.nowUs;
    app.call(['PING']);
    admin.call(['CLIENT', 'UNPAUSE']);
    host.runUntil(t0 + 200_000);
    expect(app.pending).toBe(1);
    expect(admin.pending).toBe(1);
    settle(app);
    settle(admin);
    expect(host.nowUs - t0).toBeGreaterThanOrEqual(290_000);
  });
});
