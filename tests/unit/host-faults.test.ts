/**
 * Faults done to a node's process by its host: kill -9 (connections reset, port refused, memory lost, disk
 * kept), restart (a new process with a new run id, resuming nodes.conf), pause and resume (SIGSTOP/SIGCONT: input
 * waits in the kernel), and the same history for the same seed and fault schedule, in SimHost and LockstepHost.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { LockstepHost, type RemoteNodeFactory } from '../../src/hosts/lockstep/lockstep-host.ts';
import type { BaseHost } from '../../src/hosts/network/base-host.ts';
import type { LogEntry } from '../../src/hosts/network/fabric.ts';
import { RedisNode } from '../../src/engine/server/node.ts';
import { createNodeService } from '../../src/hosts/lockstep/node-service.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { NODES, canonicalHistory, scheduleWorkload } from '../sim/scenarios.ts';

const A = '127.0.0.1:7000';
const LATENCY = 100;

/** Lets promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Send a command and run the host until it is answered or the connection fails (or `limitUs` passes). */
async function call(host: SimHost, c: RespConnection, args: string[], limitUs = 1_000_000): Promise<Reply> {
  const p = c.call(args);
  host.runUntilCondition(() => c.pending === 0, host.nowUs + limitUs);
  return (await p).reply;
}

const text = (r: Reply): string => {
  if (r.type === 'bulk') return Buffer.from(r.value).toString();
  if (r.type === 'status') return r.value;
  throw new Error(`not a string reply: ${JSON.stringify(r)}`);
};

function standalone(seed = 1): SimHost {
  const host = new SimHost({ seed, link: { latencyUs: LATENCY } });
  host.addNode({ address: A });
  return host;
}

describe('kill', () => {
  it('resets the connections to the node: a blocked call fails and the client sees the close one latency later', async () => {
    const host = standalone();
    const conn = host.connect('cli', A);
    let closedAt: number | null = null;
    conn.onClose(() => (closedAt = host.fabric.clientNowUs));
    const c = new RespConnection(conn);
    expect(text(await call(host, c, ['PING']))).toBe('PONG');
    const blocked = c.call(['BLPOP', 'queue', '0']).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    host.runFor(10_000);
    expect(c.pending).toBe(1);
    const killAt = host.nowUs;
    host.kill(A);
    expect(host.isNode(A)).toBe(false);
    expect(() => host.node(A)).toThrow(/no node/);
    host.runFor(10_000);
    expect(await blocked).toBe('connection closed');
    expect(conn.closed).toBe(true);
    expect(closedAt).toBe(killAt + LATENCY);
    const faults = host.fabric.log.filter((e) => e.kind === 'fault');
    expect(faults).toEqual([{ kind: 'fault', fault: 'kill', node: A, at: killAt }]);
  });

  it('loses what is in flight to the node: a call sent just before the kill is never executed', async () => {
    const host = standalone();
    const c = new RespConnection(host.connect('cli', A));
    expect(text(await call(host, c, ['PING']))).toBe('PONG');
    const before = host.node(A).stats.totalCommandsProcessed;
    const node = host.node(A);
    const lost = c.call(['SET', 'k', 'v']).catch((e: Error) => e.message);
    host.kill(A);
    host.runFor(10_000);
    expect(await lost).toBe('connection closed');
    // The old process object never saw the SET, and no delivery to the dead address was logged.
    expect(node.stats.totalCommandsProcessed).toBe(before);
    const killIndex = host.fabric.log.findIndex((e) => e.kind === 'fault');
    const after = host.fabric.log.slice(killIndex);
    expect(after.some((e) => e.kind === 'delivery' && e.to === A)).toBe(false);
    expect(after.some((e) => e.kind === 'delivery' && e.from === A && e.type === 'close')).toBe(true);
  });

  it('a new connection to the dead address is refused; an address never used is an error', async () => {
    const host = standalone();
    host.runFor(1_000);
    host.kill(A);
    const conn = host.connect('late', A);
    let closed = false;
    conn.onClose(() => (closed = true));
    const c = new RespConnection(conn);
    const reply = c.call(['PING']).catch((e: Error) => e.message);
    host.runFor(10_000);
    expect(closed).toBe(true);
    expect(conn.closed).toBe(true);
    expect(await reply).toBe('connection closed');
    expect(host.fabric.log.some((e) => e.kind === 'delivery' && e.type === 'refused' && e.to === 'late')).toBe(true);
    expect(() => host.connect('x', '127.0.0.1:7999')).toThrow(/no node/);
  });
});

