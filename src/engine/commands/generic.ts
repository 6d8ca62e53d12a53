/** Generic keyspace commands (Redis's "generic" group). This issue brings DEL and EXISTS; more follow. */
import type { CommandDefinition } from './types.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

export const genericCommands: CommandDefinition[] = [
  {
    name: 'del',
    summaryZh: '删除一个或多个键，返回实际删除的个数',
    cost: (argv) => (argv.length - 1) * COMMAND_COST_NS.perKey,
    handler: (c, server) => {
      const now = server.nowMs();
      let deleted = 0;
      for (let i = 1; i < c.argv.length; i++) {
        // An expired key counts as missing, as lookups would see it.
        c.db.expireIfNeeded(c.argv[i], now);
        if (c.db.delete(c.argv[i])) deleted++;
      }
      if (deleted > 0) server.markDirty(deleted);
      c.reply.integer(deleted);
    },
  },
  {
    name: 'exists',
    summaryZh: '统计给定的键中有多少个存在（重复的键重复计数）',
    cost: (argv) => (argv.length - 1) * COMMAND_COST_NS.perKey,
    handler: (c, server) => {
      const now = server.nowMs();
      let count = 0;
      for (let i = 1; i < c.argv.length; i++) if (c.db.lookup(c.argv[i], now) !== undefined) count++;
      c.reply.integer(count);
    },
  },
];
