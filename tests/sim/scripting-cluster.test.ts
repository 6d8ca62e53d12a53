/**
 * A busy script on a cluster master, with busy-reply-threshold below the node timeout: while it runs, its clusterCron stops (no PING of its own), but bus input is
 * still read between script steps, so it answers the others' PINGs and they never mark it PFAIL, however long
 * the script runs. Clients get BUSY; SCRIPT KILL frees the node. As in Redis 7.0 (processEventsWhileBlocked
 * serves file events, including the cluster bus, and runs no timer).
 */
import { describe, expect, it } from 'vitest';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { buildCluster } from './cluster-fixture.ts';

const TIMEOUT_MS = 2000;

describe('a busy script in a cluster', () => {
  it('keeps answering the bus: no PFAIL, no failover, during a script three node timeouts long', async () => {
    const c = buildCluster(3, TIMEOUT_MS);
    const { host } = c;
    const busyNode = c.node(0);
    const conn = new RespConnection(host.connect('script', c.addrs[0]));
    // Events are served only past busy-reply-threshold: below the node timeout here, so the bus gets answers in
    // time. (With the default 5 s and this 2 s timeout, the others would mark it PFAIL and fail it over first.)
    void conn.call(['CONFIG', 'SET', 'busy-reply-threshold', '500']);
    host.runFor(10_000);
    const p = conn.call(['EVAL', 'local i = 0 while true do i = i + 1 end', '0']);
    const t0 = host.nowUs;
    const pongsBefore = busyNode.cluster!.sent.get('pong') ?? 0;
    const pingsBefore = busyNode.cluster!.sent.get('ping') ?? 0;
    let pfail = false;
    while (host.nowUs - t0 < 3 * TIMEOUT_MS * 1000) {
      host.runFor(100_000);
      for (let i = 1; i < 6; i++) {
        const view = c.node(i).cluster!.nodes.get(busyNode.cluster!.myself.id)!;
        if (view.flags.has('fail?') || view.flags.has('fail')) pfail = true;
      }
    }
    expect(pfail).toBe(false);
    // It answered PINGs (PONGs went out) but started none of its own.
    expect((busyNode.cluster!.sent.get('pong') ?? 0) - pongsBefore).toBeGreaterThan(10);
    expect((busyNode.cluster!.sent.get('ping') ?? 0) - pingsBefore).toBe(0);
    // Its replica never started an election.
    expect(c.node(3).cluster!.myself.flags.has('slave')).toBe(true);
    const other = new RespConnection(host.connect('other', c.addrs[0]));
    const busy = other.call(['PING']);
    expect(host.runUntilCondition(() => other.pending === 0, host.nowUs + 2_000_000)).toBe(true);
    expect((await busy).reply).toEqual({ type: 'error', value: 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.' });
    void other.call(['SCRIPT', 'KILL']);
    expect(host.runUntilCondition(() => conn.pending === 0, host.nowUs + 2_000_000)).toBe(true);
    expect((await p).reply.type).toBe('error');
  });

  it('with busy-reply-threshold above the node timeout, the silent master is failed over while its script runs', async () => {
    const c = buildCluster(4, TIMEOUT_MS);
    const { host } = c;
    const conn = new RespConnection(host.connect('script', c.addrs[0]));
    const p = conn.call(['EVAL', 'local i = 0 while true do i = i + 1 end', '0']);
    const t0 = host.nowUs;
    const promoted = () => c.node(3).cluster!.myself.flags.has('master');
    expect(host.runUntilCondition(promoted, t0 + 5_000_000)).toBe(true);
    // Failed over before the script's own node even starts answering BUSY (5 s).
    expect(host.nowUs - t0).toBeLessThan(5_000_000);
    const other = new RespConnection(host.connect('other', c.addrs[0]));
    void other.call(['SCRIPT', 'KILL']);
    expect(host.runUntilCondition(() => conn.pending === 0, host.nowUs + 5_000_000)).toBe(true);
    expect((await p).reply.type).toBe('error');
    // Back in touch, the old master learns of the newer epoch and follows the new one.
    expect(host.runUntilCondition(() => c.node(0).cluster!.myself.flags.has('slave'), host.nowUs + 10_000_000)).toBe(true);
  });
});
