/**
 * The view digest (src/engine/server/view-digest.ts) against the node's own replies: the same flags, masters,
 * epochs, links and slot ranges as CLUSTER NODES, the same ranges as CLUSTER SLOTS, the same role, offsets and
 * replicas as INFO replication. And the rule for sending it with advance results: a quiet node sends nothing, a
 * flag change goes out with the advance it happened in, counter-only changes at most every 100 ms.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { RedisNode, AdvanceResult } from '../../src/engine/server/node.ts';
import type { EngineEvent } from '../../src/engine/server/events.ts';
import type { ViewDigest } from '../../src/engine/server/view-digest.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { keyHashSlot } from '../../src/engine/cluster/slots.ts';

const NODE_TIMEOUT_MS = 2000;

interface Advance {
  node: string;
  nowUs: number;
  events: EngineEvent[];
  digest: ViewDigest | undefined;
}

/** A 3-master/3-replica cluster formed by commands (as tests/sim/cluster-fixture.ts), every advance recorded. */
function observedCluster(seed: number) {
  const host = new SimHost({ seed, link: { latencyUs: 200, jitterUs: 100 } });
  const addrs = Array.from({ length: 6 }, (_, i) => `127.0.0.1:${7000 + i}`);
  const advances: Advance[] = [];
  const nodes: RedisNode[] = [];
  addrs.forEach((address, i) => {
    const node = host.addNode({
      address,
      startUs: i * 13_000,
      observeCluster: true,
      observeViews: true,
      // No replication PING for the quiet spell (it moves the master's offset every 10 s by default).
      config: { 'cluster-enabled': 'yes', 'cluster-node-timeout': String(NODE_TIMEOUT_MS), 'repl-diskless-sync-delay': '0', 'repl-ping-replica-period': '60' },
    });
    const advance = node.advance.bind(node);
    node.advance = (...args: Parameters<RedisNode['advance']>): AdvanceResult => {
      const r = advance(...args);
      advances.push({ node: address, nowUs: r.nowUs, events: r.events, digest: r.digest });
      return r;
    };
    nodes.push(node);
  });
  const conns = addrs.map((a, i) => new RespConnection(host.connect(`admin-${i}`, a)));
  const settle = () => {
    if (!host.runUntilCondition(() => conns.every((c) => c.pending === 0), host.nowUs + 10_000_000)) throw new Error('no reply');
  };
  const per = [[0, 5460], [5461, 10922], [10923, 16383]];
  for (let i = 0; i < 3; i++) void conns[i].call(['CLUSTER', 'ADDSLOTSRANGE', String(per[i][0]), String(per[i][1])]);
  for (let i = 0; i < 6; i++) void conns[i].call(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)]);
  settle();
  for (let i = 1; i < 6; i++) void conns[0].call(['CLUSTER', 'MEET', '127.0.0.1', String(7000 + i)]);
  const knowsAll = () => nodes.every((n) => [...n.cluster!.nodes.values()].filter((k) => !k.flags.has('handshake')).length === 6);
  if (!host.runUntilCondition(knowsAll, host.nowUs + 30_000_000)) throw new Error(`seed=${seed}: nodes did not meet`);
  for (let i = 3; i < 6; i++) void conns[i].call(['CLUSTER', 'REPLICATE', nodes[i - 3].cluster!.myself.id]);
  const ready = () => nodes.every((n, i) => n.cluster!.state === 'ok' && (i < 3 ? n.repl.replicas.length === 1 && n.repl.replicas[0].replica!.state === 'online' : n.repl.state === 'connected'));
  if (!host.runUntilCondition(ready, host.nowUs + 60_000_000)) throw new Error(`seed=${seed}: cluster not ready`);
  // Let the views settle (every node learns every role and link).
  host.runFor(3_000_000);
  return { host, addrs, nodes, conns, advances, settle };
}

type Cluster = ReturnType<typeof observedCluster>;

function text(r: Reply): string {
  if (r.type !== 'bulk' && r.type !== 'status' && r.type !== 'verbatim') throw new Error(`unexpected reply ${r.type}`);
  return r.value;
}

