/**
 * The interactive redis-cli, as a program independent of any terminal or network: it reads keystrokes,
 * edits the line, sends commands over a connection as RESP, and prints replies as redis-cli 7.0 does
 * (prompt, `(integer) 1`, `(error) ...`, nested arrays, hints, help, repeat counts, reconnection).
 *
 * Differences from the real program, each deliberate (docs/fidelity.md): Ctrl-C cancels the current line
 * instead of ending the program, and `quit`/`exit` end the session until the next Enter reconnects it.
 */
import { ReplyParser, type Reply } from '../../engine/resp/reply-parser.ts';
import { splitArgs } from '../../engine/resp/request-parser.ts';
import { utf8ToByteString, byteStringToUtf8 } from '../../engine/types/bytes.ts';
import { encodeCommand } from '../protocol/encode-command.ts';
import { formatForCommand } from './format.ts';
import { LineEditor } from './line-editor.ts';
import { completionsFor, helpText, hintFor } from './help.ts';

export const REDIS_CLI_VERSION = '7.0.15';

export interface CliConnection {
  send(bytes: Uint8Array): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  onClose(cb: () => void): void;
  close?(): void;
}

export interface RedisCliOptions {
  host: string;
  port: number;
  /** Opens a connection to host:port (the session's current target, which -c redirections change). */
  connect: (host: string, port: number) => CliConnection;
  /**
   * redis-cli -c: on a -MOVED or -ASK reply, print "-> Redirected to slot [N] located at ip:port", connect
   * there (sending ASKING first after -ASK) and send the command again.
   */
  clusterMode?: boolean;
  /** Where output goes (ANSI, "\r\n" line ends). */
  write: (ansi: string) => void;
  columns?: () => number;
  /** Lab-only messages, in the learner's language. */
  messages?: { exited?: string };
  /** Called with each line the learner submits (Enter), before it runs: the lab records it for replays. */
  onLine?: (line: string) => void;
  /** Called after each command's reply is printed (the UI uses it to refresh views). */
  onCommand?: (argv: string[], reply: Reply | null) => void;
}

type Pending = { resolve: (r: Reply | null) => void };

export class RedisCliSession {
  private readonly editor: LineEditor;
  private conn: CliConnection | null = null;
  private parser = new ReplyParser();
  private waiting: Pending[] = [];
  private busy = false;
  private exited = false;
  private dbnum = 0;
  private inMulti = false;
  private transcript = '';
  /** Where the next connection goes: -c redirections move it, as redis-cli's config.hostip/hostport. */
  private host: string;
  private port: number;
  /** After SUBSCRIBE/PSUBSCRIBE: print every reply as it comes until Ctrl-C or an error (redis-cli's pubsub mode). */
  private pubsubEnd: (() => void) | null = null;

  constructor(private readonly opts: RedisCliOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.editor = new LineEditor({
      prompt: this.prompt(),
      write: (s) => this.out(s),
      hint: (line) => hintFor(line),
      complete: (line) => completionsFor(line),
      columns: opts.columns,
    });
  }

  /** Whether a command has been sent and its reply has not arrived yet. */
  get awaitingReply(): boolean {
    return this.waiting.length > 0;
  }

  /** Everything written so far, for lesson checks and tests. */
  get output(): string {
    return this.transcript;
  }

  start(): void {
    this.ensureConnected();
    this.editor.setPrompt(this.prompt());
    this.editor.begin();
  }

  /** The program ends (its terminal closed): the connection closes, as when redis-cli exits. */
  close(): void {
    const conn = this.conn;
    this.conn = null;
    this.exited = true;
    conn?.close?.();
    for (const w of this.waiting.splice(0)) w.resolve(null);
  }

