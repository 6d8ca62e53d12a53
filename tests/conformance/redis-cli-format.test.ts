/**
 * Our redis-cli's reply formatting against the real redis-cli 7.0: the same replies from a real redis-server
 * (RESP2 and RESP3) are printed by `redis-cli --no-raw` (its interactive format) and by formatReplyTTY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ReplyParser, type Reply } from '../../src/engine/resp/reply-parser.ts';
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';
import { formatForCommand } from '../../src/clients/redis-cli/format.ts';
import { freePortPair, killAll } from './harness.ts';

let port = 0;
let server: ChildProcess;

async function query(args: string[], resp3: boolean): Promise<Reply> {
  const socket = net.createConnection({ host: '127.0.0.1', port });
  const parser = new ReplyParser();
  const replies: Reply[] = [];
  const want = resp3 ? 2 : 1;
  return new Promise((resolve, reject) => {
    socket.on('data', (d) => {
      parser.feed(new Uint8Array(d));
      for (let f = parser.next(); f; f = parser.next()) replies.push(f.reply);
      if (replies.length === want) {
        socket.destroy();
        resolve(replies[want - 1]);
      }
    });
    socket.on('error', reject);
    if (resp3) socket.write(encodeCommand(['HELLO', '3']));
    socket.write(encodeCommand(args));
  });
}

const SETUP = [
  ['DEL', 'f:list', 'f:hash', 'f:set', 'f:zset', 'f:str', 'f:nested'],
  ['RPUSH', 'f:list', 'a', 'b c', '', '\x00\xff', 'line\nbreak', 'x', 'y', 'z', 'w', 'v', 'u'],
  ['HSET', 'f:hash', 'field1', 'v1', 'field2', 'v2'],
  ['SADD', 'f:set', 'm1'],
  ['ZADD', 'f:zset', '1.5', 'one', '2', 'two'],
  ['SET', 'f:str', '\xe4\xbd\xa0\xe5\xa5\xbd "quoted" \\ tab\t'],
];

const CASES: [string, string[]][] = [
  ['status', ['PING']],
  ['bulk with escapes', ['GET', 'f:str']],
  ['nil', ['GET', 'f:missing']],
  ['integer', ['LLEN', 'f:list']],
  ['error', ['NOSUCH', 'x']],
  ['array with 11 elements (index width 2)', ['LRANGE', 'f:list', '0', '-1']],
  ['empty array', ['LRANGE', 'f:missing', '0', '-1']],
  ['map', ['HGETALL', 'f:hash']],
  ['empty map', ['HGETALL', 'f:missing']],
  ['set', ['SMEMBERS', 'f:set']],
  ['double', ['ZSCORE', 'f:zset', 'one']],
  ['withscores', ['ZRANGE', 'f:zset', '0', '-1', 'WITHSCORES']],
  ['nested arrays', ['COMMAND', 'INFO', 'get', 'set']],
  ['map with nested values', ['COMMAND', 'DOCS', 'get']],
  ['verbatim, printed raw', ['LOLWUT', 'VERSION', '5', '1', '1', '1']],
  ['INFO is printed raw', ['INFO', 'keyspace']],
  ['CLIENT LIST is printed raw', ['CLIENT', 'LIST', 'ID', '999999']],
  ['single-entry nested map on one line', ['COMMAND', 'INFO', 'get']],
];

describe('redis-cli reply formatting matches the real redis-cli', () => {
  beforeAll(async () => {
    [port] = freePortPair();
    server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'PING'], { stdio: 'ignore' });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    for (const cmd of SETUP) await query(cmd, false);
  });
  afterAll(async () => {
    if (server) await killAll([server]);
  });

  for (const resp3 of [false, true]) {
    it.each(CASES)(`${resp3 ? 'RESP3' : 'RESP2'}: %s`, async (_name, args) => {
      const real = execFileSync('redis-cli', ['-p', String(port), '--no-raw', ...(resp3 ? ['-3'] : []), ...args], { encoding: 'latin1' });
      const ours = formatForCommand(args, await query(args, resp3));
      expect(ours).toBe(real);
    });
  }
});
