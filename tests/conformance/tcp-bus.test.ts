/**
 * The cluster bus over real TCP: three bin/cluster-lab-server processes, joined with CLUSTER MEET, gossip over
 * their bus ports (port + 10000), agree on who serves which slots, redirect with -MOVED, and detect a killed
 * member as failing, as the engine does in simulation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { ROOT, connectResp, freePortPair } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { encodeBusMessage } from '../../src/hosts/tcp/bus-codec.ts';
import type { BusMessage } from '../../src/engine/cluster/bus-message.ts';

const NODE_TIMEOUT_MS = 2000;

interface LabNode {
  port: number;
  dir: string;
  child: ChildProcess;
  output: () => string;
  client: RespConnection;
}

function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`cluster-lab-server exited with code ${child.exitCode}: ${output()}`));
      const s = net.createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`cluster-lab-server did not listen on ${port}: ${output()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

async function startNode(port: number): Promise<LabNode> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bus-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-node-timeout', String(NODE_TIMEOUT_MS), '--dir', dir];
  const child = spawn(join(ROOT, 'bin/cluster-lab-server'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const output = () => out;
  await waitForPort(port, child, output);
  // The bus port listens too, before the server says it is ready.
  await waitForPort(port + 10000, child, output);
  return { port, dir, child, output, client: await connectResp(port) };
}

/** A reply as text: status, error, bulk and integer replies as their value. */
function text(r: Reply): string {
  if (r.type === 'status' || r.type === 'error' || r.type === 'bulk') return r.value;
  if (r.type === 'integer') return String(r.value);
  return JSON.stringify(r);
}

async function call(n: LabNode, ...args: string[]): Promise<string> {
  return text((await n.client.call(args)).reply);
}

/** Polls `check` every 100 ms until it returns true; the time it took, or a failure naming `what`. */
async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A CLUSTER NODES line. The IP is empty for myself until the node has learnt it from a PING or MEET, as in Redis. */
const NODE_LINE = /^([0-9a-f]{40}) ((?:\d+\.){3}\d+)?:(\d+)@(\d+) (\S+) (-|[0-9a-f]{40}) (\d+) (\d+) (\d+) (connected|disconnected)((?: \d+(?:-\d+)?)*)$/;

/** CLUSTER NODES as records; throws on a line that does not look like redis-server's. */
function parseNodes(s: string): { id: string; ip: string; port: number; cport: number; flags: string[]; slots: string }[] {
  return s
    .trim()
    .split('\n')
    .map((line) => {
      const m = NODE_LINE.exec(line);
      if (!m) throw new Error(`unexpected CLUSTER NODES line: ${line}`);
      return { id: m[1], ip: m[2] ?? '', port: Number(m[3]), cport: Number(m[4]), flags: m[5].split(','), slots: m[11].trim() };
    });
}

