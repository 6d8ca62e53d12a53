import { describe, expect, it } from 'vitest';
import { RedisCliSession, type CliConnection } from '../../src/clients/redis-cli/session.ts';
import { LineEditor, textWidth } from '../../src/clients/redis-cli/line-editor.ts';
import { completionsFor, hintFor, helpText } from '../../src/clients/redis-cli/help.ts';
import { ReplyParser } from '../../src/engine/resp/reply-parser.ts';
import { RequestParser } from '../../src/engine/resp/request-parser.ts';

/** A fake server: answers each command with canned RESP, split into two chunks to exercise reassembly. */
function fakeConnection(answer: (argv: string[]) => string) {
  const sent: string[][] = [];
  let onData: (b: Uint8Array) => void = () => undefined;
  let onClose: () => void = () => undefined;
  const parser = new RequestParser();
  const conn: CliConnection = {
    send(bytes) {
      parser.feed(bytes);
      for (let r = parser.next(); r !== null; r = parser.next()) {
        const argv = r as string[];
        sent.push(argv);
        const reply = answer(argv);
        if (reply === 'CLOSE') {
          queueMicrotask(() => onClose());
          continue;
        }
        const b = Uint8Array.from(reply, (c) => c.charCodeAt(0));
        queueMicrotask(() => {
          onData(b.subarray(0, 2));
          onData(b.subarray(2));
        });
      }
    },
    onData: (cb) => (onData = cb),
    onClose: (cb) => (onClose = cb),
  };
  return { conn, sent };
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');

describe('redis-cli session', () => {
  function session(answer: (argv: string[]) => string) {
    const f = fakeConnection(answer);
    let connects = 0;
    const s = new RedisCliSession({ host: '127.0.0.1', port: 6379, connect: () => (connects++, f.conn), write: () => undefined });
    s.start();
    return { s, sent: f.sent, connects: () => connects };
  }

  it('prints replies as redis-cli does', async () => {
    const { s } = session((a) => (a[0] === 'GET' ? '$1\r\nv\r\n' : a[0] === 'LRANGE' ? '*2\r\n$1\r\na\r\n*1\r\n:1\r\n' : '-ERR boom\r\n'));
    expect(plain(await s.runLine('GET k'))).toBe('127.0.0.1:6379> GET k\n"v"\n');
    expect(plain(await s.runLine('LRANGE l 0 -1'))).toBe('127.0.0.1:6379> LRANGE l 0 -1\n1) "a"\n2) 1) (integer) 1\n');
    expect(plain(await s.runLine('X'))).toBe('127.0.0.1:6379> X\n(error) ERR boom\n');
  });

  it('repeats "N command", rejects unbalanced quotes, and tracks SELECT and MULTI in the prompt', async () => {
    const { s, sent } = session(() => '+OK\r\n');
    await s.runLine('3 PING');
    expect(sent.filter((a) => a[0] === 'PING')).toHaveLength(3);
    expect(plain(await s.runLine('SET "a'))).toContain('Invalid argument(s)');
    await s.runLine('SELECT 2');
    expect(plain(await s.runLine('MULTI'))).toContain('OK');
    expect(plain(await s.runLine('PING'))).toMatch(/^127\.0\.0\.1:6379\[2\]\(TX\)> PING/);
  });

  it('reports a closed connection, shows "not connected", and reconnects on the next command', async () => {
    let first = true;
    const { s, connects } = session(() => {
      if (first) {
        first = false;
        return 'CLOSE';
      }
      return '+PONG\r\n';
    });
    expect(plain(await s.runLine('PING'))).toContain('Error: Server closed the connection');
    expect(plain(await s.runLine('PING'))).toMatch(/^not connected> PING\nPONG/);
    expect(connects()).toBe(2);
  });

  it('answers help locally without sending anything', async () => {
    const { s, sent } = session(() => '+OK\r\n');
    expect(plain(await s.runLine('help'))).toContain('redis-cli 7.0.15');
    expect(plain(await s.runLine('help get'))).toContain('summary: Get the value of a key');
    expect(sent).toEqual([]);
  });
});

describe('hints, completion and help (from COMMAND DOCS)', () => {
  it('hints as redis-cli 7.0 does', () => {
    expect(hintFor('set')).toBe(' key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
    expect(hintFor('set ')).toBe('key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
    expect(hintFor('set k ')).toBe('value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]');
    expect(hintFor('client list')).toMatch(/^ \[TYPE NORMAL\|MASTER\|REPLICA\|PUBSUB\]/);
    expect(hintFor('nosuch')).toBeNull();
  });

  it('completes command names, and groups after "help "', () => {
    expect(completionsFor('getd')).toEqual(['GETDEL']);
    expect(completionsFor('help @stri')).toEqual(['help @string']);
    expect(completionsFor('help @str')).toEqual(['help @stream', 'help @string']);
  });

  it('lists a group', () => {
    expect(helpText(['@connection'], '7.0.15')).toContain('PING');
  });
});

describe('line editor', () => {
  function editor() {
    let out = '';
    const e = new LineEditor({ prompt: '> ', write: (s) => (out += s), complete: (l) => completionsFor(l) });
    e.begin();
    return { e, out: () => out };
  }

  it('edits with arrows, Home/End, backspace, Ctrl-W, and submits', () => {
    const { e } = editor();
    e.feed('get k');
    e.feed('\x1b[D\x1b[D\x7f'); // left twice, backspace: removes 't'
    e.feed('\x01S\x05x'); // Home, type S, End, type x
    expect(e.feed('\r')).toEqual({ submitted: 'Sge kx' });
    e.begin();
    e.feed('one two\x17');
    expect(e.line).toBe('one ');
  });

  it('keeps history without consecutive duplicates and browses it', () => {
    const { e } = editor();
    for (const l of ['a', 'a', 'b']) e.addHistory(l);
    expect(e.getHistory()).toEqual(['a', 'b']);
    e.feed('\x1b[A');
    expect(e.line).toBe('b');
    e.feed('\x1b[A');
    expect(e.line).toBe('a');
    e.feed('\x1b[B\x1b[B');
    expect(e.line).toBe('');
  });

  it('cycles Tab completions and accepts one on the next key', () => {
    const { e } = editor();
    e.feed('getr');
    e.feed('\t');
    expect(e.line).toBe('GETRANGE');
    e.feed(' ');
    expect(e.line).toBe('GETRANGE ');
  });

  it('counts CJK characters as two columns and handles pasted lines one at a time', () => {
    expect(textWidth('你好a')).toBe(5);
    const { e } = editor();
    expect(e.feed('SET 键 值\rGET 键\r')).toEqual({ submitted: 'SET 键 值' });
    e.begin();
    expect(e.feed('')).toEqual({ submitted: 'GET 键' });
  });

  it('Ctrl-C abandons the line', () => {
    const { e, out } = editor();
    e.feed('SET x');
    expect(e.feed('\x03')).toEqual({ interrupted: true });
    expect(out()).toContain('^C');
  });
});

describe('reply parser used by the session keeps up with chunked input', () => {
  it('parses a bulk split byte by byte', () => {
    const p = new ReplyParser();
    for (const c of '$5\r\nhello\r\n') p.feed(Uint8Array.of(c.charCodeAt(0)));
    expect(p.next()?.reply).toEqual({ type: 'bulk', value: 'hello' });
  });
});

describe('redis-cli pubsub mode', () => {
  it('prints "Reading messages...", then every message as it arrives; Ctrl-C reconnects and returns to the prompt', async () => {
    let push: ((b: Uint8Array) => void) | null = null;
    let closed = 0;
    let connects = 0;
    const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
    let out = '';
    const s = new RedisCliSession({
      host: '127.0.0.1',
      port: 6379,
      write: (t) => (out += t),
      connect: () => {
        connects++;
        return {
          send: (b) => {
            const text = Buffer.from(b).toString('latin1');
            if (text.includes('SUBSCRIBE')) queueMicrotask(() => push!(bytes('*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n')));
            else queueMicrotask(() => push!(bytes('+PONG\r\n')));
          },
          onData: (cb) => (push = cb),
          onClose: () => undefined,
          close: () => closed++,
        };
      },
    });
    s.start();
    s.input('SUBSCRIBE news\r');
    await new Promise((r) => setTimeout(r, 0));
    push!(bytes('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n'));
    const text = plain(out);
    expect(text).toContain('Reading messages... (press Ctrl-C to quit)\n1) "subscribe"\n2) "news"\n3) (integer) 1\n1) "message"\n2) "news"\n3) "hello"\n');
    expect(text.trimEnd().endsWith('"hello"')).toBe(true);
    s.input('\x03');
    await new Promise((r) => setTimeout(r, 0));
    expect(closed).toBe(1);
    expect(connects).toBe(2);
    expect(plain(out).trimEnd().endsWith('127.0.0.1:6379>')).toBe(true);
  });
});
