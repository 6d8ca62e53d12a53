/**
 * CLUSTER subcommands that read or change this member's own view (cluster.c clusterCommand), ASKING, READONLY
 * and READWRITE. Errors and checks follow Redis 7.0's order. A node with cluster-enabled no answers every one of
 * them with "This instance has cluster support disabled".
 */
import type { CommandDefinition, CommandHandler } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { ClusterState } from '../cluster/cluster-state.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import { slotRanges } from '../cluster/cluster-state.ts';
import { CLUSTER_SLOTS, keyHashSlot } from '../cluster/slots.ts';
import { clusterGenNodesDescription, clusterGenNodeDescription, genClusterInfoString } from '../cluster/describe.ts';
import { ERR, arityError, replyHelp, subcommandSyntaxError } from './errors.ts';
import { isKeyword, parseInt64 } from './parse.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

const DISABLED = 'ERR This instance has cluster support disabled';

/** Wraps a handler that needs cluster mode. */
function clusterOnly(handler: (c: Client, server: Server, cluster: ClusterState) => void): CommandHandler {
  return (c, server) => {
    const cluster = server.cluster;
    if (cluster === null) return c.reply.error(DISABLED);
    handler(c, server, cluster);
  };
}

/** getSlotOrReply: an integer 0..16383, or null after replying. */
function slotArg(c: Client, arg: string): number | null {
  const v = parseInt64(arg);
  if (v === null || v < 0n || v >= BigInt(CLUSTER_SLOTS)) {
    c.reply.error('ERR Invalid or out of range slot');
    return null;
  }
  return Number(v);
}

/** checkSlotAssignmentsOrReply over [start, end]; `seen` counts slots named so far. */
function checkAssignments(c: Client, cluster: ClusterState, seen: Uint8Array, del: boolean, start: number, end: number): boolean {
  for (let slot = start; slot <= end; slot++) {
    if (del && cluster.slots[slot] === null) {
      c.reply.error(`ERR Slot ${slot} is already unassigned`);
      return false;
    }
    if (!del && cluster.slots[slot] !== null) {
      c.reply.error(`ERR Slot ${slot} is already busy`);
      return false;
    }
    if (seen[slot]++ === 1) {
      c.reply.error(`ERR Slot ${slot} specified multiple times`);
      return false;
    }
  }
  return true;
}

/** clusterUpdateSlots: assign the named slots to myself (clearing IMPORTING) or unassign them. */
function updateSlots(server: Server, cluster: ClusterState, seen: Uint8Array, del: boolean): void {
  const changed: number[] = [];
  for (let j = 0; j < CLUSTER_SLOTS; j++) {
    if (!seen[j]) continue;
    changed.push(j);
    if (del) cluster.delSlot(j);
    else {
      cluster.importingFrom.delete(j);
      cluster.addSlot(cluster.myself, j);
    }
  }
  server.noteSlotChange(del ? 'unassign' : 'assign', changed, del ? null : cluster.myself.id);
  server.clusterChanged();
}

/** One node as CLUSTER SLOTS shows it: endpoint, port, id and the (empty) map of other addresses. */
function slotsNode(c: Client, n: ClusterNode): void {
  c.reply.arrayHeader(4);
  c.reply.bulk(n.ip);
  c.reply.integer(n.port);
  c.reply.bulk(n.id);
  c.reply.mapHeader(0);
}

/** Replicas CLUSTER SLOTS lists: not failed, and with some replication offset. */
const listedReplicas = (n: ClusterNode) => n.replicas.filter((r) => !r.flags.has('fail') && r.replOffset !== 0);

function clusterSlots(c: Client, cluster: ClusterState): void {
  // One entry per maximal run of slots with the same owner, ascending.
  const entries: [number, number, ClusterNode][] = [];
  let start = -1;
  for (let j = 0; j <= CLUSTER_SLOTS; j++) {
    const owner = j < CLUSTER_SLOTS ? cluster.slots[j] : null;
    if (start >= 0 && owner !== cluster.slots[start]) {
      entries.push([start, j - 1, cluster.slots[start]!]);
      start = -1;
    }
    if (owner !== null && start < 0) start = j;
  }
  c.reply.arrayHeader(entries.length);
  for (const [a, b, n] of entries) {
    const replicas = listedReplicas(n);
    c.reply.arrayHeader(3 + replicas.length);
    c.reply.integer(a);
    c.reply.integer(b);
    slotsNode(c, n);
    for (const r of replicas) slotsNode(c, r);
  }
}

