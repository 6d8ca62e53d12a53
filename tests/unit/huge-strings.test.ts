/**
 * Strings near the lab's limit (LAB_MAX_STRING_BYTES, 512 MB less 64 KB): what would build a longer JS string
 * is refused with an error that says so, and the node keeps serving. Before, SETRANGE k 536870890 x threw
 * RangeError: Invalid string length and killed the node (redis-server answers :536870891).
 */
import { describe, expect, it } from 'vitest';
import { flushReplies, runCommands } from './sim-node.ts';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { RequestParser } from '../../src/engine/resp/request-parser.ts';
import { LAB_MAX_STRING_BYTES, LAB_STRING_LIMIT_ERROR } from '../../src/engine/keyspace/object.ts';

const refused = { type: 'error', value: LAB_STRING_LIMIT_ERROR };

describe('strings past the lab limit', () => {
  it('the limit is 512 MB less 64 KB, below V8 longest string (2^29 - 24)', () => {
    expect(LAB_MAX_STRING_BYTES).toBe(536805376);
    expect(LAB_MAX_STRING_BYTES).toBeLessThan(2 ** 29 - 24);
  });

  it('a script returning a Lua string longer than the limit gets the error; the node goes on', async () => {
    const replies = runCommands([
      ['EVAL', `return string.rep('x', ${LAB_MAX_STRING_BYTES + 1})`, '0'],
      ['EVAL', "return string.rep('x', 3)", '0'],
      ['PING'],
    ]);
    await flushReplies();
    expect(replies).toEqual([refused, { type: 'bulk', value: 'xxx' }, { type: 'status', value: 'PONG' }]);
    // Building half a gigabyte in fengari takes seconds of real time.
  }, 60_000);

  it('SETRANGE, SETBIT and BITFIELD beyond it are refused and the node survives', async () => {
    const replies = runCommands([
      ['SETRANGE', 'k', '536870890', 'x'],
      ['SETBIT', 'k', '4294967295', '1'],
      ['BITFIELD', 'k', 'SET', 'u8', '4294967288', '1'],
      ['EXISTS', 'k'],
      ['PING'],
    ]);
    await flushReplies();
    expect(replies).toEqual([refused, refused, refused, { type: 'integer', value: 0n }, { type: 'status', value: 'PONG' }]);
  });

  it('a string exactly at the limit works; growing it further is refused, reading and rewriting it is not', async () => {
    const last = BigInt(LAB_MAX_STRING_BYTES) * 8n - 1n;
    const replies = runCommands([
      ['SETRANGE', 'k', String(LAB_MAX_STRING_BYTES - 1), 'x'],
      ['APPEND', 'k', 'y'],
      ['SETRANGE', 'k', String(LAB_MAX_STRING_BYTES - 1), 'yz'],
      ['SETBIT', 'k', String(last + 1n), '1'],
      ['BITFIELD', 'k', 'SET', 'u16', String(last - 15n), '1'],
      ['SETBIT', 'k', String(last), '1'],
      ['GETRANGE', 'k', '-2', '-1'],
      ['STRLEN', 'k'],
      ['DEL', 'k'],
    ]);
    await flushReplies();
    expect(replies).toEqual([
      { type: 'integer', value: BigInt(LAB_MAX_STRING_BYTES) },
      refused,
      refused,
      refused,
      // The last two bytes were "\0x": the u16 there was 0x0078; writing 1 makes them "\0\x01".
      { type: 'array', value: [{ type: 'integer', value: 120n }] },
      { type: 'integer', value: 1n },
      { type: 'bulk', value: '\x00\x01' },
      { type: 'integer', value: BigInt(LAB_MAX_STRING_BYTES) },
      { type: 'integer', value: 1n },
    ]);
  });

  it('SETBIT and GETBIT address bits past 2^31 (the byte index used to wrap to -1)', async () => {
    const replies = runCommands([
      ['SETBIT', 'b', '2147483648', '1'],
      ['GETBIT', 'b', '2147483648'],
      ['STRLEN', 'b'],
    ]);
    await flushReplies();
    expect(replies).toEqual([{ type: 'integer', value: 0n }, { type: 'integer', value: 1n }, { type: 'integer', value: 268435457n }]);
  });

  it('the request parser refuses a bulk longer than the limit at its header, before buffering it', () => {
    const p = new RequestParser();
    p.feed(Uint8Array.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${LAB_MAX_STRING_BYTES + 1}\r\n`, (ch) => ch.charCodeAt(0)));
    expect(p.next()).toEqual({
      protocolError: `ERR Protocol error: bulk length exceeds Cluster Lab's limit of ${LAB_MAX_STRING_BYTES} bytes (a JavaScript string's maximum length)`,
    });
    const q = new RequestParser();
    q.feed(Uint8Array.from(`*1\r\n$${LAB_MAX_STRING_BYTES}\r\n`, (ch) => ch.charCodeAt(0)));
    expect(q.next()).toBeNull();
  });

  it('MONITOR shows a 150 MB binary value (quoted, four times longer than a JS string may be)', async () => {
    const host = new SimHost({ seed: 1 });
    host.addNode({ address: 'n:1' });
    // The monitor's line is too long for a reply parser's string: count its bytes on the raw connection.
    const raw = host.connect('mon', 'n:1');
    let received = 0;
    raw.onData((b) => (received += b.length));
    raw.send(Uint8Array.from('MONITOR\r\n', (ch) => ch.charCodeAt(0)));
    host.runUntilCondition(() => received >= 5, host.nowUs + 1_000_000);
    const writer = new RespConnection(host.connect('cli', 'n:1'));
    const set = writer.call(['SET', 'big', '\0'.repeat(150_000_000)]);
    host.runUntilCondition(() => writer.pending === 0, host.nowUs + 60_000_000);
    expect((await set).reply).toEqual({ type: 'status', value: 'OK' });
    host.runUntilCondition(() => received > 600_000_000, host.nowUs + 60_000_000);
    // "+OK\r\n", then +<time> [0 <peer>] "SET" "big" "\x00\x00..." with each NUL byte written as \x00.
    expect(received).toBeGreaterThan(4 * 150_000_000);
    const ping = writer.call(['PING']);
    host.runUntilCondition(() => writer.pending === 0, host.nowUs + 1_000_000);
    expect((await ping).reply).toEqual({ type: 'status', value: 'PONG' });
  }, 120_000);
});
