/**
 * What crosses the boundary between a node and its host.
 *
 * The host owns the network. It hands a node `Delivery` items (a connection opened, bytes arrived, the peer
 * closed) stamped with their arrival time, and collects `Emission` items (bytes written, connection closed)
 * stamped with the node's virtual time at the write. Everything here is plain data, so a host can pass it
 * through postMessage (Web Workers), keep it in a replay file, or turn it into real socket I/O (TCP host).
 */
import type { TimeUs } from '../types/time.ts';
import type { BusMessage } from '../cluster/bus-message.ts';

/**
 * A connection's id, unique across the whole network. The side that opens a connection names it
 * ("cli-1#3": its own name and its own counter), so no shared counter can make two hosts disagree.
 */
export type ConnId = string;

/**
 * Cluster bus messages travel as typed objects (the lab does not reproduce Redis's binary bus format). A node
 * addresses them to "ip:cport" as its view of the cluster knows the peer; the host delivers them with the
 * sender's IP as the receiver's socket would see it, and the receiver's own IP (how a node learns its address).
 */
export type Delivery =
  | { kind: 'open'; at: TimeUs; conn: ConnId; peer: string }
  | { kind: 'data'; at: TimeUs; conn: ConnId; bytes: Uint8Array }
  | { kind: 'close'; at: TimeUs; conn: ConnId }
  | { kind: 'bus'; at: TimeUs; fromIp: string; toIp: string; msg: BusMessage }
  /** A connection this node opened was refused (nobody listens there). */
  | { kind: 'refused'; at: TimeUs; conn: ConnId }
  /** The bus link to "ip:cport" could not be made or broke (connection refused or reset). */
  | { kind: 'bus-down'; at: TimeUs; to: string }
  /**
   * The process was stopped (SIGSTOP, a long GC pause) and runs again at `at`: its clock jumps there, and every
   * timer that fell due meanwhile fires once, as ae does after a stall, instead of once per missed period.
   */
  | { kind: 'resume'; at: TimeUs }
  /**
   * The machine's wall clock was stepped by `stepMs` (an operator, NTP, a VM migration): gettimeofday moves, the
   * monotonic clock does not. Redis 7.0 reads the wall clock for key expiry, TIME and the cluster's timeouts,
   * and the monotonic one for its timers.
   */
  | { kind: 'clock'; at: TimeUs; stepMs: number };

/**
 * Besides answering clients, a node can open connections of its own (MIGRATE to another node): 'connect' names
 * the connection and the "ip:port" to reach; its bytes then travel as 'data' in both directions.
 */
/**
 * A file operation on the node's storage (dump.rdb, the AOF files): `write` replaces a file atomically (a
 * temporary file, fsynced when `durable`, renamed over it), `append` adds bytes the kernel holds until an
 * fsync, `fsync` makes everything appended so far durable.
 */
export type FileOp =
  | { op: 'write'; name: string; bytes: Uint8Array; durable: boolean }
  | { op: 'append'; name: string; bytes: Uint8Array }
  | { op: 'fsync'; name: string };

export type Emission =
  | { kind: 'data'; at: TimeUs; conn: ConnId; bytes: Uint8Array }
  | { kind: 'close'; at: TimeUs; conn: ConnId }
  | { kind: 'bus'; at: TimeUs; to: string; msg: BusMessage }
  | { kind: 'connect'; at: TimeUs; conn: ConnId; to: string }
  | { kind: 'file'; at: TimeUs; file: FileOp };