function shardNode(c: Client, n: ClusterNode): void {
  const fields = n.hostname !== '' ? 8 : 7;
  c.reply.mapHeader(fields);
  c.reply.bulk('id');
  c.reply.bulk(n.id);
  c.reply.bulk('port');
  c.reply.integer(n.port);
  c.reply.bulk('ip');
  c.reply.bulk(n.ip);
  c.reply.bulk('endpoint');
  c.reply.bulk(n.ip);
  if (n.hostname !== '') {
    c.reply.bulk('hostname');
    c.reply.bulk(n.hostname);
  }
  c.reply.bulk('role');
  c.reply.bulk(n.isMaster ? 'master' : 'replica');
  c.reply.bulk('replication-offset');
  c.reply.integer(n.replOffset);
  c.reply.bulk('health');
  c.reply.bulk(n.flags.has('fail') ? 'fail' : !n.isMaster && n.replOffset === 0 ? 'loading' : 'online');
}

function clusterShards(c: Client, cluster: ClusterState): void {
  const masters = [...cluster.nodes.values()].filter((n) => n.isMaster);
  c.reply.arrayHeader(masters.length);
  for (const m of masters) {
    c.reply.mapHeader(2);
    c.reply.bulk('slots');
    const ranges = slotRanges(cluster, m);
    c.reply.arrayHeader(ranges.length * 2);
    for (const [a, b] of ranges) {
      c.reply.integer(a);
      c.reply.integer(b);
    }
    c.reply.bulk('nodes');
    c.reply.arrayHeader(1 + m.replicas.length);
    shardNode(c, m);
    for (const r of m.replicas) shardNode(c, r);
  }
}

