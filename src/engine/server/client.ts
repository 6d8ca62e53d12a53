/**
 * A connected client (Redis's `client` struct): its socket, query buffer, reply buffer, selected database and
 * flags. Command handlers receive the client, read `argv`, and write replies through `reply`.
 */
import type { ByteString } from '../types/bytes.ts';
import type { TimeUs } from '../types/time.ts';
import type { ConnId } from '../net/wire.ts';
import { RequestParser } from '../resp/request-parser.ts';
import { ReplyWriter } from '../resp/reply-writer.ts';
import type { Database } from '../keyspace/database.ts';
import type { CommandSpec } from '../commands/types.ts';
import type { CloseReason } from './server.ts';

export class Client {
  /** CLIENT ID: a per-node counter, never reused. */
  readonly id: number;
  readonly fd: number;
  readonly conn: ConnId;
  /** ip:port of the peer, as CLIENT LIST's addr. */
  readonly peer: string;
  readonly createdUs: TimeUs;
  lastInteractionUs: TimeUs;

  readonly parser: RequestParser;
  readonly reply = new ReplyWriter();

  /** The command being executed and its arguments (byte strings). */
  argv: ByteString[] = [];
  cmd: CommandSpec | undefined;
  lastCommand = 'NULL';

  db: Database;
  name = '';
  authenticated: boolean;

  /**
   * A blocking command waiting for data (CLIENT_BLOCKED): which keys, until when (unix ms, 0 = forever), and how
   * to finish once a key has data or the time is up. While blocked, the client's further input waits.
   */
  blocked: BlockedState | null = null;
  /** Inside EXEC (CLIENT_DENY_BLOCKING): a blocking command that would wait acts as if it timed out. */
  denyBlocking = false;

  /** Pub/Sub subscriptions (CLIENT_PUBSUB while any exist). */
  readonly channels = new Set<ByteString>();
  readonly patterns = new Set<ByteString>();

  /** MULTI state: commands queued for EXEC, and whether a rejected command poisoned the transaction. */
  inMulti = false;
  queued: { spec: CommandSpec; argv: ByteString[] }[] = [];
  dirtyExec = false;
  /**
   * While EXEC runs its queue: the queue and EXEC's own arguments. Redis keeps the client flagged MULTI with
   * its queue until EXEC finishes, which CLIENT LIST shows.
   */
  executing: { queued: { spec: CommandSpec; argv: ByteString[] }[]; argv: ByteString[] } | null = null;
  /** A WATCHed key changed: EXEC will fail (CLIENT_DIRTY_CAS). */
  dirtyCas = false;
  watched: { db: Database; key: ByteString }[] = [];

  /** Cluster mode: ASKING (one command may use an importing slot) and READONLY (reads served by a replica). */
  asking = false;
  readonlyMode = false;

  /** CLIENT REPLY OFF, and SKIP (the next command's reply only; set after the SKIP command itself). */
  replyOff = false;
  replySkip = false;
  replySkipNext = false;
  /** CLIENT NO-EVICT ON (flag e). */
  noEvict = false;
  /** In MONITOR mode: sees every command the server runs (flags O). */
  monitor = false;
  /** Waiting for its MIGRATE to finish (the whole server waits too); its further input waits. */
  inSyncIo = false;
  /**
   * Set while this client's command (a long script) is suspended in the event loop: the steps left of
   * call(), processCommand and the read handler, run in order when it ends. null otherwise.
   */
  suspended: (() => void)[] | null = null;
  /** Held by CLIENT PAUSE: its current command waits in argv until the pause ends (blockPostponeClient). */
  postponed = false;

  /** CLIENT_MASTER: this is a replica's link to its master, whose commands it applies without replying. */
  isMaster = false;
  /** CLIENT_SLAVE: a replica attached to this node with SYNC/PSYNC, and how far it is. */
  replica: import('../replication/replication.ts').ReplicaLink | null = null;
  /** What REPLCONF told us before PSYNC: the replica's listening port, announced IP and capabilities. */
  replconf: { listeningPort: number; ip: string | null; capaEof: boolean; capaPsync2: boolean } = { listeningPort: 0, ip: null, capaEof: false, capaPsync2: false };
  /**
   * What the current command replicates as, when not as itself (alsoPropagate / rewriteClientCommandVector):
   * SPOP's random picks become SREMs. Null = the command as sent (or as propagate.ts rewrites it).
   */
  propagateAs: string[][] | null = null;
  /** The replication offset after this client's last write (c->woff): what WAIT waits for. */
  woff = 0;

  /** CLIENT_CLOSE_AFTER_REPLY: write what is pending, then close (QUIT, protocol errors). */
  closeAfterReply = false;
  closeReason: CloseReason = 'quit';
  /** Set once the client is freed; late events for it are ignored. */
  closed = false;

  constructor(opts: {
    id: number;
    fd: number;
    conn: ConnId;
    peer: string;
    now: TimeUs;
    db: Database;
    protoMaxBulkLen: number;
    authenticated: boolean;
  }) {
    this.id = opts.id;
    this.fd = opts.fd;
    this.conn = opts.conn;
    this.peer = opts.peer;
    this.createdUs = opts.now;
    this.lastInteractionUs = opts.now;
    this.db = opts.db;
    this.authenticated = opts.authenticated;
    this.parser = new RequestParser({ protoMaxBulkLen: opts.protoMaxBulkLen, authenticated: opts.authenticated });
  }
}

export interface BlockedState {
  keys: ByteString[];
  deadlineMs: number;
  /** Try to serve the client from its keys; true when it replied (and is done). */
  serve: () => boolean;
  /** Reply for a timeout. */
  timedOut: () => void;
}
