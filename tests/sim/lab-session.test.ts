/**
 * The lab session drives a scenario's nodes behind the same asynchronous interface as the Web Worker host:
 * the default preset comes up as a healthy cluster, actions are recorded with the virtual time they took effect
 * at, batches carry what the screen draws, and replaying the recorded log rebuilds the same state.
 */
import { describe, expect, it } from 'vitest';
import { LabSession, type SessionBatch } from '../../src/session/lab-session.ts';
import { preset } from '../../src/scenarios/scenario.ts';
import { RedisNode } from '../../src/engine/server/node.ts';
import { ClusterViews } from '../../src/session/cluster-views.ts';
import type { RemoteNode, RemoteNodeFactory } from '../../src/hosts/lockstep/lockstep-host.ts';
import type { PacerClock } from '../../src/hosts/lockstep/pacer.ts';

const nodes = new Map<string, RedisNode>();
const inThread: RemoteNodeFactory = async (opts) => {
  const node = new RedisNode(opts);
  nodes.set(opts.address, node);
  const remote: RemoteNode = { advance: async (u, inbox) => node.advance(u, inbox), snapshot: async () => node.snapshot(), digest: async () => node.digest() };
  return remote;
};
const clock: PacerClock = { now: () => performance.now(), schedule: (fn, ms) => void setTimeout(fn, ms) };

function collect(session: LabSession): SessionBatch[] {
  const batches: SessionBatch[] = [];
  session.onBatch((b) => batches.push(b));
  return batches;
}

/** Healthy as the screen says it: every node ok, replicas in sync, one view of the slots. */
function healthy(session: LabSession): () => boolean {
  const views = new ClusterViews();
  session.onBatch((b) => views.apply(b));
  return () => views.healthy();
}

describe('LabSession', () => {
  it('brings the default preset up as a healthy 6-node cluster, with bus messages paired to their arrival', async () => {
    const session = new LabSession({ scenario: preset('cluster-3x2'), factory: inThread, clock });
    const batches = collect(session);
    const isHealthy = healthy(session);
    await session.start();
    expect(session.nodes).toEqual(['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003', '127.0.0.1:7004', '127.0.0.1:7005']);
    const ok = await session.runUntil(isHealthy, 20_000_000);
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
    const isHealthy = healthy(session);
    await session.start();
    expect(await session.runUntil(isHealthy, 20_000_000)).toBe(true);
    const kill = session.act({ kind: 'kill', node: '127.0.0.1:7000' });
    await session.advanceBy(1000);
    session.flush();
    expect(session.scenario.actions).toContainEqual(kill);
    expect(batches.at(-1)!.processes.get('127.0.0.1:7000')).toBe('dead');
    expect(batches.flatMap((b) => b.faults)).toContainEqual({ fault: 'kill', node: '127.0.0.1:7000', at: kill.at });
    // The replica of 7000 is 7003 (masters first, then replicas in master order): it wins an election.
    const won = () => batches.some((b) => b.events.some((e) => e.node === '127.0.0.1:7003' && e.event.type === 'failover-won'));
    expect(await session.runUntil(won, session.nowUs + 30_000_000)).toBe(true);
    expect(await session.runUntil(isHealthy, session.nowUs + 30_000_000)).toBe(true);
    await session.dispose();
  });
});

describe('LabSession replay', () => {
  it('rebuilds the same cluster from its recorded log: a kill, a partition healed and client load give the same views', async () => {
    const live = new LabSession({ scenario: preset('cluster-3x2'), factory: inThread, clock });
    const liveViews = new ClusterViews();
    live.onBatch((b) => liveViews.apply(b));
    await live.start();
    await live.runUntil(() => liveViews.healthy(), 20_000_000);
    live.act({ kind: 'load', opsPerSec: 500, readRatio: 0.5, keys: 200, hotKeyShare: 0.2 });
    await live.advanceBy(1_000_000);
    live.act({ kind: 'kill', node: '127.0.0.1:7001' });
    await live.advanceBy(2_000_000);
    live.act({ kind: 'partition', islands: [['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7003', '127.0.0.1:7004', '127.0.0.1:7005'], ['127.0.0.1:7002']] });
    await live.advanceBy(3_000_000);
    live.act({ kind: 'heal' });
    await live.advanceBy(15_000_000);
    const endUs = live.nowUs;
    // The same digests the live host ended with, asked of every node now.
    const liveDigests = await Promise.all(live.nodes.filter((a) => a !== '127.0.0.1:7001').map((a) => live.host.digest(a)));
    expect(live.scenario.actions.map((a) => a.kind)).toEqual(['load', 'kill', 'partition', 'heal']);
    // The failover happened: 7001's replica (7004) is a master now.
    expect(liveDigests.find((d) => d.address === '127.0.0.1:7004')!.role).toBe('master');

    const replay = new LabSession({ scenario: live.scenario, factory: inThread, clock });
    await replay.start(endUs);
    expect(replay.nowUs).toBe(endUs);
    const replayed = await Promise.all(replay.nodes.filter((a) => a !== '127.0.0.1:7001').map((a) => replay.host.digest(a)));
    expect(replayed).toEqual(liveDigests);
    await live.dispose();
    await replay.dispose();
  });
});
