/**
 * INFO (server.c genRedisInfoString): Redis's sections, field names and order, with values from the lab's
 * model of the node. Fields about the machine (rss, allocator, fragmentation) report the model's used memory
 * as if the allocator had no overhead; docs/fidelity.md lists them.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { histogramPercentile } from '../server/stats.ts';

/** INFO with no argument, or "default". */
const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
/** "all" adds these; "everything" adds module-generated sections too (the lab has none). */
const ALL_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

/** bytesToHuman. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

const fixed = (v: number, digits: number) => v.toFixed(digits);

type Lines = [string, string | number][];

function serverSection(server: Server): Lines {
  const uptimeS = Math.floor((server.nowMs() - server.startedAtMs()) / 1000);
  return [
    ['redis_version', '7.0.15'],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', 'c1a5e71ab0000000'],
    ['redis_mode', server.config.clusterEnabled ? 'cluster' : 'standalone'],
    // The lab is not an operating system process on Linux: say what it is.
    ['os', 'Cluster Lab virtual node'],
    ['arch_bits', 64],
    ['monotonic_clock', 'virtual clock'],
    ['multiplexing_api', server.multiplexer],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', server.processInfo.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.config.port],
    ['server_time_usec', server.unixTimeUs()],
    ['uptime_in_seconds', uptimeS],
    ['uptime_in_days', Math.floor(uptimeS / 86400)],
    ['hz', server.config.hz],
    ['configured_hz', server.config.hz],
    ['lru_clock', Math.floor(server.nowMs() / 1000) & 0xffffff],
    ['executable', server.processInfo.executable],
    ['config_file', server.processInfo.configFile],
    ['io_threads_active', 0],
  ];
}

function clientsSection(server: Server): Lines {
  const clients = server.connectedClients();
  const blocked = clients.filter((c) => c.blocked !== null);
  return [
    ['connected_clients', clients.length],
    ['cluster_connections', 0],
    ['maxclients', server.config.maxclients],
    ['client_recent_max_input_buffer', 20480],
    ['client_recent_max_output_buffer', 0],
    ['blocked_clients', blocked.length],
    ['tracking_clients', 0],
    ['clients_in_timeout_table', blocked.filter((c) => c.blocked!.deadlineMs !== 0).length],
  ];
}

function memorySection(server: Server): Lines {
  const m = server.memory.measure();
  // used_memory_scripts: the EVAL scripts plus the functions' modelled 200 bytes.
  const evalScripts = server.scripting.evalScriptsMemory();
  const scriptsMemory = 200 + evalScripts;
  const peak = server.memory.peak;
  const overhead = m.startup + m.hashtableMain + m.hashtableExpires + m.clients;
  const dataset = m.total - overhead;
  const net = m.total - m.startup;
  const maxmemory = server.config.maxmemory;
  return [
    ['used_memory', m.total],
    ['used_memory_human', bytesToHuman(m.total)],
    ['used_memory_rss', m.total],
    ['used_memory_rss_human', bytesToHuman(m.total)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${fixed((m.total * 100) / peak, 2)}%`],
    ['used_memory_overhead', overhead],
    ['used_memory_startup', m.startup],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${fixed(net > 0 ? (dataset * 100) / net : 0, 2)}%`],
    ['allocator_allocated', m.total],
    ['allocator_active', m.total],
    ['allocator_resident', m.total],
    ['total_system_memory', 0],
    ['total_system_memory_human', '0B'],
    ['used_memory_lua', 32768],
    ['used_memory_vm_eval', 32768],
    ['used_memory_lua_human', '32.00K'],
    ['used_memory_scripts_eval', evalScripts],
    ['number_of_cached_scripts', server.scripting.numberOfScripts()],
    ['number_of_functions', server.scripting.functions.functions.size],
    ['number_of_libraries', server.scripting.functions.libraries.size],
    ['used_memory_vm_functions', 32768],
    ['used_memory_vm_total', 65536],
    ['used_memory_vm_total_human', '64.00K'],
    ['used_memory_functions', 200],
    ['used_memory_scripts', scriptsMemory],
    ['used_memory_scripts_human', bytesToHuman(scriptsMemory)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.maxmemoryPolicy],
    ['allocator_frag_ratio', '1.00'],
    ['allocator_frag_bytes', 0],
    ['allocator_rss_ratio', '1.00'],
    ['allocator_rss_bytes', 0],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', '1.00'],
    ['mem_fragmentation_bytes', 0],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', m.clients],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', 'jemalloc-5.3.0'],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

function persistenceSection(server: Server): Lines {
  return [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', server.persistence.changesSinceSave()],
    ['rdb_bgsave_in_progress', server.persistence.bgsaveInProgress ? 1 : 0],
    ['rdb_last_save_time', Math.floor(server.persistence.lastSaveMs / 1000)],
    ['rdb_last_bgsave_status', server.persistence.lastBgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', server.persistence.lastBgsaveSecs],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', server.persistence.rdbSaves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', server.persistence.loadedKeys],
    ['aof_enabled', server.persistence.aofEnabled ? 1 : 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', server.persistence.aofRewrites],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ];
}

function statsSection(server: Server): Lines {
  const s = server.stats;
  const expired = server.dbs.reduce((n, db) => n + db.expiredKeys, 0);
  return [
    ['total_connections_received', s.totalConnectionsReceived],
    ['total_commands_processed', s.totalCommandsProcessed],
    ['instantaneous_ops_per_sec', 0],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', s.netReplInputBytes],
    ['total_net_repl_output_bytes', s.netReplOutputBytes],
    ['instantaneous_input_kbps', '0.00'],
    ['instantaneous_output_kbps', '0.00'],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConnections],
    ['sync_full', server.repl.stats.syncFull],
    ['sync_partial_ok', server.repl.stats.syncPartialOk],
    ['sync_partial_err', server.repl.stats.syncPartialErr],
    ['expired_keys', expired],
    ['expired_stale_perc', fixed(server.expireState.stalePerc * 100, 2)],
    ['expired_time_cap_reached_count', server.expireState.timeCapReached],
    ['expire_cycle_cpu_milliseconds', Math.floor(server.expireState.cpuNs / 1e6)],
    ['evicted_keys', server.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', s.lookups.hits],
    ['keyspace_misses', s.lookups.misses],
    ['pubsub_channels', server.pubsub.channels.size],
    ['pubsub_patterns', server.pubsub.patterns.size],
    ['pubsubshard_channels', 0],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', 0],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.readsProcessed],
    ['total_writes_processed', s.writesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

function replicationSection(server: Server): Lines {
  const repl = server.repl;
  const lines: Lines = [['role', repl.isReplica ? 'slave' : 'master']];
  const nowS = Math.floor(server.nowMs() / 1000);
  if (repl.isReplica) {
    // replicationGetSlaveOffset's view for INFO: the live master client, else the cached one, else 1.
    const offset = repl.master !== null || repl.hasCachedMaster ? repl.replicaOffset() : 1;
    lines.push(
      ['master_host', repl.masterHost!],
      ['master_port', repl.masterPort],
      ['master_link_status', repl.state === 'connected' ? 'up' : 'down'],
      ['master_last_io_seconds_ago', repl.master !== null ? nowS - Math.floor(repl.lastIoMs / 1000) : -1],
      ['master_sync_in_progress', repl.state === 'transfer' ? 1 : 0],
      ['slave_read_repl_offset', repl.master !== null ? repl.masterReadReploff : offset],
      ['slave_repl_offset', offset],
    );
    const t = repl.transferProgress();
    if (t !== null) {
      const perc = t.size > 0 ? (t.read / t.size) * 100 : 0;
      lines.push(
        ['master_sync_total_bytes', t.size],
        ['master_sync_read_bytes', t.read],
        ['master_sync_left_bytes', t.size - t.read],
        ['master_sync_perc', perc.toFixed(2)],
        ['master_sync_last_io_seconds_ago', nowS - Math.floor(t.lastIoMs / 1000)],
      );
    }
    if (repl.state !== 'connected') lines.push(['master_link_down_since_seconds', repl.downSinceMs ? nowS - Math.floor(repl.downSinceMs / 1000) : -1]);
    lines.push(
      ['slave_priority', Number(server.config.get('replica-priority'))],
      ['slave_read_only', server.config.get('replica-read-only') === 'yes' ? 1 : 0],
      ['replica_announced', server.config.get('replica-announced') === 'yes' ? 1 : 0],
    );
  }
  lines.push(['connected_slaves', repl.replicas.length]);
  if (Number(server.config.get('min-replicas-to-write')) > 0 && Number(server.config.get('min-replicas-max-lag')) > 0) {
    lines.push(['min_slaves_good_slaves', repl.goodReplicas]);
  }
  repl.replicas.forEach((r, i) => {
    const link = r.replica!;
    const { ip, port } = repl.replicaAddress(r);
    const state = link.state === 'online' ? 'online' : 'wait_bgsave';
    const lag = link.state === 'online' ? nowS - Math.floor(link.ackTimeMs / 1000) : 0;
    lines.push([`slave${i}`, `ip=${ip},port=${port},state=${state},offset=${link.ackOffset},lag=${lag}`]);
  });
  const b = repl.backlog;
  lines.push(
    ['master_failover_state', 'no-failover'],
    ['master_replid', repl.replId],
    ['master_replid2', repl.replId2],
    ['master_repl_offset', repl.masterReplOffset],
    ['second_repl_offset', repl.secondReplIdOffset],
    ['repl_backlog_active', b !== null ? 1 : 0],
    ['repl_backlog_size', Number(server.config.get('repl-backlog-size'))],
    ['repl_backlog_first_byte_offset', b !== null ? b.firstByteOffset : 0],
    ['repl_backlog_histlen', b !== null ? b.histlen : 0],
  );
  return lines;
}

/** The node's virtual CPU time, all of it on the main thread and counted as user time. */
function cpuSection(server: Server): Lines {
  const seconds = fixed(server.cpuNs() / 1e9, 6);
  return [
    ['used_cpu_sys', '0.000000'],
    ['used_cpu_user', seconds],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', '0.000000'],
    ['used_cpu_user_main_thread', seconds],
  ];
}

