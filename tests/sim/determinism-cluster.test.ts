/**
 * Same seed, same history, with a cluster: a 6-node cluster (3 masters, 3 replicas) formed by commands, written
 * to, one master killed (its replica takes over), another master cut off by a partition and healed, run in
 * SimHost, in LockstepHost with in-thread nodes, and in LockstepHost with each node in its own worker thread.
 * The per-node event logs (every bus message, flag, epoch, failure report and election event), the deliveries,
 * the clients' transcripts and every surviving node's final view digest must be identical.
 *
 * Nodes in one thread share per-thread counters (ClusterNode id numbers, clusterChanges); nodes in workers do
 * not. This test is what proves those counters only make things faster and never change what a node does.
 *
 * More seeds: SIM_DETERMINISM_CLUSTER_SEEDS=1,2,3 (or a count, e.g. 20).
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { LockstepHost, type RemoteNodeFactory } from '../../src/hosts/lockstep/lockstep-host.ts';
import { threadNodeFactory } from '../../src/hosts/node-worker/thread-factory.ts';
import type { BaseHost, NodeSpec } from '../../src/hosts/network/base-host.ts';
import type { HostConnection } from '../../src/hosts/network/fabric.ts';
import { RedisNode } from '../../src/engine/server/node.ts';
import type { ViewDigest } from '../../src/engine/server/view-digest.ts';
import { ReplyParser, type Reply } from '../../src/engine/resp/reply-parser.ts';
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';
import { keyHashSlot } from '../../src/engine/cluster/slots.ts';
import { Prng } from '../../src/engine/random/prng.ts';
import { canonicalHistory } from './scenarios.ts';

const ADDRS = Array.from({ length: 6 }, (_, i) => `127.0.0.1:${7000 + i}`);
/**
 * Links with jitter and loss, and the whole delivery log compared in order: every host must route the same
 * messages to the same times in the same order (refusals are numbered by who was refused, a node's own ports
 * come from its address; see Fabric.send and Fabric.peerAddress).
 */
const LINK = { latencyUs: 200, jitterUs: 300, loss: 0.01 };
const NODE_TIMEOUT_MS = 2000;
const RANGES = [[0, 5460], [5461, 10922], [10923, 16383]];
const KILL_US = 6_000_000;
const PARTITION_US = 12_000_000;
const HEAL_US = 17_000_000;
const END_US = 22_000_000;

/**
 * A RESP client whose callbacks run when the reply arrives (in the host's delivery, at its virtual time), not in a
 * later microtask: a reply can trigger the next command at the same virtual time in every host.
 */
class SyncClient {
  private readonly parser = new ReplyParser();
  private readonly waiting: ((r: Reply) => void)[] = [];

  constructor(
    private readonly conn: HostConnection,
    readonly transcript: string[],
  ) {
    conn.onData((bytes) => {
      this.parser.feed(bytes);
      for (let r = this.parser.next(); r !== null; r = this.parser.next()) {
        transcript.push(Buffer.from(r.raw).toString('latin1'));
        this.waiting.shift()?.(r.reply);
      }
    });
    conn.onClose(() => transcript.push('closed'));
  }

  call(args: string[], then?: (r: Reply) => void): void {
    if (this.conn.closed) return;
    this.waiting.push(then ?? (() => undefined));
    this.conn.send(encodeCommand(args));
  }
}

/** The nodes' specs; processes start at different moments (their crons tick at different phases). */
function specs(seed: number): NodeSpec[] {
  const rng = new Prng(seed).fork('starts');
  return ADDRS.map((address) => ({
    address,
    startUs: rng.int(100_000),
    observeCluster: true,
    observeViews: true,
    // Replicas sync at once (Redis 7.0 waits 5 s for more replicas before a diskless sync by default).
    config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': String(NODE_TIMEOUT_MS), 'repl-diskless-sync-delay': '0' },
  }));
}

/**
 * Form the cluster as redis-cli --cluster create does (slots, distinct config epochs, MEET, then CLUSTER
 * REPLICATE with the master's id from CLUSTER MYID), write keys to the masters all along, kill master 0, cut master
 * 1 off and heal the partition. Everything is a scheduled action or a reply callback, so every host runs the same.
 */
function scheduleScenario(host: BaseHost, seed: number): Record<string, string[]> {
  const transcripts: Record<string, string[]> = {};
  const admins: SyncClient[] = [];
  host.at(200_000, () => {
    ADDRS.forEach((a, i) => admins.push(new SyncClient(host.connect(`admin-${i}`, a), (transcripts[`admin-${i}`] = []))));
    for (let i = 0; i < 3; i++) admins[i].call(['CLUSTER', 'ADDSLOTSRANGE', String(RANGES[i][0]), String(RANGES[i][1])]);
    for (let i = 0; i < 6; i++) admins[i].call(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)]);
  });
  host.at(400_000, () => {
    for (let i = 1; i < 6; i++) admins[0].call(['CLUSTER', 'MEET', '127.0.0.1', String(7000 + i)]);
  });
  // The replicas attach at the same moment (their links are opened in one lockstep window).
  for (let i = 0; i < 3; i++) {
    host.at(3_000_000, () => {
      admins[i].call(['CLUSTER', 'MYID'], (r) => {
        if (r.type === 'bulk') admins[i + 3].call(['CLUSTER', 'REPLICATE', r.value]);
      });
    });
  }
  // Writers: one connection per master, a SET every 20-70 ms to a key that master serves (after a failover the
  // replies turn into MOVED or errors: that is part of the history too).
  const rng = new Prng(seed).fork('writes');
  const writers: SyncClient[] = [];
  host.at(4_000_000, () => {
    for (let i = 0; i < 3; i++) writers.push(new SyncClient(host.connect(`writer-${i}`, ADDRS[i]), (transcripts[`writer-${i}`] = [])));
  });
  let n = 0;
  for (let t = 4_100_000; t < END_US - 1_000_000; t += 20_000 + rng.int(50_000)) {
    const key = `key:${n++}`;
    const owner = RANGES.findIndex(([a, b]) => keyHashSlot(key) >= a && keyHashSlot(key) <= b);
    const value = `v${rng.int(1_000_000)}`;
    host.at(t, () => writers[owner]?.call(['SET', key, value]));
  }
  host.at(KILL_US, () => host.kill(ADDRS[0]));
  host.at(PARTITION_US, () => host.fabric.network.partition([[ADDRS[1]], ADDRS.filter((a) => a !== ADDRS[1])], PARTITION_US));
  host.at(HEAL_US, () => host.fabric.network.heal(HEAL_US));
  return transcripts;
}

