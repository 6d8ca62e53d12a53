/**
 * Who gets in, side by side with redis-server 7.0. maxclients: the connection past the limit is told so and closed
 * (in cluster mode the message names cluster connections, which count too). Protected mode: with `protected-mode yes` (the default) and no password, a
 * client from outside the loopback interface gets the -DENIED explanation and is disconnected, counted in
 * rejected_connections and not in total_connections_received; CONFIG SET protected-mode no, or a password, lets
 * it in. Both servers also listen on this machine's first non-loopback IPv4 address, and the test connects from
 * it (skipped, saying so, on a machine without one).
 */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { useServerPair } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

const outsideIp = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

/** Connect to ip:port, send `send`, and collect everything until the server closes or `ms` pass. */
function exchange(ip: string, port: number, send: string, ms = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = net.createConnection({ host: ip, port, localAddress: ip }, () => {
      if (send) s.write(send);
    });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(got);
    }, ms);
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got + '<closed>');
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

async function statsOf(c: RespConnection): Promise<Map<string, string>> {
  const r = (await c.call(['INFO', 'stats'])).reply;
  const text = r.type === 'bulk' || r.type === 'verbatim' ? r.value : '';
  return new Map(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
}

describe.skipIf(outsideIp === undefined)(`protected mode compared with redis-server (clients from ${outsideIp ?? 'no outside address'})`, () => {
  const pair = useServerPair(['--bind', '127.0.0.1', outsideIp ?? '127.0.0.1']);

  it('denies a client from outside the loopback interface, with the same bytes and the same counters', async () => {
    const ports = [pair.servers.realPort, pair.servers.labPort];
    const [real, lab] = await Promise.all(ports.map((p) => exchange(outsideIp!, p, 'PING\r\n')));
    expect(real).toMatch(/^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\. /);
    expect(real.endsWith('\r\n<closed>')).toBe(true);
    expect(lab).toBe(real);
    const [rs, ls] = await Promise.all([statsOf(pair.real), statsOf(pair.lab)]);
    expect(ls.get('rejected_connections')).toBe(rs.get('rejected_connections'));
    expect(rs.get('rejected_connections')).toBe('1');
    expect(ls.get('total_connections_received')).toBe(rs.get('total_connections_received'));
  });

  it('lets the client in once protected mode is off, or once there is a password', async () => {
    const ports = [pair.servers.realPort, pair.servers.labPort];
    for (const c of [pair.real, pair.lab]) expect((await c.call(['CONFIG', 'SET', 'protected-mode', 'no'])).reply).toEqual({ type: 'status', value: 'OK' });
    const open = await Promise.all(ports.map((p) => exchange(outsideIp!, p, 'PING\r\n', 500)));
    expect(open).toEqual(['+PONG\r\n', '+PONG\r\n']);
    for (const c of [pair.real, pair.lab]) await c.call(['CONFIG', 'SET', 'protected-mode', 'yes']);
    for (const c of [pair.real, pair.lab]) await c.call(['CONFIG', 'SET', 'requirepass', 'secret']);
    const withPassword = await Promise.all(ports.map((p) => exchange(outsideIp!, p, 'PING\r\n', 500)));
    expect(withPassword[1]).toBe(withPassword[0]);
    expect(withPassword[0]).toBe('-NOAUTH Authentication required.\r\n');
  });
});

describe('maxclients in cluster mode compared with redis-server', () => {
  const pair = useServerPair(['--cluster-enabled', 'yes']);

  it('refuses the next connection with the cluster wording, and counts it', async () => {
    const ports = [pair.servers.realPort, pair.servers.labPort];
    // Set once the start-up probes are long gone: each server's harness connection then takes the only slot.
    for (const c of [pair.real, pair.lab]) expect((await c.call(['CONFIG', 'SET', 'maxclients', '1'])).reply).toEqual({ type: 'status', value: 'OK' });
    const [real, lab] = await Promise.all(ports.map((p) => exchange('127.0.0.1', p, 'PING\r\n')));
    expect(real).toBe('-ERR max number of clients + cluster connections reached\r\n<closed>');
    expect(lab).toBe(real);
    const [rs, ls] = await Promise.all([statsOf(pair.real), statsOf(pair.lab)]);
    expect(ls.get('rejected_connections')).toBe(rs.get('rejected_connections'));
    expect(ls.get('total_connections_received')).toBe(rs.get('total_connections_received'));
  });
});