  /** Keystrokes from the terminal. */
  input(data: string): void {
    if (this.pubsubEnd && data.includes('\x03')) {
      // redis-cli's SIGINT handler in pubsub mode: drop the connection, reconnect, back to the prompt.
      this.out('^C\r\n');
      const conn = this.conn;
      this.conn = null;
      conn?.close?.();
      this.ensureConnected();
      this.pubsubEnd();
      return;
    }
    if (this.busy && data.includes('\x03') && this.waiting.length > 0) {
      // Ctrl-C while redis-cli waits for a reply (a long script, a blocking pop): SIGINT ends the process and
      // its connection; the server side carries on. Enter starts a new redis-cli.
      this.out('^C\r\n');
      this.interrupted = true;
      const conn = this.conn;
      this.conn = null;
      conn?.close?.();
      for (const w of this.waiting.splice(0)) w.resolve(null);
      return;
    }
    if (this.busy) {
      // redis-cli blocks while it waits for a reply; typed keys are read once it returns.
      this.queued += data;
      return;
    }
    void this.process(data);
  }

  private queued = '';
  /** Ctrl-C ended the wait for a reply: the session acts as a redis-cli that was killed. */
  private interrupted = false;

  private async process(data: string): Promise<void> {
    let r = this.editor.feed(data);
    while (r.submitted !== undefined || r.interrupted || r.eof) {
      if (r.submitted !== undefined) {
        this.opts.onLine?.(r.submitted);
        this.editor.addHistory(r.submitted);
        this.busy = true;
        await this.runLineInternal(r.submitted);
        this.busy = false;
      }
      this.editor.setPrompt(this.prompt());
      this.editor.begin();
      const more = this.queued;
      this.queued = '';
      r = this.editor.feed(more);
    }
  }

  /** Run one line as if typed (lessons, tests); resolves with what it printed. */
  async runLine(line: string): Promise<string> {
    const before = this.transcript.length;
    this.out(this.prompt() + line + '\r\n');
    await this.runLineInternal(line);
    return this.transcript.slice(before);
  }

  private out(s: string): void {
    this.transcript += s;
    this.opts.write(s);
  }

  private print(text: string): void {
    this.out(text.replace(/\r?\n/g, '\r\n'));
  }

  private prompt(): string {
    if (this.conn === null) return 'not connected> ';
    let p = `${this.host}:${this.port}`;
    if (this.dbnum !== 0) p += `[${this.dbnum}]`;
    if (this.inMulti) p += '(TX)';
    return p + '> ';
  }

  private ensureConnected(): void {
    if (this.conn) return;
    const conn = this.opts.connect(this.host, this.port);
    this.conn = conn;
    this.parser = new ReplyParser();
    this.dbnum = 0;
    this.inMulti = false;
    conn.onData((bytes) => {
      if (this.conn !== conn) return;
      this.parser.feed(bytes);
      for (let f = this.parser.next(); f; f = this.parser.next()) {
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(f.reply);
        else this.unsolicited(f.reply);
      }
    });
    conn.onClose(() => {
      if (this.conn !== conn) return;
      this.conn = null;
      for (const w of this.waiting.splice(0)) w.resolve(null);
    });
  }

