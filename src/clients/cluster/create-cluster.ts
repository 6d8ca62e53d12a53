/**
 * What `redis-cli --cluster create host:port ... --cluster-replicas N` does, for our own tools (npm run
 * cluster): split the 16384 slots evenly over the masters, give every node a distinct config epoch, MEET them
 * all, let each replica CLUSTER REPLICATE its master, then wait until every node agrees and every replica has
 * finished its first sync. Talks RESP through any connection, so it works over TCP and inside a SimHost.
 */
import type { RespConnection } from '../protocol/resp-connection.ts';
import type { Reply } from '../../engine/resp/reply-parser.ts';
import { allocateSlots } from '../../scenarios/build.ts';

export interface CreateOptions {
  /** One connection per node, masters first. */
  conns: RespConnection[];
  /** "ip:port" of each node, in the same order. */
  addresses: string[];
  replicasPerMaster: number;
  /** Waits (real or virtual time) between polls. */
  sleep(ms: number): Promise<void>;
  log?(line: string): void;
  timeoutMs?: number;
}

function text(r: Reply): string {
  if (r.type === 'bulk' || r.type === 'status' || r.type === 'error' || r.type === 'verbatim') return r.value;
  return '';
}

async function call(conn: RespConnection, ...args: string[]): Promise<string> {
  const r = (await conn.call(args)).reply;
  if (r.type === 'error') throw new Error(`${args.join(' ')}: ${r.value}`);
  return text(r);
}

export async function createCluster(o: CreateOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  const masters = Math.floor(o.conns.length / (1 + o.replicasPerMaster));
  if (masters < 3) throw new Error('a cluster needs at least 3 masters');
  // redis-cli's allocation (the scenarios' builder has the one copy of it).
  log(`>>> Performing hash slots allocation on ${o.conns.length} nodes...`);
  const ranges = allocateSlots(masters);
  for (let i = 0; i < masters; i++) {
    const [first, last] = ranges[i];
    await call(o.conns[i], 'CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
    log(`Master[${i}] -> Slots ${first} - ${last}`);
  }
  for (let i = 0; i < o.conns.length; i++) await call(o.conns[i], 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
  log('>>> Sending CLUSTER MEET messages to join the cluster');
  for (let i = 1; i < o.conns.length; i++) {
    const [host, port] = splitAddress(o.addresses[i]);
    await call(o.conns[0], 'CLUSTER', 'MEET', host, port);
  }
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const ids = await Promise.all(o.conns.map((c) => call(c, 'CLUSTER', 'MYID')));
  // Every node must know every other before a replica can name its master.
  await until(o, deadline, async () => {
    for (const c of o.conns) {
      const nodes = await call(c, 'CLUSTER', 'NODES');
      if (ids.some((id) => !nodes.includes(id)) || nodes.includes('handshake')) return false;
    }
    return true;
  });
  for (let r = masters; r < o.conns.length; r++) {
    const master = (r - masters) % masters;
    await call(o.conns[r], 'CLUSTER', 'REPLICATE', ids[master]);
    log(`Adding replica ${o.addresses[r]} to ${o.addresses[master]}`);
  }
  log('Waiting for the cluster to join and the replicas to sync');
  const masterOf = (r: number) => ids[(r - masters) % masters];
  await until(o, deadline, async () => {
    for (const c of o.conns) {
      if (!(await call(c, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      const repl = await call(c, 'INFO', 'replication');
      if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return false;
      // Every node has heard from every replica since it changed role (its own PINGs say whom it follows):
      // until then `redis-cli --cluster check` through that node would count a master without its replica.
      const lines = (await call(c, 'CLUSTER', 'NODES')).split('\n').map((l) => l.split(' '));
      for (let r = masters; r < o.conns.length; r++) {
        if (lines.find((f) => f[0] === ids[r])?.[3] !== masterOf(r)) return false;
      }
    }
    return true;
  });
  log('[OK] All 16384 slots covered.');
}

async function until(o: CreateOptions, deadline: number, ok: () => Promise<boolean>): Promise<void> {
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error('the cluster did not come together in time');
    await o.sleep(200);
  }
}

function splitAddress(a: string): [string, string] {
  const i = a.lastIndexOf(':');
  return [a.slice(0, i), a.slice(i + 1)];
}
