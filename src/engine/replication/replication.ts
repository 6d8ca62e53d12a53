/**
 * Asynchronous replication (replication.c), both sides.
 *
 * Master side: every write a command makes is appended to the replication stream as the command itself (RESP),
 * kept in the backlog and written to every attached replica; a replica that asks with PSYNC gets either the part
 * of the stream it missed (+CONTINUE, when the backlog still holds it and the replication id matches) or a full
 * resynchronisation: +FULLRESYNC, an RDB snapshot made by a forked child (diskless by default in 7.0, after
 * repl-diskless-sync-delay seconds so several replicas can share one snapshot), then the writes made meanwhile.
 *
 * Replica side: REPLICAOF (or CLUSTER REPLICATE) starts the handshake: connect, PING, REPLCONF listening-port,
 * REPLCONF capa eof capa psync2, PSYNC with the cached replication id and offset; then the snapshot is loaded
 * (blocking the replica, in virtual time proportional to its size) and the stream applied by the "master client"
 * without replies, acknowledged with REPLCONF ACK every second.
 *
 * Nothing here waits for anything: writes go out, replies arrive later, so a master acknowledges a write to its
 * client before any replica has it. That window is what the lessons on lost writes are about.
 */
import type { Client } from '../server/client.ts';
import type { ServerConfig } from '../config/config.ts';
import type { Database } from '../keyspace/database.ts';
import type { Prng } from '../random/prng.ts';
import { ReplicationBacklog } from './backlog.ts';
import { encodeCommand } from '../resp/encode-request.ts';
import { loadRdb, saveRdb, type RdbAux } from '../persistence/rdb-file.ts';
import type { RdbLoadOptions, RdbSaveOptions } from '../persistence/rdb-object.ts';
import { RdbFormatError } from '../persistence/rdb-io.ts';
import { COST_NS } from '../loop/cost-model.ts';
import { byteStringToBytes, bytesToByteString, concatBytes } from '../types/bytes.ts';
import { RequestParser } from '../resp/request-parser.ts';

/** server.repl_state on a replica. */
export type ReplState =
  | 'none'
  | 'connect'
  | 'connecting'
  | 'receive_ping_reply'
  | 'receive_auth_reply'
  | 'receive_port_reply'
  | 'receive_capa_reply'
  | 'receive_psync_reply'
  | 'transfer'
  | 'connected';

/** A replica as its master tracks it (the CLIENT_SLAVE part of a client). */
export interface ReplicaLink {
  state: 'wait_bgsave_start' | 'wait_bgsave_end' | 'online';
  /** SYNC rather than PSYNC: no +FULLRESYNC line before the payload. */
  prePsync: boolean;
  /** REPLCONF ACK: the offset it has processed, and when it said so (unix ms). */
  ackOffset: number;
  ackTimeMs: number;
  /** When it asked for the snapshot (unix ms): repl-diskless-sync-delay counts from here. */
  askedMs: number;
  /** Stream written while its snapshot is being made; it follows the snapshot. */
  pending: Uint8Array[];
  /**
   * After a diskless snapshot the stream waits for the replica's first REPLCONF ACK (repl_start_cmd_stream_on_ack):
   * the replica cannot tell where an EOF-marked payload ends if more bytes follow at once.
   */
  startOnAck: boolean;
}

/** What replication needs from the node around it. */
export interface ReplicationHost {
  /** The function libraries' code (sent in a full resync) and replacing ours with a master's. */
  functionCodes(): string[];
  loadFunctions(codes: readonly string[]): void;
  readonly config: ServerConfig;
  readonly dbs: Database[];
  readonly rng: Prng;
  readonly port: number;
  nowMs(): number;
  spend(ns: number): void;
  /** Open a connection to "host:port" that the event loop watches; its input comes to `linkReadable`. */
  connect(to: string): { fd: number; conn: string };
  write(conn: string, bytes: Uint8Array): void;
  closeLink(fd: number, conn: string): void;
  /** Turn the link into the master client: its further input is applied as commands. */
  createMasterClient(fd: number, conn: string, peer: string, db: number): Client;
  /** Free a client (a replica being disconnected, the master client). */
  freeClient(c: Client): void;
  /** Write raw stream bytes to a replica client (sent in the next beforeSleep). */
  writeToClient(c: Client, bytes: Uint8Array): void;
  saveOptions(): RdbSaveOptions;
  loadOptions(): RdbLoadOptions;
  usedMemory(): number;
  /** Remove every key (emptyData before loading a snapshot). */
  emptyData(): void;
  /** A line for the node's log, as redis-server would write it. */
  log(level: 'notice' | 'warning' | 'verbose', text: string): void;
  /** The role changed (cluster mode updates its view; the UI shows it). */
  roleChanged(): void;
  /** Clients blocked on keys are released when the node becomes a replica (disconnectAllBlockedClients). */
  disconnectBlockedClients(): void;
  /** A client waiting in WAIT gets its reply: continue with its pipelined input. */
  unblockWaiting(c: Client): void;
  /** Report writes a failover is throwing away (the lab counts lost writes from these). */
  diverged(replId: string, keptUpTo: number, replicaHad: number, replica: string): void;
  discarded(replId: string, upTo: number, writes: { offset: number; command: string; key: string }[]): void;
  /** A replica acknowledged `offset` while this master was at `masterOffset`: progress and lag, for the lab. */
  acked(replica: string, offset: number, masterOffset: number): void;
}

