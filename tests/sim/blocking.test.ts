/** Blocking list commands in virtual time: who gets served, when timeouts fire, and what waits behind them. */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { ReplyParser } from '../../src/engine/resp/reply-parser.ts';
import { encodeCommand, encodePipeline } from '../../src/clients/protocol/encode-command.ts';

const ADDR = '127.0.0.1:6379';
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A client that records each reply with its arrival time. */
function recorder(host: SimHost, name: string) {
  const conn = host.connect(name, ADDR);
  const parser = new ReplyParser();
  const replies: { at: number; raw: string }[] = [];
  conn.onData((b) => {
    parser.feed(b);
    for (let f = parser.next(); f; f = parser.next()) replies.push({ at: host.fabric.clientNowUs, raw: text(f.raw) });
  });
  return { conn, replies, send: (...cmds: string[][]) => conn.send(cmds.length === 1 ? encodeCommand(cmds[0]) : encodePipeline(cmds)) };
}

function setup(hz = '10') {
  const host = new SimHost({ seed: 1, link: { latencyUs: 100 } });
  host.addNode({ address: ADDR, config: { hz } });
  host.runFor(1_000);
  return host;
}

describe('blocking list commands', () => {
  it('a push from another client wakes the first blocked client, then the second (FIFO)', () => {
    const host = setup();
    const a = recorder(host, 'a');
    const b = recorder(host, 'b');
    const p = new RespConnection(host.connect('pusher', ADDR));
    a.send(['BLPOP', 'q', '0']);
    host.runFor(1_000);
    b.send(['BLPOP', 'q', '0']);
    host.runFor(1_000);
    expect(a.replies).toEqual([]);
    p.call(['RPUSH', 'q', 'one']);
    host.runFor(5_000);
    expect(a.replies.map((r) => r.raw)).toEqual(['*2\r\n$1\r\nq\r\n$3\r\none\r\n']);
    expect(b.replies).toEqual([]);
    p.call(['RPUSH', 'q', 'two', 'three']);
    host.runFor(5_000);
    expect(b.replies.map((r) => r.raw)).toEqual(['*2\r\n$1\r\nq\r\n$3\r\ntwo\r\n']);
    const check = recorder(host, 'check');
    check.send(['LRANGE', 'q', '0', '-1']);
    host.runFor(5_000);
    expect(check.replies.map((r) => r.raw)).toEqual(['*1\r\n$5\r\nthree\r\n']);
  });

  it('a timeout is noticed at the next serverCron tick after the deadline (100 ms steps at hz 10)', () => {
    for (const [timeout, hz, lo, hi] of [['0.01', '10', 90_000, 110_000], ['0.12', '10', 190_000, 210_000], ['0.01', '100', 9_000, 21_000]] as const) {
      const host = setup(hz);
      const a = recorder(host, 'a');
      const start = host.nowUs;
      a.send(['BLPOP', 'nothing', timeout]);
      host.runFor(1_000_000);
      expect(a.replies.map((r) => r.raw), `timeout ${timeout} at hz ${hz}`).toEqual(['*-1\r\n']);
      const waited = a.replies[0].at - start;
      expect(waited, `timeout ${timeout} at hz ${hz}`).toBeGreaterThanOrEqual(lo);
      expect(waited, `timeout ${timeout} at hz ${hz}`).toBeLessThanOrEqual(hi);
    }
  });

  it('commands pipelined behind a blocked one wait for it', () => {
    const host = setup();
    const a = recorder(host, 'a');
    a.send(['BLPOP', 'q', '0'], ['PING'], ['ECHO', 'after']);
    host.runFor(200_000);
    expect(a.replies).toEqual([]);
    const p = new RespConnection(host.connect('pusher', ADDR));
    p.call(['LPUSH', 'q', 'x']);
    host.runFor(5_000);
    expect(a.replies.map((r) => r.raw)).toEqual(['*2\r\n$1\r\nq\r\n$1\r\nx\r\n', '+PONG\r\n', '$5\r\nafter\r\n']);
  });

  it('a blocked client that disconnects is forgotten', () => {
    const host = setup();
    const a = recorder(host, 'a');
    const b = recorder(host, 'b');
    a.send(['BLPOP', 'q', '0']);
    host.runFor(1_000);
    b.send(['BLPOP', 'q', '0']);
    host.runFor(1_000);
    a.conn.close();
    host.runFor(1_000);
    const p = new RespConnection(host.connect('pusher', ADDR));
    p.call(['RPUSH', 'q', 'v']);
    host.runFor(5_000);
    expect(b.replies.map((r) => r.raw)).toEqual(['*2\r\n$1\r\nq\r\n$1\r\nv\r\n']);
  });

  it('BZPOPMIN waits for a sorted set that another client creates', () => {
    const host = setup();
    const a = recorder(host, 'a');
    a.send(['BZPOPMIN', 'board', '0']);
    host.runFor(50_000);
    expect(a.replies).toEqual([]);
    const p = new RespConnection(host.connect('pusher', ADDR));
    p.call(['ZADD', 'board', '3', 'carol', '1', 'alice']);
    host.runFor(5_000);
    expect(a.replies.map((r) => r.raw)).toEqual(['*3\r\n$5\r\nboard\r\n$5\r\nalice\r\n$1\r\n1\r\n']);
  });
});
