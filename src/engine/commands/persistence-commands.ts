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
    name: 'shutdown',
    summaryZh: '保存（除非 NOSAVE）并关闭服务器进程；脚本忙时只有 SHUTDOWN NOSAVE 可用',
    cost: () => 0,
    handler: (c, server) => {
      const opts = { save: false, nosave: false, force: false };
      let abort = false;
      let now = false;
      for (const arg of c.argv.slice(1)) {
        const a = arg.toLowerCase();
        if (a === 'nosave') opts.nosave = true;
        else if (a === 'save') opts.save = true;
        else if (a === 'now') now = true;
        else if (a === 'force') opts.force = true;
        else if (a === 'abort') abort = true;
        else return c.reply.error(ERR.syntax);
      }
      if ((abort && (opts.nosave || opts.save || now || opts.force)) || (opts.nosave && opts.save)) return c.reply.error(ERR.syntax);
      // The lab's SHUTDOWN never waits for replicas (shutdown-timeout), so there is nothing to abort.
      if (abort) return c.reply.error('ERR No shutdown in progress.');
      // A busy script: only SHUTDOWN NOSAVE may end the server (the data may be half written).
      if (!opts.nosave && server.scripting.busy) return c.reply.error(server.scripting.busyError());
      const error = server.shutdown(opts);
      if (error !== null) c.reply.error(error);
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
