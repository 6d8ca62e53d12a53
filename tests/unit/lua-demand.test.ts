/**
 * LuaDemand decides, from the bytes reaching a node, whether a host that loads the Lua runtime on demand must
 * load it before the node's next advance. A miss would make a browser node fail on its first script; so every
 * way a scripting command or a function library can arrive is tried here.
 */
import { describe, expect, it } from 'vitest';
import { LuaDemand, mentionsLua } from '../../src/engine/scripting/lua-demand.ts';
import type { Delivery } from '../../src/engine/net/wire.ts';
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const data = (conn: string, s: string | Uint8Array): Delivery => ({ kind: 'data', at: 0, conn, bytes: typeof s === 'string' ? bytes(s) : s });

describe('LuaDemand', () => {
  it('finds every scripting command, in any case, inline or as RESP', () => {
    for (const name of ['EVAL', 'eval_ro', 'EvalSha', 'EVALSHA_RO', 'FCALL', 'fcall_ro', 'FUNCTION', 'script']) {
      expect(new LuaDemand().inbox([data('c#1', encodeCommand([name, 'x', '0']))])).toBe(true);
      expect(new LuaDemand().inbox([data('c#1', `${name} x 0\r\n`)])).toBe(true);
    }
  });

  it('lets other commands through without loading Lua', () => {
    const demand = new LuaDemand();
    const inbox: Delivery[] = [
      { kind: 'open', at: 0, conn: 'c#1', peer: '127.0.0.1:5000' },
      data('c#1', encodeCommand(['PING'])),
      data('c#1', encodeCommand(['SET', 'key', 'value'])),
      data('c#1', encodeCommand(['CLIENT', 'SETNAME', 'redis-cli'])),
      data('c#2', encodeCommand(['REPLCONF', 'ACK', '1234'])),
      { kind: 'close', at: 0, conn: 'c#1' },
    ];
    expect(demand.inbox(inbox)).toBe(false);
  });

  it('finds a name split between two deliveries of one connection, not across connections', () => {
    const split = new LuaDemand();
    expect(split.inbox([data('c#1', '*3\r\n$4\r\nEV')])).toBe(false);
    expect(split.inbox([data('c#1', 'AL\r\n$8\r\nreturn 1\r\n$1\r\n0\r\n')])).toBe(true);

    const oneByteAtATime = new LuaDemand();
    const found = [...'FUNCTION LIST\r\n'].map((ch) => oneByteAtATime.inbox([data('c#1', ch)]));
    expect(found.indexOf(true)).toBe('FUNCTION'.length - 1);

    const twoConns = new LuaDemand();
    expect(twoConns.inbox([data('c#1', 'EV'), data('c#2', 'AL')])).toBe(false);
    // A closed connection's last bytes do not join a later one that reuses nothing.
    expect(twoConns.inbox([{ kind: 'close', at: 0, conn: 'c#1' }, data('c#1', 'AL')])).toBe(false);
  });

  it("finds a function library's header in a snapshot's bytes and in the files a node starts with", () => {
    // RDB_OPCODE_FUNCTION2 and the library's code, as a full sync or dump.rdb carries it.
    const rdb = new Uint8Array([...bytes('REDIS0010'), 245, 40, ...bytes('#!lua name=lib\nredis.register_function')]);
    expect(new LuaDemand().inbox([data('master#1', rdb)])).toBe(true);
    expect(new LuaDemand().files(new Map([['dump.rdb', rdb]]))).toBe(true);
    expect(new LuaDemand().files(new Map([['dump.rdb', bytes('REDIS0010\xfe\x00')]]))).toBe(false);
    expect(new LuaDemand().files(undefined)).toBe(false);
  });

  it('mentionsLua ignores ASCII case only', () => {
    expect(mentionsLua(bytes('xx#!LUA name=x'))).toBe(true);
    expect(mentionsLua(bytes('evl fcal functio scrip #!lu'))).toBe(false);
  });
});