function setslot(c: Client, server: Server, cluster: ClusterState): void {
  const me = cluster.myself;
  if (!me.isMaster) return c.reply.error('ERR Please use SETSLOT only with masters.');
  const slot = slotArg(c, c.argv[2]);
  if (slot === null) return;
  const action = c.argv[3];
  const argc = c.argv.length;
  const target = () => (argc === 5 ? cluster.lookupNode(c.argv[4]) : undefined);
  if (isKeyword(action, 'MIGRATING') && argc === 5) {
    if (cluster.slots[slot] !== me) return c.reply.error(`ERR I'm not the owner of hash slot ${slot}`);
    const n = target();
    if (!n) return c.reply.error(`ERR I don't know about node ${c.argv[4]}`);
    if (!n.isMaster) return c.reply.error('ERR Target node is not a master');
    cluster.migratingTo.set(slot, n);
    server.noteSlotChange('migrating', [slot], n.id);
  } else if (isKeyword(action, 'IMPORTING') && argc === 5) {
    if (cluster.slots[slot] === me) return c.reply.error(`ERR I'm already the owner of hash slot ${slot}`);
    const n = target();
    if (!n) return c.reply.error(`ERR I don't know about node ${c.argv[4]}`);
    if (!n.isMaster) return c.reply.error('ERR Target node is not a master');
    cluster.importingFrom.set(slot, n);
    server.noteSlotChange('importing', [slot], n.id);
  } else if (isKeyword(action, 'STABLE') && argc === 4) {
    cluster.importingFrom.delete(slot);
    cluster.migratingTo.delete(slot);
    server.noteSlotChange('stable', [slot], null);
  } else if (isKeyword(action, 'NODE') && argc === 5) {
    const n = target();
    if (!n) return c.reply.error(`ERR Unknown node ${c.argv[4]}`);
    if (!n.isMaster) return c.reply.error('ERR Target node is not a master');
    const keys = server.dbs[0].countKeysInSlot(slot);
    if (cluster.slots[slot] === me && n !== me && keys !== 0) {
      return c.reply.error(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
    }
    if (keys === 0) cluster.migratingTo.delete(slot);
    const slotWasMine = cluster.slots[slot] === me;
    cluster.delSlot(slot);
    cluster.addSlot(n, slot);
    server.noteSlotChange('node', [slot], n.id);
    const bus = server.bus!;
    // A master that just gave away its last slot follows the new owner as its replica.
    if (slotWasMine && n !== me && me.numSlots === 0 && server.config.get('cluster-allow-replica-migration') === 'yes') {
      bus.log('warning', `Configuration change detected. Reconfiguring myself as a replica of ${n.id}`);
      bus.setMaster(n);
    }
    // The end of a manual migration: a new config epoch makes our claim win everywhere, and a pong to every
    // node spreads it now rather than at the next ping.
    if (n === me && cluster.importingFrom.has(slot)) {
      if (bus.failover.bumpConfigEpochWithoutConsensus()) bus.log('warning', `configEpoch updated after importing slot ${slot}`);
      cluster.importingFrom.delete(slot);
      bus.broadcastPong('all');
    }
  } else {
    return c.reply.error('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  server.clusterChanged();
  c.reply.ok();
}

const HELP = [
  'CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ADDSLOTS <slot> [<slot> ...]',
  '    Assign slots to current node.',
  'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Assign slots which are between <start-slot> and <end-slot> to current node.',
  'BUMPEPOCH',
  '    Advance the cluster config epoch.',
  'COUNT-FAILURE-REPORTS <node-id>',
  '    Return number of failure reports for <node-id>.',
  'COUNTKEYSINSLOT <slot>',
  '    Return the number of keys in <slot>.',
  'DELSLOTS <slot> [<slot> ...]',
  '    Delete slots information from current node.',
  'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
  '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
  'FAILOVER [FORCE|TAKEOVER]',
  '    Promote current replica node to being a master.',
  'FORGET <node-id>',
  '    Remove a node from the cluster.',
  'GETKEYSINSLOT <slot> <count>',
  '    Return key names stored by current node in a slot.',
  'FLUSHSLOTS',
  '    Delete current node own slots information.',
  'INFO',
  '    Return information about the cluster.',
  'KEYSLOT <key>',
  '    Return the hash slot for <key>.',
  'MEET <ip> <port> [<bus-port>]',
  '    Connect nodes into a working cluster.',
  'MYID',
  '    Return the node id.',
  'NODES',
  '    Return cluster configuration seen by node. Output format:',
  '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
  'REPLICATE <node-id>',
  '    Configure current node as replica to <node-id>.',
  'RESET [HARD|SOFT]',
  '    Reset current node (default: soft).',
  'SET-CONFIG-EPOCH <epoch>',
  '    Set config epoch of current node.',
  'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
  '    Set slot state.',
  'REPLICAS <node-id>',
  '    Return <node-id> replicas.',
  'SAVECONFIG',
  '    Force saving cluster configuration on disk.',
  'SLOTS',
  '    Return information about slots range mappings. Each range is made of:',
  '    start, end, master and replicas IP addresses, ports and ids',
  'SHARDS',
  '    Return information about slot range mappings and the nodes associated with them.',
  'LINKS',
  '    Return information about all network links between this node and its peers.',
  '    Output format is an array where each array element is a map containing attributes of a link',
  'HELP',
  '    Prints this help.',
];

const o1 = () => COMMAND_COST_NS.o1;

export const clusterCommands: CommandDefinition[] = [
  {
    name: 'cluster|myid',
    summaryZh: '返回本节点的 ID',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => c.reply.bulk(cluster.myself.id)),
  },
  {
    name: 'cluster|keyslot',
    summaryZh: '计算键所在的哈希槽（CRC16 与哈希标签）',
    cost: o1,
    handler: clusterOnly((c) => c.reply.integer(keyHashSlot(c.argv[2]))),
  },
  {
    name: 'cluster|countkeysinslot',
    summaryZh: '返回本节点某个槽中的键数',
    cost: o1,
    handler: clusterOnly((c, server) => {
      const slot = parseInt64(c.argv[2]);
      if (slot === null) return c.reply.error(ERR.notInteger);
      if (slot < 0n || slot >= BigInt(CLUSTER_SLOTS)) return c.reply.error('ERR Invalid slot');
      c.reply.integer(server.dbs[0].countKeysInSlot(Number(slot)));
    }),
  },
  {
    name: 'cluster|getkeysinslot',
    summaryZh: '返回本节点某个槽中的若干键名（最新写入的在前）',
    cost: (argv) => COMMAND_COST_NS.o1 + Math.min(Number(argv[3]) || 0, 1_000_000) * COMMAND_COST_NS.perKey,
    handler: clusterOnly((c, server) => {
      const slot = parseInt64(c.argv[2]);
      if (slot === null) return c.reply.error(ERR.notInteger);
      const max = parseInt64(c.argv[3]);
      if (max === null) return c.reply.error(ERR.notInteger);
      if (slot < 0n || slot >= BigInt(CLUSTER_SLOTS) || max < 0n) return c.reply.error('ERR Invalid slot or number of keys');
      const keys = server.dbs[0].keysInSlot(Number(slot), max > 1_000_000_000n ? 1_000_000_000 : Number(max));
      c.reply.arrayHeader(keys.length);
      for (const k of keys) c.reply.bulk(k);
    }),
  },
  {
    name: 'cluster|info',
    summaryZh: '返回集群状态信息（cluster_state、槽分配、纪元、消息统计）',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => c.reply.verbatim(genClusterInfoString(cluster))),
  },
  {
    name: 'cluster|nodes',
    summaryZh: '返回本节点看到的集群配置（每个已知节点一行）',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => c.reply.verbatim(clusterGenNodesDescription(cluster))),
  },
  {
    name: 'cluster|slots',
    summaryZh: '返回槽区间到节点的映射',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => clusterSlots(c, cluster)),
  },
  {
    name: 'cluster|shards',
    summaryZh: '返回每个分片的槽区间与节点',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => clusterShards(c, cluster)),
  },
  {
    name: 'cluster|addslots',
    summaryZh: '把槽分配给本节点',
    cost: (argv) => COMMAND_COST_NS.o1 + argv.length * 10,
    handler: clusterOnly((c, server, cluster) => slotsCommand(c, server, cluster, false)),
  },
  {
    name: 'cluster|delslots',
    summaryZh: '在本节点的视图中取消槽的分配',
    cost: (argv) => COMMAND_COST_NS.o1 + argv.length * 10,
    handler: clusterOnly((c, server, cluster) => slotsCommand(c, server, cluster, true)),
  },
  {
    name: 'cluster|addslotsrange',
    summaryZh: '把一个或多个槽区间分配给本节点',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => slotsRangeCommand(c, server, cluster, false)),
  },
  {
    name: 'cluster|delslotsrange',
    summaryZh: '在本节点的视图中取消一个或多个槽区间的分配',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => slotsRangeCommand(c, server, cluster, true)),
  },
  {
    name: 'cluster|flushslots',
    summaryZh: '取消本节点负责的全部槽（数据库须为空）',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      if (server.dbs[0].size !== 0) return c.reply.error('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
      for (let j = 0; j < CLUSTER_SLOTS; j++) if (cluster.slots[j] === cluster.myself) cluster.delSlot(j);
      server.clusterChanged();
      c.reply.ok();
    }),
  },
  { name: 'cluster|setslot', summaryZh: '设置槽的迁移状态或归属（MIGRATING/IMPORTING/STABLE/NODE）', cost: o1, handler: clusterOnly(setslot) },
  {
    name: 'cluster|bumpepoch',
    summaryZh: '不经共识地把本节点的配置纪元推进到最新',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      const bumped = server.bus!.failover.bumpConfigEpochWithoutConsensus();
      if (bumped) server.clusterChanged();
      c.reply.status(`${bumped ? 'BUMPED' : 'STILL'} ${cluster.myself.configEpoch}`);
    }),
  },
  {
    name: 'cluster|set-config-epoch',
    summaryZh: '为全新节点设置配置纪元',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      const epoch = parseInt64(c.argv[2]);
      if (epoch === null) return c.reply.error(ERR.notInteger);
      if (epoch < 0n) return c.reply.error(`ERR Invalid config epoch specified: ${epoch}`);
      if (cluster.nodes.size > 1) return c.reply.error('ERR The user can assign a config epoch only when the node does not know any other node.');
      if (cluster.myself.configEpoch !== 0) return c.reply.error('ERR Node config epoch is already non-zero');
      cluster.myself.configEpoch = Number(epoch);
      if (cluster.currentEpoch < Number(epoch)) cluster.currentEpoch = Number(epoch);
      server.clusterChanged();
      c.reply.ok();
    }),
  },
  {
    name: 'cluster|count-failure-reports',
    summaryZh: '返回某节点的有效故障报告数',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => {
      const n = cluster.lookupNode(c.argv[2]);
      if (!n) return c.reply.error(`ERR Unknown node ${c.argv[2]}`);
      c.reply.integer(cluster.failureReports(n));
    }),
  },
  {
    name: 'cluster|forget',
    summaryZh: '从本节点的视图中移除一个节点（并在 60 秒内拒绝再认识它）',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      if (c.argv.length !== 3) return c.reply.error(subcommandSyntaxError(c.argv));
      const n = cluster.lookupNode(c.argv[2]);
      if (!n) return c.reply.error(`ERR Unknown node ${c.argv[2]}`);
      if (n === cluster.myself) return c.reply.error("ERR I tried hard but I can't forget myself...");
      if (cluster.myself.replicaOf === n) return c.reply.error("ERR Can't forget my master!");
      cluster.ban(n.id, server.nowMs());
      server.bus!.delNode(n);
      server.clusterChanged();
      c.reply.ok();
    }),
  },
  {
    name: 'cluster|meet',
    summaryZh: '让本节点与另一个节点握手，把它加入集群',
    cost: o1,
    handler: clusterOnly((c, server) => {
      if (c.argv.length > 5) return c.reply.error(subcommandSyntaxError(c.argv));
      const port = parseInt64(c.argv[3]);
      if (port === null) return c.reply.error(`ERR Invalid TCP base port specified: ${c.argv[3]}`);
      let cport = port + 10000n;
      if (c.argv.length === 5) {
        const v = parseInt64(c.argv[4]);
        if (v === null) return c.reply.error(`ERR Invalid TCP bus port specified: ${c.argv[4]}`);
        cport = v;
      }
      const ip = normalizeIp(c.argv[2]);
      if (ip === null || port <= 0n || port > 65535n || cport <= 0n || cport > 65535n) {
        return c.reply.error(`ERR Invalid node address specified: ${c.argv[2]}:${c.argv[3]}`);
      }
      server.bus!.startHandshake(ip, Number(port), Number(cport));
      c.reply.ok();
    }),
  },
  {
    name: 'cluster|replicate',
    summaryZh: '让本节点成为指定主节点的副本',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      const n = cluster.lookupNode(c.argv[2]);
      if (!n) return c.reply.error(`ERR Unknown node ${c.argv[2]}`);
      if (n === cluster.myself) return c.reply.error("ERR Can't replicate myself");
      if (n.flags.has('slave')) return c.reply.error('ERR I can only replicate a master, not a replica.');
      // A master may only become a replica while it serves nothing and holds nothing.
      if (cluster.myself.isMaster && (cluster.myself.numSlots !== 0 || server.dbs[0].size !== 0)) {
        return c.reply.error('ERR To set a master the node must be empty and without assigned slots.');
      }
      server.bus!.setMaster(n);
      server.clusterChanged();
      c.reply.ok();
    }),
  },
  {
    name: 'cluster|failover',
    summaryZh: '由副本发起手动故障转移（FORCE：不等主节点；TAKEOVER：不经投票）',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      if (c.argv.length > 3) return c.reply.error(subcommandSyntaxError(c.argv));
      let mode: 'default' | 'force' | 'takeover' = 'default';
      if (c.argv.length === 3) {
        const opt = c.argv[2].toLowerCase();
        if (opt === 'force') mode = 'force';
        else if (opt === 'takeover') mode = 'takeover';
        else return c.reply.error(ERR.syntax);
      }
      const me = cluster.myself;
      if (me.isMaster) return c.reply.error('ERR You should send CLUSTER FAILOVER to a replica');
      if (me.replicaOf === null) return c.reply.error("ERR I'm a replica but my master is unknown to me");
      if (mode === 'default' && (me.replicaOf.flags.has('fail') || !me.replicaOf.linkConnected)) {
        return c.reply.error('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
      }
      server.bus!.failover.startManual(mode);
      c.reply.ok();
    }),
  },
  ...(['replicas', 'slaves'] as const).map((sub) => ({
    name: `cluster|${sub}`,
    summaryZh: sub === 'replicas' ? '列出某个主节点的副本' : '列出某个主节点的副本（旧名）',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => {
      const n = cluster.lookupNode(c.argv[2]);
      if (!n) return c.reply.error(`ERR Unknown node ${c.argv[2]}`);
      if (!n.isMaster) return c.reply.error('ERR The specified node is not a master');
      c.reply.arrayHeader(n.replicas.length);
      for (const r of n.replicas) c.reply.bulk(clusterGenNodeDescription(cluster, r));
    }),
  })),
  {
    name: 'cluster|links',
    summaryZh: '列出本节点与其他节点之间的集群总线连接',
    cost: o1,
    handler: clusterOnly((c, _s, cluster) => {
      // Each node's outbound link ("to", events rw) and its link to us ("from", events r). Send buffers are
      // not modelled: the bus carries typed messages.
      const links: [string, string, number, string][] = [];
      for (const n of cluster.nodes.values()) {
        if (n.isMyself) continue;
        if (n.linkConnected) links.push(['to', n.id, n.linkCtimeMs, 'rw']);
        if (n.inboundLinkCtimeMs !== 0) links.push(['from', n.id, n.inboundLinkCtimeMs, 'r']);
      }
      c.reply.arrayHeader(links.length);
      for (const [direction, id, ctime, events] of links) {
        c.reply.mapHeader(6);
        c.reply.bulk('direction');
        c.reply.bulk(direction);
        c.reply.bulk('node');
        c.reply.bulk(id);
        c.reply.bulk('create-time');
        c.reply.integer(ctime);
        c.reply.bulk('events');
        c.reply.bulk(events);
        c.reply.bulk('send-buffer-allocated');
        c.reply.integer(0);
        c.reply.bulk('send-buffer-used');
        c.reply.integer(0);
      }
    }),
  },
  {
    name: 'cluster|saveconfig',
    summaryZh: '立即把集群配置写入 nodes.conf',
    cost: o1,
    handler: clusterOnly((c, server) => {
      server.saveClusterConfig();
      c.reply.ok();
    }),
  },
  {
    name: 'cluster|reset',
    summaryZh: '重置本节点的集群状态（SOFT 或 HARD）',
    cost: o1,
    handler: clusterOnly((c, server, cluster) => {
      if (c.argv.length > 3) return c.reply.error(subcommandSyntaxError(c.argv));
      let hard = false;
      if (c.argv.length === 3) {
        if (isKeyword(c.argv[2], 'HARD')) hard = true;
        else if (!isKeyword(c.argv[2], 'SOFT')) return c.reply.error(ERR.syntax);
      }
      if (cluster.myself.isMaster && c.db.size !== 0) return c.reply.error("ERR CLUSTER RESET can't be called with master nodes containing keys");
      server.clusterReset(hard);
      c.reply.ok();
    }),
  },
  {
    name: 'cluster|help',
    summaryZh: '显示 CLUSTER 子命令的帮助',
    cost: o1,
    handler: clusterOnly((c) => {
      replyHelp(c, HELP);
    }),
  },
  {
    name: 'asking',
    summaryZh: '下一条命令接受正在导入的槽（ASK 重定向之后使用）',
    cost: o1,
    handler: clusterOnly((c) => {
      c.asking = true;
      c.reply.ok();
    }),
  },
  {
    name: 'readonly',
    summaryZh: '允许在副本上读取（集群模式）',
    cost: o1,
    handler: clusterOnly((c) => {
      c.readonlyMode = true;
      c.reply.ok();
    }),
  },
  {
    name: 'readwrite',
    summaryZh: '取消 READONLY',
    cost: o1,
    handler: clusterOnly((c) => {
      c.readonlyMode = false;
      c.reply.ok();
    }),
  },
];

