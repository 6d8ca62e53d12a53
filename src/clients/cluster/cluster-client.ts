/**
 * A cluster-aware client, as smart clients (ioredis, redis-py's RedisCluster) are: it keeps a slot cache (slot ->
 * node address), sends each command to the node its first key's slot maps to, and follows redirections:
 * MOVED updates the cache and retries there; ASK sends ASKING then the command to the other node once, without
 * touching the cache; TRYAGAIN and CLUSTERDOWN retry after a pause. It talks to nodes only through RESP
 * connections, like a real program.
 */
import type { ByteString } from '../../engine/types/bytes.ts';
import type { Reply } from '../../engine/resp/reply-parser.ts';
import { keyHashSlot, CLUSTER_SLOTS } from '../../engine/cluster/slots.ts';
import { getKeysFromCommandWithSpecs, lookupKeyCommand } from '../../engine/commands/key-specs.ts';
import type { RespConnection } from '../protocol/resp-connection.ts';

export interface ClusterClientOptions {
  /** Opens a RESP connection to "ip:port". */
  connect(address: string): RespConnection;
  /** Waits (virtual or real time) before a retry. */
  sleep(ms: number): Promise<void>;
  /** Nodes to ask for the slot map first. */
  seeds: string[];
  /** Redirections followed for one command before giving up (ioredis's maxRedirections is 16). */
  maxRedirections?: number;
}

export interface ClusterClientStats {
  moved: number;
  ask: number;
  tryagain: number;
  clusterdown: number;
}

export class ClusterClient {
  private readonly slots: (string | null)[] = new Array(CLUSTER_SLOTS).fill(null);
  private readonly conns = new Map<string, RespConnection>();
  readonly stats: ClusterClientStats = { moved: 0, ask: 0, tryagain: 0, clusterdown: 0 };

  constructor(private readonly opts: ClusterClientOptions) {}

  private conn(address: string): RespConnection {
    let c = this.conns.get(address);
    if (!c || c.closed) {
      c = this.opts.connect(address);
      this.conns.set(address, c);
    }
    return c;
  }

  /** Load the slot map from CLUSTER SLOTS of the first seed that answers. */
  async refreshSlots(): Promise<void> {
    for (const seed of this.opts.seeds) {
      const r = (await this.conn(seed).call(['CLUSTER', 'SLOTS'])).reply;
      if (r.type !== 'array') continue;
      for (const range of r.value) {
        if (range.type !== 'array') continue;
        const [start, end, master] = range.value;
        if (start.type !== 'integer' || end.type !== 'integer' || master.type !== 'array') continue;
        const [ip, port] = master.value;
        if (ip.type !== 'bulk' || port.type !== 'integer') continue;
        const address = `${ip.value === '' ? seed.slice(0, seed.lastIndexOf(':')) : ip.value}:${port.value}`;
        for (let s = Number(start.value); s <= Number(end.value); s++) this.slots[s] = address;
      }
      return;
    }
  }

  /** Run a command where it belongs, following redirections. */
  async call(args: readonly ByteString[]): Promise<Reply> {
    const meta = lookupKeyCommand(args);
    const keys = meta ? getKeysFromCommandWithSpecs(meta, args) : [];
    const slot = keys.length > 0 ? keyHashSlot(args[keys[0].pos]) : null;
    let target = (slot !== null ? this.slots[slot] : null) ?? this.opts.seeds[0];
    let asking = false;
    const max = this.opts.maxRedirections ?? 16;
    for (let attempt = 0; attempt <= max; attempt++) {
      const c = this.conn(target);
      const reply = asking ? (await c.pipeline([['ASKING'], args]))[1].reply : (await c.call(args)).reply;
      asking = false;
      if (reply.type !== 'error') return reply;
      const [code, slotText, address] = reply.value.split(' ');
      if (code === 'MOVED') {
        this.stats.moved++;
        this.slots[Number(slotText)] = address;
        target = address;
      } else if (code === 'ASK') {
        this.stats.ask++;
        target = address;
        asking = true;
      } else if (code === 'TRYAGAIN') {
        this.stats.tryagain++;
        await this.opts.sleep(100);
      } else if (code === 'CLUSTERDOWN') {
        this.stats.clusterdown++;
        await this.opts.sleep(100);
      } else return reply;
    }
    return { type: 'error', value: 'ERR too many cluster redirections' };
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
  }
}
