/**
 * The lab session drives a scenario's nodes behind the same asynchronous interface as the Web Worker host:
 * the default preset comes up as a healthy cluster, actions are recorded with the virtual time they took effect
 * at, batches carry what the screen draws, and replaying the recorded log rebuilds the same state.
 */
import { describe, expect, it } from 'vitest';
import { LabSession, type SessionBatch } from '../../src/session/lab-session.ts';
import { preset } from '../../src/scenarios/scenario.ts';
import { RedisNode } from '../../src/engine/server/node.ts';
import type { RemoteNode, RemoteNodeFactory } from '../../src/hosts/lockstep/lockstep-host.ts';
import type { PacerClock } from '../../src/hosts/lockstep/pacer.ts';

const nodes = new Map<string, RedisNode>();
const inThread: RemoteNodeFactory = async (opts) => {
  const node = new RedisNode(opts);
  nodes.set(opts.address, node);
  const remote: RemoteNode = { advance: async (u, inbox) => node.advance(u, inbox), snapshot: async () => node.snapshot() };
  return remote;
};
const clock: PacerClock = { now: () => performance.now(), schedule: (fn, ms) => void setTimeout(fn, ms) };

function collect(session: LabSession): SessionBatch[] {
  const batches: SessionBatch[] = [];
  session.onBatch((b) => batches.push(b));
  return batches;
}

const stateOk = (batches: SessionBatch[], addresses: readonly string[]) => {
  const last = new Map<string, string>();
  for (const b of batches) for (const { node, event } of b.events) if (event.type === 'cluster-state') last.set(node, event.state);
  return addresses.every((a) => last.get(a) === 'ok');
};

describe('LabSession', () => {
  it('brings the default preset up as a healthy 6-node cluster, with bus messages paired to their arrival', async () => {
    const session = new LabSession({ scenario: preset('cluster-3x2'), factory: inThread, clock });
    const batches = collect(session);
    await session.start();
    expect(session.nodes).toEqual(['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003', '127.0.0.1:7004', '127.0.0.1:7005']);
    const ok = await session.runUntil(() => stateOk(batches, session.nodes), 20_000_000);
    expect(ok).toBe(true);
    const flights = batches.flatMap((b) => b.flights);
    expect(flights.length).toBeGreaterThan(50);
    for (const f of flights.slice(0, 50)) {
      expect(f.arriveAt).not.toBeNull();
      expect(f.arriveAt!).toBeGreaterThan(f.sendAt);
      expect(session.nodes).toContain(f.from);
    }
    expect(new Set(flights.map((f) => f.type))).toContain('ping');
    await session.dispose();
  });

  it('records a kill at the time it took effect; the killed node is dead in the batch and its replica takes over', async () => {
    const session = new LabSession({ scenario: preset('cluster-3x2'), factory: inThread, clock });
    const batches = collect(session);
    await session.start();
    await session.runUntil(() => stateOk(batches, session.nodes), 20_000_000);
    const kill = session.act({ kind: 'kill', node: '127.0.0.1:7000' });
    await session.advanceBy(1000);
    session.flush();
    expect(session.scenario.actions).toContainEqual(kill);
    expect(batches.at(-1)!.processes.get('127.0.0.1:7000')).toBe('dead');
    expect(batches.flatMap((b) => b.faults)).toContainEqual({ fault: 'kill', node: '127.0.0.1:7000', at: kill.at });
    // The replica of 7000 is 7003 (masters first, then replicas in master order): it wins an election.
    const won = () => batches.some((b) => b.events.some((e) => e.node === '127.0.0.1:7003' && e.event.type === 'failover-won'));
    const healed = await session.runUntil(won, session.nowUs + 30_000_000);
    if (!healed) console.log(batches.flatMap((b) => b.events).filter((e) => e.node === '127.0.0.1:7003' && !String(e.event.type).startsWith('bus') && e.event.type !== 'log').slice(-30).map((e) => JSON.stringify(e.event)).join('\n'));
    expect(healed).toBe(true);
    await session.dispose();
  });
});