/** inet_pton-valid IPv4 or IPv6, in its canonical text form (inet_ntop); null when not an address. */
function normalizeIp(ip: string): string | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p, i) => p > 255 || (v4[i + 1].length > 1 && v4[i + 1].startsWith('0')))) return null;
    return parts.join('.');
  }
  if (/^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':') && (ip.match(/::/g) ?? []).length <= 1) {
    const groups = ip.split(':');
    if (groups.length <= 8 && groups.every((g) => g.length <= 4)) return ip.toLowerCase();
  }
  return null;
}

function slotsCommand(c: Client, server: Server, cluster: ClusterState, del: boolean): void {
  const seen = new Uint8Array(CLUSTER_SLOTS);
  const slots: number[] = [];
  for (let j = 2; j < c.argv.length; j++) {
    const s = slotArg(c, c.argv[j]);
    if (s === null) return;
    slots.push(s);
  }
  for (const s of slots) if (!checkAssignments(c, cluster, seen, del, s, s)) return;
  updateSlots(server, cluster, seen, del);
  c.reply.ok();
}

function slotsRangeCommand(c: Client, server: Server, cluster: ClusterState, del: boolean): void {
  if (c.argv.length % 2 === 1) return c.reply.error(arityError(c.cmd?.name ?? 'cluster'));
  const seen = new Uint8Array(CLUSTER_SLOTS);
  for (let j = 2; j < c.argv.length; j += 2) {
    const start = slotArg(c, c.argv[j]);
    if (start === null) return;
    const end = slotArg(c, c.argv[j + 1]);
    if (end === null) return;
    if (start > end) return c.reply.error(`ERR start slot number ${start} is greater than end slot number ${end}`);
    if (!checkAssignments(c, cluster, seen, del, start, end)) return;
  }
  updateSlots(server, cluster, seen, del);
  c.reply.ok();
}
