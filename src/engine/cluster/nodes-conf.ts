/**
 * clusterLoadConfig: rebuild a member's view from nodes.conf, as redis-server does at startup with
 * cluster-enabled yes. Lines are CLUSTER NODES lines (id, address, flags, master, ping/pong times, config
 * epoch, link state, slots and open migrations) plus "vars currentEpoch N lastVoteEpoch N".
 */
import { ClusterNode, type NodeFlag } from './cluster-node.ts';
import type { ClusterState } from './cluster-state.ts';

const KNOWN_FLAGS = new Set<NodeFlag>(['myself', 'master', 'slave', 'fail?', 'fail', 'handshake', 'noaddr', 'nofailover']);

/** Applies the file to `state`; returns an error message (Redis refuses to start on a broken file) or null. */
export function loadClusterConfig(state: ClusterState, text: string): string | null {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return null;
  const pending: { node: ClusterNode; master: string; slots: string[] }[] = [];
  let myself: ClusterNode | null = null;
  let currentEpoch = 0;
  let lastVoteEpoch = 0;
  for (const line of lines) {
    const argv = line.split(' ');
    if (argv[0] === 'vars') {
      for (let j = 1; j + 1 < argv.length; j += 2) {
        if (argv[j] === 'currentEpoch') currentEpoch = Number(argv[j + 1]);
        else if (argv[j] === 'lastVoteEpoch') lastVoteEpoch = Number(argv[j + 1]);
        else return `Unrecoverable error: corrupted cluster config file "${line}".`;
      }
      continue;
    }
    if (argv.length < 8 || !/^[0-9a-f]{40}$/.test(argv[0])) return `Unrecoverable error: corrupted cluster config file "${line}".`;
    const m = /^(.*):(\d+)@(\d+)(?:,(.*))?$/.exec(argv[1]);
    if (!m) return `Unrecoverable error: corrupted cluster config file "${line}".`;
    const node = new ClusterNode(argv[0], m[1], Number(m[2]), Number(m[3]));
    if (m[4]) node.hostname = m[4];
    for (const f of argv[2].split(',')) {
      if (f === 'noflags') continue;
      if (!KNOWN_FLAGS.has(f as NodeFlag)) return `Unknown flag in redis cluster config file`;
      node.flags.add(f as NodeFlag);
    }
    node.pingSentMs = Number(argv[4]);
    node.pongReceivedMs = Number(argv[5]);
    node.configEpoch = Number(argv[6]);
    if (node.flags.has('myself')) myself = node;
    pending.push({ node, master: argv[3], slots: argv.slice(8) });
  }
  if (myself === null) return 'Unrecoverable error: corrupted cluster config file: myself node not found.';
  state.nodes.clear();
  for (let j = 0; j < state.slots.length; j++) state.slots[j] = null;
  state.migratingTo.clear();
  state.importingFrom.clear();
  state.replaceMyself(myself);
  for (const { node } of pending) state.nodes.set(node.id, node);
  for (const { node, master, slots } of pending) {
    if (master !== '-') {
      const m = state.nodes.get(master);
      if (m) {
        node.replicaOf = m;
        m.addReplica(node);
      }
    }
    for (const s of slots) {
      const open = /^\[(\d+)-([<>])-([0-9a-f]{40})\]$/.exec(s);
      if (open) {
        const other = state.nodes.get(open[3]);
        if (other) (open[2] === '>' ? state.migratingTo : state.importingFrom).set(Number(open[1]), other);
        continue;
      }
      const [a, b] = s.split('-').map(Number);
      for (let j = a; j <= (b ?? a); j++) state.addSlot(node, j);
    }
  }
  state.currentEpoch = currentEpoch;
  state.lastVoteEpoch = lastVoteEpoch;
  return null;
}