describe('restart', () => {
  it('starts a new process at the same address: new run id, empty memory, reproducible', async () => {
    const runIds = (seed: number) => {
      const host = standalone(seed);
      const first = host.node(A).runId;
      host.runFor(5_000);
      host.kill(A);
      host.runFor(5_000);
      const second = host.restart(A).runId;
      return { host, first, second };
    };
    const { host, first, second } = runIds(1);
    expect(second).not.toBe(first);
    expect(runIds(1).second).toBe(second);
    expect(runIds(2).second).not.toBe(second);
    const c = new RespConnection(host.connect('cli', A));
    const info = text(await call(host, c, ['INFO', 'server']));
    expect(info).toContain(`run_id:${second}\r\n`);
    expect(host.isNode(A)).toBe(true);
  });

  it('memory is lost across kill and restart', async () => {
    const host = standalone();
    const c1 = new RespConnection(host.connect('cli', A));
    expect(text(await call(host, c1, ['SET', 'k', 'v']))).toBe('OK');
    host.kill(A);
    host.runFor(1_000);
    host.restart(A);
    const c2 = new RespConnection(host.connect('cli', A));
    expect((await call(host, c2, ['GET', 'k'])).type).toBe('nil');
    const faults = host.fabric.log.filter((e): e is Extract<LogEntry, { kind: 'fault' }> => e.kind === 'fault');
    expect(faults.map((f) => f.fault)).toEqual(['kill', 'restart']);
    expect(faults[1].at).toBe(faults[0].at + 1_000);
  });

  it('restarting a running node kills it first; mail for the old process never reaches the new one', async () => {
    const host = standalone();
    const conn = host.connect('cli', A);
    const c = new RespConnection(conn);
    expect(text(await call(host, c, ['PING']))).toBe('PONG');
    const lost = c.call(['SET', 'k', 'v']).catch((e: Error) => e.message);
    // A connection whose SYN is still on its way when the process dies.
    const opening = host.connect('opening', A);
    const fresh = host.restart(A);
    host.runFor(10_000);
    expect(await lost).toBe('connection closed');
    expect(opening.closed).toBe(true);
    expect(fresh.stats.totalCommandsProcessed).toBe(0);
    expect(fresh.stats.totalConnectionsReceived).toBe(0);
  });
});

describe('pause and resume', () => {
  it('a paused node answers nothing; on resume it gets everything at once and answers', async () => {
    const host = standalone();
    const c = new RespConnection(host.connect('cli', A));
    expect(text(await call(host, c, ['PING']))).toBe('PONG');
    const node = host.node(A);
    const iterations = node.snapshot().iteration;
    host.pause(A);
    expect(host.isPaused(A)).toBe(true);
    expect(host.isNode(A)).toBe(true);
    let answered = false;
    const replies = Promise.all([c.call(['SET', 'k', '1']), c.call(['INCR', 'k'])]).then((rs) => {
      answered = true;
      return rs.map((r) => r.reply);
    });
    const late = new RespConnection(host.connect('late', A));
    const lateReply = late.call(['GET', 'k']);
    host.runFor(2_000_000);
    await settle();
    expect(answered).toBe(false);
    expect(c.pending + late.pending).toBe(3);
    expect(node.snapshot().iteration).toBe(iterations);
    const resumeAt = host.nowUs;
    host.resume(A);
    expect(host.isPaused(A)).toBe(false);
    host.runUntilCondition(() => c.pending + late.pending === 0, host.nowUs + 1_000_000);
    expect(await replies).toEqual([{ type: 'status', value: 'OK' }, { type: 'integer', value: 2n }]);
    expect(text((await lateReply).reply)).toBe('2');
    // Nothing left the stopped process: every write it made after the pause leaves at the resume time or later.
    const pauseAt = host.fabric.log.find((e) => e.kind === 'fault' && e.fault === 'pause')!;
    const fromNode = host.fabric.log.filter((e) => e.kind === 'delivery' && e.from === A);
    expect(fromNode.length).toBeGreaterThan(2);
    for (const d of fromNode) {
      if (d.kind === 'delivery') expect(d.sendAt <= (pauseAt.kind === 'fault' ? pauseAt.at : 0) || d.sendAt >= resumeAt).toBe(true);
    }
    expect(host.fabric.log.filter((e) => e.kind === 'fault').map((e) => (e.kind === 'fault' ? e.fault : ''))).toEqual(['pause', 'resume']);
  });

  it('a paused node can be killed; its held input is gone with it', async () => {
    const host = standalone();
    const c = new RespConnection(host.connect('cli', A));
    expect(text(await call(host, c, ['PING']))).toBe('PONG');
    host.pause(A);
    const r = c.call(['PING']).catch((e: Error) => e.message);
    host.runFor(10_000);
    host.kill(A);
    host.runFor(10_000);
    expect(await r).toBe('connection closed');
    expect(() => host.resume(A)).toThrow(/not paused/);
    const fresh = host.restart(A);
    host.runFor(10_000);
    expect(fresh.stats.totalCommandsProcessed).toBe(0);
  });
});

