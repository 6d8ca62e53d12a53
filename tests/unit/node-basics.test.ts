/** A standalone node through SimHost: replies, connection handling and the single-threaded timing model. */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { ReplyParser } from '../../src/engine/resp/reply-parser.ts';
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';

const ADDR = '127.0.0.1:6379';
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function setup(opts: { latencyUs?: number; config?: Record<string, string> } = {}) {
  const host = new SimHost({ seed: 1, link: { latencyUs: opts.latencyUs ?? 100 } });
  host.addNode({ address: ADDR, config: opts.config });
  const open = (name = 'cli') => tracked(new RespConnection(host.connect(name, ADDR)));
  return { host, open };
}

const conns = new WeakMap<Promise<unknown>, RespConnection>();

/** Run the simulation until every reply the connection awaits has arrived (at most `limitUs` of virtual time). */
function settle<T>(host: SimHost, p: Promise<T>, limitUs = 5_000_000): Promise<T> {
  const c = conns.get(p);
  if (!c) throw new Error('settle() needs a promise from tracked()');
  const ok = host.runUntilCondition(() => c.pending === 0, host.nowUs + limitUs);
  expect(ok, 'reply did not arrive in time').toBe(true);
  return p;
}

/** Wrap a RespConnection so the promises it returns can be settled by running the simulation. */
function tracked(c: RespConnection): RespConnection {
  for (const m of ['call', 'sendRaw', 'pipeline'] as const) {
    const original = c[m].bind(c) as (...a: unknown[]) => Promise<unknown>;
    (c as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      const p = original(...args);
      conns.set(p, c);
      return p;
    };
  }
  return c;
}

