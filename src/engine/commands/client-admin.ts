/**
 * The CLIENT subcommands that look at or act on connections (networking.c clientCommand): LIST, INFO, KILL,
 * PAUSE/UNPAUSE, REPLY, NO-EVICT, UNBLOCK, HELP. CLIENT LIST's line is catClientInfoString's, field for field;
 * the buffer sizes in it come from the lab's model of a client's buffers (docs/fidelity.md).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { ERR, replyHelp, subcommandSyntaxError } from './errors.ts';
import { isKeyword, parseInt64 } from './parse.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

/** A query buffer Redis allocated for a 16 KiB read: 20480 bytes with a 5-byte sds header and terminator. */
const QUERY_BUFFER_ALLOC = 20480;
const QUERY_BUFFER_USABLE = QUERY_BUFFER_ALLOC - 6;
/** The client struct and its small allocations (what tot-mem adds beyond the buffers). */
const CLIENT_STRUCT_BYTES = 784;
/** Extra for a client with subscriptions (its channel dict). */
const PUBSUB_DICT_BYTES = 40;

/** getClientType; the lab has no master or replica links yet. */
function clientType(c: Client): 'normal' | 'pubsub' {
  return c.channels.size > 0 || c.patterns.size > 0 ? 'pubsub' : 'normal';
}

/** getClientTypeByName. */
function typeByName(name: string): 'normal' | 'pubsub' | 'master' | 'replica' | null {
  const n = name.toLowerCase();
  if (n === 'normal' || n === 'pubsub' || n === 'master') return n;
  if (n === 'replica' || n === 'slave') return 'replica';
  return null;
}

/** The request as RESP bytes: what sits in the query buffer while the command runs. */
function requestBytes(argv: readonly string[]): number {
  let n = 1 + String(argv.length).length + 2;
  for (const a of argv) n += 1 + String(a.length).length + 2 + a.length + 2;
  return n;
}

function flagsOf(c: Client): string {
  let f = '';
  if (c.monitor) f += 'O';
  if (c.channels.size > 0 || c.patterns.size > 0) f += 'P';
  if (c.inMulti || c.executing !== null) f += 'x';
  if (c.blocked !== null || c.postponed) f += 'b';
  if (c.dirtyCas) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.noEvict) f += 'e';
  return f === '' ? 'N' : f;
}

/** catClientInfoString for `target`, seen while `asker` runs its command. */
export function clientInfoString(target: Client, asker: Client, server: Server): string {
  const nowS = Math.floor(server.nowMs() / 1000);
  const startS = Math.floor((server.nowMs() - (server.nowUs() - target.createdUs) / 1000) / 1000);
  const lastS = Math.floor((server.nowMs() - (server.nowUs() - target.lastInteractionUs) / 1000) / 1000);
  const running = target === asker;
  // The request being run sits in the query buffer (inside EXEC, that is EXEC's own request).
  const request = target.executing?.argv ?? target.argv;
  const qbuf = running ? requestBytes(request) : 0;
  const argvMem = running ? request.reduce((n, a) => n + a.length, 0) : 0;
  const queue = target.executing?.queued ?? (target.inMulti ? target.queued : null);
  const multiMem = queue ? queue.reduce((n, q) => n + q.argv.reduce((m, a) => m + a.length, 0) + 8 * q.argv.length, 0) : 0;
  const obl = target.reply.pendingBytes;
  const rbs = 1024;
  const pubsub = target.channels.size > 0 || target.patterns.size > 0 ? PUBSUB_DICT_BYTES : 0;
  const totMem = QUERY_BUFFER_ALLOC + rbs + argvMem + multiMem + CLIENT_STRUCT_BYTES + pubsub;
  return (
    `id=${target.id} addr=${target.peer} laddr=${server.address} fd=${target.fd} name=${target.name} ` +
    `age=${nowS - startS} idle=${nowS - lastS} flags=${flagsOf(target)} db=${target.db.id} ` +
    `sub=${target.channels.size} psub=${target.patterns.size} ssub=0 multi=${queue ? queue.length : -1} ` +
    `qbuf=${qbuf} qbuf-free=${QUERY_BUFFER_USABLE - qbuf} argv-mem=${argvMem} multi-mem=${multiMem} ` +
    `rbs=${rbs} rbp=${Math.min(rbs, obl)} obl=${obl} oll=0 omem=0 tot-mem=${totMem} events=r ` +
    `cmd=${target.lastCommand} user=default redir=-1 resp=${target.reply.resp}`
  );
}

