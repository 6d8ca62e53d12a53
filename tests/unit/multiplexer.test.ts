/** The multiplexer models: select and poll pay for every watched descriptor, epoll only for ready ones. */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Multiplexer } from '../../src/engine/loop/cost-model.ts';

const ADDR = '127.0.0.1:6379';

function latencyWithIdleClients(multiplexer: Multiplexer, idle: number): number {
  const host = new SimHost({ seed: 1, link: { latencyUs: 50 } });
  host.addNode({ address: ADDR, multiplexer });
  for (let i = 0; i < idle; i++) host.connect(`idle-${i}`, ADDR);
  const c = new RespConnection(host.connect('active', ADDR));
  c.call(['PING']);
  host.runUntilCondition(() => c.pending === 0, 10_000_000);
  const start = host.nowUs;
  for (let i = 0; i < 100; i++) {
    c.call(['GET', 'k']);
    host.runUntilCondition(() => c.pending === 0, host.nowUs + 10_000_000);
  }
  return (host.nowUs - start) / 100;
}

describe('multiplexers', () => {
  it('with 900 idle connections, select and poll make every request slower; epoll does not care', () => {
    const epoll0 = latencyWithIdleClients('epoll', 0);
    const epoll = latencyWithIdleClients('epoll', 900);
    const poll = latencyWithIdleClients('poll', 900);
    const select = latencyWithIdleClients('select', 900);
    expect(epoll - epoll0).toBeLessThan(2);
    expect(poll - epoll).toBeGreaterThan(20);
    expect(select).toBeGreaterThan(poll);
  });

  it('select cannot watch descriptors from 1024 up: those connections are dropped without a reply', () => {
    const host = new SimHost({ seed: 1 });
    host.addNode({ address: ADDR, multiplexer: 'select' });
    // Descriptors start at 8, so the 1017th connection gets fd 1024. (Names are zero-padded: simultaneous
    // arrivals are ordered by sender name.)
    const conns = Array.from({ length: 1020 }, (_, i) => new RespConnection(host.connect(`c${String(i).padStart(4, "0")}`, ADDR)));
    const last = conns[conns.length - 1];
    const first = conns[0];
    first.call(['PING']);
    last.call(['PING']).catch(() => undefined);
    host.runFor(1_000_000);
    expect(first.pending).toBe(0);
    expect(last.closed).toBe(true);
    expect(conns[1015].closed).toBe(false);
    expect(conns[1016].closed).toBe(true);
    expect(host.node(ADDR).stats.rejectedConnections).toBe(4);
  });
});
