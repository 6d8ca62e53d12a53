/**
 * HELLO, AUTH and the CLIENT container's basic subcommands (networking.c, acl.c). The lab has one user,
 * "default", whose password is `requirepass` (none by default: then any password is accepted for it, as for
 * Redis's nopass default user).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { ERR } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { discardTransaction } from './transactions.ts';
import { unsubscribeAll } from './pubsub.ts';

const REDIS_VERSION = '7.0.15';
const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** ACLAuthenticateUser for the default user alone. */
function authenticate(c: Client, server: Server, user: string, password: string): boolean {
  const required = server.config.requirepass;
  if (user !== 'default' || (required !== '' && password !== required)) {
    c.reply.error(WRONGPASS);
    return false;
  }
  c.authenticated = true;
  c.parser.limits.authenticated = true;
  return true;
}

/** clientSetName: printable ASCII without spaces, or empty to clear. */
function setName(c: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) {
      c.reply.error('ERR Client names cannot contain spaces, newlines or special characters.');
      return false;
    }
  }
  c.name = name;
  return true;
}

export const clientCommands: CommandDefinition[] = [
  {
    name: 'hello',
    summaryZh: '握手：选择 RESP 协议版本（2 或 3），可同时认证与命名连接',
    cost: () => 0,
    handler: (c, server) => {
      let version = 0;
      let next = 1;
      if (c.argv.length >= 2) {
        const v = parseInt64(c.argv[next++]);
        if (v === null) return c.reply.error('ERR Protocol version is not an integer or out of range');
        if (v < 2n || v > 3n) return c.reply.error('NOPROTO unsupported protocol version');
        version = Number(v);
      }
      let auth: [string, string] | null = null;
      let name: string | null = null;
      for (let j = next; j < c.argv.length; j++) {
        const more = c.argv.length - 1 - j;
        const opt = c.argv[j].toLowerCase();
        if (opt === 'auth' && more >= 2) {
          auth = [c.argv[j + 1], c.argv[j + 2]];
          j += 2;
        } else if (opt === 'setname' && more >= 1) {
          name = c.argv[++j];
        } else {
          return c.reply.error(`ERR Syntax error in HELLO option '${c.argv[j]}'`);
        }
      }
      if (auth && !authenticate(c, server, auth[0], auth[1])) return;
      if (!c.authenticated) {
        return c.reply.error(
          'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
        );
      }
      if (name !== null && !setName(c, name)) return;
      if (version) c.reply.resp = version as 2 | 3;
      c.reply.mapHeader(7);
      c.reply.bulk('server');
      c.reply.bulk('redis');
      c.reply.bulk('version');
      c.reply.bulk(REDIS_VERSION);
      c.reply.bulk('proto');
      c.reply.integer(c.reply.resp);
      c.reply.bulk('id');
      c.reply.integer(c.id);
      c.reply.bulk('mode');
      c.reply.bulk(server.config.clusterEnabled ? 'cluster' : 'standalone');
      c.reply.bulk('role');
      c.reply.bulk('master');
      c.reply.bulk('modules');
      c.reply.arrayHeader(0);
    },
  },
  {
    name: 'auth',
    summaryZh: '使用密码（或用户名与密码）认证当前连接',
    cost: () => 0,
    handler: (c, server) => {
      if (c.argv.length > 3) return c.reply.error(ERR.syntax);
      if (c.argv.length === 2 && server.config.requirepass === '') {
        return c.reply.error(
          'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
        );
      }
      const [user, password] = c.argv.length === 2 ? ['default', c.argv[1]] : [c.argv[1], c.argv[2]];
      if (authenticate(c, server, user, password)) c.reply.ok();
    },
  },
  {
    name: 'reset',
    summaryZh: '把连接恢复到初始状态（退出事务与订阅、回到 db0 与 RESP2、清除名字与认证）',
    cost: () => 0,
    handler: (c, server) => {
      // clearClientConnectionState: everything a connection may have changed about itself.
      c.db = server.dbs[0];
      c.reply.resp = 2;
      c.authenticated = server.config.requirepass === '';
      c.parser.limits.authenticated = c.authenticated;
      discardTransaction(c);
      unsubscribeAll(c, server, false, false);
      unsubscribeAll(c, server, true, false);
      c.name = '';
      server.removeMonitor(c);
      c.replyOff = false;
      c.replySkip = false;
      c.replySkipNext = false;
      c.noEvict = false;
      c.asking = false;
      c.readonlyMode = false;
      c.reply.status('RESET');
    },
  },
  {
    name: 'client|id',
    summaryZh: '返回当前连接的 ID',
    cost: () => 0,
    handler: (c) => c.reply.integer(c.id),
  },
  {
    name: 'client|getname',
    summaryZh: '返回当前连接的名字',
    cost: () => 0,
    handler: (c) => (c.name === '' ? c.reply.nullBulk() : c.reply.bulk(c.name)),
  },
  {
    name: 'client|setname',
    summaryZh: '设置当前连接的名字',
    cost: () => 0,
    handler: (c) => {
      if (setName(c, c.argv[2])) c.reply.ok();
    },
  },
];