function clientList(c: Client, server: Server): void {
  let targets = server.connectedClients();
  if (c.argv.length === 4 && isKeyword(c.argv[2], 'TYPE')) {
    const type = typeByName(c.argv[3]);
    if (type === null) return c.reply.error(`ERR Unknown client type '${c.argv[3]}'`);
    targets = targets.filter((t) => clientType(t) === type);
  } else if (c.argv.length > 3 && isKeyword(c.argv[2], 'ID')) {
    const picked: Client[] = [];
    for (let j = 3; j < c.argv.length; j++) {
      const id = parseInt64(c.argv[j]);
      if (id === null) return c.reply.error('ERR Invalid client ID');
      const t = targets.find((x) => BigInt(x.id) === id);
      if (t) picked.push(t);
    }
    targets = picked;
  } else if (c.argv.length !== 2) return c.reply.error(ERR.syntax);
  server.spend(targets.length * COMMAND_COST_NS.perKey * 4);
  c.reply.verbatim(targets.map((t) => clientInfoString(t, c, server) + '\n').join(''));
}

function clientKill(c: Client, server: Server): void {
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let id: bigint | null = null;
  let skipme = true;
  if (c.argv.length === 3) {
    addr = c.argv[2];
    skipme = false;
  } else {
    for (let i = 2; i < c.argv.length; i += 2) {
      const more = c.argv.length > i + 1;
      const opt = c.argv[i].toLowerCase();
      if (!more) return c.reply.error(ERR.syntax);
      const v = c.argv[i + 1];
      if (opt === 'id') {
        const n = parseInt64(v);
        if (n === null) return c.reply.error('ERR client-id should be greater than 0');
        if (n < 1n) return c.reply.error('ERR client-id should be greater than 0');
        id = n;
      } else if (opt === 'type') {
        type = typeByName(v);
        if (type === null) return c.reply.error(`ERR Unknown client type '${v}'`);
      } else if (opt === 'addr') addr = v;
      else if (opt === 'laddr') laddr = v;
      else if (opt === 'user') {
        if (v !== 'default') return c.reply.error(`ERR No such user '${v}'`);
      } else if (opt === 'skipme') {
        if (isKeyword(v, 'YES')) skipme = true;
        else if (isKeyword(v, 'NO')) skipme = false;
        else return c.reply.error(ERR.syntax);
      } else return c.reply.error(ERR.syntax);
    }
  }
  let killed = 0;
  let closeSelf = false;
  for (const t of server.connectedClients()) {
    if (addr !== null && t.peer !== addr) continue;
    if (laddr !== null && server.address !== laddr) continue;
    if (type !== null && clientType(t) !== type) continue;
    if (id !== null && BigInt(t.id) !== id) continue;
    if (t === c && skipme) continue;
    if (t === c) closeSelf = true;
    else server.killClient(t);
    killed++;
  }
  if (c.argv.length === 3) {
    if (killed === 0) c.reply.error('ERR No such client');
    else c.reply.ok();
  } else c.reply.integer(killed);
  if (closeSelf) server.closeAfterReply(c, 'killed');
}