/** Stats kept in INFO stats. */
export interface ReplicationStats {
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
}

interface Transfer {
  /** Payload size as the "$<len>" header gives it, or null for the diskless "$EOF:<mark>" form. */
  size: number | null;
  eofMark: string | null;
  parts: Uint8Array[];
  read: number;
  lastIoMs: number;
}

const ZERO_ID = '0'.repeat(40);
/** RDB_EOF_MARK_SIZE: the diskless payload ends with this many random bytes announced in its header. */
const EOF_MARK_SIZE = 40;
const CRLF = '\r\n';

export class Replication {
  replId: string;
  replId2 = ZERO_ID;
  secondReplIdOffset = -1;
  /** master_repl_offset: bytes of replication stream produced (a master) or applied and proxied (a replica). */
  masterReplOffset = 0;
  backlog: ReplicationBacklog | null = null;
  readonly stats: ReplicationStats = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };

  // --- master side ---
  readonly replicas: Client[] = [];
  /** The database the stream last selected (slaveseldb); -1 forces a SELECT before the next command. */
  private seldb = -1;
  /** The forked child making a snapshot for replicas: when it finishes (unix ms) and what it wrote. */
  private child: { endsAtMs: number; rdb: Uint8Array; diskless: boolean } | null = null;
  /** Someone runs WAIT: ask replicas for an ACK before sleeping (get_ack_from_slaves). */
  private getAck = false;
  private readonly waiting: { c: Client; offset: number; numreplicas: number; deadlineMs: number }[] = [];
  /** replication_cron_loops. */
  private cronLoops = 0;
  /** Good replicas for min-replicas-to-write (repl_good_slaves_count). */
  goodReplicas = 0;

  // --- replica side ---
  masterHost: string | null = null;
  masterPort = 0;
  state: ReplState = 'none';
  /** server.master: the client applying the master's stream, once connected. */
  master: Client | null = null;
  /** master->reploff and read_reploff: stream bytes applied, and read. */
  masterReploff = 0;
  masterReadReploff = 0;
  /** server.cached_master: the replication id and offset to offer in PSYNC after a disconnection. */
  private cached: { replId: string; reploff: number; db: number } | null = null;
  private link: { fd: number; conn: string; buf: Uint8Array } | null = null;
  private transfer: Transfer | null = null;
  private psyncReplId = '';
  private psyncInitialOffset = -1;
  /** Unix ms the link went down (repl_down_since), 0 = never connected since the role change. */
  downSinceMs = 0;
  /** Unix ms of the last input from the master (master->lastinteraction). */
  lastIoMs = 0;

  constructor(private readonly host: ReplicationHost, replId: string) {
    this.replId = replId;
  }

  /** A notice line in the node's log. */
  notice(text: string): void {
    this.host.log('notice', text);
  }

  get isReplica(): boolean {
    return this.masterHost !== null;
  }

  // ======================================================================================================
  // Master side
  // ======================================================================================================

  /**
   * replicationFeedSlaves: append a command to the stream (with a SELECT first when the database changes),
   * to the backlog and to every replica. A replica does not feed its own: it proxies its master's stream.
   */
  feed(dbid: number, argv: readonly string[]): void {
    if (this.isReplica) return;
    if (this.backlog === null && this.replicas.length === 0) return;
    if (dbid >= 0 && dbid !== this.seldb) {
      this.append(encodeCommand(['SELECT', String(dbid)]));
      this.seldb = dbid;
    }
    this.append(encodeCommand(argv));
  }

  private append(bytes: Uint8Array): void {
    this.masterReplOffset += bytes.length;
    this.backlog?.append(bytes);
    for (const r of this.replicas) {
      const link = r.replica!;
      if (link.state === 'wait_bgsave_start') continue;
      if (link.state === 'wait_bgsave_end' || link.startOnAck) link.pending.push(bytes);
      else this.host.writeToClient(r, bytes);
    }
  }

  /** SYNC and PSYNC (syncCommand). */
  syncCommand(c: Client, argv: readonly string[]): void {
    if (c.replica !== null) return;
    if (this.isReplica && this.state !== 'connected') {
      c.reply.error('NOMASTERLINK Can\'t SYNC while not connected with my master');
      return;
    }
    if (c.reply.pendingBytes > 0) {
      c.reply.error('SYNC and PSYNC are invalid with pending output');
      return;
    }
    const now = this.host.nowMs();
    this.host.log('notice', `Replica ${this.replicaName(c)} asks for synchronization`);
    const isPsync = argv[0].toLowerCase() === 'psync';
    if (isPsync) {
      const replid = argv[1];
      const offset = parseOffset(argv[2]);
      if (offset === null) {
        c.reply.error('value is not an integer or out of range');
        return;
      }
      if (this.tryPartialResync(c, replid, offset)) return;
      if (replid !== '?') this.stats.syncPartialErr++;
    }
    this.stats.syncFull++;
    c.replica = { state: 'wait_bgsave_start', prePsync: !isPsync, ackOffset: 0, ackTimeMs: now, askedMs: now, pending: [], startOnAck: false };
    this.replicas.push(c);
    if (this.replicas.length === 1 && this.backlog === null) {
      // changeReplicationId + clearReplicationId2 + createReplicationBacklog: a new history starts here.
      this.replId = this.host.rng.hex(40);
      this.replId2 = ZERO_ID;
      this.secondReplIdOffset = -1;
      this.createBacklog();
      this.host.log('notice', `Replication backlog created, my new replication IDs are '${this.replId}' and '${this.replId2}'`);
    }
    if (this.child !== null) {
      this.host.log('notice', 'Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
      return;
    }
    const diskless = this.diskless(c);
    if (!diskless || Number(this.host.config.get('repl-diskless-sync-delay')) === 0) this.startSnapshot();
    else this.host.log('notice', 'Delay next BGSAVE for diskless SYNC');
  }

  /** masterTryPartialResynchronization. */
  private tryPartialResync(c: Client, replid: string, offset: number): boolean {
    if (replid !== this.replId && (replid !== this.replId2 || offset > this.secondReplIdOffset)) {
      if (replid === '?') this.host.log('notice', `Full resync requested by replica ${this.replicaName(c)}`);
      else if (replid !== this.replId2) {
        this.host.log('notice', `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replId}' and '${this.replId2}')`);
      } else {
        this.host.log('notice', `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${this.secondReplIdOffset}`);
        // The replica wrote past the point where we took over its history: those writes are lost.
        this.host.diverged(replid, this.secondReplIdOffset - 1, offset - 1, this.replicaName(c));
      }
      return false;
    }
    const b = this.backlog;
    if (b === null || offset < b.firstByteOffset || offset > b.firstByteOffset + b.histlen) {
      this.host.log('notice', `Unable to partial resync with replica ${this.replicaName(c)} for lack of backlog (Replica request was: ${offset}).`);
      return false;
    }
    const now = this.host.nowMs();
    c.replica = { state: 'online', prePsync: false, ackOffset: 0, ackTimeMs: now, askedMs: now, pending: [], startOnAck: false };
    this.replicas.push(c);
    this.stats.syncPartialOk++;
    const line = c.replconf.capaPsync2 ? `+CONTINUE ${this.replId}${CRLF}` : `+CONTINUE${CRLF}`;
    this.host.writeToClient(c, byteStringToBytes(line));
    const missed = b.from(offset);
    if (missed.length > 0) this.host.writeToClient(c, missed);
    this.host.log('notice', `Partial resynchronization request from ${this.replicaName(c)} accepted. Sending ${missed.length} bytes of backlog starting from offset ${offset}.`);
    this.refreshGoodReplicas();
    return true;
  }

  private createBacklog(): void {
    this.backlog = new ReplicationBacklog(Number(this.host.config.get('repl-backlog-size')), this.masterReplOffset);
  }

  private diskless(c: Client): boolean {
    return this.host.config.get('repl-diskless-sync') === 'yes' && c.replconf.capaEof;
  }

  /**
   * startBgsaveForReplication: every replica waiting for a snapshot gets +FULLRESYNC with the current offset;
   * the fork costs the parent its page-table copy; the child's snapshot is the data as of now.
   */
  private startSnapshot(): void {
    const waiting = this.replicas.filter((r) => r.replica!.state === 'wait_bgsave_start');
    if (waiting.length === 0) return;
    const diskless = waiting.every((r) => this.diskless(r));
    this.host.spend(COST_NS.fork);
    for (const r of waiting) {
      r.replica!.state = 'wait_bgsave_end';
      if (!r.replica!.prePsync) this.host.writeToClient(r, byteStringToBytes(`+FULLRESYNC ${this.replId} ${this.masterReplOffset}${CRLF}`));
    }
    // The next command in the stream must say which database it is for.
    this.seldb = -1;
    const aux: RdbAux = {
      redisVer: '7.0.15',
      ctimeS: Math.floor(this.host.nowMs() / 1000),
      usedMem: this.host.usedMemory(),
      replStreamDb: 0,
      replId: this.replId,
      replOffset: this.masterReplOffset,
    };
    const rdb = saveRdb(this.host.dbs, aux, this.host.saveOptions(), this.host.functionCodes());
    const childNs = COST_NS.fork + rdb.length * COST_NS.rdbSavePerByte;
    this.child = { endsAtMs: this.host.nowMs() + Math.ceil(childNs / 1e6), rdb, diskless };
    this.host.log('notice', diskless ? `Starting BGSAVE for SYNC with target: replicas sockets` : `Starting BGSAVE for SYNC with target: disk`);
  }

  /** checkChildrenDone + updateSlavesWaitingBgsave: the snapshot is written; send it, then the stream. */
  private finishSnapshot(): void {
    const child = this.child!;
    this.child = null;
    for (const r of this.replicas) {
      const link = r.replica!;
      if (link.state !== 'wait_bgsave_end') continue;
      if (child.diskless) {
        const mark = this.host.rng.hex(EOF_MARK_SIZE);
        this.host.writeToClient(r, byteStringToBytes(`$EOF:${mark}${CRLF}`));
        this.host.writeToClient(r, child.rdb);
        this.host.writeToClient(r, byteStringToBytes(mark));
      } else {
        this.host.writeToClient(r, byteStringToBytes(`$${child.rdb.length}${CRLF}`));
        this.host.writeToClient(r, child.rdb);
      }
      link.state = 'online';
      link.ackTimeMs = this.host.nowMs();
      if (child.diskless) link.startOnAck = true;
      else {
        for (const p of link.pending) this.host.writeToClient(r, p);
        link.pending = [];
      }
      this.host.log('notice', `Synchronization with replica ${this.replicaName(r)} succeeded`);
    }
    this.refreshGoodReplicas();
    // Replicas that arrived while the child ran get their own snapshot now.
    this.startPendingSnapshot();
  }

  /** replicationStartPendingFork: start the snapshot once the diskless delay has passed for the oldest waiting replica. */
  private startPendingSnapshot(): void {
    if (this.child !== null) return;
    const now = this.host.nowMs();
    let waiting = 0;
    let maxIdleS = 0;
    let allDiskless = true;
    for (const r of this.replicas) {
      if (r.replica!.state !== 'wait_bgsave_start') continue;
      waiting++;
      // Whole seconds, as Redis compares unixtime values.
      maxIdleS = Math.max(maxIdleS, Math.floor(now / 1000) - Math.floor(r.replica!.askedMs / 1000));
      allDiskless &&= this.diskless(r);
    }
    if (waiting === 0) return;
    const maxReplicas = Number(this.host.config.get('repl-diskless-sync-max-replicas'));
    if (!allDiskless || (maxReplicas > 0 && waiting >= maxReplicas) || maxIdleS >= Number(this.host.config.get('repl-diskless-sync-delay'))) {
      this.startSnapshot();
    }
  }

  /** REPLCONF <option> <value> ... */
  replconfCommand(c: Client, argv: readonly string[]): void {
    if (argv.length % 2 === 0) {
      c.reply.error('ERR syntax error');
      return;
    }
    for (let j = 1; j < argv.length; j += 2) {
      const opt = argv[j].toLowerCase();
      const value = argv[j + 1];
      if (opt === 'listening-port') {
        const port = parseOffset(value);
        if (port === null) {
          c.reply.error('ERR value is not an integer or out of range');
          return;
        }
        c.replconf.listeningPort = port;
      } else if (opt === 'ip-address') {
        c.replconf.ip = value;
      } else if (opt === 'capa') {
        const capa = value.toLowerCase();
        if (capa === 'eof') c.replconf.capaEof = true;
        else if (capa === 'psync2') c.replconf.capaPsync2 = true;
      } else if (opt === 'ack') {
        // From a replica only, and never answered.
        if (c.replica === null) return;
        const offset = parseOffset(value);
        if (offset === null) return;
        if (offset > c.replica.ackOffset) c.replica.ackOffset = offset;
        c.replica.ackTimeMs = this.host.nowMs();
        this.host.acked(this.replicaName(c), offset, this.masterReplOffset);
        if (c.replica.startOnAck) {
          c.replica.startOnAck = false;
          for (const p of c.replica.pending) this.host.writeToClient(c, p);
          c.replica.pending = [];
        }
        return;
      } else if (opt === 'getack') {
        if (this.isReplica && this.master !== null) this.sendAck();
        return;
      } else if (opt === 'rdb-only' || opt === 'rdb-filter-only') {
        // Accepted for redis-cli --rdb; the lab always sends the whole data set.
      } else {
        c.reply.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
        return;
      }
    }
    c.reply.status('OK');
  }

  /** A replica client went away (freeClient's replica part). */
  replicaGone(c: Client): void {
    const i = this.replicas.indexOf(c);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    this.host.log('warning', `Connection with replica ${this.replicaName(c)} lost.`);
    this.refreshGoodReplicas();
  }

  /** How many replicas acknowledged at least `offset` (replicationCountAcksByOffset). */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.replica!.state === 'online' && r.replica!.ackOffset >= offset) n++;
    return n;
  }

  /** WAIT numreplicas timeout, after argument checks: answer now or wait. */
  wait(c: Client, numreplicas: number, timeoutMs: number): void {
    const acked = this.countAcks(c.woff);
    if (acked >= numreplicas || c.denyBlocking) {
      c.reply.integer(acked);
      return;
    }
    const deadlineMs = timeoutMs > 0 ? this.host.nowMs() + timeoutMs : 0;
    this.waiting.push({ c, offset: c.woff, numreplicas, deadlineMs });
    c.blocked = { keys: [], deadlineMs, serve: () => false, timedOut: () => undefined };
    this.getAck = true;
  }

  /** A waiting client went away. */
  forgetWaiting(c: Client): void {
    const i = this.waiting.findIndex((w) => w.c === c);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /**
   * beforeSleep's replication work: ask replicas for an ACK if someone waits (REPLCONF GETACK goes into the
   * stream like any command), then answer the WAITs that are satisfied or timed out.
   */
  beforeSleep(): void {
    if (this.getAck && !this.isReplica) {
      this.feed(-1, ['REPLCONF', 'GETACK', '*']);
      this.getAck = false;
    }
    if (this.waiting.length === 0) return;
    const now = this.host.nowMs();
    for (const w of [...this.waiting]) {
      const acked = this.countAcks(w.offset);
      if (acked < w.numreplicas && (w.deadlineMs === 0 || now < w.deadlineMs)) continue;
      this.forgetWaiting(w.c);
      w.c.blocked = null;
      w.c.reply.integer(acked);
      this.host.unblockWaiting(w.c);
    }
  }

  /** refreshGoodSlavesCount: online replicas whose last ACK is at most min-replicas-max-lag seconds old. */
  refreshGoodReplicas(): void {
    const minReplicas = Number(this.host.config.get('min-replicas-to-write'));
    const maxLag = Number(this.host.config.get('min-replicas-max-lag'));
    if (minReplicas === 0 || maxLag === 0) return;
    const nowS = Math.floor(this.host.nowMs() / 1000);
    let good = 0;
    for (const r of this.replicas) {
      const lag = nowS - Math.floor(r.replica!.ackTimeMs / 1000);
      if (r.replica!.state === 'online' && lag <= maxLag) good++;
    }
    this.goodReplicas = good;
  }

  /** Whether min-replicas-to-write refuses writes now (NOREPLICAS). */
  tooFewReplicas(): boolean {
    const minReplicas = Number(this.host.config.get('min-replicas-to-write'));
    const maxLag = Number(this.host.config.get('min-replicas-max-lag'));
    return !this.isReplica && minReplicas > 0 && maxLag > 0 && this.goodReplicas < minReplicas;
  }

  private replicaName(c: Client): string {
    const ip = c.replconf.ip ?? c.peer.slice(0, c.peer.lastIndexOf(':'));
    return `${ip}:${c.replconf.listeningPort}`;
  }

  /** The INFO replication name of a replica: ip and listening port. */
  replicaAddress(c: Client): { ip: string; port: number } {
    return { ip: c.replconf.ip ?? c.peer.slice(0, c.peer.lastIndexOf(':')), port: c.replconf.listeningPort };
  }

  // ======================================================================================================
  // replicationCron (every second) and the child check (every serverCron)
  // ======================================================================================================

  serverCron(): void {
    if (this.child !== null && this.host.nowMs() >= this.child.endsAtMs) this.finishSnapshot();
    this.startPendingSnapshot();
  }

  replicationCron(paused: boolean): void {
    const now = this.host.nowMs();
    const timeoutMs = Number(this.host.config.get('repl-timeout')) * 1000;
    // Replica: handshakes and transfers that stall, a silent master, reconnection, the ACK.
    if (this.isReplica) {
      if (this.state !== 'connect' && this.state !== 'connected' && this.state !== 'none' && this.link !== null) {
        const last = this.transfer?.lastIoMs ?? this.lastIoMs;
        if (now - last > timeoutMs) {
          this.host.log('warning', this.state === 'transfer' ? 'Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.' : 'Timeout connecting to the MASTER...');
          this.cancelHandshake();
        }
      }
      if (this.state === 'connected' && this.master !== null && now - this.lastIoMs > timeoutMs) {
        this.host.log('warning', 'MASTER timeout: no data nor PING received...');
        this.host.freeClient(this.master);
      }
      if (this.state === 'connect') {
        this.host.log('notice', `Connecting to MASTER ${this.masterHost}:${this.masterPort}`);
        this.connectWithMaster();
      }
      if (this.master !== null) this.sendAck();
    }
    // Master: a PING into the stream every repl-ping-replica-period seconds, newlines to replicas waiting for
    // their snapshot (so they do not time out), and replicas that stopped acknowledging are dropped.
    const period = Number(this.host.config.get('repl-ping-replica-period'));
    if (!this.isReplica && this.replicas.length > 0 && !paused && this.cronLoops % period === 0) this.feed(this.seldb, ['PING']);
    for (const r of [...this.replicas]) {
      const link = r.replica!;
      if (link.state === 'wait_bgsave_start' || (link.state === 'wait_bgsave_end' && !this.child?.diskless)) this.host.writeToClient(r, NEWLINE);
      if (link.state === 'online' && !link.prePsync && now - link.ackTimeMs > timeoutMs) {
        this.host.log('warning', `Disconnecting timedout replica (streaming sync): ${this.replicaName(r)}`);
        this.host.freeClient(r);
      }
    }
    this.cronLoops++;
    this.refreshGoodReplicas();
  }

  // ======================================================================================================
  // Replica side
  // ======================================================================================================

  /** replicationSetMaster: become a replica of host:port and start connecting at once. */
  setMaster(host: string, port: number): void {
    const wasMaster = this.masterHost === null;
    this.masterHost = null;
    if (this.master !== null) this.host.freeClient(this.master);
    this.host.disconnectBlockedClients();
    this.masterHost = host;
    this.masterPort = port;
    this.cancelHandshake();
    if (wasMaster) {
      // replicationCacheMasterUsingMyself: offer our own history, so a demoted master may continue partially.
      this.cached = { replId: this.replId, reploff: this.masterReplOffset, db: 0 };
      this.masterReploff = this.masterReplOffset;
    }
    this.state = 'connect';
    this.host.roleChanged();
    this.host.log('notice', `Connecting to MASTER ${host}:${port}`);
    this.connectWithMaster();
  }

  /** replicationUnsetMaster: become a master, with a new replication id (the old one stays as replid2). */
  unsetMaster(): void {
    if (this.masterHost === null) return;
    this.masterHost = null;
    if (this.master !== null) this.host.freeClient(this.master);
    this.cached = null;
    this.cancelHandshake();
    // shiftReplicationId: replicas of the old master can still continue from where they were.
    this.replId2 = this.replId;
    this.secondReplIdOffset = this.masterReplOffset + 1;
    this.replId = this.host.rng.hex(40);
    this.host.log('warning', `Setting secondary replication ID to ${this.replId2}, valid up to offset: ${this.secondReplIdOffset}. New replication ID is ${this.replId}`);
    // disconnectSlaves: they must learn the new id (they reconnect and continue partially).
    for (const r of [...this.replicas]) this.host.freeClient(r);
    this.state = 'none';
    this.seldb = -1;
    this.downSinceMs = 0;
    this.host.roleChanged();
  }

  get hasCachedMaster(): boolean {
    return this.cached !== null;
  }

  /** The replica's processed offset (replicationGetSlaveOffset), as cluster headers and ROLE carry it. */
  replicaOffset(): number {
    if (this.master !== null) return this.masterReploff;
    if (this.cached !== null) return this.cached.reploff;
    return 0;
  }

  private connectWithMaster(): void {
    const { fd, conn } = this.host.connect(`${this.masterHost}:${this.masterPort}`);
    this.link = { fd, conn, buf: new Uint8Array(0) };
    this.lastIoMs = this.host.nowMs();
    this.state = 'connecting';
    this.host.log('notice', 'MASTER <-> REPLICA sync started');
    // The connection is non-blocking: PING goes out at once and waits in the socket until it is established.
    this.host.log('notice', 'Non blocking connect for SYNC fired the event.');
    this.sendLine(['PING']);
    this.state = 'receive_ping_reply';
  }

  /** cancelReplicationHandshake: drop a link still in handshake or transfer. */
  private cancelHandshake(): void {
    if (this.link !== null && this.state !== 'connected') this.host.closeLink(this.link.fd, this.link.conn);
    if (this.state !== 'connected') this.link = null;
    this.transfer = null;
    if (this.masterHost !== null && this.state !== 'connected') this.state = 'connect';
  }

  /** Whether `fd` is the link in handshake or transfer (input goes to linkReadable, not to a client). */
  ownsLink(fd: number): boolean {
    return this.link !== null && this.link.fd === fd && this.state !== 'connected';
  }

  private sendLine(argv: string[]): void {
    if (this.link) this.host.write(this.link.conn, encodeCommand(argv));
  }

  /** syncWithMaster and readSyncBulkPayload: input on the link before it carries the stream. */
  linkReadable(bytes: Uint8Array | null): void {
    const link = this.link;
    if (link === null) return;
    if (bytes === null) {
      this.host.log('warning', this.state === 'transfer' ? 'I/O error trying to sync with MASTER: connection lost' : 'Error condition on socket for SYNC: Connection refused');
      this.cancelHandshake();
      return;
    }
    this.lastIoMs = this.host.nowMs();
    link.buf = concat(link.buf, bytes);
    for (;;) {
      if (this.link !== link || this.state === 'connected') return;
      if (this.state === 'transfer') {
        if (!this.readPayload()) return;
        continue;
      }
      // The master may send bare newlines while it prepares its PSYNC reply, to keep the link alive.
      if (this.state === 'receive_psync_reply') while (link.buf.length > 0 && link.buf[0] === 10) link.buf = link.buf.subarray(1);
      const eol = indexOfCrlf(link.buf);
      if (eol < 0) return;
      const line = bytesToByteString(link.buf.subarray(0, eol));
      link.buf = link.buf.subarray(eol + 2);
      this.handshakeReply(line);
    }
  }

  private handshakeReply(line: string): void {
    const port = String(this.host.config.get('replica-announce-port') !== '0' ? this.host.config.get('replica-announce-port') : this.host.port);
    switch (this.state) {
      case 'receive_ping_reply':
        // -NOAUTH and -NOPERM are fine here: the AUTH that follows fixes them.
        if (line.startsWith('-') && !line.startsWith('-NOAUTH') && !line.startsWith('-NOPERM') && !line.startsWith('-ERR operation not permitted')) {
          this.host.log('warning', `Error reply to PING from master: '${line.slice(1)}'`);
          this.cancelHandshake();
          return;
        }
        this.host.log('notice', 'Master replied to PING, replication can continue...');
        if (this.host.config.get('masterauth')) {
          const user = this.host.config.get('masteruser');
          this.sendLine(user ? ['AUTH', user, this.host.config.get('masterauth')!] : ['AUTH', this.host.config.get('masterauth')!]);
        }
        this.sendLine(['REPLCONF', 'listening-port', port]);
        this.sendLine(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
        this.state = this.host.config.get('masterauth') ? 'receive_auth_reply' : 'receive_port_reply';
        return;
      case 'receive_auth_reply':
        if (line.startsWith('-')) {
          this.host.log('warning', `Unable to AUTH to MASTER: ${line.slice(1)}`);
          this.cancelHandshake();
          return;
        }
        this.state = 'receive_port_reply';
        return;
      case 'receive_port_reply':
        if (line.startsWith('-')) this.host.log('notice', `(Non critical) Master does not understand REPLCONF listening-port: ${line.slice(1)}`);
        this.state = 'receive_capa_reply';
        return;
      case 'receive_capa_reply': {
        if (line.startsWith('-')) this.host.log('notice', `(Non critical) Master does not understand REPLCONF capa: ${line.slice(1)}`);
        // slaveTryPartialResynchronization: offer the cached history, if any.
        if (this.cached !== null) {
          this.psyncReplId = this.cached.replId;
          this.sendLine(['PSYNC', this.cached.replId, String(this.cached.reploff + 1)]);
          this.host.log('notice', `Trying a partial resynchronization (request ${this.cached.replId}:${this.cached.reploff + 1}).`);
        } else {
          this.psyncReplId = '?';
          this.sendLine(['PSYNC', '?', '-1']);
          this.host.log('notice', 'Partial resynchronization not possible (no cached master)');
        }
        this.state = 'receive_psync_reply';
        return;
      }
      case 'receive_psync_reply':
        this.psyncReply(line);
        return;
      default:
        return;
    }
  }

  private psyncReply(line: string): void {
    if (line.length === 0) return; // a newline sent to keep the link alive while the master prepares
    if (line.startsWith('+FULLRESYNC')) {
      const [, replid, offset] = line.split(' ');
      this.psyncReplId = replid ?? ZERO_ID;
      this.psyncInitialOffset = Number(offset ?? -1);
      this.host.log('notice', `Full resync from master: ${this.psyncReplId}:${this.psyncInitialOffset}`);
      // The cached master stays until the snapshot replaces our data (replicationAttachToNewMaster): a transfer
      // that fails may still continue our history, and our offset is still the cached one meanwhile.
      this.state = 'transfer';
      this.transfer = { size: null, eofMark: null, parts: [], read: 0, lastIoMs: this.host.nowMs() };
      return;
    }
    if (line.startsWith('+CONTINUE')) {
      const newId = line.slice('+CONTINUE'.length).trim();
      this.host.log('notice', 'Successful partial resynchronization with master.');
      const cached = this.cached!;
      if (newId.length === 40 && newId !== cached.replId) {
        this.replId2 = cached.replId;
        this.secondReplIdOffset = this.masterReplOffset + 1;
        this.replId = newId;
        this.host.log('warning', `Master replication ID changed to ${newId}`);
        for (const r of [...this.replicas]) this.host.freeClient(r);
      }
      this.masterReploff = cached.reploff;
      this.masterReadReploff = cached.reploff;
      this.cached = null;
      // A demoted master that never had a replica has no backlog yet: from now on it keeps one, in case it is
      // promoted again.
      if (this.backlog === null) this.createBacklog();
      this.becomeConnected(cached.db);
      return;
    }
    if (line.startsWith('-NOMASTERLINK') || line.startsWith('-LOADING')) {
      this.host.log('notice', `Master is currently unable to PSYNC but should be in the future: ${line.slice(1)}`);
    } else {
      this.host.log('warning', `Unexpected reply to PSYNC from master: ${line}`);
    }
    this.cancelHandshake();
  }

  /** readSyncBulkPayload: collect the snapshot; true when it finished (and the link moved on). */
  private readPayload(): boolean {
    const link = this.link!;
    const t = this.transfer!;
    if (t.size === null && t.eofMark === null) {
      // Newlines may come first: the master pings a replica waiting for its snapshot.
      while (link.buf.length > 0 && link.buf[0] === 10) link.buf = link.buf.subarray(1);
      const eol = indexOfCrlf(link.buf);
      if (eol < 0) return false;
      const header = bytesToByteString(link.buf.subarray(0, eol));
      link.buf = link.buf.subarray(eol + 2);
      if (header.startsWith('-')) {
        this.host.log('warning', `MASTER aborted replication with an error: ${header.slice(1)}`);
        this.cancelHandshake();
        return false;
      }
      if (header.startsWith('$EOF:') && header.length === 5 + EOF_MARK_SIZE) t.eofMark = header.slice(5);
      else t.size = Number(header.slice(1));
      this.host.log('notice', t.eofMark !== null ? 'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk' : `MASTER <-> REPLICA sync: receiving ${t.size} bytes from master to disk`);
    }
    t.lastIoMs = this.host.nowMs();
    if (t.size !== null) {
      const want = t.size - t.read;
      const take = Math.min(want, link.buf.length);
      t.parts.push(link.buf.subarray(0, take));
      t.read += take;
      link.buf = link.buf.subarray(take);
      if (t.read < t.size) return false;
      this.loadPayload(concatBytes(t.parts));
      return true;
    }
    // Diskless: the payload ends with the 40-byte mark.
    t.parts.push(link.buf);
    t.read += link.buf.length;
    link.buf = new Uint8Array(0);
    const all = concatBytes(t.parts);
    t.parts = [all];
    if (all.length < EOF_MARK_SIZE || bytesToByteString(all.subarray(all.length - EOF_MARK_SIZE)) !== t.eofMark) return false;
    this.loadPayload(all.subarray(0, all.length - EOF_MARK_SIZE));
    return true;
  }

  /** Flush the old data, load the snapshot (the replica is blocked meanwhile), and start applying the stream. */
  private loadPayload(rdb: Uint8Array): void {
    this.attachToNewMaster();
    this.host.log('notice', 'MASTER <-> REPLICA sync: Flushing old data');
    this.host.emptyData();
    this.host.log('notice', 'MASTER <-> REPLICA sync: Loading DB in memory');
    this.host.spend(rdb.length * COST_NS.rdbLoadPerByte);
    let dbid = 0;
    try {
      const r = loadRdb(rdb, this.host.dbs, { ...this.host.loadOptions(), isReplica: true });
      dbid = Number(r.aux.get('repl-stream-db') ?? 0) || 0;
      // The master's function libraries replace ours, as its data replaces our data.
      this.host.loadFunctions(r.functions);
    } catch (e) {
      if (!(e instanceof RdbFormatError)) throw e;
      this.host.log('warning', `Failed trying to load the MASTER synchronization DB from socket: ${e.message}`);
      this.host.emptyData();
      this.cancelHandshake();
      return;
    }
    this.replId = this.psyncReplId;
    this.masterReplOffset = this.psyncInitialOffset;
    this.masterReploff = this.psyncInitialOffset;
    this.masterReadReploff = this.psyncInitialOffset;
    this.replId2 = ZERO_ID;
    this.secondReplIdOffset = -1;
    // A new backlog, numbered from the master's offset: we keep one even without replicas, to serve PSYNC
    // once promoted.
    this.createBacklog();
    this.host.log('notice', 'MASTER <-> REPLICA sync: Finished with success');
    const diskless = this.transfer?.eofMark != null;
    this.transfer = null;
    this.becomeConnected(dbid);
    // After a diskless payload the master starts the stream on our first ACK: send it now.
    if (diskless) this.sendAck();
  }

  /**
   * replicationAttachToNewMaster: the snapshot about to be loaded is another history, numbered from the
   * master's offset. Our cached master, our backlog and our own replicas all belong to the old one: a backlog
   * kept would answer a later PSYNC (once we are promoted) with bytes from the wrong place, and sub-replicas
   * fed the new stream on top of the old data would diverge while their link stays up. So the cached master
   * is discarded, the backlog freed (a new one starts after loading) and the replicas disconnected: they
   * resynchronise with us from scratch.
   */
  private attachToNewMaster(): void {
    // Say which writes of our own history the backlog held, so that lost ones can be counted.
    if (this.cached !== null && this.backlog !== null) this.host.discarded(this.cached.replId, this.cached.reploff, writesIn(this.backlog));
    this.cached = null;
    for (const r of [...this.replicas]) this.host.freeClient(r);
    this.backlog = null;
  }

  private becomeConnected(dbid: number): void {
    const link = this.link!;
    // Whatever followed the reply or the snapshot in the same read is already the stream.
    const rest = link.buf;
    link.buf = new Uint8Array(0);
    this.state = 'connected';
    this.downSinceMs = 0;
    this.lastIoMs = this.host.nowMs();
    const peer = `${this.masterHost}:${this.masterPort}`;
    this.master = this.host.createMasterClient(link.fd, link.conn, peer, dbid);
    if (rest.length > 0) this.master.parser.feed(rest);
    this.host.roleChanged();
  }

  /**
   * A command from the master was applied: advance the offsets and pass the same bytes on to our own backlog
   * and sub-replicas (replicationFeedStreamFromMasterStream).
   */
  masterCommandApplied(consumed: number, argv: readonly string[]): void {
    this.masterReploff += consumed;
    this.masterReadReploff = this.masterReploff;
    this.lastIoMs = this.host.nowMs();
    const bytes = encodeCommand(argv);
    this.masterReplOffset += bytes.length;
    this.backlog?.append(bytes);
    for (const r of this.replicas) {
      const link = r.replica!;
      if (link.state === 'wait_bgsave_end' || link.startOnAck) link.pending.push(bytes);
      else if (link.state === 'online') this.host.writeToClient(r, bytes);
    }
  }

  /** The master client was freed (link lost, timeout, role change): keep its history for PSYNC. */
  masterGone(): void {
    if (this.master === null) return;
    this.cached = { replId: this.replId, reploff: this.masterReploff, db: this.master.db.id };
    this.master = null;
    this.link = null;
    if (this.masterHost !== null) {
      this.host.log('warning', 'Connection with master lost.');
      this.host.log('notice', 'Caching the disconnected master state.');
      this.state = 'connect';
      this.downSinceMs = this.host.nowMs();
      this.host.roleChanged();
    }
  }

  /** replicationSendAck: REPLCONF ACK <applied offset>, straight onto the link (the master client's replies are muted). */
  sendAck(): void {
    if (this.master === null || this.link === null) return;
    this.host.write(this.link.conn, encodeCommand(['REPLCONF', 'ACK', String(this.masterReploff)]));
  }

  /** ROLE's and INFO's replica state name (slaveIsInHandshakeState, then repl_state). */
  roleState(): string {
    if (this.state.startsWith('receive_')) return 'handshake';
    if (this.state === 'transfer') return 'sync';
    return this.state;
  }

  /** INFO's transfer figures while a snapshot arrives. */
  transferProgress(): { size: number; read: number; lastIoMs: number } | null {
    const t = this.transfer;
    if (t === null) return null;
    return { size: t.size ?? -1, read: t.read, lastIoMs: t.lastIoMs };
  }
}

const NEWLINE = new Uint8Array([10]);

/** Commands of the stream that carry no data change. */
const NOT_WRITES = new Set(['select', 'ping', 'replconf', 'multi', 'exec']);

/** The writes held in a backlog, each with the stream offset of its last byte. */
function writesIn(backlog: ReplicationBacklog): { offset: number; command: string; key: string }[] {
  const parser = new RequestParser({});
  parser.feed(backlog.from(backlog.firstByteOffset));
  const total = parser.bufferedBytes;
  const out: { offset: number; command: string; key: string }[] = [];
  for (let argv = parser.next(); argv !== null && Array.isArray(argv); argv = parser.next()) {
    const end = backlog.firstByteOffset - 1 + (total - parser.bufferedBytes);
    const name = argv[0]?.toLowerCase() ?? '';
    if (!NOT_WRITES.has(name)) out.push({ offset: end, command: name, key: argv[1] ?? '' });
  }
  return out;
}

function parseOffset(s: string): number | null {
  if (!/^-?\d{1,19}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function indexOfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