describe('a cluster node killed and restarted', () => {
  const addrs = [0, 1, 2].map((i) => `127.0.0.1:${7000 + i}`);

  async function cluster(persist?: boolean) {
    const host = new SimHost({ seed: 5, link: { latencyUs: 200, jitterUs: 100 }, persistClusterConfig: true });
    for (const address of addrs) {
      host.addNode({ address, config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': '2000' }, persistClusterConfig: persist });
    }
    const conns = addrs.map((a, i) => new RespConnection(host.connect(`admin-${i}`, a)));
    for (let i = 0; i < 3; i++) {
      const start = i * 5462;
      const end = i === 2 ? 16383 : start + 5461;
      await call(host, conns[i], ['CLUSTER', 'ADDSLOTSRANGE', String(start), String(end)]);
    }
    for (let i = 1; i < 3; i++) await call(host, conns[0], ['CLUSTER', 'MEET', '127.0.0.1', String(7000 + i)]);
    const ok = (i: number) => host.node(addrs[i]).cluster!.nodes.size === 3 && host.node(addrs[i]).cluster!.state === 'ok';
    expect(host.runUntilCondition(() => [0, 1, 2].every(ok), host.nowUs + 10_000_000)).toBe(true);
    return { host, conns, ok };
  }

  it('keeps its node id from nodes.conf on disk, and rejoins', async () => {
    const { host, conns, ok } = await cluster();
    const myid = text(await call(host, conns[0], ['CLUSTER', 'MYID']));
    expect(host.disk(addrs[0]).nodesConf).toContain(`${myid} 127.0.0.1:7000@17000 myself,master`);
    const killAt = host.nowUs;
    host.kill(addrs[0]);
    host.runFor(3_000_000);
    // The others' bus messages to the dead node's bus port come back refused.
    const refused = host.fabric.log.filter((e) => e.kind === 'delivery' && e.type === 'bus-down' && e.from === '127.0.0.1:17000');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.kind === 'delivery' && e.sendAt >= killAt)).toBe(true);
    const runId = host.restart(addrs[0]).runId;
    const c = new RespConnection(host.connect('admin-again', addrs[0]));
    expect(text(await call(host, c, ['CLUSTER', 'MYID']))).toBe(myid);
    expect(text(await call(host, c, ['INFO', 'server']))).toContain(`run_id:${runId}`);
    expect(host.runUntilCondition(() => [0, 1, 2].every(ok), host.nowUs + 10_000_000)).toBe(true);
  });

  it('paused past the node timeout, it is failed by the others, sends nothing meanwhile, and recovers', async () => {
    const { host, ok } = await cluster();
    const B = addrs[1];
    const bId = host.node(B).cluster!.myself.id;
    const pauseAt = host.nowUs;
    host.pause(B);
    const failed = () => [0, 2].every((i) => host.node(addrs[i]).cluster!.nodes.get(bId)!.flags.has('fail'));
    expect(host.runUntilCondition(failed, host.nowUs + 10_000_000)).toBe(true);
    host.runFor(1_000_000);
    const resumeAt = host.nowUs;
    host.resume(B);
    expect(host.runUntilCondition(() => [0, 1, 2].every(ok) && !failed(), host.nowUs + 20_000_000)).toBe(true);
    const sent = host.fabric.log.filter((e) => e.kind === 'delivery' && e.from === B && e.type === 'bus');
    // The clock jumps to the resume time and the overdue clusterCron runs at once (after one poll's cost).
    const firstAfter = Math.min(...sent.filter((e) => e.kind === 'delivery' && e.sendAt >= resumeAt).map((e) => (e.kind === 'delivery' ? e.sendAt : Infinity)));
    expect(firstAfter - resumeAt).toBeLessThan(1_000);
    expect(sent.filter((e) => e.kind === 'delivery' && e.sendAt > pauseAt && e.sendAt < resumeAt)).toEqual([]);
  });

  it('without nodes.conf kept (persistClusterConfig: false) a restart is a new node', async () => {
    const { host, conns } = await cluster(false);
    const myid = text(await call(host, conns[0], ['CLUSTER', 'MYID']));
    expect(host.disk(addrs[0]).nodesConf).toBeNull();
    host.restart(addrs[0]);
    const c = new RespConnection(host.connect('admin-again', addrs[0]));
    expect(text(await call(host, c, ['CLUSTER', 'MYID']))).not.toBe(myid);
  });

  it('a host keeps nodes.conf by default, as redis-server always writes it; a spec can turn it off', () => {
    const host = new SimHost({ seed: 5 });
    host.addNode({ address: addrs[0], config: { 'cluster-enabled': 'yes' }, persistClusterConfig: false });
    host.addNode({ address: addrs[1], config: { 'cluster-enabled': 'yes' } });
    host.runFor(100_000);
    expect(host.disk(addrs[0]).nodesConf).toBeNull();
    // It has met nobody yet, so it does not know its own IP.
    expect(host.disk(addrs[1]).nodesConf).toContain(`${host.node(addrs[1]).cluster!.myself.id} :7001@17001 myself,master`);
  });
});

