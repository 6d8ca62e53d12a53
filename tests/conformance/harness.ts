/**
 * Conformance harness: runs the same script against a real redis-server 7.0 and against cluster-lab-server,
 * over raw sockets, and compares what each sends back, byte for byte, step by step (including whether the
 * server closed the connection).
 *
 * Script format (tests/conformance/scripts/*.redis), one step per line:
 *   SET k "a b"             a command, split with redis-cli's quoting rules, sent as a RESP multibulk request;
 *                           the step's result is the one reply frame that comes back
 *   @raw "PING\r\n"         raw bytes (double-quoted, with \r \n \xHH escapes); expects one reply frame
 *   @raw:N "..."            the same, expecting N reply frames (0 for none); a raw step also notes whether the
 *                           server closed the connection afterwards
 *   @reconnect              a new connection to each server
 *   # ...                   a comment
 * Differences that are deliberate are listed, each with its reason, in known-differences.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { join, resolve } from 'node:path';
import { ReplyParser } from '../../src/engine/resp/reply-parser.ts';
import { splitArgs } from '../../src/engine/resp/request-parser.ts';
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';
import { utf8ToByteString } from '../../src/engine/types/bytes.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const REPLY_TIMEOUT_MS = 3000;
/** After a raw step, how long to watch for the server closing the connection. */
const CLOSE_WATCH_MS = 60;

export interface Step {
  line: number;
  text: string;
  kind: 'command' | 'raw' | 'reconnect';
  bytes: Uint8Array;
  frames: number;
}

export function parseScript(text: string): Step[] {
  const steps: Step[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = i + 1;
    if (line === '@reconnect') {
      steps.push({ line: at, text: line, kind: 'reconnect', bytes: new Uint8Array(), frames: 0 });
      return;
    }
    const raw1 = /^@raw(?::(\d+))?\s+(.*)$/.exec(line);
    if (raw1) {
      const parts = splitArgs(raw1[2]);
      if (!parts || parts.length !== 1) throw new Error(`line ${at}: @raw takes one quoted string`);
      steps.push({ line: at, text: line, kind: 'raw', bytes: Uint8Array.from(parts[0], (c) => c.charCodeAt(0)), frames: raw1[1] === undefined ? 1 : Number(raw1[1]) });
      return;
    }
    const args = splitArgs(utf8ToByteString(line));
    if (!args || args.length === 0) throw new Error(`line ${at}: cannot split '${line}'`);
    steps.push({ line: at, text: line, kind: 'command', bytes: encodeCommand(args), frames: 1 });
  });
  return steps;
}

/** A raw connection that collects reply frames. */
export class RawClient {
  private readonly parser = new ReplyParser();
  private readonly frames: Uint8Array[] = [];
  private closed = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.parser.feed(new Uint8Array(d));
      for (let f = this.parser.next(); f; f = this.parser.next()) this.frames.push(f.raw);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((res, rej) => {
      const s = net.createConnection({ host: '127.0.0.1', port }, () => res(new RawClient(s)));
      s.once('error', rej);
    });
  }

  /** Sends the step's bytes and returns what came back, as text with escapes, plus "<closed>" if it closed. */
  async run(step: Step): Promise<string> {
    if (!this.closed) this.socket.write(step.bytes);
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (this.frames.length < step.frames && !this.closed && Date.now() < deadline) await this.waitFor(deadline - Date.now());
    if (step.kind === 'raw') {
      const until = Date.now() + CLOSE_WATCH_MS;
      while (!this.closed && Date.now() < until) await this.waitFor(until - Date.now());
    }
    const got = this.frames.splice(0, this.frames.length);
    let out = got.map((f) => escapeBytes(f)).join('');
    if (this.frames.length === 0 && got.length < step.frames && !this.closed) out += '<timeout>';
    if (this.closed) out += '<closed>';
    return out;
  }

  close(): void {
    this.socket.destroy();
  }

  private waitFor(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(() => {
        this.wake = null;
        r();
      }, Math.max(1, ms));
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        r();
      };
    });
  }
}

export function escapeBytes(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 13) s += '\\r';
    else if (c === 10) s += '\\n';
    else if (c === 92) s += '\\\\';
    else if (c >= 32 && c < 127) s += String.fromCharCode(c);
    else s += '\\x' + c.toString(16).padStart(2, '0');
  }
  return s;
}

/** Ports for test servers: below 22768, so a cluster bus port (+10000) stays under Linux's ephemeral range. */
// Each test process takes its own window of 40 ports (20 pairs), so consecutive test files never pick ports a
// server of the previous file may still hold.
let nextPort = 21000 + (process.pid % 40) * 40;
export function freePortPair(): [number, number] {
  const p = nextPort;
  nextPort += 2;
  return [p, p + 1];
}

export interface Servers {
  realPort: number;
  labPort: number;
  stop(): Promise<void>;
}

