/**
 * MEMORY (object.c memoryCommand): USAGE measures one key as objectComputeSize does; STATS and DOCTOR report on
 * the model of used memory (src/engine/memory). MALLOC-STATS has no meaning without a real allocator.
 */
import type { CommandDefinition } from './types.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR, replyHelp } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { isKeyword } from './parse.ts';
import { keyMemoryUsage, MEMORY_USAGE_DEFAULT_SAMPLES } from '../memory/object-size.ts';
import { formatDouble17g } from '../types/double.ts';
import { dictSlots } from '../memory/encodings-size.ts';
import { SIZEOF } from '../memory/redis-structs.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';

const HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

/** Below this much allocated memory the doctor declines to diagnose (as Redis's does). */
const DOCTOR_EMPTY_BYTES = 5 * 1024 * 1024;

function memoryStats(c: Client, server: Server): void {
  const m = server.memory.measure();
  const overheadTotal = m.startup + m.hashtableMain + m.hashtableExpires + m.clients;
  const dataset = Math.max(0, m.total - overheadTotal);
  const netUsage = m.total - m.startup;
  const dbs = server.dbs.filter((d) => d.size > 0);
  // The lab models what the allocator hands out, without fragmentation: allocator and RSS figures equal it.
  const fields: [string, 'int' | 'double' | 'db', number, number?][] = [
    ['peak.allocated', 'int', server.memory.peak],
    ['total.allocated', 'int', m.total],
    ['startup.allocated', 'int', m.startup],
    ['replication.backlog', 'int', 0],
    ['clients.slaves', 'int', 0],
    ['clients.normal', 'int', m.clients],
    ['cluster.links', 'int', 0],
    ['aof.buffer', 'int', 0],
    ['lua.caches', 'int', 0],
    ['functions.caches', 'int', 200],
  ];
  const tail: [string, 'int' | 'double', number][] = [
    ['overhead.total', 'int', overheadTotal],
    ['keys.count', 'int', m.keys],
    ['keys.bytes-per-key', 'int', m.keys ? Math.floor(netUsage / m.keys) : 0],
    ['dataset.bytes', 'int', dataset],
    ['dataset.percentage', 'double', netUsage > 0 ? (dataset * 100) / netUsage : 0],
    ['peak.percentage', 'double', server.memory.peak > 0 ? (m.total * 100) / server.memory.peak : 0],
    ['allocator.allocated', 'int', m.total],
    ['allocator.active', 'int', m.total],
    ['allocator.resident', 'int', m.total],
    ['allocator-fragmentation.ratio', 'double', 1],
    ['allocator-fragmentation.bytes', 'int', 0],
    ['allocator-rss.ratio', 'double', 1],
    ['allocator-rss.bytes', 'int', 0],
    ['rss-overhead.ratio', 'double', 1],
    ['rss-overhead.bytes', 'int', 0],
    ['fragmentation', 'double', 1],
    ['fragmentation.bytes', 'int', 0],
  ];
  c.reply.mapHeader(fields.length + dbs.length + tail.length);
  for (const [name, , v] of fields) {
    c.reply.bulk(name);
    c.reply.integer(v);
  }
  for (const db of dbs) {
    c.reply.bulk(`db.${db.id}`);
    c.reply.mapHeader(3);
    c.reply.bulk('overhead.hashtable.main');
    c.reply.integer(dictBytes(db.size) + db.size * 24);
    c.reply.bulk('overhead.hashtable.expires');
    c.reply.integer(db.expires.size > 0 ? dictBytes(db.expires.size) + db.expires.size * 24 : 0);
    c.reply.bulk('overhead.hashtable.slot-to-keys');
    c.reply.integer(server.config.clusterEnabled ? db.size * 16 : 0);
  }
  for (const [name, kind, v] of tail) {
    c.reply.bulk(name);
    if (kind === 'int') c.reply.integer(v);
    else c.reply.double(formatDouble17g(Math.fround(v)));
  }
}

/** A dict's table (8 bytes a bucket) plus the dict header. */
function dictBytes(n: number): number {
  return Math.max(4, dictSlots(n)) * SIZEOF.dictBucket + SIZEOF.dict;
}

export const memoryCommands: CommandDefinition[] = [
  {
    name: 'memory|usage',
    summaryZh: '估算一个键及其值占用的内存字节数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      let samples = MEMORY_USAGE_DEFAULT_SAMPLES;
      for (let j = 3; j < c.argv.length; j++) {
        if (isKeyword(c.argv[j], 'SAMPLES') && j + 1 < c.argv.length) {
          const n = parseInt64(c.argv[j + 1]);
          if (n === null) return c.reply.error(ERR.notInteger);
          if (n < 0n) return c.reply.error(ERR.syntax);
          samples = Number(n);
          j++;
        } else return c.reply.error(ERR.syntax);
      }
      // dbFind: no lazy expiry, no access-time update.
      const o = c.db.keys.get(c.argv[2]);
      if (o === undefined) return c.reply.nullBulk();
      if (samples !== 0) server.spend(samples * COMMAND_COST_NS.perKey);
      c.reply.integer(keyMemoryUsage(c.argv[2], o, samples, server.config.clusterEnabled, Number(server.config.get('list-max-listpack-size'))));
    },
  },
  {
    name: 'memory|stats',
    summaryZh: '报告服务器的内存使用明细',
    cost: () => COMMAND_COST_NS.o1,
    handler: memoryStats,
  },
  {
    name: 'memory|doctor',
    summaryZh: '诊断内存问题并给出建议',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const m = server.memory.measure();
      let report: string;
      if (m.total < DOCTOR_EMPTY_BYTES) {
        report =
          "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
      } else if (server.memory.peak / m.total > 1.5) {
        report =
          'Sam, I detected a few issues in this Redis instance memory implants:\n\n' +
          ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n' +
          "I'm here to keep you safe, Sam. I want to help you.\n";
      } else {
        report = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
      }
      c.reply.verbatim(report);
    },
  },
  {
    name: 'memory|purge',
    summaryZh: '让分配器归还脏页（实验室中无事可做，直接返回 OK）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => c.reply.ok(),
  },
  {
    name: 'memory|help',
    summaryZh: '显示 MEMORY 子命令的帮助',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      replyHelp(c, HELP);
    },
  },
];
