/** Server commands (Redis's "server" group) that act on the keyspace or the clock: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME. */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { parseIntArg } from './parse.ts';

/** getFlushCommandFlags: nothing, SYNC or ASYNC (the lab frees memory at once either way). */
function flushFlagsOk(c: Client): boolean {
  if (c.argv.length === 1) return true;
  const opt = c.argv[1].toLowerCase();
  return c.argv.length === 2 && (opt === 'sync' || opt === 'async');
}

export const serverCommands: CommandDefinition[] = [
  {
    name: 'dbsize',
    summaryZh: '返回当前数据库的键数量',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => c.reply.integer(c.db.size),
  },
  {
    name: 'flushdb',
    summaryZh: '清空当前数据库',
    cost: () => 0,
    handler: (c, server) => {
      if (!flushFlagsOk(c)) return c.reply.error(ERR.syntax);
      server.spend(c.db.size * COMMAND_COST_NS.scanPerKey);
      server.markDirty(c.db.size);
      c.db.clear();
      c.reply.ok();
    },
  },
  {
    name: 'flushall',
    summaryZh: '清空所有数据库',
    cost: () => 0,
    handler: (c, server) => {
      if (!flushFlagsOk(c)) return c.reply.error(ERR.syntax);
      for (const db of server.dbs) {
        server.spend(db.size * COMMAND_COST_NS.scanPerKey);
        server.markDirty(db.size);
        db.clear();
      }
      c.reply.ok();
    },
  },
  {
    name: 'swapdb',
    summaryZh: '交换两个数据库的内容',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      if (server.config.clusterEnabled) return c.reply.error('ERR SWAPDB is not allowed in cluster mode');
      const a = parseIntArg(c.argv[1], 'invalid first DB index');
      if (typeof a !== 'number') return c.reply.error(a.error);
      const b = parseIntArg(c.argv[2], 'invalid second DB index');
      if (typeof b !== 'number') return c.reply.error(b.error);
      const n = server.dbs.length;
      if (a < 0 || a >= n || b < 0 || b >= n) return c.reply.error('ERR DB index is out of range');
      server.swapDatabases(a, b);
      server.markDirty();
      c.reply.ok();
    },
  },
  {
    name: 'time',
    summaryZh: '返回服务器当前时间（虚拟时钟）：秒与微秒',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const us = server.unixTimeUs();
      c.reply.arrayHeader(2);
      c.reply.bulk(String(Math.floor(us / 1_000_000)));
      c.reply.bulk(String(us % 1_000_000));
    },
  },
];
