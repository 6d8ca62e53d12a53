/**
 * TcpHost: one node on a real TCP port, in real time, so real redis-cli, redis-benchmark and client libraries
 * can talk to it.
 *
 * The node is the same engine as in the browser; only its world differs. Its virtual clock is the process's
 * monotonic clock (microseconds since start) and its wall clock is the real time at start plus that. Socket
 * events become deliveries stamped with the current time; all events of one I/O turn go to the node in one
 * advance() call, and what the node writes is written to the sockets at once (or, for output the node's CPU
 * model places in the future, such as after DEBUG SLEEP, when real time gets there).
 */
import net from 'node:net';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { RedisNode } from '../../engine/server/node.ts';
import type { ConnId, Delivery, Emission } from '../../engine/net/wire.ts';
import type { ConfigValues } from '../../engine/config/config.ts';
import type { Logger } from './log.ts';

export interface TcpHostOptions {
  config: ConfigValues;
  logger?: Logger;
  /** Seed for the node's random choices; defaults to something different per process. */
  seed?: number;
  /** The config file the server was started with (INFO's config_file), if any. */
  configFile?: string | null;
}

export class TcpHost {
  readonly node: RedisNode;
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Map<ConnId, net.Socket>();
  private readonly t0 = performance.now();
  private inbox: Delivery[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private nextConn = 0;
  private stopped = false;

  constructor(private readonly opts: TcpHostOptions) {
    this.node = new RedisNode({
      address: `127.0.0.1:${opts.config.port ?? '6379'}`,
      // redis-server's working directory is its default `dir`.
      config: { dir: process.cwd(), ...opts.config },
      seed: opts.seed ?? (process.pid ^ Date.now()) >>> 0,
      startUs: 0,
      epochMs: Date.now(),
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
    this.opts.logger?.log('notice', 'Server initialized');
    this.opts.logger?.log('notice', `Ready to accept connections tcp`);
    this.pump();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.sockets.values()) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
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
    const r = this.node.advance(this.nowUs(), inbox);
    this.perform(r.outbox);
    for (const e of r.events) if (e.type === 'cluster-config-saved') this.writeClusterConfig(e.text);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (r.nextEventUs !== null) {
      const delayMs = Math.max(0, (r.nextEventUs - this.nowUs()) / 1000);
      this.timer = setTimeout(() => this.pump(), delayMs);
    }
  }

  /** nodes.conf lives in `dir` under `cluster-config-file`, as redis-server keeps it. */
  private writeClusterConfig(text: string): void {
    const file = path.resolve(this.node.config.get('dir') ?? '.', this.node.config.get('cluster-config-file') ?? 'nodes.conf');
    try {
      writeFileSync(file, text);
    } catch (err) {
      this.opts.logger?.log('warning', `Could not save the cluster config file ${file}: ${(err as Error).message}`);
    }
  }

  private perform(outbox: Emission[]): void {
    for (const e of outbox) {
      if (e.kind === 'bus') continue;
      const socket = this.sockets.get(e.conn);
      if (!socket) continue;
      const lateMs = (e.at - this.nowUs()) / 1000;
      const act = () => {
        if (e.kind === 'data') socket.write(e.bytes);
        else {
          this.sockets.delete(e.conn);
          socket.end();
        }
      };
      // Output the CPU model puts well in the future (a long command) waits for real time; the rest goes now.
      if (lateMs > 1) setTimeout(act, lateMs);
      else act();
    }
  }
}