export const clientAdminCommands: CommandDefinition[] = [
  { name: 'client|list', summaryZh: '列出所有连接及其状态', cost: () => COMMAND_COST_NS.o1, handler: clientList },
  {
    name: 'client|info',
    summaryZh: '返回当前连接的状态行',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => c.reply.verbatim(clientInfoString(c, c, server) + '\n'),
  },
  { name: 'client|kill', summaryZh: '按地址、ID、类型等条件关闭连接', cost: () => COMMAND_COST_NS.o1, handler: clientKill },
  {
    name: 'client|pause',
    summaryZh: '在给定毫秒内暂停处理所有（或写）命令',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      let mode: 'all' | 'write' = 'all';
      if (c.argv.length === 4) {
        if (isKeyword(c.argv[3], 'WRITE')) mode = 'write';
        else if (!isKeyword(c.argv[3], 'ALL')) return c.reply.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      } else if (c.argv.length > 4) return c.reply.error(subcommandSyntaxError(c.argv));
      // getTimeoutFromObjectOrReply in milliseconds: an integer, not negative.
      const ms = parseInt64(c.argv[2]);
      if (ms === null) return c.reply.error('ERR timeout is not an integer or out of range');
      if (ms < 0n) return c.reply.error('ERR timeout is negative');
      server.pauseClients(server.nowMs() + Number(ms), mode);
      c.reply.ok();
    },
  },
  {
    name: 'client|unpause',
    summaryZh: '结束 CLIENT PAUSE，恢复处理命令',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      server.unpauseClients();
      c.reply.ok();
    },
  },
  {
    name: 'client|reply',
    summaryZh: '控制服务器是否回复当前连接（ON/OFF/SKIP）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      const mode = c.argv[2];
      if (isKeyword(mode, 'ON')) {
        c.replyOff = false;
        c.replySkip = false;
        c.replySkipNext = false;
        c.reply.ok();
      } else if (isKeyword(mode, 'OFF')) c.replyOff = true;
      else if (isKeyword(mode, 'SKIP')) {
        if (!c.replyOff) c.replySkipNext = true;
      } else c.reply.error(ERR.syntax);
    },
  },
  {
    name: 'client|no-evict',
    summaryZh: '让当前连接免于客户端内存淘汰',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      if (isKeyword(c.argv[2], 'ON')) c.noEvict = true;
      else if (isKeyword(c.argv[2], 'OFF')) c.noEvict = false;
      else return c.reply.error(ERR.syntax);
      c.reply.ok();
    },
  },
  {
    name: 'client|unblock',
    summaryZh: '让一个被阻塞命令挂起的连接立即返回（超时或报错）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      if (c.argv.length > 4) return c.reply.error(subcommandSyntaxError(c.argv));
      let asError = false;
      if (c.argv.length === 4) {
        if (isKeyword(c.argv[3], 'ERROR')) asError = true;
        else if (!isKeyword(c.argv[3], 'TIMEOUT')) return c.reply.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      }
      const id = parseInt64(c.argv[2]);
      if (id === null) return c.reply.error(ERR.notInteger);
      const target = server.connectedClients().find((t) => BigInt(t.id) === id);
      if (target && target.blocked) {
        server.unblockClient(target, asError);
        c.reply.integer(1);
      } else c.reply.integer(0);
    },
  },
  {
    name: 'client|help',
    summaryZh: '显示 CLIENT 子命令的帮助',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      replyHelp(c, HELP);
    },
  },
];

export const monitorCommands: CommandDefinition[] = [
  {
    name: 'monitor',
    summaryZh: '实时显示服务器执行的每一条命令',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      // A client that is already a monitor (or a replica) is ignored, without a reply.
      if (c.denyBlocking) return c.reply.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
      if (c.monitor) return;
      server.addMonitor(c);
      c.reply.ok();
    },
  },
];

/**
 * replicationFeedMonitors' line, straight to bytes: `+<time> [<db> <peer>]`, then each argument as sdscatrepr
 * quotes it (integers as plain digits in quotes), then CRLF. Written byte by byte because a large value quoted
 * this way can be four times its size, past the longest JS string (a 200 MB SET under MONITOR would not fit).
 */
export function monitorLine(head: string, argv: readonly string[]): Uint8Array {
  let size = head.length + 2;
  for (const a of argv) {
    size += 3;
    for (let i = 0; i < a.length; i++) size += reprWidth(a.charCodeAt(i));
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < head.length; i++) out[at++] = head.charCodeAt(i);
  for (const a of argv) {
    out[at++] = 32;
    out[at++] = 34;
    for (let i = 0; i < a.length; i++) {
      const c = a.charCodeAt(i);
      const escape = REPR_ESCAPES[c];
      if (escape !== undefined) {
        out[at++] = 92;
        out[at++] = escape;
      } else if (c >= 32 && c <= 126) out[at++] = c;
      else {
        out[at++] = 92;
        out[at++] = 120;
        out[at++] = HEX.charCodeAt(c >> 4);
        out[at++] = HEX.charCodeAt(c & 15);
      }
    }
    out[at++] = 34;
  }
  out[at++] = 13;
  out[at++] = 10;
  return out;
}

const HEX = '0123456789abcdef';
/** sdscatrepr's two-character escapes: \\ \" \n \r \t \a \b. */
const REPR_ESCAPES: Record<number, number> = { 92: 92, 34: 34, 10: 110, 13: 114, 9: 116, 7: 97, 8: 98 };
const reprWidth = (c: number) => (REPR_ESCAPES[c] !== undefined ? 2 : c >= 32 && c <= 126 ? 1 : 4);
