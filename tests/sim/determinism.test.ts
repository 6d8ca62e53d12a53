/**
 * Same seed, same inputs, same history: SimHost (one thread, event by event) and LockstepHost with each node in
 * its own worker thread (windows, in parallel, through Comlink) must produce identical per-node event logs,
 * identical deliveries and identical client transcripts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { LockstepHost, type RemoteNodeFactory } from '../../src/hosts/lockstep/lockstep-host.ts';
import { threadNodeFactory } from '../../src/hosts/node-worker/thread-factory.ts';
import { RedisNode } from '../../src/engine/server/node.ts';
import { NODES, canonicalHistory, scheduleWorkload } from './scenarios.ts';

const END_US = 1_500_000;
const LINK = { latencyUs: 200, jitterUs: 300, loss: 0.02 };

function runSim(seed: number) {
  const host = new SimHost({ seed, link: LINK });
  for (const address of NODES) host.addNode({ address, observeCommands: true });
  const transcript = scheduleWorkload(host, seed);
  host.runUntil(END_US);
  return { history: canonicalHistory(host.fabric.log), transcript };
}

async function runLockstep(seed: number, factory: RemoteNodeFactory) {
  const host = new LockstepHost({ seed, link: LINK }, factory);
  for (const address of NODES) await host.addNode({ address, observeCommands: true });
  const transcript = scheduleWorkload(host, seed);
  await host.runUntil(END_US);
  await host.dispose();
  return { history: canonicalHistory(host.fabric.log), transcript, stats: host.stats };
}

/** Nodes in this thread but behind the async interface: the same windows as the worker version, faster. */
const inThreadFactory: RemoteNodeFactory = async (opts) => {
  const node = new RedisNode(opts);
  return { advance: async (u, inbox) => node.advance(u, inbox), snapshot: async () => node.snapshot() };
};

describe('SimHost and the lockstep host agree', () => {
  const seeds = [1, 2, 3, 42, 1234];

  it.each(seeds)('seed=%i: in-thread lockstep windows give the SimHost history', async (seed) => {
    const sim = runSim(seed);
    const lock = await runLockstep(seed, inThreadFactory);
    // Guard against a vacuous pass: the scenario must actually have done things.
    expect(Object.keys(sim.history.perNode)).toHaveLength(NODES.length);
    expect(sim.history.deliveries.length).toBeGreaterThan(200);
    expect(Object.values(sim.transcript).flat().length).toBeGreaterThan(50);
    expect(lock.history.perNode, `reproduce with seed=${seed}`).toEqual(sim.history.perNode);
    expect(lock.history.deliveries, `reproduce with seed=${seed}`).toEqual(sim.history.deliveries);
    expect(lock.transcript, `reproduce with seed=${seed}`).toEqual(sim.transcript);
    expect(lock.stats.windows).toBeGreaterThan(0);
  });

  it('seed=7: nodes in real worker threads (Comlink) give the SimHost history', async () => {
    const sim = runSim(7);
    const lock = await runLockstep(7, threadNodeFactory);
    expect(lock.history.perNode, 'reproduce with seed=7').toEqual(sim.history.perNode);
    expect(lock.history.deliveries, 'reproduce with seed=7').toEqual(sim.history.deliveries);
    expect(lock.transcript, 'reproduce with seed=7').toEqual(sim.transcript);
  }, 60_000);

  it('a different seed gives a different history (the comparison can fail)', () => {
    const a = runSim(1);
    const b = runSim(2);
    expect(a.history.deliveries).not.toEqual(b.history.deliveries);
  });

  afterAll(() => undefined);
});
