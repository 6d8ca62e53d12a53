/**
 * TcpHost: one node on a real TCP port, in real time, so real redis-cli, redis-benchmark and client libraries
 * can talk to it.
 *
 * The node is the same engine as in the browser; only its world differs. Its virtual clock is the process's
 * monotonic clock (microseconds since start) and its wall clock is the real time at start plus that. Socket
 * events become deliveries stamped with the current time; all events of one I/O turn go to the node in one
 * advance() call, and what the node writes is written to the sockets at once (or, for output the node's CPU
 * model places in the future, such as after DEBUG SLEEP, when real time gets there, in the order it was written).
 *
 * Latency: a command's virtual cost usually takes the node's clock a few microseconds past the real time of the
 * advance() call, and the reply is written by the next beforeSleep. The host lets that beforeSleep run at once
 * (advance's horizon: beforeSleep reads no socket, so running it now changes nothing the node can see), and
 * when the node next has work less than a millisecond ahead it is pumped again on the next turn of Node's
 * loop (setImmediate), not by a setTimeout, which cannot wait less than a millisecond. Both waits used to cost
 * a single client about a millisecond on four requests in ten.
 *
 * With cluster-enabled, the node's cluster bus is real TCP too: the host listens on the bus port (port + 10000,
 * or cluster-port) on the client port's addresses, and carries the node's bus messages to other
 * cluster-lab-server processes over one outbound connection per destination (bus-codec.ts frames). As in Redis,
 * a message whose connection cannot be made or breaks is lost; the engine's clusterCron sends again.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { appendFileSync, closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { RedisNode } from '../../engine/server/node.ts';
import type { ConnId, Delivery, Emission, FileOp } from '../../engine/net/wire.ts';
import type { ConfigValues } from '../../engine/config/config.ts';
import type { Logger } from './log.ts';
import { BusFrameDecoder, encodeBusMessage } from './bus-codec.ts';
import type { BusMessage } from '../../engine/cluster/bus-message.ts';

/** Frames kept for a destination while its connection is being made; more are dropped (lost, as in Redis). */
const MAX_PENDING_BUS_FRAMES = 1000;
/** Bytes a bus connection may have unsent (a peer that stopped reading) before further frames are dropped. */
const MAX_BUS_WRITE_BACKLOG = 64 * 1024 * 1024;
/**
 * Output stamped at most this far ahead of real time is written at once; later output waits for real time.
 * It is also the wait below which the host pumps the node on the next turn of Node's loop instead of by a
 * timer (setTimeout rounds anything shorter up to a millisecond).
 */
const EARLY_WRITE_US = 1000;

/** Output for one connection or bus destination, waiting for real time to reach its stamp, in write order. */
interface DelayedOutput {
  queue: { atUs: number; act: () => void }[];
  timer: NodeJS.Timeout | null;
}

/**
 * A seed for one process's node: 128 bits from the OS random source, as Redis draws its node ids and run ids
 * (getRandomHexChars reads /dev/urandom). A seed made of the pid and the clock, as before, repeated itself for
 * processes started in the same millisecond, and two nodes of one cluster got the same node id. The engine's Prng
 * folds a string seed into 32 bits today, so two nodes share a seed with probability about n^2 / 2^33 (4 in 10^9
 * for six nodes); the seed keeps all 128 bits for a Prng that would use them.
 */
export function osRandomSeed(): string {
  return randomBytes(16).toString('hex');
}

/** An outbound cluster bus connection to one "ip:cport". */
interface BusLink {
  socket: net.Socket;
  connected: boolean;
  /** Frames written before the connection was made. */
  pending: Uint8Array[];
}

