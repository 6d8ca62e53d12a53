/**
 * SAVE, BGSAVE, LASTSAVE and BGREWRITEAOF (rdb.c, aof.c). The work is in src/engine/persistence.
 */
import type { CommandDefinition } from './types.ts';
import { ERR } from './errors.ts';

export const persistenceCommands: CommandDefinition[] = [
  {
    name: 'save',
    summaryZh: '同步保存 RDB 快照（保存期间阻塞所有客户端）',
    cost: () => 0,
    handler: (c, server) => {
      if (server.persistence.bgsaveInProgress) return c.reply.error('ERR Background save already in progress');
      server.persistence.save();
      c.reply.ok();
    },
  },
  {
    name: 'bgsave',
    summaryZh: 'fork 子进程在后台保存 RDB 快照',
    cost: () => 0,
    handler: (c, server) => {
      if (c.argv.length > 2 || (c.argv.length === 2 && c.argv[1].toLowerCase() !== 'schedule')) return c.reply.error(ERR.syntax);
      if (server.persistence.bgsave() === 'in-progress') return c.reply.error('ERR Background save already in progress');
      c.reply.status('Background saving started');
    },
  },
  {
    name: 'lastsave',
    summaryZh: '最近一次成功保存快照的 Unix 时间（秒）',
    cost: () => 0,
    handler: (c, server) => c.reply.integer(Math.floor(server.persistence.lastSaveMs / 1000)),
  },
  {
    name: 'bgrewriteaof',
    summaryZh: '重写 AOF：以当前数据生成新的基础文件',
    cost: () => 0,
    handler: (c, server) => {
      server.persistence.rewriteAof();
      c.reply.status('Background append only file rewriting started');
    },
  },
];