function infoFields(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of s.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Ask node i for CLUSTER NODES, CLUSTER SLOTS and INFO in one pipeline; the digest right after the replies. */
async function askAndDigest(c: Cluster, i: number) {
  const p = c.conns[i].pipeline([['CLUSTER', 'NODES'], ['CLUSTER', 'SLOTS'], ['INFO', 'replication'], ['INFO', 'keyspace'], ['INFO', 'clients'], ['INFO', 'memory']]);
  c.settle();
  const digest = c.nodes[i].digest();
  const [nodes, slots, repl, keyspace, clients, memory] = (await p).map((r) => r.reply);
  return { nodes: text(nodes), slots, repl: infoFields(text(repl)), keyspace: infoFields(text(keyspace)), clients: infoFields(text(clients)), memory: infoFields(text(memory)), digest };
}

/** The digest's idea of one CLUSTER NODES line: the fields the digest carries, in CLUSTER NODES' words. */
function nodesLineOf(d: ViewDigest['cluster'] & object, id: string): string {
  const n = d.nodes.find((k) => k.id === id)!;
  const slots = n.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  return [n.id, n.flags.join(','), n.masterId ?? '-', n.configEpoch, n.link, ...slots].join(' ');
}

describe('the view digest says what the node says', () => {
  it('matches CLUSTER NODES, CLUSTER SLOTS and INFO on every node of a cluster with data', async () => {
    const c = observedCluster(11);
    // Some keys on each master, so offsets, acknowledgements and key counts are not all zero.
    const byMaster = [0, 0, 0];
    for (let k = 0; k < 60; k++) {
      const key = `k${k}`;
      const m = keyHashSlot(key) <= 5460 ? 0 : keyHashSlot(key) <= 10922 ? 1 : 2;
      byMaster[m]++;
      void c.conns[m].call(['SET', key, 'x'.repeat(k)]);
    }
    c.settle();
    c.host.runFor(2_000_000);
    for (let i = 0; i < 6; i++) {
      const r = await askAndDigest(c, i);
      const d = r.digest;
      const cluster = d.cluster!;
      // CLUSTER NODES, line by line: id, flags, master, epoch, link state, slots.
      const lines = r.nodes.trim().split('\n').map((l) => l.split(' '));
      expect(cluster.nodes.map((n) => n.id)).toEqual(lines.map((l) => l[0]).sort());
      for (const l of lines) {
        expect(nodesLineOf(cluster, l[0]), `node ${i}`).toBe([l[0], l[2], l[3], l[6], l[7], ...l.slice(8)].join(' '));
        const address = cluster.nodes.find((n) => n.id === l[0])!.address;
        expect(address).toBe(l[1].split('@')[0]);
      }
      expect(cluster.myId).toBe(lines.find((l) => l[2].startsWith('myself'))![0]);
      // CLUSTER SLOTS: each entry's range is one of its master's ranges in the digest, and they cover the same.
      if (r.slots.type !== 'array') throw new Error('CLUSTER SLOTS is not an array');
      const fromSlots = r.slots.value.map((e) => {
        if (e.type !== 'array') throw new Error('entry');
        const [from, to, master] = e.value;
        if (from.type !== 'integer' || to.type !== 'integer' || master.type !== 'array' || master.value[2].type !== 'bulk') throw new Error('entry');
        return `${master.value[2].value} ${from.value}-${to.value}`;
      });
      const fromDigest = cluster.nodes.flatMap((n) => n.slots.map(([a, b]) => `${n.id} ${a}-${b}`));
      expect(fromDigest.sort()).toEqual(fromSlots.sort());
      expect(fromDigest).toHaveLength(3);
      // INFO replication.
      expect(d.role).toBe(r.repl.get('role'));
      if (i < 3) {
        expect(d.replOffset).toBe(Number(r.repl.get('master_repl_offset')));
        expect(d.replOffset).toBeGreaterThan(0);
        expect(d.masterAddress).toBeNull();
        expect(d.replicas).toHaveLength(Number(r.repl.get('connected_slaves')));
        const slave0 = Object.fromEntries(r.repl.get('slave0')!.split(',').map((kv) => kv.split('=')));
        expect(d.replicas[0]).toEqual({ address: `${slave0.ip}:${slave0.port}`, state: slave0.state, offset: Number(slave0.offset), lagBytes: d.replOffset - Number(slave0.offset) });
        expect(d.replicas[0].address).toBe(c.addrs[i + 3]);
      } else {
        expect(d.replOffset).toBe(Number(r.repl.get('slave_repl_offset')));
        expect(d.masterAddress).toBe(`${r.repl.get('master_host')}:${r.repl.get('master_port')}`);
        expect(d.masterAddress).toBe(c.addrs[i - 3]);
        expect(d.masterLinkStatus).toBe(r.repl.get('master_link_status'));
        expect(d.replicas).toEqual([]);
      }
      // Keys, clients, memory.
      expect(`keys=${d.keys},`).toBe(r.keyspace.get('db0')!.slice(0, `keys=${d.keys},`.length));
      expect(d.keys).toBe(byMaster[i % 3]);
      expect(d.connectedClients).toBe(Number(r.clients.get('connected_clients')));
      expect(d.usedMemory).toBe(Number(r.memory.get('used_memory')));
      expect(cluster.state).toBe('ok');
      expect(cluster.election).toBeNull();
    }
  });

  it('taking a digest changes nothing a client sees (used_memory_peak stays)', async () => {
    const c = observedCluster(12);
    const before = c.conns[1].call(['INFO', 'memory']);
    c.settle();
    const peak = infoFields(text((await before).reply)).get('used_memory_peak');
    // A second later the node's digest tracker may measure again: it does while the big value exists, and a
    // digest taken on demand does too. Neither may raise the peak INFO and MEMORY STATS report.
    c.host.runFor(1_100_000);
    void c.conns[1].call(['SET', 'big', 'x'.repeat(100_000)]);
    c.settle();
    const whileBig = c.nodes[1].digest();
    c.host.runFor(200_000);
    void c.conns[1].call(['DEL', 'big']);
    c.settle();
    expect(whileBig.usedMemory).toBeGreaterThan(Number(peak) + 100_000);
    const after = c.conns[1].call(['MEMORY', 'STATS']);
    c.settle();
    const stats = (await after).reply;
    if (stats.type !== 'array') throw new Error('MEMORY STATS');
    const at = stats.value.findIndex((v) => v.type === 'bulk' && v.value === 'peak.allocated');
    expect(String((stats.value[at + 1] as { value: bigint }).value)).toBe(peak);
  });
});

describe('digests with advance results', () => {
  it('a quiet cluster sends none; a PFAIL or FAIL mark goes out with the advance that made it, flags as the events say', () => {
    const c = observedCluster(21);
    const quietFrom = c.advances.length;
    c.host.runFor(5_000_000);
    const quiet = c.advances.slice(quietFrom);
    expect(quiet.length).toBeGreaterThan(100);
    expect(quiet.filter((a) => a.digest !== undefined).map((a) => a.node)).toEqual([]);

    // Stop master 1 (SIGSTOP): after the node timeout the others mark it PFAIL, then FAIL, and its replica is
    // elected.
    const pausedAt = c.advances.length;
    c.host.pause(c.addrs[1]);
    c.host.runFor(6_000_000);
    const victim = c.nodes[1].cluster!.myself.id;
    let marks = 0;
    // Replay every node-flags event per observer: at each advance that sent a digest, the digest's flags for every
    // node equal the flags the events said last. A change without an event, or an event without its digest,
    // shows here.
    const flags = new Map<string, Map<string, string>>();
    for (const a of c.advances) {
      const seen = flags.get(a.node) ?? new Map<string, string>();
      flags.set(a.node, seen);
      for (const e of a.events) {
        if (e.type === 'node-flags' || e.type === 'node-added') seen.set(e.node, e.flags);
        if (e.type === 'node-renamed') {
          seen.set(e.node, seen.get(e.from)!);
          seen.delete(e.from);
        }
        if (e.type === 'node-removed') seen.delete(e.node);
      }
      const d = a.digest;
      const changed = a.events.some((e) => e.type === 'node-flags');
      if (changed) expect(d, `${a.node} at ${a.nowUs}: a flag changed, no digest`).toBeDefined();
      if (d === undefined) continue;
      for (const n of d.cluster!.nodes) {
        if (n.flags.includes('myself')) continue;
        expect(n.flags.join(','), `${a.node} about ${n.id} at ${a.nowUs}`).toBe(seen.get(n.id));
      }
      if (changed && a.events.some((e) => e.type === 'node-flags' && e.node === victim && (e.flags.includes('fail?') || e.flags === 'master,fail'))) marks++;
    }
    // Four running observers mark it PFAIL (or learn FAIL from a broadcast) and FAIL.
    expect(marks).toBeGreaterThanOrEqual(4);

    // The replica's election shows in its digests: scheduled (rank 0, 2 votes needed of 3 masters), then votes.
    const replica = c.addrs[4];
    const elections = c.advances.slice(pausedAt).filter((a) => a.node === replica && a.digest?.cluster?.election).map((a) => a.digest!.cluster!.election!);
    expect(elections.length).toBeGreaterThan(0);
    expect(elections[0]).toMatchObject({ rank: 0, needed: 2, votes: 0, started: false, epoch: 0 });
    expect(elections.some((e) => e.started && e.epoch > 0)).toBe(true);
    const last = c.advances.filter((a) => a.node === replica && a.digest).at(-1)!.digest!;
    expect(last.role).toBe('master');
    expect(last.cluster!.election).toBeNull();
    expect(last.cluster!.nodes.find((n) => n.id === last.cluster!.myId)!.slots).toEqual([[5461, 10922]]);
  });

  it('counter-only changes (keys, offsets) are sent at most every 100 ms, and the last one is not lost', () => {
    const c = observedCluster(31);
    const from = c.advances.length;
    const t0 = c.host.nowUs;
    // A write every 3 ms for a second to master 0.
    let k = 0;
    for (let t = t0 + 10_000; t < t0 + 1_010_000; t += 3_000) {
      const key = `{a}${k++}`;
      c.host.at(t, () => void c.conns[2].call(['SET', key, 'v']));
    }
    c.host.runFor(2_500_000);
    const sent = c.advances.slice(from).filter((a) => a.node === c.addrs[2] && a.digest !== undefined).map((a) => a.digest!);
    expect(sent.length).toBeGreaterThanOrEqual(8);
    expect(sent.length).toBeLessThanOrEqual(14);
    for (let i = 1; i < sent.length; i++) expect(sent[i].at - sent[i - 1].at).toBeGreaterThanOrEqual(100_000);
    expect(keyHashSlot('{a}0')).toBeGreaterThan(10922);
    // The last digest has every key, and the replica's acknowledgement of the last write.
    const last = sent.at(-1)!;
    expect(last.keys).toBe(k);
    expect(last.replicas[0].offset).toBe(last.replOffset);
    expect(last).toEqual({ ...c.nodes[2].digest(), at: last.at, loopIterations: last.loopIterations, commandsProcessed: last.commandsProcessed, usedMemory: last.usedMemory });
  });
});
