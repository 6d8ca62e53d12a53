/**
 * The node's view of its sockets: what the kernel would hold for a real redis-server.
 *
 * Each connection gets a file descriptor (numbered from 8 up, like a fresh redis-server whose lower fds are
 * taken by stdio, the listening sockets and epoll) and a queue of arrived-but-unread input. The event loop asks
 * which descriptors are readable at a given virtual time and when the next one will become readable; a read
 * takes at most `PROTO_IOBUF_LEN` bytes of what had arrived by the time the poll returned, so a large pipeline
 * is processed in 16 KiB gulps across loop iterations, as on a real server.
 */
import type { ConnId, Delivery } from './wire.ts';
import type { TimeUs } from '../types/time.ts';
import { concatBytes } from '../types/bytes.ts';

/** Redis reads client input in chunks of this size (server.h PROTO_IOBUF_LEN). */
export const PROTO_IOBUF_LEN = 16 * 1024;

/** The listening socket's descriptor. Accepting connections is a readable event on it. */
export const LISTEN_FD = 6;
/**
 * The cluster bus, as one descriptor: Redis has a listener and a socket per link; the lab's bus carries typed
 * messages, so every arrived bus message makes this one descriptor readable.
 */
export const BUS_FD = 7;
const FIRST_CLIENT_FD = 8;

interface Chunk {
  at: TimeUs;
  bytes: Uint8Array;
}

export interface SocketState {
  fd: number;
  conn: ConnId;
  peer: string;
  /** Arrived, unread input, in arrival order. */
  input: Chunk[];
  /** Offset already consumed inside input[0]. */
  offset: number;
  /** Arrival time of the peer's FIN, if it closed its side. */
  eofAt: TimeUs | null;
}

export type ReadResult = { bytes: Uint8Array } | { eof: true } | null;

export class SocketTable {
  private byFd = new Map<number, SocketState>();
  private byConn = new Map<ConnId, SocketState>();
  /** Connections waiting in the accept queue (arrived 'open' deliveries). */
  private backlog: { at: TimeUs; conn: ConnId; peer: string }[] = [];
  /** Input that arrived for a connection still in the backlog. */
  private early = new Map<ConnId, Delivery[]>();
  private freeFds: number[] = [];
  /** Connections this node opened (MIGRATE): what arrived on them, and when the peer closed or refused. */
  private readonly outbound = new Map<ConnId, { input: Chunk[]; closedAt: TimeUs | null; refused: boolean }>();
  /** Arrived cluster bus messages, in arrival order. */
  private bus: Extract<Delivery, { kind: 'bus' | 'bus-down' }>[] = [];
  private nextFd = FIRST_CLIENT_FD;

  /** Queue an arrival from the host. Deliveries for one connection come in arrival order. */
  deliver(d: Delivery): void {
    if (d.kind === 'bus' || d.kind === 'bus-down') {
      this.bus.push(d);
      return;
    }
    // The node itself handles a resume (its clock); nothing for a socket.
    if (d.kind === 'resume' || d.kind === 'clock') return;
    const out = this.outbound.get((d as { conn?: ConnId }).conn ?? '');
    if (out !== undefined) {
      if (d.kind === 'data') out.input.push({ at: d.at, bytes: d.bytes });
      else if (d.kind === 'close' || d.kind === 'refused') {
        out.closedAt = d.at;
        out.refused = d.kind === 'refused';
      }
      return;
    }
    if (d.kind === 'open') {
      this.backlog.push({ at: d.at, conn: d.conn, peer: d.peer });
      return;
    }
    const s = this.byConn.get(d.conn);
    if (!s) {
      // Not accepted yet: keep it until accept(), or drop it if the connection is unknown (already closed).
      const pending = this.early.get(d.conn);
      if (pending) pending.push(d);
      else if (this.backlog.some((b) => b.conn === d.conn)) this.early.set(d.conn, [d]);
      return;
    }
    if (d.kind === 'data') s.input.push({ at: d.at, bytes: d.bytes });
    else if (s.eofAt === null) s.eofAt = d.at;
  }

  /** Pops connections that had arrived by `now` from the accept queue and gives each a descriptor. */
  accept(now: TimeUs, max: number): SocketState[] {
    const accepted: SocketState[] = [];
    while (this.backlog.length > 0 && this.backlog[0].at <= now && accepted.length < max) {
      const b = this.backlog.shift()!;
      const fd = this.freeFds.length > 0 ? this.freeFds.pop()! : this.nextFd++;
      const s: SocketState = { fd, conn: b.conn, peer: b.peer, input: [], offset: 0, eofAt: null };
      this.byFd.set(fd, s);
      this.byConn.set(b.conn, s);
      for (const d of this.early.get(b.conn) ?? []) this.deliver(d);
      this.early.delete(b.conn);
      accepted.push(s);
    }
    return accepted;
  }