function commandstatsSection(server: Server): Lines {
  const lines: Lines = [];
  for (const [name, s] of server.stats.commands) {
    if (s.calls === 0 && s.rejected === 0 && s.failed === 0) continue;
    const usec = Math.floor(s.ns / 1000);
    lines.push([
      `cmdstat_${name}`,
      `calls=${s.calls},usec=${usec},usec_per_call=${fixed(s.calls ? usec / s.calls : 0, 2)},rejected_calls=${s.rejected},failed_calls=${s.failed}`,
    ]);
  }
  return lines;
}

function errorstatsSection(server: Server): Lines {
  // Redis keeps error codes in a radix tree, so they come out in byte order.
  return [...server.stats.errors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([code, n]) => [`errorstat_${code}`, `count=${n}`]);
}

function latencystatsSection(server: Server): Lines {
  const lines: Lines = [];
  for (const [name, s] of server.stats.commands) {
    if (s.calls === 0) continue;
    const p = (q: number) => fixed(histogramPercentile(s.histogram, q), 3);
    lines.push([`latency_percentiles_usec_${name}`, `p50=${p(50)},p99=${p(99)},p99.9=${p(99.9)}`]);
  }
  return lines;
}

function keyspaceSection(server: Server): Lines {
  const lines: Lines = [];
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    // avg_ttl is the active expire cycle's running estimate, as in Redis.
    lines.push([`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${Math.floor(server.expireState.avgTtl[db.id] ?? 0)}`]);
  }
  return lines;
}

