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
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';

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
  return { advance: async (u, inbox) => node.advance(u, inbox), snapshot: async () => node.snapshot(), digest: async () => node.digest() };
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

describe('SimHost running nodes ahead inside runUntil', () => {
  /**
   * Inside runUntil a node may run its next beforeSleep before the host has reached that time (one advance per
   * event instead of two), unless something from outside could touch it first. Here a client's reply handler
   * kills a node while that node is busy in DEBUG SLEEP: the killed node must not have written its reply, and
   * the history must equal a run that steps event by event (no running ahead).
   */
  function scenario(seed: number, drive: (host: SimHost) => void) {
    const host = new SimHost({ seed, link: { latencyUs: 200, jitterUs: 50 } });
    for (const address of NODES) host.addNode({ address, observeCommands: true, config: { 'enable-debug-command': 'yes' } });
    const transcript: Record<string, string[]> = { sleeper: [], pinger: [] };
    host.at(1_000, () => {
      const sleeper = host.connect('sleeper', NODES[0]);
      sleeper.onData((b) => transcript.sleeper.push(Buffer.from(b).toString()));
      sleeper.send(encodeCommand(['DEBUG', 'SLEEP', '0.01']));
      const pinger = host.connect('pinger', NODES[1]);
      pinger.onData((b) => {
        transcript.pinger.push(Buffer.from(b).toString());
        // The first reply arrives while NODES[0] sleeps: kill it from here, as a lesson's check might.
        if (transcript.pinger.length === 1) host.kill(NODES[0]);
      });
      pinger.send(encodeCommand(['PING']));
    });
    scheduleWorkload(host, seed, 3, 10);
    drive(host);
    return { history: canonicalHistory(host.fabric.log), transcript };
  }

  it.each([1, 2, 3])('seed=%i: a node killed from a client callback while busy never writes its reply', (seed) => {
    const ahead = scenario(seed, (host) => host.runUntil(200_000));
    const stepwise = scenario(seed, (host) => {
      while (host.nowUs < 200_000 && host.step() !== null) {
        /* one event time at a time: no running ahead */
      }
    });
    expect(ahead.transcript.pinger).toEqual(['+PONG\r\n']);
    expect(ahead.transcript.sleeper).toEqual([]);
    expect(ahead.history.deliveries.length).toBeGreaterThan(50);
    expect(ahead.history.perNode, `reproduce with seed=${seed}`).toEqual(stepwise.history.perNode);
    expect(ahead.history.deliveries, `reproduce with seed=${seed}`).toEqual(stepwise.history.deliveries);
  });
});