describe('determinism with faults', () => {
  const LINK = { latencyUs: 200, jitterUs: 300, loss: 0.02 };
  const END_US = 200_000;

  function scheduleFaults(host: BaseHost): void {
    host.at(8_000, () => host.kill(NODES[0]));
    host.at(30_000, () => host.restart(NODES[0]));
    host.at(5_000, () => host.pause(NODES[1]));
    host.at(60_000, () => host.resume(NODES[1]));
    host.at(90_000, () => host.restart(NODES[2]));
    // Just after NODES[1] wakes for its serverCron tick at 101.021 ms: it runs that tick before it dies, in both
    // hosts (the lockstep host ends a window before an action).
    host.at(101_025, () => host.kill(NODES[1]));
    host.at(140_000, () => host.restart(NODES[1]));
  }

  function runSim(seed: number, faults = true) {
    const host = new SimHost({ seed, link: LINK });
    for (const address of NODES) host.addNode({ address, observeCommands: true });
    const transcript = scheduleWorkload(host, seed);
    if (faults) scheduleFaults(host);
    host.runUntil(END_US);
    return { log: JSON.stringify(host.fabric.log), history: canonicalHistory(host.fabric.log), transcript };
  }

  const inThreadFactory: RemoteNodeFactory = async (opts) => {
    const node = new RedisNode(opts);
    return { advance: async (u, inbox) => node.advance(u, inbox), snapshot: async () => node.snapshot() };
  };

  it('the same seed and fault schedule give the same fabric log; other faults give another', () => {
    const a = runSim(3);
    const b = runSim(3);
    expect(a.log).toBe(b.log);
    expect(a.log).toContain('"kind":"fault"');
    expect(runSim(3, false).log).not.toBe(a.log);
  });

  it('LockstepHost gives the SimHost history under the same faults', async () => {
    for (const seed of [1, 3]) {
      const sim = runSim(seed);
      const host = new LockstepHost({ seed, link: LINK }, inThreadFactory);
      for (const address of NODES) await host.addNode({ address, observeCommands: true });
      const transcript = scheduleWorkload(host, seed);
      scheduleFaults(host);
      await host.runUntil(END_US);
      await host.dispose();
      const lock = canonicalHistory(host.fabric.log);
      expect(sim.history.deliveries.length).toBeGreaterThan(100);
      expect(Object.values(sim.transcript).flat()).toContain('closed');
      expect(lock.perNode, `seed=${seed}`).toEqual(sim.history.perNode);
      expect(lock.deliveries, `seed=${seed}`).toEqual(sim.history.deliveries);
      expect(transcript, `seed=${seed}`).toEqual(sim.transcript);
    }
  });
});