const SECTIONS: Record<string, { title: string; lines: (server: Server) => Lines }> = {
  server: { title: 'Server', lines: serverSection },
  clients: { title: 'Clients', lines: clientsSection },
  memory: { title: 'Memory', lines: memorySection },
  persistence: { title: 'Persistence', lines: persistenceSection },
  stats: { title: 'Stats', lines: statsSection },
  replication: { title: 'Replication', lines: replicationSection },
  cpu: { title: 'CPU', lines: cpuSection },
  modules: { title: 'Modules', lines: () => [] },
  commandstats: { title: 'Commandstats', lines: commandstatsSection },
  errorstats: { title: 'Errorstats', lines: errorstatsSection },
  latencystats: { title: 'Latencystats', lines: latencystatsSection },
  cluster: { title: 'Cluster', lines: (server) => [['cluster_enabled', server.config.clusterEnabled ? 1 : 0]] },
  keyspace: { title: 'Keyspace', lines: keyspaceSection },
};

/** genInfoSectionDict: which sections the arguments ask for (case-insensitive; unknown names add nothing). */
export function requestedSections(args: readonly string[]): Set<string> {
  const wanted = new Set<string>();
  if (args.length === 0) args = ['default'];
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default') DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
    else if (a === 'all' || a === 'everything') ALL_SECTIONS.forEach((s) => wanted.add(s));
    else wanted.add(a);
  }
  return wanted;
}

/** The INFO text for these sections, in Redis's section order. */
export function genRedisInfoString(server: Server, sections: Set<string>): string {
  const parts: string[] = [];
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (!sections.has(name)) continue;
    let text = `# ${section.title}\r\n`;
    for (const [k, v] of section.lines(server)) text += `${k}:${v}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}

export const infoCommands: CommandDefinition[] = [
  {
    name: 'info',
    summaryZh: '返回服务器的信息与统计（按小节）',
    cost: () => COMMAND_COST_NS.o1 * 20,
    handler: (c: Client, server: Server) => {
      c.reply.verbatim(genRedisInfoString(server, requestedSections(c.argv.slice(1))));
    },
  },
];