interface Run {
  history: ReturnType<typeof canonicalHistory>;
  transcripts: Record<string, string[]>;
  digests: Record<string, ViewDigest>;
}

const simRuns = new Map<number, Run>();

function runSim(seed: number): Run {
  let run = simRuns.get(seed);
  if (run === undefined) simRuns.set(seed, (run = simulate(seed)));
  return run;
}

function simulate(seed: number): Run {
  const host = new SimHost({ seed, link: LINK });
  for (const spec of specs(seed)) host.addNode(spec);
  const transcripts = scheduleScenario(host, seed);
  host.runUntil(END_US);
  const digests: Record<string, ViewDigest> = {};
  for (const a of ADDRS) if (host.isNode(a)) digests[a] = host.node(a).digest();
  return { history: canonicalHistory(host.fabric.log), transcripts, digests };
}

async function runLockstep(seed: number, factory: RemoteNodeFactory): Promise<Run> {
  const host = new LockstepHost({ seed, link: LINK }, factory);
  try {
    for (const spec of specs(seed)) await host.addNode(spec);
    const transcripts = scheduleScenario(host, seed);
    await host.runUntil(END_US);
    const digests: Record<string, ViewDigest> = {};
    for (const a of ADDRS) if (host.isNode(a)) digests[a] = await host.digest(a);
    return { history: canonicalHistory(host.fabric.log), transcripts, digests };
  } finally {
    await host.dispose();
  }
}

/** Nodes in this thread behind the async interface: the lockstep host's windows, sharing the thread's counters. */
const inThreadFactory: RemoteNodeFactory = async (opts) => {
  const node = new RedisNode(opts);
  return { advance: async (u, inbox) => node.advance(u, inbox), snapshot: async () => node.snapshot(), digest: async () => node.digest() };
};

function seedsFromEnv(): number[] | null {
  const v = process.env.SIM_DETERMINISM_CLUSTER_SEEDS;
  if (!v) return null;
  if (/^\d+$/.test(v)) return Array.from({ length: Number(v) }, (_, i) => i + 1);
  return v.split(',').map((s) => Number(s.trim()));
}

function expectSame(a: Run, b: Run, seed: number): void {
  const why = `reproduce with seed=${seed}`;
  for (const address of ADDRS) expect(b.history.perNode[address], `${why}: events of ${address}`).toEqual(a.history.perNode[address]);
  expect(b.history.deliveries, why).toEqual(a.history.deliveries);
  expect(b.transcripts, why).toEqual(a.transcripts);
  expect(b.digests, why).toEqual(a.digests);
}

/** The scenario did what it says: a cluster formed, the killed master's replica took over, gossip was seen. */
function expectEventful(run: Run, seed: number): void {
  const why = `reproduce with seed=${seed}`;
  expect(Object.keys(run.digests), why).toEqual(ADDRS.slice(1));
  const promoted = run.digests[ADDRS[3]];
  expect(promoted.role, `${why}: the killed master's replica was promoted`).toBe('master');
  expect(promoted.cluster!.nodes.find((n) => n.id === promoted.cluster!.myId)!.slots, why).toEqual([[0, 5460]]);
  const events = Object.values(run.history.perNode).flat().map((e) => JSON.parse(e).type as string);
  for (const type of ['node-flags', 'failure-report', 'fail-sent', 'fail-received', 'election-started', 'vote-granted', 'failover-won', 'slots-owner', 'current-epoch', 'config-epoch', 'bus-sent']) {
    expect(events.includes(type), `${why}: some ${type} event`).toBe(true);
  }
  expect(Object.values(run.transcripts).flat().filter((r) => r === '+OK\r\n').length, why).toBeGreaterThan(100);
}

const envSeeds = seedsFromEnv();

describe('a 6-node cluster with a kill and a partition has one history in every host', () => {
  const seeds = envSeeds ?? [1, 2];

  it.each(seeds)('seed=%i: in-thread lockstep windows give the SimHost history', async (seed) => {
    const sim = runSim(seed);
    expectEventful(sim, seed);
    expectSame(sim, await runLockstep(seed, inThreadFactory), seed);
  }, 120_000);

  it.each(envSeeds ?? [3])('seed=%i: nodes in worker threads (Comlink, own counters) give the SimHost history', async (seed) => {
    const sim = runSim(seed);
    expectEventful(sim, seed);
    expectSame(sim, await runLockstep(seed, threadNodeFactory), seed);
  }, 120_000);

  it('a different seed gives a different history (the comparison can fail)', () => {
    expect(runSim(1).history.deliveries).not.toEqual(runSim(2).history.deliveries);
  }, 60_000);
});
