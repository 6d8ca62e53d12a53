/**
 * The text forms of a member's view: CLUSTER NODES lines (clusterGenNodeDescription), nodes.conf
 * (clusterSaveConfig's content) and CLUSTER INFO (genClusterInfoString).
 */
import type { ClusterNode } from './cluster-node.ts';
import { MESSAGE_TYPES, slotRanges, type ClusterState } from './cluster-state.ts';

/** One CLUSTER NODES line, without its newline. */
export function clusterGenNodeDescription(state: ClusterState, node: ClusterNode): string {
  const address = node.hostname !== '' ? `${node.ip}:${node.port}@${node.cport},${node.hostname}` : `${node.ip}:${node.port}@${node.cport}`;
  // A replica shows its master's config epoch.
  const epoch = node.flags.has('slave') && node.replicaOf ? node.replicaOf.configEpoch : node.configEpoch;
  let line =
    `${node.id} ${address} ${node.flagsText()} ${node.replicaOf ? node.replicaOf.id : '-'} ` +
    `${node.pingSentMs} ${node.pongReceivedMs} ${epoch} ${node.linkConnected || node.isMyself ? 'connected' : 'disconnected'}`;
  for (const [a, b] of slotRanges(state, node)) line += a === b ? ` ${a}` : ` ${a}-${b}`;
  if (node.isMyself && (state.migratingTo.size > 0 || state.importingFrom.size > 0)) {
    const open = [...new Set([...state.migratingTo.keys(), ...state.importingFrom.keys()])].sort((a, b) => a - b);
    for (const j of open) {
      const to = state.migratingTo.get(j);
      if (to) line += ` [${j}->-${to.id}]`;
      else line += ` [${j}-<-${state.importingFrom.get(j)!.id}]`;
    }
  }
  return line;
}

/** CLUSTER NODES: every known node, one line each, "\n"-terminated. Handshake nodes only when asked. */
export function clusterGenNodesDescription(state: ClusterState, includeHandshake = true): string {
  let out = '';
  for (const n of state.nodes.values()) {
    if (!includeHandshake && n.flags.has('handshake')) continue;
    out += clusterGenNodeDescription(state, n) + '\n';
  }
  return out;
}

/** nodes.conf: the node lines (no handshake nodes) and the epochs. */
export function nodesConfText(state: ClusterState): string {
  return `${clusterGenNodesDescription(state, false)}vars currentEpoch ${state.currentEpoch} lastVoteEpoch ${state.lastVoteEpoch}\n`;
}

/** CLUSTER INFO. */
export function genClusterInfoString(state: ClusterState): string {
  let assigned = 0;
  let ok = 0;
  let pfail = 0;
  let fail = 0;
  for (const n of state.slots) {
    if (n === null) continue;
    assigned++;
    if (n.flags.has('fail')) fail++;
    else if (n.flags.has('fail?')) pfail++;
    else ok++;
  }
  const me = state.myself;
  const myEpoch = me.flags.has('slave') && me.replicaOf ? me.replicaOf.configEpoch : me.configEpoch;
  const lines = [
    `cluster_state:${state.state}`,
    `cluster_slots_assigned:${assigned}`,
    `cluster_slots_ok:${ok}`,
    `cluster_slots_pfail:${pfail}`,
    `cluster_slots_fail:${fail}`,
    `cluster_known_nodes:${state.nodes.size}`,
    `cluster_size:${state.size}`,
    `cluster_current_epoch:${state.currentEpoch}`,
    `cluster_my_epoch:${myEpoch}`,
  ];
  for (const [direction, counts] of [['sent', state.sent], ['received', state.received]] as const) {
    let total = 0;
    for (const t of MESSAGE_TYPES) {
      const n = counts.get(t) ?? 0;
      if (n === 0) continue;
      total += n;
      lines.push(`cluster_stats_messages_${t}_${direction}:${n}`);
    }
    lines.push(`cluster_stats_messages_${direction}:${total}`);
  }
  lines.push('total_cluster_links_buffer_limit_exceeded:0');
  return lines.join('\r\n') + '\r\n';
}
