/**
 * Replication commands (replication.c): REPLICAOF/SLAVEOF, ROLE, WAIT, and the ones replicas send their master
 * (REPLCONF, PSYNC, SYNC). The protocol itself is in src/engine/replication.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { ERR } from './errors.ts';
import { parseInt64 } from './parse.ts';

function replicaof(c: Client, server: Server): void {
  // In a cluster, replication follows CLUSTER REPLICATE and the bus, never a hand-set master.
  if (server.cluster !== null) return c.reply.error('ERR REPLICAOF not allowed in cluster mode.');
  const repl = server.repl;
  if (c.argv[1].toLowerCase() === 'no' && c.argv[2].toLowerCase() === 'one') {
    if (repl.isReplica) {
      repl.unsetMaster();
      server.repl.notice(`MASTER MODE enabled (user request from '${clientInfo(c)}')`);
    }
    return c.reply.ok();
  }
  if (c.replica !== null) return c.reply.error('ERR Command is not valid when client is a replica.');
  const port = parseInt64(c.argv[2]);
  if (port === null || port < 0n || port > 65535n) return c.reply.error('ERR Invalid master port');
  if (repl.isReplica && repl.masterHost!.toLowerCase() === c.argv[1].toLowerCase() && repl.masterPort === Number(port)) {
    server.repl.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return c.reply.status('OK Already connected to specified master');
  }
  repl.setMaster(c.argv[1], Number(port));
  server.repl.notice(`REPLICAOF ${c.argv[1]}:${Number(port)} enabled (user request from '${clientInfo(c)}')`);
  c.reply.ok();
}

function clientInfo(c: Client): string {
  return `id=${c.id} addr=${c.peer} laddr=? fd=${c.fd} name=${c.name}`;
}

function role(c: Client, server: Server): void {
  const repl = server.repl;
  if (!repl.isReplica) {
    const online = repl.replicas.filter((r) => r.replica!.state === 'online');
    c.reply.arrayHeader(3);
    c.reply.bulk('master');
    c.reply.integer(repl.masterReplOffset);
    c.reply.arrayHeader(online.length);
    for (const r of online) {
      const { ip, port } = repl.replicaAddress(r);
      c.reply.arrayHeader(3);
      c.reply.bulk(ip);
      c.reply.bulk(String(port));
      c.reply.bulk(String(r.replica!.ackOffset));
    }
    return;
  }
  c.reply.arrayHeader(5);
  c.reply.bulk('slave');
  c.reply.bulk(repl.masterHost!);
  c.reply.integer(repl.masterPort);
  c.reply.bulk(repl.roleState());
  c.reply.integer(repl.master !== null ? repl.masterReploff : -1);
}

function wait(c: Client, server: Server): void {
  if (server.repl.isReplica) {
    return c.reply.error(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const numreplicas = parseInt64(c.argv[1]);
  if (numreplicas === null) return c.reply.error(ERR.notInteger);
  const timeout = parseInt64(c.argv[2]);
  if (timeout === null) return c.reply.error('ERR timeout is not an integer or out of range');
  if (timeout < 0n) return c.reply.error('ERR timeout is negative');
  // Inside MULTI WAIT cannot block: it answers with what is acknowledged now.
  if (c.executing !== null) {
    c.reply.integer(server.repl.countAcks(c.woff));
    return;
  }
  server.repl.wait(c, Number(numreplicas), Number(timeout));
}

export const replicationCommands: CommandDefinition[] = [
  { name: 'replicaof', summaryZh: '把本节点设为另一节点的副本（REPLICAOF NO ONE 变回主节点）', cost: () => 0, handler: replicaof },
  { name: 'slaveof', summaryZh: 'REPLICAOF 的旧名', cost: () => 0, handler: replicaof },
  { name: 'role', summaryZh: '本节点的复制角色、主节点和复制偏移量', cost: () => 0, handler: role },
  { name: 'wait', summaryZh: '等待此前的写入被指定数量的副本确认', cost: () => 0, handler: wait },
  { name: 'replconf', summaryZh: '副本与主节点之间的复制参数协商（内部命令）', cost: () => 0, handler: (c, server) => server.repl.replconfCommand(c, c.argv) },
  { name: 'psync', summaryZh: '副本请求部分或完整同步（内部命令）', cost: () => 0, handler: (c, server) => server.repl.syncCommand(c, c.argv) },
  { name: 'sync', summaryZh: '旧式完整同步请求（内部命令）', cost: () => 0, handler: (c, server) => server.repl.syncCommand(c, c.argv) },
];