describe('cluster bus over TCP between cluster-lab-server processes', () => {
  const nodes: LabNode[] = [];
  const [p0, p1] = freePortPair();
  const [p2] = freePortPair();
  const ranges: [number, number][] = [
    [0, 5460],
    [5461, 10922],
    [10923, 16383],
  ];

  beforeAll(async () => {
    for (const port of [p0, p1, p2]) nodes.push(await startNode(port));
  });

  afterAll(async () => {
    for (const n of nodes) {
      n.client.close();
      if (n.child.exitCode === null && n.child.signalCode === null) {
        n.child.kill('SIGKILL');
        await new Promise((r) => n.child.once('exit', r));
      }
      rmSync(n.dir, { recursive: true, force: true });
    }
  });

  it('joins with CLUSTER MEET, agrees on the slots, reaches cluster_state:ok and redirects with MOVED', async () => {
    expect(await call(nodes[0], 'CLUSTER', 'MEET', '127.0.0.1', String(p1))).toBe('OK');
    expect(await call(nodes[0], 'CLUSTER', 'MEET', '127.0.0.1', String(p2))).toBe('OK');
    for (let i = 0; i < 3; i++) {
      expect(await call(nodes[i], 'CLUSTER', 'ADDSLOTSRANGE', String(ranges[i][0]), String(ranges[i][1]))).toBe('OK');
    }

    // Everyone knows everyone (the second and third only through gossip about each other), by its real id.
    await waitUntil('three nodes known to each, out of handshake, with their IPs', 10_000, async () => {
      for (const n of nodes) {
        const lines = parseNodes(await call(n, 'CLUSTER', 'NODES'));
        if (lines.length !== 3 || lines.some((l) => l.flags.includes('handshake') || l.ip === '')) return false;
      }
      return true;
    });
    // Slots spread with the pings; the state turns ok once every slot is covered (after the writable delay).
    await waitUntil('cluster_state:ok on all three', 10_000, async () => {
      for (const n of nodes) if (!(await call(n, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      return true;
    });

    // All three views agree: same ids at the same addresses, with the same slots.
    const ids = await Promise.all(nodes.map((n) => call(n, 'CLUSTER', 'MYID')));
    for (const n of nodes) {
      const view = parseNodes(await call(n, 'CLUSTER', 'NODES'));
      for (let i = 0; i < 3; i++) {
        const line = view.find((l) => l.id === ids[i]);
        expect(line, `node ${n.port}'s view of ${nodes[i].port}`).toBeDefined();
        expect(line!.ip).toBe('127.0.0.1');
        expect(line!.port).toBe(nodes[i].port);
        expect(line!.cport).toBe(nodes[i].port + 10000);
        expect(line!.flags.includes('myself')).toBe(nodes[i] === n);
        expect(line!.flags).toContain('master');
        expect(line!.slots).toBe(`${ranges[i][0]}-${ranges[i][1]}`);
      }
      const info = await call(n, 'CLUSTER', 'INFO');
      expect(info).toContain('cluster_slots_assigned:16384');
      expect(info).toContain('cluster_known_nodes:3');
      expect(info).toContain('cluster_size:3');
    }

    // foo hashes to slot 12182, served by the third node.
    expect(await call(nodes[0], 'CLUSTER', 'KEYSLOT', 'foo')).toBe('12182');
    expect(await call(nodes[0], 'SET', 'foo', 'bar')).toBe(`MOVED 12182 127.0.0.1:${p2}`);
    expect(await call(nodes[1], 'SET', 'foo', 'bar')).toBe(`MOVED 12182 127.0.0.1:${p2}`);
    expect(await call(nodes[2], 'SET', 'foo', 'bar')).toBe('OK');
    expect(await call(nodes[2], 'GET', 'foo')).toBe('bar');
  });

  it('shrugs off garbage on the bus port and keeps gossiping', async () => {
    // A client that is not a cluster node (here: a RESP PING) is disconnected; the node keeps working.
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.createConnection({ host: '127.0.0.1', port: p1 + 10000 }, () => s.write('PING\r\n'));
      s.on('close', () => resolve(true));
      s.on('error', () => undefined);
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 3000);
    });
    expect(closed).toBe(true);
    // A well-formed frame split across writes, from a sender nobody knows: accepted and ignored, nothing breaks.
    const frame = encodeBusMessage({
      type: 'pong', sender: 'f'.repeat(40), currentEpoch: 0, configEpoch: 0, offset: 0, myslots: new Uint8Array(2048),
      slaveof: null, myip: '', port: 1, cport: 10001, flags: 1, state: 'ok', myslotsHash: 0,
    } as unknown as BusMessage);
    await new Promise<void>((resolve, reject) => {
      const s = net.createConnection({ host: '127.0.0.1', port: p1 + 10000 }, async () => {
        s.write(frame.subarray(0, 2));
        await new Promise((r) => setTimeout(r, 20));
        s.write(frame.subarray(2, 500));
        await new Promise((r) => setTimeout(r, 20));
        s.end(frame.subarray(500), () => resolve());
      });
      s.on('error', reject);
    });
    expect(nodes[1].output()).toContain('Closing cluster bus connection');
    expect(await call(nodes[1], 'PING')).toBe('PONG');
    expect(await call(nodes[1], 'CLUSTER', 'INFO')).toContain('cluster_state:ok');
    expect(parseNodes(await call(nodes[1], 'CLUSTER', 'NODES'))).toHaveLength(3);
  });

  it('marks a killed member as fail within three node timeouts and turns cluster_state to fail', async () => {
    const victim = nodes[2];
    const victimId = await call(victim, 'CLUSTER', 'MYID');
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    const survivors = nodes.slice(0, 2);
    const took = await waitUntil('the killed node flagged fail and cluster_state:fail on both survivors', 3 * NODE_TIMEOUT_MS, async () => {
      for (const n of survivors) {
        const line = parseNodes(await call(n, 'CLUSTER', 'NODES')).find((l) => l.id === victimId);
        if (!line || !line.flags.includes('fail')) return false;
        if (!(await call(n, 'CLUSTER', 'INFO')).includes('cluster_state:fail')) return false;
      }
      return true;
    });
    // Timeout driven, not a reaction to the closed connections: PFAIL needs a PING unanswered for the node
    // timeout (half of it is a safe lower bound even if a PING was already in flight at the kill).
    expect(took).toBeGreaterThanOrEqual(NODE_TIMEOUT_MS / 2);
    // The survivors still know each other as healthy masters, and slot 12182's owner is the failed node.
    for (const n of survivors) {
      const view = parseNodes(await call(n, 'CLUSTER', 'NODES'));
      expect(view).toHaveLength(3);
      for (const l of view.filter((l) => l.id !== victimId)) expect(l.flags.some((f) => f === 'fail' || f === 'fail?')).toBe(false);
      expect(await call(n, 'GET', 'foo')).toBe('CLUSTERDOWN The cluster is down');
    }
    // Connections to the dead process are refused: its line shows the link disconnected, as on real Redis.
    await waitUntil('the killed node shown disconnected', 2 * NODE_TIMEOUT_MS, async () => {
      for (const n of survivors) {
        const line = (await call(n, 'CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(victimId));
        if (!line || !line.includes(' disconnected')) return false;
      }
      return true;
    });
  });
});
