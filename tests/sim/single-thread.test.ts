/**
 * Why single-threaded Redis is fast, and where it is not: commands run one at a time on the event loop, so an
 * O(N) command makes every other client wait; and pipelining amortises the network round trip.
 * Size from SIM_KEYS (default 1,000,000 keys).
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { createStringObject } from '../../src/engine/keyspace/object.ts';

const ADDR = '127.0.0.1:6379';
const KEYS = Number(process.env.SIM_KEYS ?? 1_000_000);

/** Runs the simulation until `conn` has no reply outstanding; returns the virtual time then. */
function awaitReplies(host: SimHost, conn: RespConnection, limitUs = 60_000_000): number {
  expect(host.runUntilCondition(() => conn.pending === 0, host.nowUs + limitUs)).toBe(true);
  return host.nowUs;
}

describe('the single thread', () => {
  it(`KEYS * over ${KEYS.toLocaleString('en-US')} keys makes another client's PING wait for it`, () => {
    const host = new SimHost({ seed: 3, link: { latencyUs: 100 } });
    const node = host.addNode({ address: ADDR });
    // Fill the keyspace directly: the setup is not what is being measured.
    for (let i = 0; i < KEYS; i++) node.dbs[0].set(`key:${i}`, createStringObject('x'));

    const a = new RespConnection(host.connect('slow-client', ADDR));
    const b = new RespConnection(host.connect('ping-client', ADDR));
    // Both connections are established and warm.
    a.call(['PING']);
    b.call(['PING']);
    awaitReplies(host, a);
    awaitReplies(host, b);

    // An idle PING takes one round trip plus a few microseconds of work.
    const idleStart = host.nowUs;
    b.call(['PING']);
    const idleLatency = awaitReplies(host, b) - idleStart;
    expect(idleLatency).toBeLessThan(250);

    // KEYS * is sent at t0 + 10 µs, PING on the other connection 10 µs later.
    const t0 = host.nowUs;
    let keysReply: Awaited<ReturnType<RespConnection['call']>> | null = null;
    host.at(t0 + 10, () => void a.call(['KEYS', '*']).then((r) => (keysReply = r)));
    host.at(t0 + 20, () => void b.call(['PING']));
    host.runUntil(t0 + 20);
    expect(a.pending).toBe(1);
    expect(b.pending).toBe(1);
    // Replies are matched synchronously as bytes arrive, so the clock at the moment pending drops is the arrival.
    const pingDoneAt = awaitReplies(host, b);
    const keysDoneAt = awaitReplies(host, a);
    const pingLatency = pingDoneAt - (t0 + 20);
    // KEYS costs ~60 ns per key: the PING, sent 10 µs after it, waits for all of it, and gets its answer right
    // after the KEYS reply is written (both go out in the same beforeSleep).
    expect(pingLatency).toBeGreaterThan(((KEYS * 60) / 1000) * 0.9);
    if (KEYS >= 100_000) expect(pingLatency).toBeGreaterThan(100 * idleLatency);
    expect(Math.abs(pingDoneAt - keysDoneAt)).toBeLessThan(((KEYS * 60) / 1000) * 0.1 + 1000);
    return Promise.resolve().then(() => {
      const r = keysReply as Awaited<ReturnType<RespConnection['call']>> | null;
      expect(r?.reply.type === 'array' && r.reply.value.length).toBe(KEYS);
    });
  });

  it('DEBUG SLEEP 0.5 on one connection delays a PING on another by half a second', () => {
    const host = new SimHost({ seed: 5, link: { latencyUs: 100 } });
    host.addNode({ address: ADDR, config: { 'enable-debug-command': 'yes' } });
    const a = new RespConnection(host.connect('sleeper', ADDR));
    const b = new RespConnection(host.connect('pinger', ADDR));
    a.call(['PING']);
    b.call(['PING']);
    awaitReplies(host, a);
    awaitReplies(host, b);
    const t0 = host.nowUs;
    host.at(t0 + 10, () => void a.call(['DEBUG', 'SLEEP', '0.5']));
    host.at(t0 + 20, () => void b.call(['PING']));
    host.runUntil(t0 + 20);
    const pingDoneAt = awaitReplies(host, b);
    expect(pingDoneAt - (t0 + 20)).toBeGreaterThan(500_000);
    expect(pingDoneAt - (t0 + 20)).toBeLessThan(501_000);
  });

  it('pipelining 16 deep gets several times the throughput of one command per round trip', () => {
    const run = (depth: number): number => {
      const host = new SimHost({ seed: 4, link: { latencyUs: 100 } });
      host.addNode({ address: ADDR });
      const c = new RespConnection(host.connect('bench', ADDR));
      c.call(['PING']);
      awaitReplies(host, c);
      const total = 4096;
      const start = host.nowUs;
      for (let sent = 0; sent < total; sent += depth) {
        // redis-benchmark -P depth: a batch of requests in one write, then wait for all their replies.
        c.pipeline(Array.from({ length: depth }, (_, i) => ['SET', `k:${(sent + i) % 1000}`, 'xxx']));
        awaitReplies(host, c);
      }
      return total / ((host.nowUs - start) / 1e6);
    };
    const p1 = run(1);
    const p16 = run(16);
    expect(p1).toBeGreaterThan(1000);
    expect(p16 / p1).toBeGreaterThan(5);
  });
});
