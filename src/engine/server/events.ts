/**
 * What a node reports about itself. Hosts collect these per advance() call; the UI animates them, tests assert
 * on them, and the determinism test compares them across hosts. Every event carries the node's virtual time.
 */
import type { TimeUs } from '../types/time.ts';

export type EngineEvent =
  | {
      type: 'loop';
      at: TimeUs;
      iteration: number;
      pollStartUs: TimeUs;
      wakeUs: TimeUs;
      fired: number;
      timers: string[];
      commands: number;
    }
  | { type: 'command'; at: TimeUs; client: number; name: string; argc: number }
  | { type: 'client-connected'; at: TimeUs; client: number; peer: string }
  | { type: 'client-closed'; at: TimeUs; client: number; reason: 'peer' | 'quit' | 'protocol-error' | 'security' | 'rejected' | 'killed' | 'query-buffer-limit' }
  /** A client exceeded client-query-buffer-limit and was dropped. */
  | { type: 'query-buffer-limit'; at: TimeUs; client: number; bytes: number }
  | { type: 'protocol-error'; at: TimeUs; client: number; message: string }
  /** nodes.conf was written (the host stores it: a file in Node, memory in the browser). */
  | { type: 'cluster-config-saved'; at: TimeUs; text: string }
  /** The cluster bus: messages, flags as this member sees them, nodes learned or forgotten, slot owners. */
  | (import('../cluster/cluster-bus.ts').BusEvent & { at: TimeUs })
  /** cluster_state changed in this member's view. */
  | { type: 'cluster-state'; at: TimeUs; state: 'ok' | 'fail' }
  /** maxmemory eviction deleted a key. */
  | { type: 'key-evicted'; at: TimeUs; db: number; key: string }
  /** A line redis-server would write to its log (replication, failover). */
  | { type: 'log'; at: TimeUs; level: 'notice' | 'warning' | 'verbose'; text: string }
  /**
   * A replica asked to continue history `replId` from beyond what this node kept of it (it took over at
   * `keptUpTo`): the replica's writes after that offset exist nowhere else and are about to be thrown away.
   */
  | { type: 'repl-diverged'; at: TimeUs; replId: string; keptUpTo: number; replicaHad: number; replica: string }
  /** A full resync replaced this node's data: the writes of its own history `replId` it still had in its backlog. */
  | { type: 'repl-discarded'; at: TimeUs; replId: string; upTo: number; writes: { offset: number; command: string; key: string }[] }
  /**
   * A replica's REPLCONF ACK reached this master (about once a second per replica, and after each GETACK): how
   * far it has applied the stream, and how many bytes of it it still lacks.
   */
  | { type: 'repl-ack'; at: TimeUs; replica: string; offset: number; lagBytes: number }
  /** The node's replication role or link changed. */
  | { type: 'role'; at: TimeUs; role: 'master' | 'slave'; master: string | null; link: string };
