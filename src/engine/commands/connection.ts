/** Connection commands (Redis's "connection" group): PING, ECHO, QUIT. */
import type { CommandDefinition } from './types.ts';
import { arityError } from './errors.ts';
import { parseIntArg } from './parse.ts';

export const connectionCommands: CommandDefinition[] = [
  {
    name: 'ping',
    summaryZh: '测试连接是否存活，返回 PONG 或原样返回参数',
    cost: () => 0,
    handler: (c) => {
      // PING takes zero or one argument; COMMAND INFO says arity -1, so the check is the command's own.
      if (c.argv.length > 2) {
        c.reply.error(arityError('ping'));
        return;
      }
      // A RESP2 subscriber gets PING's answer in the shape of a message: ["pong", argument or ""].
      if ((c.channels.size > 0 || c.patterns.size > 0) && c.reply.resp === 2) {
        c.reply.arrayHeader(2);
        c.reply.bulk('pong');
        c.reply.bulk(c.argv.length === 1 ? '' : c.argv[1]);
      } else if (c.argv.length === 1) c.reply.status('PONG');
      else c.reply.bulk(c.argv[1]);
    },
  },
  {
    name: 'echo',
    summaryZh: '原样返回给定的字符串',
    cost: (argv) => argv[1].length * 0.5,
    handler: (c) => c.reply.bulk(c.argv[1]),
  },
  {
    name: 'select',
    summaryZh: '切换当前连接使用的数据库',
    cost: () => 0,
    handler: (c, server) => {
      const id = parseIntArg(c.argv[1]);
      if (typeof id !== 'number') return c.reply.error(id.error);
      if (server.config.clusterEnabled && id !== 0) return c.reply.error('ERR SELECT is not allowed in cluster mode');
      if (id < 0 || id >= server.dbs.length) return c.reply.error('ERR DB index is out of range');
      c.db = server.dbs[id];
      c.reply.ok();
    },
  },
  {
    name: 'quit',
    summaryZh: '关闭当前连接',
    cost: () => 0,
    handler: (c, server) => {
      c.reply.ok();
      server.closeAfterReply(c);
    },
  },
];
