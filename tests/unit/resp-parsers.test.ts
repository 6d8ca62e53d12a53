import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RequestParser, splitArgs } from '../../src/engine/resp/request-parser.ts';
import { ReplyParser } from '../../src/engine/resp/reply-parser.ts';
import { ReplyWriter } from '../../src/engine/resp/reply-writer.ts';
import { encodeCommand, encodePipeline } from '../../src/clients/protocol/encode-command.ts';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const byteString = fc.uint8Array({ maxLength: 40 }).map((b) => String.fromCharCode(...b));

function parseAll(p: RequestParser) {
  const out = [];
  for (let r = p.next(); r !== null; r = p.next()) {
    out.push(r);
    if (!Array.isArray(r)) break;
  }
  return out;
}

describe('request parser', () => {
  it('parses multibulk and inline requests, skipping empty ones', () => {
    const p = new RequestParser();
    p.feed(bytes('*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n\r\n*0\r\n*-1\r\nECHO "a b"\n'));
    expect(parseAll(p)).toEqual([['GET', 'k'], ['PING'], ['ECHO', 'a b']]);
  });

  it('any split of a pipeline gives the same commands (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(byteString, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (cmds, cuts) => {
        const wire = encodePipeline(cmds);
        const p = new RequestParser();
        const got: unknown[] = [];
        let at = 0;
        for (const c of [...cuts.map((x) => x % (wire.length + 1)).sort((a, b) => a - b), wire.length]) {
          p.feed(wire.subarray(at, Math.max(at, c)));
          at = Math.max(at, c);
          got.push(...parseAll(p));
        }
        expect(got).toEqual(cmds);
      }),
    );
  });

  it.each([
    ['*x\r\n', 'invalid multibulk length'],
    ['*2147483648\r\n', 'invalid multibulk length'],
    ['*1\r\nfoo\r\n', "expected '$', got 'f'"],
    ['*1\r\n$-1\r\n', 'invalid bulk length'],
    ['*1\r\n$536870913\r\n', 'invalid bulk length'],
    ['PING "open\r\n', 'unbalanced quotes in request'],
  ])('%j is a protocol error: %s', (input, message) => {
    const p = new RequestParser();
    p.feed(bytes(input));
    expect(p.next()).toEqual({ protocolError: `ERR Protocol error: ${message}` });
  });

  it('gives up on a line longer than 64 KiB without an end', () => {
    const p = new RequestParser();
    p.feed(bytes('PING ' + 'x'.repeat(70_000)));
    expect(p.next()).toEqual({ protocolError: 'ERR Protocol error: too big inline request' });
    const q = new RequestParser();
    q.feed(bytes('*' + '1'.repeat(70_000)));
    expect(q.next()).toEqual({ protocolError: 'ERR Protocol error: too big mbulk count string' });
  });

  it('before AUTH, refuses large arrays and bulks', () => {
    const p = new RequestParser({ authenticated: false });
    p.feed(bytes('*11\r\n'));
    expect(p.next()).toEqual({ protocolError: 'ERR Protocol error: unauthenticated multibulk length' });
    const q = new RequestParser({ authenticated: false });
    q.feed(bytes('*1\r\n$16385\r\n'));
    expect(q.next()).toEqual({ protocolError: 'ERR Protocol error: unauthenticated bulk length' });
  });

  it('splits inline arguments like sdssplitargs', () => {
    expect(splitArgs('set "a\\x41\\n" \'it\\\'s\'')).toEqual(['set', 'aA\n', "it's"]);
    expect(splitArgs('"a"b')).toBeNull();
    expect(splitArgs("'a")).toBeNull();
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('a\0b c')).toEqual(['a']);
  });
});