describe('standalone node', () => {
  it('answers PING, SET and GET byte for byte', async () => {
    const { host, open } = setup();
    const c = open();
    expect(text((await settle(host, c.call(['PING']))).raw)).toBe('+PONG\r\n');
    expect(text((await settle(host, c.call(['SET', 'k', 'v']))).raw)).toBe('+OK\r\n');
    expect(text((await settle(host, c.call(['GET', 'k']))).raw)).toBe('$1\r\nv\r\n');
    expect(text((await settle(host, c.call(['GET', 'missing']))).raw)).toBe('$-1\r\n');
    expect(text((await settle(host, c.call(['EXISTS', 'k', 'k', 'missing']))).raw)).toBe(':2\r\n');
    expect(text((await settle(host, c.call(['DEL', 'k', 'missing']))).raw)).toBe(':1\r\n');
  });

  it('rejects unknown commands and wrong arity with Redis texts', async () => {
    const { host, open } = setup();
    const c = open();
    expect(text((await settle(host, c.call(['FOO', 'a', 'b']))).raw)).toBe("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
    expect(text((await settle(host, c.call(['get']))).raw)).toBe("-ERR wrong number of arguments for 'get' command\r\n");
  });

  it('expires keys in virtual time', async () => {
    const { host, open } = setup();
    const c = open();
    await settle(host, c.call(['SET', 'k', 'v', 'PX', '100']));
    expect(text((await settle(host, c.call(['GET', 'k']))).raw)).toBe('$1\r\nv\r\n');
    host.runFor(150_000);
    expect(text((await settle(host, c.call(['GET', 'k']))).raw)).toBe('$-1\r\n');
  });

  it('QUIT replies OK then closes; a protocol error is answered then closes', async () => {
    const { host, open } = setup();
    const q = open('a');
    expect(text((await settle(host, q.call(['QUIT']))).raw)).toBe('+OK\r\n');
    host.runFor(10_000);
    expect(q.closed).toBe(true);
    const p = open('b');
    const r = await settle(host, p.sendRaw(Uint8Array.from('*1\r\nfoo\r\n', (ch) => ch.charCodeAt(0))));
    expect(text(r.raw)).toBe("-ERR Protocol error: expected '$', got 'f'\r\n");
    host.runFor(10_000);
    expect(p.closed).toBe(true);
  });

  it('a pipeline costs one round trip, separate calls cost one each', async () => {
    const latencyUs = 500;
    const { host, open } = setup({ latencyUs });
    const c = open();
    await settle(host, c.call(['PING']));
    const commands = Array.from({ length: 16 }, (_, i) => ['SET', `k${i}`, 'v']);
    const t0 = host.nowUs;
    await settle(host, c.pipeline(commands));
    const pipelined = host.nowUs - t0;
    const t1 = host.nowUs;
    for (const cmd of commands) await settle(host, c.call(cmd));
    const sequential = host.nowUs - t1;
    expect(pipelined).toBeGreaterThanOrEqual(2 * latencyUs);
    expect(pipelined).toBeLessThan(4 * latencyUs);
    expect(sequential).toBeGreaterThanOrEqual(16 * 2 * latencyUs);
  });

  it('refuses connections beyond maxclients with Redis error', async () => {
    const { host, open } = setup({ config: { maxclients: '1' } });
    const a = open('a');
    await settle(host, a.call(['PING']));
    const b = open('b');
    const r = await settle(host, b.call(['PING']));
    expect(text(r.raw)).toBe('-ERR max number of clients reached\r\n');
    host.runFor(10_000);
    expect(b.closed).toBe(true);
  });

  it('runs serverCron at hz', () => {
    const { host } = setup({ config: { hz: '10' } });
    host.runUntil(1_000_000);
    expect(host.node(ADDR).stats.cronLoops).toBe(10);
    const h = new SimHost({ seed: 1 });
    h.addNode({ address: ADDR, config: { hz: '100' } });
    h.runUntil(1_000_000);
    expect(h.node(ADDR).stats.cronLoops).toBeGreaterThanOrEqual(99);
  });
});

describe('transactions across clients', () => {
  it("another client's write to a watched key makes EXEC fail; without it EXEC runs", async () => {
    const { host, open } = setup();
    const a = open('a');
    const b = open('b');
    await settle(host, a.call(['SET', 'balance', '100']));
    await settle(host, a.call(['WATCH', 'balance']));
    await settle(host, b.call(['INCRBY', 'balance', '5']));
    await settle(host, a.call(['MULTI']));
    expect(text((await settle(host, a.call(['SET', 'balance', '0']))).raw)).toBe('+QUEUED\r\n');
    expect(text((await settle(host, a.call(['EXEC']))).raw)).toBe('*-1\r\n');
    expect(text((await settle(host, a.call(['GET', 'balance']))).raw)).toBe('$3\r\n105\r\n');

    await settle(host, a.call(['WATCH', 'balance']));
    await settle(host, b.call(['GET', 'balance']));
    await settle(host, a.call(['MULTI']));
    await settle(host, a.call(['DECRBY', 'balance', '5']));
    expect(text((await settle(host, a.call(['EXEC']))).raw)).toBe('*1\r\n:100\r\n');
  });
});

describe('pub/sub across clients', () => {
  it('delivers to channel and pattern subscribers; a closed subscriber stops counting', async () => {
    const { host, open } = setup();
    /** A subscriber that records every frame it receives. */
    const subscriber = (name: string, command: string[]) => {
      const conn = host.connect(name, ADDR);
      const parser = new ReplyParser();
      const frames: string[] = [];
      conn.onData((b) => {
        parser.feed(b);
        for (let f = parser.next(); f; f = parser.next()) frames.push(text(f.raw));
      });
      conn.send(encodeCommand(command));
      return { conn, frames };
    };
    const s1 = subscriber('sub1', ['SUBSCRIBE', 'news']);
    const s2 = subscriber('sub2', ['PSUBSCRIBE', 'n*']);
    const pub = open('pub');
    host.runFor(10_000);
    expect(text((await settle(host, pub.call(['PUBLISH', 'news', 'hello']))).raw)).toBe(':2\r\n');
    expect(text((await settle(host, pub.call(['PUBLISH', 'other', 'x']))).raw)).toBe(':0\r\n');
    host.runFor(10_000);
    expect(s1.frames).toEqual(['*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n', '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n']);
    expect(s2.frames[1]).toBe('*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
    s1.conn.close();
    host.runFor(10_000);
    expect(text((await settle(host, pub.call(['PUBLISH', 'news', 'again']))).raw)).toBe(':1\r\n');
  });
});
