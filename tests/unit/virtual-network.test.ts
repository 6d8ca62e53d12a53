import { describe, expect, it } from 'vitest';
import { TCP_RTO_MIN_US, VirtualNetwork } from '../../src/hosts/network/virtual-network.ts';

const msg = (from: string, to: string, sendAt: number, senderSeq: number, conn = 'c#1') => ({ from, to, conn, sendAt, senderSeq });

describe('virtual network', () => {
  it('delivers after the link latency', () => {
    const net = new VirtualNetwork(1, { latencyUs: 250 });
    expect(net.route(msg('a', 'b', 1000, 1))?.arriveAt).toBe(1250);
  });

  it('jitter is a function of (seed, sender, sequence), not of routing order', () => {
    const n1 = new VirtualNetwork(9, { latencyUs: 100, jitterUs: 1000 });
    const n2 = new VirtualNetwork(9, { latencyUs: 100, jitterUs: 1000 });
    const a1 = n1.route(msg('a', 'x', 0, 1, 'a#1'))!.arriveAt;
    const b1 = n1.route(msg('b', 'x', 0, 1, 'b#1'))!.arriveAt;
    const b2 = n2.route(msg('b', 'x', 0, 1, 'b#1'))!.arriveAt;
    const a2 = n2.route(msg('a', 'x', 0, 1, 'a#1'))!.arriveAt;
    expect([a1, b1]).toEqual([a2, b2]);
    const spread = new Set(Array.from({ length: 50 }, (_, i) => n1.route(msg('c', 'x', 0, i + 1, `c#${i}`))!.arriveAt));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('keeps a stream in order despite jitter', () => {
    const net = new VirtualNetwork(3, { latencyUs: 100, jitterUs: 5000 });
    let last = 0;
    for (let i = 1; i <= 200; i++) {
      const r = net.route(msg('a', 'b', i * 10, i))!;
      expect(r.arriveAt).toBeGreaterThanOrEqual(last);
      last = r.arriveAt;
    }
  });

  it('one-way partitions block one direction only, from their start time; heal lifts them', () => {
    const net = new VirtualNetwork(1, { latencyUs: 100 });
    net.block('a', 'b', 1000);
    expect(net.route(msg('a', 'b', 999, 1))).not.toBeNull();
    expect(net.route(msg('a', 'b', 1000, 2))).toBeNull();
    expect(net.route(msg('b', 'a', 1000, 1, 'c#2'))).not.toBeNull();
    net.heal(5000);
    expect(net.route(msg('a', 'b', 5000, 3))).not.toBeNull();
  });

  it('group partitions cut both ways between groups but not within', () => {
    const net = new VirtualNetwork(1);
    net.partition([['a', 'b'], ['c']], 0);
    expect(net.route(msg('a', 'c', 1, 1))).toBeNull();
    expect(net.route(msg('c', 'b', 1, 1, 'x'))).toBeNull();
    expect(net.route(msg('a', 'b', 1, 2, 'y'))).not.toBeNull();
  });

  it('a lost segment on a stream arrives one minimum RTO late', () => {
    const net = new VirtualNetwork(1, { latencyUs: 100, loss: 1 });
    expect(net.route(msg('a', 'b', 0, 1))!.arriveAt).toBe(100 + TCP_RTO_MIN_US);
  });
});
