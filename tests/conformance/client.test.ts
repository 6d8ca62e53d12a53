/**
 * CLIENT LIST/INFO, CLIENT KILL and MONITOR against redis-server 7.0: the same fields in the same order, equal
 * values for everything that is not a port, a descriptor, a clock or an allocator figure, and MONITOR lines that
 * are equal once their timestamp and client address are taken out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { connectResp, startServers, type Servers } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

/** Fields that name sockets or measure time and allocations: compared by presence only. */
const VARIABLE = new Set(['id', 'addr', 'laddr', 'fd', 'age', 'idle', 'rbs', 'rbp', 'tot-mem']);

const text = (r: Reply) => (r.type === 'bulk' || r.type === 'verbatim' || r.type === 'status' ? r.value : JSON.stringify(r));

/** One CLIENT LIST line as [field, value] pairs, variable values blanked. */
function fields(line: string): string[] {
  return line.split(' ').map((kv) => {
    const i = kv.indexOf('=');
    const k = kv.slice(0, i);
    return VARIABLE.has(k) ? `${k}=*` : kv;
  });
}

describe('CLIENT and MONITOR compared with redis-server', () => {
  let servers: Servers;
  const conns: RespConnection[] = [];
  beforeAll(async () => {
    servers = await startServers();
  });
  afterAll(async () => {
    for (const c of conns) c.close();
    await servers?.stop();
  });
  const open = async (port: number) => {
    const c = await connectResp(port);
    conns.push(c);
    return c;
  };

  it('CLIENT LIST shows the same clients with the same state, also from inside EXEC', async () => {
    const outputs: string[][] = [];
    for (const port of [servers.realPort, servers.labPort]) {
      const a = await open(port);
      const b = await open(port);
      await a.call(['CLIENT', 'SETNAME', 'alice']);
      await a.call(['SUBSCRIBE', 'news']);
      await b.call(['SELECT', '3']);
      await b.call(['MULTI']);
      await b.call(['SET', 'k', 'v']);
      await b.call(['CLIENT', 'LIST']);
      const exec = (await b.call(['EXEC'])).reply;
      const inside = exec.type === 'array' ? text(exec.value[1]) : '';
      const info = text((await b.call(['CLIENT', 'INFO'])).reply);
      const pubsubOnly = text((await b.call(['CLIENT', 'LIST', 'TYPE', 'pubsub'])).reply);
      outputs.push([inside, info, pubsubOnly].map((o) => o.trim().split('\n').filter((l) => l.includes('name=alice') || l.includes('db=3')).map((l) => fields(l).join(' ')).join('\n')));
      await b.call(['SELECT', '0']);
      a.close();
      b.close();
    }
    expect(outputs[1].join("\n---\n")).toEqual(outputs[0].join("\n---\n"));
    expect(outputs[0][0]).toContain('flags=x');
  });

  it('CLIENT KILL ID closes that connection and counts it', async () => {
    for (const port of [servers.realPort, servers.labPort]) {
      const victim = await open(port);
      const killer = await open(port);
      const id = (await victim.call(['CLIENT', 'ID'])).reply;
      const n = (await killer.call(['CLIENT', 'KILL', 'ID', String(id.type === 'integer' ? id.value : 0)])).reply;
      expect(n).toEqual({ type: 'integer', value: 1n });
      await expect(victim.call(['PING'])).rejects.toBeTruthy();
      killer.close();
    }
  });

  it('MONITOR shows the same lines, timestamps and addresses aside', async () => {
    const seen: string[][] = [];
    for (const port of [servers.realPort, servers.labPort]) {
      const monitor = await open(port);
      const lines: string[] = [];
      monitor.onUnsolicited = (r: Reply) => lines.push(text(r));
      expect((await monitor.call(['MONITOR'])).reply).toEqual({ type: 'status', value: 'OK' });
      const c = await open(port);
      for (const cmd of [['SET', 'greeting', 'hello world'], ['GET', 'greeting'], ['SELECT', '2'], ['INCRBY', 'n', '42'], ['SET', 'bin', 'a\u0000b"\\\n\u00ff'], ['SELECT', '0'], ['CONFIG', 'GET', 'hz'], ['MULTI'], ['SET', 'x', '1'], ['EXEC'], ['GET']]) {
        await c.call(cmd);
      }
      await c.call(['PING']);
      await new Promise((r) => setTimeout(r, 100));
      seen.push(lines.map((l) => l.replace(/^\d+\.\d{6} \[(\d+) [^\]]+\]/, '[$1 addr]')));
      c.close();
      monitor.close();
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0].length).toBeGreaterThan(5);
  });
});

describe('client-query-buffer-limit compared with redis-server', () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers(['--client-query-buffer-limit', '1mb']);
  });
  afterAll(async () => {
    await servers?.stop();
  });

  /** Sends a request that never completes; resolves true if the server closed the connection. */
  const flood = (port: number, bytes: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createConnection({ host: '127.0.0.1', port }, () => {
        s.write(`*2\r\n$3\r\nSET\r\n$${bytes + 10}\r\n`);
        s.write(Buffer.alloc(bytes, 120));
      });
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 1500);
      s.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
      s.on('error', () => undefined);
    });

  it('drops a client whose pending request passes the limit, and only then', async () => {
    const results = [];
    for (const port of [servers.realPort, servers.labPort]) results.push([await flood(port, 1_200_000), await flood(port, 600_000)]);
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toEqual([true, false]);
  });
});