  private async runLineInternal(line: string): Promise<void> {
    if (this.exited) {
      this.exited = false;
      this.ensureConnected();
      if (line.trim() === '') return;
    }
    const argv = splitArgs(utf8ToByteString(line));
    if (argv === null) {
      this.print('Invalid argument(s)\n');
      return;
    }
    if (argv.length === 0) return;
    const first = argv[0].toLowerCase();
    if (first === 'quit' || first === 'exit') {
      this.exited = true;
      if (this.opts.messages?.exited) this.print(this.opts.messages.exited + '\n');
      return;
    }
    if (first === 'help' || argv[0] === '?') {
      this.print(helpText(argv.slice(1).map(byteStringToUtf8), REDIS_CLI_VERSION));
      return;
    }
    if (first === 'clear') {
      this.out('\x1b[H\x1b[2J');
      return;
    }
    if (first === ':set' && argv.length === 2) {
      if (argv[1].toLowerCase() === 'hints') this.editor.setHints(true);
      else if (argv[1].toLowerCase() === 'nohints') this.editor.setHints(false);
      return;
    }
    // "N command": repeat the command N times.
    let repeat = 1;
    let args = argv;
    if (argv.length > 1 && /^[+-]?\d+$/.test(argv[0])) {
      repeat = Number(argv[0]);
      if (!Number.isSafeInteger(repeat) || repeat <= 0) {
        this.print('Invalid redis-cli repeat command option value.\n');
        return;
      }
      args = argv.slice(1);
    }
    const name = args[0].toLowerCase();
    if (name === 'subscribe' || name === 'psubscribe' || name === 'ssubscribe') return this.pubsubMode(args);
    for (let i = 0; i < repeat; i++) {
      let reply = await this.send(args);
      // redis-cli -c: follow redirections until a reply that is not one (each one printed as it happens).
      for (let hops = 0; reply !== null && this.opts.clusterMode && hops < 16; hops++) {
        const redirect = parseRedirect(reply);
        if (redirect === null) break;
        this.print(`-> Redirected to slot [${redirect.slot}] located at ${redirect.host}:${redirect.port}\n`);
        this.reconnectTo(redirect.host, redirect.port);
        if (redirect.asking) await this.send(['ASKING']);
        reply = await this.send(args);
      }
      if (reply === null && this.interrupted) {
        this.interrupted = false;
        this.exited = true;
        if (this.opts.messages?.exited) this.print(this.opts.messages.exited + '\n');
        return;
      }
      // redis-cli expects SHUTDOWN to close the connection and says nothing about it.
      if (reply === null && name === 'shutdown') {
        this.opts.onCommand?.(args, null);
        return;
      }
      if (reply === null) {
        this.print('Error: Server closed the connection\n');
        this.opts.onCommand?.(args, null);
        return;
      }
      this.track(args, reply);
      this.print(formatForCommand(args, reply));
      this.opts.onCommand?.(args, reply);
    }
  }

  /** A reply nobody waits for: a subscription message, or a RESP3 push. Printed as it arrives. */
  private unsolicited(reply: Reply): void {
    this.print(formatForCommand([], reply));
    if (this.pubsubEnd && reply.type === 'error') this.pubsubEnd();
  }

  /** SUBSCRIBE and PSUBSCRIBE: print replies as they arrive until Ctrl-C or an error. */
  private async pubsubMode(args: string[]): Promise<void> {
    this.ensureConnected();
    this.conn!.send(encodeCommand(args));
    this.print('Reading messages... (press Ctrl-C to quit)\n');
    await new Promise<void>((resolve) => {
      this.pubsubEnd = () => {
        this.pubsubEnd = null;
        resolve();
      };
    });
  }

  /** Keep the prompt's [db] and (TX) in step with what the server accepted. */
  private track(args: string[], reply: Reply): void {
    const cmd = args[0].toLowerCase();
    const ok = reply.type === 'status' && reply.value === 'OK';
    if (cmd === 'select' && ok) this.dbnum = Number(args[1]);
    else if (cmd === 'multi' && ok) this.inMulti = true;
    else if ((cmd === 'exec' || cmd === 'discard') && this.inMulti) this.inMulti = false;
    else if (cmd === 'reset' && reply.type === 'status' && reply.value === 'RESET') {
      this.dbnum = 0;
      this.inMulti = false;
    }
  }

  /** cliConnect(CC_FORCE) to a new target: the old connection is closed, the prompt names the new one. */
  private reconnectTo(host: string, port: number): void {
    const old = this.conn;
    this.conn = null;
    old?.close?.();
    this.host = host;
    this.port = port;
    this.ensureConnected();
  }

  private send(args: string[]): Promise<Reply | null> {
    this.ensureConnected();
    const conn = this.conn!;
    return new Promise((resolve) => {
      this.waiting.push({ resolve });
      conn.send(encodeCommand(args));
    });
  }
}

/** A -MOVED or -ASK error: the slot and where it lives now (redis-cli reads the last ':' as the port's start). */
export function parseRedirect(reply: Reply): { slot: number; host: string; port: number; asking: boolean } | null {
  if (reply.type !== 'error') return null;
  const m = /^(MOVED|ASK) (\d+) (.+):(\d+)$/.exec(reply.value);
  if (m === null) return null;
  return { slot: Number(m[2]), host: m[3], port: Number(m[4]), asking: m[1] === 'ASK' };
}