/** An address as Redis prints it: IPv4-mapped IPv6 addresses as plain IPv4. */
function normalizeIp(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

export interface TcpHostOptions {
  config: ConfigValues;
  logger?: Logger;
  /** Seed for the node's random choices (tests); by default one drawn from the OS random source (osRandomSeed). */
  seed?: number | string;
  /** The config file the server was started with (INFO's config_file), if any. */
  configFile?: string | null;
  /** SHUTDOWN ran: the process should exit (after close()). */
  onExit?: () => void;
}

export class TcpHost {
  readonly node: RedisNode;
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Map<ConnId, net.Socket>();
  private readonly t0 = performance.now();
  private inbox: Delivery[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /**
   * Output the node stamped ahead of real time, by connection ("tcp#3") or bus destination ("bus ip:cport").
   * Everything written later to the same place queues behind it, so bytes never overtake each other.
   */
  private readonly delayed = new Map<string, DelayedOutput>();
  private nextConn = 0;
  private stopped = false;
  /** Cluster bus: listening sockets, accepted connections, outbound links by "ip:cport". */
  private readonly busServers: net.Server[] = [];
  private readonly busAccepted = new Set<net.Socket>();
  private readonly busLinks = new Map<string, BusLink>();

  constructor(private readonly opts: TcpHostOptions) {
    this.node = new RedisNode({
      // A restarted cluster node resumes from its nodes.conf (clusterLoadConfig), as redis-server does.
      clusterConfig: readClusterConfig(opts.config),
      files: readDataFiles(opts.config),
      address: `127.0.0.1:${opts.config.port ?? '6379'}`,
      // redis-server's working directory is its default `dir`.
      config: { dir: process.cwd(), ...opts.config },
      seed: opts.seed ?? osRandomSeed(),
      startUs: 0,
      epochMs: Date.now(),
      persistClusterConfig: true,
      processInfo: {
        pid: process.pid,
        executable: path.resolve(process.argv[1] ?? ''),
        configFile: opts.configFile ? path.resolve(opts.configFile) : '',
      },
    });
  }

  get port(): number {
    return this.node.config.port;
  }

  /** The addresses to listen on: `bind` as configured, except Redis's "* -::*" default becomes loopback only. */
  private bindAddresses(): string[] {
    const bind = (this.node.config.get('bind') ?? '').trim();
    if (bind === '' || bind === '* -::*') return ['127.0.0.1'];
    return bind.split(/\s+/).map((a) => (a.startsWith('-') ? a.slice(1) : a)).map((a) => (a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a));
  }

  async listen(): Promise<void> {
    for (const address of this.bindAddresses()) {
      const server = net.createServer((socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
    if (this.node.cluster !== null) await this.listenBus();
    this.opts.logger?.log('notice', 'Server initialized');
    this.opts.logger?.log('notice', `Ready to accept connections tcp`);
    this.pump();
  }

  /** The cluster bus port: cluster-port, or the client port + 10000 (what the node announces as its cport). */
  get busPort(): number {
    return this.node.cluster?.myself.cport ?? (Number(this.node.config.get('cluster-port')) || this.port + 10000);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    for (const d of this.delayed.values()) if (d.timer) clearTimeout(d.timer);
    this.delayed.clear();
    for (const s of this.sockets.values()) s.destroy();
    for (const link of this.busLinks.values()) link.socket.destroy();
    this.busLinks.clear();
    for (const s of this.busAccepted) s.destroy();
    this.busAccepted.clear();
    await Promise.all([...this.servers, ...this.busServers].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  private nowUs(): number {
    return Math.round((performance.now() - this.t0) * 1000);
  }

  private accept(socket: net.Socket): void {
    const conn = `tcp#${++this.nextConn}`;
    this.sockets.set(conn, socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress?.replace(/^::ffff:/, '') ?? '?'}:${socket.remotePort ?? 0}`;
    this.enqueue({ kind: 'open', at: this.nowUs(), conn, peer });
    socket.on('data', (data: Buffer) => {
      this.enqueue({ kind: 'data', at: this.nowUs(), conn, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    });
    const closed = () => {
      if (!this.sockets.has(conn)) return;
      this.sockets.delete(conn);
      this.enqueue({ kind: 'close', at: this.nowUs(), conn });
    };
    socket.on('end', closed);
    socket.on('close', closed);
    socket.on('error', () => socket.destroy());
  }

  /** Collect the events of this I/O turn and hand them to the node together. */
  private enqueue(d: Delivery): void {
    this.inbox.push(d);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    if (this.stopped) return;
    const inbox = this.inbox;
    this.inbox = [];
    // Every input up to now is delivered; the horizon lets the beforeSleep after the last command run even though
    // the command's virtual cost took the clock past now, so its reply goes out in this turn.
    const r = this.node.advance(this.nowUs(), inbox, Number.POSITIVE_INFINITY);
    this.perform(r.outbox);
    for (const e of r.events) {
      if (e.type === 'cluster-config-saved') this.writeClusterConfig(e.text);
      else if (e.type === 'log') this.opts.logger?.log(e.level, e.text);
      else if (e.type === 'role' && this.opts.logger) this.opts.logger.role = e.role === 'slave' ? 'S' : 'M';
    }
    if (r.exited === true) {
      this.stopped = true;
      this.opts.onExit?.();
      return;
    }
    this.schedulePump(r.nextEventUs);
  }

  /** Pump again when the node next has something to do: a timer for waits of a millisecond or more, else the next turn. */
  private schedulePump(nextEventUs: number | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (nextEventUs === null) return;
    const delayUs = nextEventUs - this.nowUs();
    if (delayUs >= EARLY_WRITE_US) {
      // A timer can fire up to a millisecond early (Node counts from the start of the loop's turn, in whole
      // milliseconds): one more millisecond keeps it from landing just short and spinning on setImmediate below.
      this.timer = setTimeout(() => this.pump(), delayUs / 1000 + 1);
      return;
    }
    // Input waiting behind the node's own work, or a long script's next slice: a fraction of a millisecond away.
    // enqueue's setImmediate pumps as well; one pending immediate serves both.
    if (this.immediate !== null || this.flushScheduled) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.pump();
    });
  }

  /**
   * The node's data files, under `dir`: a write goes to a temporary file that is fsynced (when asked) and
   * renamed over the old one, as rdbSave does; appends stay in the page cache until an fsync.
   */
  private fileOp(op: FileOp): void {
    const file = path.resolve(this.node.config.get('dir') ?? '.', op.name);
    try {
      if (op.op === 'write') {
        mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.tmp-${process.pid}`;
        const fd = openSync(tmp, 'w');
        writeSync(fd, op.bytes);
        if (op.durable) fsyncSync(fd);
        closeSync(fd);
        renameSync(tmp, file);
      } else if (op.op === 'append') {
        appendFileSync(file, op.bytes);
      } else {
        const fd = openSync(file, 'a');
        fsyncSync(fd);
        closeSync(fd);
      }
    } catch (err) {
      this.opts.logger?.log('warning', `Error writing ${op.name}: ${(err as Error).message}`);
    }
  }

  /**
   * nodes.conf lives in `dir` under `cluster-config-file`, as redis-server keeps it, and is rewritten in place as
   * clusterSaveConfig does: the new content, padded with newlines to the old length, over the old bytes, then
   * truncated to its own length. Truncating the file to zero first (writeFileSync) makes ext4 flush it on close
   * (auto_da_alloc): about 0.2 ms against 0.013 ms here, paid on every CLUSTER SETSLOT of a reshard.
   */
  private writeClusterConfig(text: string): void {
    const file = path.resolve(this.node.config.get('dir') ?? '.', this.node.config.get('cluster-config-file') ?? 'nodes.conf');
    try {
      const content = Buffer.from(text);
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT, 0o644);
      try {
        const oldSize = fstatSync(fd).size;
        const padded = oldSize > content.length ? Buffer.concat([content, Buffer.alloc(oldSize - content.length, '\n')]) : content;
        writeSync(fd, padded, 0, padded.length, 0);
        if (padded.length !== content.length) ftruncateSync(fd, content.length);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      this.opts.logger?.log('warning', `Could not save the cluster config file ${file}: ${(err as Error).message}`);
    }
  }

  private perform(outbox: Emission[]): void {
    for (const e of outbox) {
      if (e.kind === 'bus') {
        const frame = encodeBusMessage(e.msg);
        this.writeAt(`bus ${e.to}`, e.at, () => this.sendBus(e.to, frame));
        continue;
      }
      if (e.kind === 'connect') {
        this.connectOut(e.conn, e.to);
        continue;
      }
      if (e.kind === 'file') {
        this.fileOp(e.file);
        continue;
      }
      const socket = this.sockets.get(e.conn);
      if (!socket) continue;
      this.writeAt(e.conn, e.at, () => {
        if (e.kind === 'data') socket.write(e.bytes);
        else {
          this.sockets.delete(e.conn);
          socket.end();
        }
      });
    }
  }

  /**
   * Output the CPU model puts well in the future (after a slow command) waits for real time; the rest goes now,
   * unless earlier output to the same place is still waiting: then it queues behind it, as bytes written to one
   * socket leave in order.
   */
  private writeAt(key: string, atUs: number, act: () => void): void {
    const waiting = this.delayed.get(key);
    if (waiting !== undefined) {
      waiting.queue.push({ atUs, act });
      return;
    }
    if (atUs - this.nowUs() <= EARLY_WRITE_US) {
      act();
      return;
    }
    const d: DelayedOutput = { queue: [{ atUs, act }], timer: null };
    this.delayed.set(key, d);
    this.drainAt(key, d);
  }

  /** Write what is due of one place's waiting output, in order; wait again for the first that is not. */
  private drainAt(key: string, d: DelayedOutput): void {
    d.timer = null;
    if (this.stopped) return;
    while (d.queue.length > 0) {
      const lateUs = d.queue[0].atUs - this.nowUs();
      if (lateUs > EARLY_WRITE_US) {
        d.timer = setTimeout(() => this.drainAt(key, d), lateUs / 1000);
        return;
      }
      d.queue.shift()!.act();
    }
    this.delayed.delete(key);
  }

  /**
   * A connection the node opens (MIGRATE): its bytes come back as deliveries on the same connection id; a
   * connection that cannot be made is delivered as refused.
   */
  private connectOut(conn: string, to: string): void {
    const i = to.lastIndexOf(':');
    const host = to.slice(0, i);
    const port = Number(to.slice(i + 1));
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    this.sockets.set(conn, socket);
    let connected = false;
    socket.on('connect', () => (connected = true));
    socket.on('data', (data: Buffer) => this.enqueue({ kind: 'data', at: this.nowUs(), conn, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }));
    const gone = () => {
      if (!this.sockets.has(conn)) return;
      this.sockets.delete(conn);
      this.enqueue(connected ? { kind: 'close', at: this.nowUs(), conn } : { kind: 'refused', at: this.nowUs(), conn });
    };
    socket.on('error', () => {
      gone();
      socket.destroy();
    });
    socket.on('close', gone);
  }

  // --- cluster bus ----------------------------------------------------------------------------------------

  /** Listen for the bus on the client port's addresses (clusterInit's listenToPort on the cluster port). */
  private async listenBus(): Promise<void> {
    const port = this.busPort;
    for (const address of this.bindAddresses()) {
      const server = net.createServer((socket) => this.acceptBus(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(new Error(`cluster bus port ${port}: ${err.message}`)));
        server.listen(port, address, () => {
          server.removeAllListeners('error');
          server.on('error', (err) => this.opts.logger?.log('warning', `Cluster bus listener error: ${err.message}`));
          resolve();
        });
      });
      this.busServers.push(server);
    }
    this.opts.logger?.log('notice', `Cluster bus listening on port ${port} (${this.bindAddresses().join(' ')})`);
  }

  private acceptBus(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.busAccepted.add(socket);
    socket.setNoDelay(true);
    this.readBus(socket, () => this.busAccepted.delete(socket));
    socket.on('close', () => this.busAccepted.delete(socket));
  }

  /** Deliver every whole frame that arrives on a bus connection; a malformed one closes the connection. */
  private readBus(socket: net.Socket, onDrop: () => void): void {
    const decoder = new BusFrameDecoder();
    socket.on('data', (data: Buffer) => {
      if (this.stopped || socket.destroyed) return;
      let msgs: BusMessage[];
      try {
        msgs = decoder.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } catch (err) {
        this.opts.logger?.log('warning', `Closing cluster bus connection from ${normalizeIp(socket.remoteAddress)}:${socket.remotePort ?? 0}: ${(err as Error).message}`);
        onDrop();
        socket.destroy();
        return;
      }
      if (msgs.length === 0) return;
      const fromIp = normalizeIp(socket.remoteAddress);
      const toIp = normalizeIp(socket.localAddress);
      for (const msg of msgs) this.enqueue({ kind: 'bus', at: this.nowUs(), fromIp, toIp, msg });
    });
    socket.on('error', () => socket.destroy());
  }

  /** Write one frame to "ip:cport", over the link to it (made now if there is none). */
  private sendBus(to: string, frame: Uint8Array): void {
    if (this.stopped) return;
    let link = this.busLinks.get(to) ?? null;
    if (link !== null && link.socket.destroyed) {
      // Closed, and its close event has not run yet: make a new one.
      this.busLinks.delete(to);
      link = null;
    }
    link ??= this.connectBus(to);
    if (link === null) return;
    if (!link.connected) {
      if (link.pending.length < MAX_PENDING_BUS_FRAMES) link.pending.push(frame);
      return;
    }
    // A peer that stopped reading (SIGSTOP) does not get an ever growing buffer: the message is lost instead.
    if (link.socket.writableLength > MAX_BUS_WRITE_BACKLOG) return;
    link.socket.write(frame);
  }

  private connectBus(to: string): BusLink | null {
    const i = to.lastIndexOf(':');
    const host = to.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(to.slice(i + 1));
    if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535 || net.isIP(host) === 0) return null;
    // Like Redis, connect from the first bind address when it is a specific one of the same family.
    const first = this.bindAddresses()[0];
    const localAddress = first !== undefined && first !== '0.0.0.0' && first !== '::' && net.isIP(first) === net.isIP(host) ? first : undefined;
    const socket = net.createConnection({ host, port, localAddress });
    const link: BusLink = { socket, connected: false, pending: [] };
    this.busLinks.set(to, link);
    const drop = () => {
      const current = this.busLinks.get(to) === link;
      if (current) this.busLinks.delete(to);
      link.pending = [];
      socket.destroy();
      // The engine's link is gone too (refused or reset): CLUSTER NODES shows it disconnected until it relinks.
      if (current && !this.stopped) this.enqueue({ kind: 'bus-down', at: this.nowUs(), to });
    };
    // A connection that is neither made nor refused (an address nobody answers for) is given up after a while.
    const connectTimeoutMs = Math.max(1000, Number(this.node.config.get('cluster-node-timeout')) || 15000);
    socket.setTimeout(connectTimeoutMs, () => {
      if (!link.connected) drop();
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (this.busLinks.get(to) !== link || this.stopped) {
        socket.destroy();
        return;
      }
      link.connected = true;
      socket.setNoDelay(true);
      for (const f of link.pending) socket.write(f);
      link.pending = [];
    });
    socket.on('close', drop);
    socket.on('end', drop);
    // Frames on our own link are unusual (the engine answers on its own links) but are delivered all the same.
    this.readBus(socket, drop);
    socket.on('error', drop);
    return link;
  }
}

/** dump.rdb and the AOF directory's files, as the node finds them in `dir` at startup. */
function readDataFiles(config: ConfigValues): Map<string, Uint8Array> {
  const dir = config.dir ?? process.cwd();
  const files = new Map<string, Uint8Array>();
  const rdb = config.dbfilename ?? 'dump.rdb';
  if (existsSync(path.resolve(dir, rdb))) files.set(rdb, new Uint8Array(readFileSync(path.resolve(dir, rdb))));
  const aofDir = config.appenddirname ?? 'appendonlydir';
  if (existsSync(path.resolve(dir, aofDir))) {
    for (const name of readdirSync(path.resolve(dir, aofDir))) files.set(`${aofDir}/${name}`, new Uint8Array(readFileSync(path.resolve(dir, aofDir, name))));
  }
  return files;
}

/** The existing nodes.conf of a cluster-enabled server (in `dir`, named by cluster-config-file), if any. */
function readClusterConfig(config: ConfigValues): string | undefined {
  if ((config['cluster-enabled'] ?? 'no').toLowerCase() !== 'yes') return undefined;
  const file = path.resolve(config.dir ?? process.cwd(), config['cluster-config-file'] ?? 'nodes.conf');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
