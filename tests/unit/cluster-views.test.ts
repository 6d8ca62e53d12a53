/**
 * ClusterViews and the event log's words: what the screen derives from digests (slot owners as the masters
 * claim them or as one node sees them, health) and how a batch reads to a learner.
 */
import { describe, expect, it } from 'vitest';
import { ClusterViews } from '../../src/session/cluster-views.ts';
import { EventDescriber } from '../../src/ui/state/event-lines.ts';
import type { SessionBatch, ProcessState } from '../../src/session/lab-session.ts';
import type { ViewDigest, KnownNodeDigest } from '../../src/engine/server/view-digest.ts';

const A = (p: number) => `127.0.0.1:${p}`;
const ID = (p: number) => String(p).padEnd(40, 'a');

function known(port: number, flags: string[], slots: [number, number][], epoch: number, master: number | null = null): KnownNodeDigest {
  return { id: ID(port), address: A(port), flags, masterId: master === null ? null : ID(master), configEpoch: epoch, slots, failureReports: 0, link: 'connected' };
}

/** A digest of node `port` that knows `nodes` (itself marked myself). */
function digest(port: number, role: 'master' | 'slave', nodes: KnownNodeDigest[], state: 'ok' | 'fail' = 'ok', link: 'up' | 'down' | null = null): ViewDigest {
  return {
    address: A(port), at: 0, runId: 'r', role, masterAddress: null, masterLinkStatus: role === 'slave' ? (link ?? 'up') : null, replOffset: 0, replicas: [], keys: 0,
    usedMemory: 0, connectedClients: 0, loopIterations: 0, commandsProcessed: 0,
    cluster: {
      myId: ID(port), currentEpoch: 3, state, migrating: [], importing: [], election: null,
      nodes: nodes.map((n) => (n.id === ID(port) ? { ...n, flags: ['myself', ...n.flags] } : n)),
    },
  };
}

function batch(digests: ViewDigest[], processes: [string, ProcessState][] = [], extra: Partial<SessionBatch> = {}): SessionBatch {
  return {
    nowUs: 0, flights: [], lost: [], events: [], faults: [], actions: [], buckets: [], verified: null,
    digests: new Map(digests.map((d) => [d.address, d])), processes: new Map(processes), ...extra,
  };
}

const table = (): KnownNodeDigest[] => [known(7000, ['master'], [[0, 8191]], 1), known(7001, ['master'], [[8192, 16383]], 2), known(7002, ['slave'], [], 2, 7001)];

describe('ClusterViews', () => {
  it('is healthy only when every running node is ok, replicas are linked and all agree on the slots', () => {
    const v = new ClusterViews();
    v.apply(batch([digest(7000, 'master', table()), digest(7001, 'master', table()), digest(7002, 'slave', table())]));
    expect(v.healthy()).toBe(true);
    // A replica whose link is down is not healthy.
    v.apply(batch([digest(7002, 'slave', table(), 'ok', 'down')]));
    expect(v.healthy()).toBe(false);
    v.apply(batch([digest(7002, 'slave', table())]));
    expect(v.healthy()).toBe(true);
    // One node with another idea of slot 8192's owner.
    const stale = table();
    stale[0] = known(7000, ['master'], [[0, 8192]], 1);
    stale[1] = known(7001, ['master'], [[8193, 16383]], 2);
    v.apply(batch([digest(7002, 'slave', stale)]));
    expect(v.healthy()).toBe(false);
    // A dead node does not count; a node that knows nobody yet does not either.
    v.apply(batch([], [[A(7002), 'dead']]));
    expect(v.healthy()).toBe(true);
    v.apply(batch([digest(7009, 'master', [known(7009, ['master'], [], 0)], 'fail')]));
    expect(v.healthy()).toBe(true);
  });

  it("claims: the higher config epoch wins a slot; a dead master keeps its claim; one node's view is its own", () => {
    const v = new ClusterViews();
    // 7001 (epoch 2) and a promoted 7002 (epoch 5) both claim 8192-16383: 7002 wins.
    const promoted = [known(7000, ['master'], [[0, 8191]], 1), known(7001, ['master'], [[8192, 16383]], 2), known(7002, ['master'], [[8192, 16383]], 5)];
    v.apply(batch([digest(7000, 'master', promoted), digest(7001, 'master', table()), digest(7002, 'master', promoted)], [[A(7001), 'dead']]));
    const owners = v.claimedOwners();
    expect(owners[0]).toBe(A(7000));
    expect(owners[10000]).toBe(A(7002));
    // 7001's own (stale) view still has itself there, and the map's signature says what changed.
    expect(v.slotOwners(A(7001))[10000]).toBe(A(7001));
    const before = v.slotSignature();
    v.apply(batch([], [[A(7001), 'running']]));
    expect(v.slotSignature()).not.toBe(before);
    expect(v.addressOfId(ID(7002))).toBe(A(7002));
  });

  it('apply reports whether anything the screen shows changed', () => {
    const v = new ClusterViews();
    expect(v.apply(batch([], [[A(7000), 'running']]))).toBe(true);
    expect(v.apply(batch([], [[A(7000), 'running']]))).toBe(false);
    expect(v.apply(batch([], [[A(7000), 'paused']]))).toBe(true);
  });
});

describe('EventDescriber', () => {
  it('turns flag changes, elections and faults into one line each, in time order', () => {
    const views = new ClusterViews();
    views.apply(batch([digest(7000, 'master', table()), digest(7001, 'master', table())]));
    const d = new EventDescriber();
    const lines = d.describe(
      batch([], [], {
        faults: [{ fault: 'kill', node: A(7001), at: 10 }],
        events: [
          { node: A(7000), event: { type: 'node-flags', node: ID(7001), flags: 'master,fail?', at: 20 } },
          { node: A(7000), event: { type: 'node-flags', node: ID(7001), flags: 'master,fail?', at: 21 } },
          { node: A(7000), event: { type: 'node-flags', node: ID(7001), flags: 'master,fail', at: 30 } },
          { node: A(7002), event: { type: 'failover-won', epoch: 4, at: 40 } },
        ],
      }),
      views,
    );
    expect(lines.map((l) => [l.key, l.vars])).toEqual([
      ['logKill', { node: '7001' }],
      ['logPfail', { observer: '7000', node: '7001' }],
      ['logFail', { observer: '7000', node: '7001' }],
      ['logFailoverWon', { node: '7002', epoch: 4 }],
    ]);
    // The mark cleared later reads as recovery.
    const cleared = d.describe(batch([], [], { events: [{ node: A(7000), event: { type: 'node-flags', node: ID(7001), flags: 'slave', at: 50 } }] }), views);
    expect(cleared.map((l) => [l.key, l.tone])).toEqual([['logFailCleared', 'heal']]);
  });
});
