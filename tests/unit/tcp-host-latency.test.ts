/**
 * The TCP host over a real socket: replies leave in the order the node wrote them, even after a slow command put
 * the node's clock ahead of real time (the host writes output stamped more than a millisecond ahead when real
 * time gets there); and a reply goes out in the turn its request came in, with no timer in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpHost } from '../../src/hosts/tcp/tcp-host.ts';
import type { Emission } from '../../src/engine/net/wire.ts';

const hosts: TcpHost[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function startHost(): Promise<TcpHost> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-tcp-latency-'));
  dirs.push(dir);
  const host = new TcpHost({ config: { port: String(await freePort()), dir, save: '', appendonly: 'no', 'enable-debug-command': 'yes' }, seed: 1 });
  hosts.push(host);
  await host.listen();
  return host;
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Collects what arrives on the socket; `until` resolves once it holds `bytes` bytes (or rejects after 5 s). */
function collector(socket: net.Socket): { text: () => string; until: (bytes: number) => Promise<string> } {
  let received = '';
  const waiters: { bytes: number; resolve: (s: string) => void }[] = [];
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    for (const w of waiters.splice(0)) {
      if (received.length >= w.bytes) w.resolve(received);
      else waiters.push(w);
    }
  });
  return {
    text: () => received,
    until: (bytes) =>
      new Promise<string>((resolve, reject) => {
        if (received.length >= bytes) return resolve(received);
        waiters.push({ bytes, resolve });
        setTimeout(() => reject(new Error(`timed out with ${JSON.stringify(received.slice(0, 200))}`)), 5000);
      }),
  };
}

const echoReply = (i: number) => `$${String(i).length}\r\n${i}\r\n`;

describe('TcpHost output order', () => {
  it('keeps one connection\'s replies in order after DEBUG SLEEP, with commands pipelined while the node sleeps', async () => {
    const host = await startHost();
    const socket = await connect(host.port);
    const replies = collector(socket);
    socket.write('DEBUG SLEEP 0.01\r\n');
    // Commands keep arriving during the sleep and just after it: each is answered once the node wakes, and some
    // of those answers are written while the sleep's own +OK may still be waiting for real time.
    const sent: number[] = [];
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const send = () => {
        const i = sent.length;
        sent.push(i);
        socket.write(`ECHO ${i}\r\n`);
        if (performance.now() - started > 25) resolve();
        else setTimeout(send, 0.2);
      };
      send();
    });
    const expected = '+OK\r\n' + sent.map(echoReply).join('');
    const got = await replies.until(expected.length);
    expect(sent.length).toBeGreaterThan(5);
    expect(got).toBe(expected);
    socket.destroy();
  });

  it('writes output stamped ahead of real time before anything later on the same connection', async () => {
    // White-box: what the node hands its host after a slow command. The first write is stamped 5 ms ahead and must
    // wait; the second, stamped later still but handed over when real time is within a millisecond of it, used to
    // be written at once, ahead of the first.
    const host = await startHost();
    const socket = await connect(host.port);
    const replies = collector(socket);
    const nowUs = () => (host as unknown as { nowUs(): number }).nowUs();
    const perform = (outbox: Emission[]) => (host as unknown as { perform(o: Emission[]): void }).perform(outbox);
    await new Promise((r) => setTimeout(r, 20)); // the host has taken the connection
    const conn = 'tcp#1';
    const t = nowUs();
    perform([{ kind: 'data', at: t + 5000, conn, bytes: new TextEncoder().encode('+first\r\n') }]);
    while (nowUs() < t + 4300) {
      // Real time passes without a turn of the event loop, so no timer can fire.
    }
    perform([{ kind: 'data', at: t + 5001, conn, bytes: new TextEncoder().encode('+second\r\n') }]);
    expect(await replies.until('+first\r\n+second\r\n'.length)).toBe('+first\r\n+second\r\n');
    socket.destroy();
  });
});

describe('TcpHost latency', () => {
  it('writes a reply in the turn its request arrived, even though the command\'s virtual cost is ahead of real time', async () => {
    // Real time stands still from here on: the node's clock passes it with the first command's cost (poll, read,
    // call, write: a few microseconds). The reply is written by the beforeSleep after the command; the host used
    // to run that beforeSleep only once real time had caught up, on a pump a 1 ms timer later, which on a fast
    // machine cost a single client about a millisecond on four requests in ten (redis-benchmark -c 1).
    const host = await startHost();
    const socket = await connect(host.port);
    const replies = collector(socket);
    await new Promise((r) => setTimeout(r, 20)); // the host has taken the connection
    // Real time as the host sees it, moved by hand: 100 µs on from now first, past whatever the node's last cron
    // cost took its clock to, so the request is read.
    let fakeUs = (host as unknown as { nowUs(): number }).nowUs() + 100;
    (host as unknown as { nowUs: () => number }).nowUs = () => fakeUs;
    socket.write('PING\r\n');
    expect(await replies.until('+PONG\r\n'.length)).toBe('+PONG\r\n');
    expect(host.node.snapshot().nowUs, 'the node\'s clock is past real time').toBeGreaterThan(fakeUs);
    // The next request arrives 100 µs later (real time moves again) and is answered the same way.
    fakeUs += 100;
    socket.write('ECHO again\r\n');
    expect(await replies.until('+PONG\r\n$5\r\nagain\r\n'.length)).toBe('+PONG\r\n$5\r\nagain\r\n');
    socket.destroy();
  });
});

describe('TcpHost nodes.conf', () => {
  it('rewrites nodes.conf in place, as clusterSaveConfig does: a shorter config leaves no bytes of the longer one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-nodes-conf-'));
    dirs.push(dir);
    const host = new TcpHost({ config: { port: '7300', 'cluster-enabled': 'yes', dir, save: '', appendonly: 'no' }, seed: 1 });
    const write = (text: string) => (host as unknown as { writeClusterConfig(t: string): void }).writeClusterConfig(text);
    const long = 'a'.repeat(300) + ' connected 0-16383\nvars currentEpoch 1 lastVoteEpoch 0\n';
    write(long);
    expect(readFileSync(join(dir, 'nodes.conf'), 'utf8')).toBe(long);
    write('short\nvars currentEpoch 2 lastVoteEpoch 0\n');
    expect(readFileSync(join(dir, 'nodes.conf'), 'utf8')).toBe('short\nvars currentEpoch 2 lastVoteEpoch 0\n');
    write(long + 'more\n');
    expect(readFileSync(join(dir, 'nodes.conf'), 'utf8')).toBe(long + 'more\n');
  });
});