function waitForPort(port: number, child: ChildProcess, name: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  return new Promise((res, rej) => {
    const attempt = () => {
      if (child.exitCode !== null) return rej(new Error(`${name} exited with code ${child.exitCode}: ${stderr()}`));
      const s = net.createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        res();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) rej(new Error(`${name} did not listen on ${port}: ${stderr()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function launch(cmd: string, args: string[], port: number, name: string): Promise<ChildProcess> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const spawned = new Promise<void>((res, rej) => {
    child.once('spawn', res);
    child.once('error', (e) => rej(new Error(
      (e as NodeJS.ErrnoException).code === 'ENOENT' && cmd === 'redis-server'
        ? "redis-server not found: install it with 'apt-get install -y redis-server redis-tools'"
        : String(e),
    )));
  });
  return spawned.then(() => waitForPort(port, child, name, () => err)).then(() => child);
}

/** Starts a real redis-server 7.0 and a cluster-lab-server with the same options. */
export async function startServers(extra: string[] = []): Promise<Servers> {
  const [realPort, labPort] = freePortPair();
  const common = ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...extra];
  // A fresh dir, so dump.rdb (SAVE, a real replica's full resync) never lands in the repository: one shared by
  // both servers (CONFIG GET dir answers alike), or one each for cluster-enabled servers, whose nodes.conf
  // files must not collide.
  const shared = mkdtempSync(join(tmpdir(), 'lab-pair-'));
  const dirs = extra.includes('--cluster-enabled') ? [mkdtempSync(join(tmpdir(), 'lab-real-')), mkdtempSync(join(tmpdir(), 'lab-lab-'))] : [shared, shared];
  const real = await launch('redis-server', ['--port', String(realPort), ...common, '--dir', dirs[0]], realPort, 'redis-server');
  const lab = await launch(resolve(ROOT, 'bin/cluster-lab-server'), ['--port', String(labPort), ...common, '--dir', dirs[1]], labPort, 'cluster-lab-server');
  return {
    realPort,
    labPort,
    async stop() {
      for (const c of [real, lab]) {
        c.kill('SIGKILL');
        if (c.exitCode === null) await new Promise((r) => c.once('exit', r));
      }
    },
  };
}

export interface StepResult {
  step: Step;
  real: string;
  lab: string;
}

/**
 * For cluster scripts: node ids (40 hex chars, random per server) and each server's ports become placeholders,
 * so the two servers' replies can be compared byte for byte (the placeholders keep the lengths equal only when
 * the ports have the same number of digits, which the port range guarantees).
 */
export function normalizeCluster(text: string, port: number): string {
  return text.replace(/[0-9a-f]{40}/g, '<node-id-0000000000000000000000000000000>').replaceAll(String(port + 10000), '<cpor>').replaceAll(String(port), '<port>');
}

/** Runs one script against both servers; returns every step's pair of results. */
export async function runScript(path: string, servers: Servers): Promise<StepResult[]> {
  const steps = parseScript(readFileSync(path, 'utf8'));
  let real = await RawClient.connect(servers.realPort);
  let lab = await RawClient.connect(servers.labPort);
  const results: StepResult[] = [];
  try {
    for (const step of steps) {
      if (step.kind === 'reconnect') {
        real.close();
        lab.close();
        real = await RawClient.connect(servers.realPort);
        lab = await RawClient.connect(servers.labPort);
        continue;
      }
      const [r, l] = await Promise.all([real.run(step), lab.run(step)]);
      results.push({ step, real: r, lab: l });
    }
  } finally {
    real.close();
    lab.close();
  }
  return results;
}

/** A promise-based RESP client over a real socket (for randomized comparisons with the oracle). */
export function connectResp(port: number): Promise<RespConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: '127.0.0.1', port }, () =>
      resolve(
        new RespConnection({
          send: (b) => socket.write(b),
          onData: (cb) => socket.on('data', (d) => cb(new Uint8Array(d))),
          onClose: (cb) => socket.on('close', cb),
          close: () => socket.destroy(),
        }),
      ),
    );
    socket.on('error', reject);
  });
}

export { waitPort } from '../../src/hosts/tcp/wait-port.ts';

/** The text of a bulk, verbatim or status reply (INFO, CLUSTER INFO, CLUSTER NODES...); anything else throws. */
export async function replyText(c: RespConnection, ...args: string[]): Promise<string> {
  const r = (await c.call(args)).reply;
  if (r.type !== 'bulk' && r.type !== 'verbatim' && r.type !== 'status') throw new Error(`${args.join(' ')}: ${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return r.value;
}

/**
 * Wait until every node reports cluster_state:ok and every replica's link to its master is up (a master holds
 * the first snapshot back for repl-diskless-sync-delay, 5 s), polling every `everyMs`.
 */
export async function untilClusterReady(conns: readonly RespConnection[], what: string, ms = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let ready = true;
    for (const c of conns) {
      if (!(await replyText(c, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) ready = false;
      const repl = await replyText(c, 'INFO', 'replication');
      if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) ready = false;
    }
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A redis-server and a cluster-lab-server started for a describe block, each with one RESP connection:
 * call inside describe(); the fields are filled by the time the tests run.
 */
export function useServerPair(extra: string[] = []): { servers: Servers; real: RespConnection; lab: RespConnection } {
  const pair = {} as { servers: Servers; real: RespConnection; lab: RespConnection };
  beforeAll(async () => {
    pair.servers = await startServers(extra);
    pair.real = await connectResp(pair.servers.realPort);
    pair.lab = await connectResp(pair.servers.labPort);
  });
  afterAll(async () => {
    pair.real?.close();
    pair.lab?.close();
    await pair.servers?.stop();
  });
  return pair;
}

/** SIGKILL processes and wait until they are gone (their ports are free again). */
export async function killAll(procs: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    procs.map((p) => {
      if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      return gone;
    }),
  );
}

/** One line of CLUSTER NODES: the node's id, port and master's id (null for a master). */
export interface ClusterNodeLine {
  id: string;
  port: number;
  master: string | null;
}

/** CLUSTER NODES as `c` sees it; `skipFailed` leaves out nodes flagged fail or fail?. */
export async function clusterNodeLines(c: RespConnection, skipFailed = false): Promise<ClusterNodeLine[]> {
  return (await replyText(c, 'CLUSTER', 'NODES'))
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => !skipFailed || !f[2].includes('fail'))
    .map((f) => ({ id: f[0], port: Number(f[1].split(':')[1].split('@')[0]), master: f[3] === '-' ? null : f[3] }));
}
