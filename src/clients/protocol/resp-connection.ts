/**
 * A RESP client over any connection (a host connection in the simulator or workers, a socket in Node):
 * sends commands, matches replies to them in order, and resolves each call with the parsed reply and its raw
 * bytes. The building block for test clients, lesson checks, benchmarks and the smart cluster clients.
 */
import { ReplyParser, type Reply } from '../../engine/resp/reply-parser.ts';
import type { ByteString } from '../../engine/types/bytes.ts';
import { encodeCommand, encodePipeline } from './encode-command.ts';

export interface ByteConnection {
  send(bytes: Uint8Array): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  onClose(cb: () => void): void;
  close(): void;
}

export interface ReplyWithRaw {
  reply: Reply;
  raw: Uint8Array;
}

export class RespConnection {
  private readonly parser = new ReplyParser();
  private readonly waiting: { resolve: (r: ReplyWithRaw) => void; reject: (e: Error) => void }[] = [];
  private isClosed = false;
  /** Frames nobody asked for: MONITOR lines, Pub/Sub messages, pushes. */
  onUnsolicited: ((reply: Reply) => void) | null = null;

  constructor(private readonly conn: ByteConnection) {
    conn.onData((bytes) => {
      this.parser.feed(bytes);
      for (let r = this.parser.next(); r !== null; r = this.parser.next()) {
        const w = this.waiting.shift();
        if (w) w.resolve(r);
        else this.onUnsolicited?.(r.reply);
      }
    });
    conn.onClose(() => {
      this.isClosed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed'));
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Replies still awaited. A simulation can run until this is 0 (promise callbacks only run later). */
  get pending(): number {
    return this.waiting.length;
  }

  /** Send one command; resolves with its reply. */
  call(args: readonly ByteString[]): Promise<ReplyWithRaw> {
    return this.sendRaw(encodeCommand(args));
  }

  /** Send bytes that hold exactly one request; resolves with the reply to it. */
  sendRaw(bytes: Uint8Array): Promise<ReplyWithRaw> {
    // A call on a connection that is already closed fails at once (no close event would ever settle it).
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    const p = new Promise<ReplyWithRaw>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.conn.send(bytes);
    return p;
  }

  /** Several commands in one write; resolves with all replies, in order. */
  pipeline(commands: readonly (readonly ByteString[])[]): Promise<ReplyWithRaw[]> {
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    const promises = commands.map(() => new Promise<ReplyWithRaw>((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.conn.send(encodePipeline(commands));
    return Promise.all(promises);
  }

  close(): void {
    this.conn.close();
  }
}