describe('clock step', () => {
  it('moves the wall clock (TIME, key expiry) while virtual time barely moves; a restart keeps the stepped clock', async () => {
    const host = standalone();
    const c = new RespConnection(host.connect('cli', A));
    const time = async () => {
      const r = await call(host, c, ['TIME']);
      if (r.type !== 'array') throw new Error('TIME');
      return Number(text(r.value[0])) * 1000 + Math.floor(Number(text(r.value[1])) / 1000);
    };
    expect(text(await call(host, c, ['SET', 'lock', 'me', 'PX', '30000']))).toBe('OK');
    const before = await time();
    const virtualBefore = host.nowUs;
    host.stepClock(A, 60_000);
    host.runFor(1_000);
    const after = await time();
    expect(after - before).toBeGreaterThanOrEqual(60_000);
    expect(after - before).toBeLessThan(60_000 + 100);
    expect((host.nowUs - virtualBefore) / 1000).toBeLessThan(100);
    // The 30 s lock is gone at once, though only milliseconds of (monotonic) time went by: Redlock's clock problem.
    expect(await call(host, c, ['GET', 'lock'])).toEqual({ type: 'nil', kind: 'bulk' });
    // A backward step: keys set now live longer than their TTL says, from the wall clock's point of view.
    host.stepClock(A, -120_000);
    host.runFor(1_000);
    expect((await time()) - after).toBeLessThan(-118_000);
    host.kill(A);
    host.restart(A);
    const c2 = new RespConnection(host.connect('cli-2', A));
    const r = await call(host, c2, ['TIME']);
    if (r.type !== 'array') throw new Error('TIME');
    // 60 s forward, 120 s back: the machine's clock stays 60 s behind across the restart.
    expect(Number(text(r.value[0])) * 1000 - before).toBeLessThan(-55_000);
  });

  it('a master whose clock jumps ahead expires the lock key, and its replica loses it too (DEL is replicated)', async () => {
    const host = new SimHost({ seed: 3, link: { latencyUs: LATENCY } });
    const B = '127.0.0.1:7001';
    host.addNode({ address: A });
    host.addNode({ address: B });
    const m = new RespConnection(host.connect('m', A));
    const r = new RespConnection(host.connect('r', B));
    expect(text(await call(host, r, ['REPLICAOF', '127.0.0.1', '7000']))).toBe('OK');
    host.runUntilCondition(() => host.node(B).repl.state === 'connected', host.nowUs + 20_000_000);
    expect(text(await call(host, m, ['SET', 'lock', 'client-1', 'PX', '30000']))).toBe('OK');
    host.runFor(100_000);
    expect(text(await call(host, r, ['GET', 'lock']))).toBe('client-1');
    host.stepClock(A, 31_000);
    // The master's active expiry finds the key within a cron or two and propagates a DEL.
    host.runFor(500_000);
    expect(await call(host, m, ['EXISTS', 'lock'])).toEqual({ type: 'integer', value: 0n });
    expect(await call(host, r, ['EXISTS', 'lock'])).toEqual({ type: 'integer', value: 0n });
    // Another client now gets the lock the first one still believes it holds.
    expect(text(await call(host, m, ['SET', 'lock', 'client-2', 'NX', 'PX', '30000']))).toBe('OK');
  });
});

describe('a node whose code throws', () => {
  it('crashes alone in the lockstep host: the history says so, its connections reset, the others answer, a restart serves again', async () => {
    const services = new Map<string, ReturnType<typeof createNodeService>>();
    const factory: RemoteNodeFactory = async (opts) => {
      const service = createNodeService((v) => v);
      await service.create(opts);
      services.set(opts.address, service);
      return {
        advance: async (u, inbox) => service.advance(u, inbox),
        snapshot: async () => service.snapshot(),
        failNextAdvance: async (m) => service.failNextAdvance(m),
      };
    };
    const host = new LockstepHost({ seed: 5 }, factory);
    await host.addNode({ address: 'a:6379' });
    await host.addNode({ address: 'b:6379' });
    const a = new RespConnection(host.connect('cli-a', 'a:6379'));
    const b = new RespConnection(host.connect('cli-b', 'b:6379'));
    const first = a.call(['PING']);
    await host.runUntil(1_000);
    expect((await first).reply).toEqual({ type: 'status', value: 'PONG' });

    await host.failNextAdvance('a:6379', 'a bug');
    const lost = a.call(['PING']).catch((e: Error) => e.message);
    const other = b.call(['PING']);
    await host.runUntil(3_000);
    expect(await lost).toBe('connection closed');
    expect((await other).reply).toEqual({ type: 'status', value: 'PONG' });
    expect(host.isNode('a:6379')).toBe(false);
    expect(host.crashReasons.get('a:6379')).toBe('a bug');
    expect(host.fabric.log.filter((e) => e.kind === 'fault')).toEqual([{ kind: 'fault', fault: 'crashed', node: 'a:6379', at: expect.any(Number) }]);

    host.restart('a:6379');
    const again = new RespConnection(host.connect('cli-a2', 'a:6379'));
    const pong = again.call(['PING']);
    await host.runUntil(6_000);
    expect((await pong).reply).toEqual({ type: 'status', value: 'PONG' });
  });
});