describe('reply parser', () => {
  it('round-trips what the writer writes, in RESP2 and RESP3 (property)', () => {
    fc.assert(
      fc.property(fc.array(byteString, { maxLength: 6 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.boolean(), (items, n, resp3) => {
        const w = new ReplyWriter();
        w.resp = resp3 ? 3 : 2;
        w.arrayHeader(items.length);
        for (const s of items) w.bulk(s);
        w.integer(n);
        w.nullBulk();
        w.mapHeader(1);
        w.bulk('k');
        w.boolean(true);
        const p = new ReplyParser();
        p.feed(w.take());
        expect(p.next()?.reply).toEqual({ type: 'array', value: items.map((value) => ({ type: 'bulk', value })) });
        expect(p.next()?.reply).toEqual({ type: 'integer', value: n });
        expect(p.next()?.reply.type).toBe('nil');
        const map = p.next()?.reply;
        if (resp3) expect(map).toEqual({ type: 'map', value: [[{ type: 'bulk', value: 'k' }, { type: 'bool', value: true }]] });
        else expect(map).toEqual({ type: 'array', value: [{ type: 'bulk', value: 'k' }, { type: 'integer', value: 1n }] });
        expect(p.next()).toBeNull();
      }),
    );
  });

  it('waits for a frame split anywhere, and keeps its exact bytes', () => {
    const wire = bytes('*2\r\n$3\r\nfoo\r\n:42\r\n+OK\r\n');
    for (let cut = 0; cut <= wire.length; cut++) {
      const p = new ReplyParser();
      p.feed(wire.subarray(0, cut));
      const early = p.next();
      p.feed(wire.subarray(cut));
      const first = early ?? p.next();
      expect(Buffer.from(first!.raw).toString('latin1')).toBe('*2\r\n$3\r\nfoo\r\n:42\r\n');
    }
  });

  it('rejects a byte that starts no reply type', () => {
    const p = new ReplyParser();
    p.feed(bytes('?what\r\n'));
    expect(() => p.next()).toThrow(/Protocol error/);
  });

  it('encodeCommand writes a multibulk request', () => {
    expect(Buffer.from(encodeCommand(['SET', 'k', ''])).toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
  });
});

describe('replies nested deeper than the JavaScript stack would allow recursion', () => {
  it('a script result nested 7,995 arrays deep parses, and prints as redis-cli 7.0 prints it', async () => {
    const { ReplyParser } = await import('../../src/engine/resp/reply-parser.ts');
    const { formatReplyTTY, formatReplyRaw } = await import('../../src/clients/redis-cli/format.ts');
    // What redis-server 7.0.15 sends for EVAL "local t = {} t[1] = t return t" 0.
    const depth = 7995;
    const bytes = new TextEncoder().encode('*1\r\n'.repeat(depth) + '-ERR reached lua stack limit\r\n');
    const p = new ReplyParser();
    // In pieces, as a socket delivers them.
    p.feed(bytes.subarray(0, 1000));
    expect(p.next()).toBeNull();
    p.feed(bytes.subarray(1000));
    const frame = p.next()!;
    expect(frame.raw.length).toBe(bytes.length);
    let r = frame.reply;
    let levels = 0;
    while (r.type === 'array') {
      levels++;
      r = r.value[0];
    }
    expect(levels).toBe(depth);
    expect(r).toEqual({ type: 'error', value: 'ERR reached lua stack limit' });
    // redis-cli in a terminal: every level's "1) " on one line, then the error (checked against the real one).
    expect(formatReplyTTY(frame.reply)).toBe('1) '.repeat(depth) + '(error) ERR reached lua stack limit\n');
    expect(formatReplyRaw(frame.reply)).toBe('ERR reached lua stack limit\n');
  });

  it('maps, sets and attributes read and print as before (a map holding a set, an attributed value)', async () => {
    const { ReplyParser } = await import('../../src/engine/resp/reply-parser.ts');
    const { formatReplyTTY, formatReplyRaw } = await import('../../src/clients/redis-cli/format.ts');
    const p = new ReplyParser();
    p.feed(new TextEncoder().encode('%2\r\n+a\r\n~2\r\n:1\r\n:2\r\n+b\r\n|1\r\n+meta\r\n+x\r\n:3\r\n'));
    const r = p.next()!.reply;
    expect(r).toEqual({
      type: 'map',
      value: [
        [{ type: 'status', value: 'a' }, { type: 'set', value: [{ type: 'integer', value: 1n }, { type: 'integer', value: 2n }] }],
        [{ type: 'status', value: 'b' }, { type: 'attribute', value: [[{ type: 'status', value: 'meta' }, { type: 'status', value: 'x' }]], reply: { type: 'integer', value: 3n } }],
      ],
    });
    expect(formatReplyTTY(r)).toBe('1# a => \n   1~ (integer) 1\n   2~ (integer) 2\n2# b => (integer) 3\n');
    expect(formatReplyRaw(r)).toBe('a 1\n2\nb 3');
  });
});
