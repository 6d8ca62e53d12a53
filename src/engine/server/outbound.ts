/**
 * Connections a node opens to other servers (MIGRATE's migrateCachedSocket): one per "host:port", reused while
 * used, with the database last selected on it, closed after 10 s idle (migrateCloseTimedoutSockets) or after an
 * error. The node's host carries them like any connection; replies arrive on the node's socket table.
 */
import type { Emission } from '../net/wire.ts';
import type { SocketTable } from '../net/sockets.ts';
import type { TimeUs } from '../types/time.ts';
import { ReplyParser, type Reply } from '../resp/reply-parser.ts';

/** MIGRATE_SOCKET_CACHE_TTL. */
const CACHE_TTL_US = 10_000_000;

export interface CachedConnection {
  conn: string;
  lastUseUs: TimeUs;
  /** The database last selected on it (-1 = unknown: send SELECT). */
  lastDbid: number;
  parser: ReplyParser;
}

export class OutboundConnections {
  private readonly cached = new Map<string, CachedConnection>();
  private counter = 0;

  constructor(
    private readonly name: string,
    private readonly sockets: SocketTable,
    private readonly emit: (e: Emission) => void,
    private readonly now: () => TimeUs,
  ) {}

  /** migrateGetSocket: the cached connection to `to`, or a new one (connect is sent now). */
  get(to: string): CachedConnection {
    const hit = this.cached.get(to);
    if (hit) {
      hit.lastUseUs = this.now();
      return hit;
    }
    const conn = `${this.name}>migrate#${++this.counter}`;
    this.sockets.openOutbound(conn);
    this.emit({ kind: 'connect', at: this.now(), conn, to });
    const c: CachedConnection = { conn, lastUseUs: this.now(), lastDbid: -1, parser: new ReplyParser() };
    this.cached.set(to, c);
    return c;
  }

  write(c: CachedConnection, bytes: Uint8Array): void {
    this.emit({ kind: 'data', at: this.now(), conn: c.conn, bytes });
  }

  /** Replies that have arrived by now, and whether the connection is gone. */
  read(c: CachedConnection): { replies: Reply[]; closed: boolean; refused: boolean } {
    const got = this.sockets.readOutbound(c.conn, this.now());
    for (const b of got.bytes) c.parser.feed(b);
    const replies: Reply[] = [];
    for (let r = c.parser.next(); r !== null; r = c.parser.next()) replies.push(r.reply);
    return { replies, closed: got.closed, refused: got.refused };
  }

  readyAt(c: CachedConnection): TimeUs | null {
    return this.sockets.outboundReadyAt(c.conn);
  }

  /** migrateCloseSocket. */
  close(to: string): void {
    const c = this.cached.get(to);
    if (!c) return;
    this.cached.delete(to);
    this.sockets.closeOutbound(c.conn);
    this.emit({ kind: 'close', at: this.now(), conn: c.conn });
  }

  /** migrateCloseTimedoutSockets, from serverCron. */
  closeIdle(): void {
    for (const [to, c] of this.cached) if (this.now() - c.lastUseUs > CACHE_TTL_US) this.close(to);
  }

  get size(): number {
    return this.cached.size;
  }
}