  /**
   * Descriptors with something to read at `now` (including the listening socket), ordered by when they became
   * readable, then by descriptor: the order epoll would report them in.
   */
  readable(now: TimeUs): number[] {
    const ready: { fd: number; at: TimeUs }[] = [];
    if (this.backlog.length > 0 && this.backlog[0].at <= now) ready.push({ fd: LISTEN_FD, at: this.backlog[0].at });
    if (this.bus.length > 0 && this.bus[0].at <= now) ready.push({ fd: BUS_FD, at: this.bus[0].at });
    for (const s of this.byFd.values()) {
      const at = readableSince(s);
      if (at !== null && at <= now) ready.push({ fd: s.fd, at });
    }
    ready.sort((a, b) => a.at - b.at || a.fd - b.fd);
    return ready.map((r) => r.fd);
  }

  /** The earliest time any descriptor becomes readable, or null if nothing is pending. */
  nextReadableAt(): TimeUs | null {
    let best: TimeUs | null = this.backlog.length > 0 ? this.backlog[0].at : null;
    if (this.bus.length > 0 && (best === null || this.bus[0].at < best)) best = this.bus[0].at;
    for (const s of this.byFd.values()) {
      const at = readableSince(s);
      if (at !== null && (best === null || at < best)) best = at;
    }
    return best;
  }

  /**
   * A connection this node opens and watches like a client's (a replica's link to its master): it gets a
   * descriptor, its input makes it readable, and a refusal or the peer's close reads as end of file.
   */
  connect(conn: ConnId, peer: string): number {
    const fd = this.freeFds.length > 0 ? this.freeFds.pop()! : this.nextFd++;
    const s: SocketState = { fd, conn, peer, input: [], offset: 0, eofAt: null };
    this.byFd.set(fd, s);
    this.byConn.set(conn, s);
    return fd;
  }

  /** Track a connection this node opens. */
  openOutbound(conn: ConnId): void {
    this.outbound.set(conn, { input: [], closedAt: null, refused: false });
  }

  closeOutbound(conn: ConnId): void {
    this.outbound.delete(conn);
  }

  /** When something (bytes, close, refusal) next arrives on an outbound connection; null when nothing is pending. */
  outboundReadyAt(conn: ConnId): TimeUs | null {
    const o = this.outbound.get(conn);
    if (!o) return null;
    if (o.input.length > 0) return o.input[0].at;
    return o.closedAt;
  }

  /** Bytes that arrived on an outbound connection by `now`, and whether it was closed by then. */
  readOutbound(conn: ConnId, now: TimeUs): { bytes: Uint8Array[]; closed: boolean; refused: boolean } {
    const o = this.outbound.get(conn);
    if (!o) return { bytes: [], closed: true, refused: false };
    const bytes: Uint8Array[] = [];
    while (o.input.length > 0 && o.input[0].at <= now) bytes.push(o.input.shift()!.bytes);
    const closed = o.closedAt !== null && o.closedAt <= now && o.input.length === 0;
    return { bytes, closed, refused: closed && o.refused };
  }

  /** The bus messages that had arrived by `now`, removed from the queue. */
  takeBus(now: TimeUs): Extract<Delivery, { kind: 'bus' | 'bus-down' }>[] {
    let n = 0;
    while (n < this.bus.length && this.bus[n].at <= now) n++;
    return this.bus.splice(0, n);
  }

  /** read(2): up to `max` bytes that had arrived by `now`; `{eof}` once the input is drained and the peer closed. */
  read(fd: number, now: TimeUs, max = PROTO_IOBUF_LEN): ReadResult {
    const s = this.byFd.get(fd);
    if (!s) return null;
    if (s.input.length === 0 || s.input[0].at > now) {
      return s.eofAt !== null && s.eofAt <= now && s.input.length === 0 ? { eof: true } : null;
    }
    const parts: Uint8Array[] = [];
    let total = 0;
    while (s.input.length > 0 && s.input[0].at <= now && total < max) {
      const head = s.input[0];
      const take = Math.min(head.bytes.length - s.offset, max - total);
      parts.push(head.bytes.subarray(s.offset, s.offset + take));
      total += take;
      s.offset += take;
      if (s.offset === head.bytes.length) {
        s.input.shift();
        s.offset = 0;
      }
    }
    return { bytes: parts.length === 0 ? new Uint8Array(0) : concatBytes(parts) };
  }

  get(fd: number): SocketState | undefined {
    return this.byFd.get(fd);
  }

  /** close(2) on our side: forget the descriptor (the number is reused, as the kernel reuses the lowest free fd). */
  close(fd: number): void {
    const s = this.byFd.get(fd);
    if (!s) return;
    this.byFd.delete(fd);
    this.byConn.delete(s.conn);
    this.freeFds.push(fd);
    this.freeFds.sort((a, b) => b - a);
  }

  get openCount(): number {
    return this.byFd.size;
  }

  /** The listening socket plus every open connection. */
  get watchedCount(): number {
    return this.byFd.size + 1;
  }
}

function readableSince(s: SocketState): TimeUs | null {
  if (s.input.length > 0) return s.input[0].at;
  return s.eofAt;
}
