/** SLOWLOG (slowlog.c) and LATENCY (latency.c): what was slow, in the node's virtual time. */
import type { CommandDefinition } from './types.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { parseInt64 } from './parse.ts';
import { replyHelp, subcommandSyntaxError } from './errors.ts';

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

const LONG_MAX = 9223372036854775807n;

export const slowlogLatencyCommands: CommandDefinition[] = [
  {
    name: 'slowlog|get',
    summaryZh: '返回慢日志中最近的若干条（默认 10，-1 为全部）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      let count = 10;
      if (c.argv.length === 3) {
        const n = parseInt64(c.argv[2]);
        if (n === null || n < -1n || n > LONG_MAX) return c.reply.error('ERR count should be greater than or equal to -1');
        count = n === -1n ? Infinity : Number(n);
      } else if (c.argv.length > 3) {
        return c.reply.error(subcommandSyntaxError(c.argv));
      }
      const entries = server.slowlog.entries.slice(0, count);
      c.reply.arrayHeader(entries.length);
      for (const e of entries) {
        c.reply.arrayHeader(6);
        c.reply.integer(e.id);
        c.reply.integer(e.time);
        c.reply.integer(e.durationUs);
        c.reply.arrayHeader(e.argv.length);
        for (const a of e.argv) c.reply.bulk(a);
        c.reply.bulk(e.peer);
        c.reply.bulk(e.name);
      }
    },
  },
  {
    name: 'slowlog|len',
    summaryZh: '返回慢日志的条数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => c.reply.integer(server.slowlog.entries.length),
  },
  {
    name: 'slowlog|reset',
    summaryZh: '清空慢日志',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      server.slowlog.reset();
      c.reply.ok();
    },
  },
  {
    name: 'slowlog|help',
    summaryZh: '显示 SLOWLOG 子命令的帮助',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      replyHelp(c, SLOWLOG_HELP);
    },
  },
  {
    name: 'latency|latest',
    summaryZh: '返回各类延迟事件的最新样本',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const events = [...server.latency.events.keys()];
      c.reply.arrayHeader(events.length);
      for (const event of events) {
        const l = server.latency.latest(event);
        c.reply.arrayHeader(4);
        c.reply.bulk(event);
        c.reply.integer(l.time);
        c.reply.integer(l.latency);
        c.reply.integer(l.max);
      }
    },
  },
  {
    name: 'latency|history',
    summaryZh: '返回某类延迟事件的时间序列样本',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const samples = server.latency.history(c.argv[2]);
      c.reply.arrayHeader(samples.length);
      for (const s of samples) {
        c.reply.arrayHeader(2);
        c.reply.integer(s.time);
        c.reply.integer(s.latency);
      }
    },
  },
  {
    name: 'latency|reset',
    summaryZh: '清除一类或全部延迟事件的数据',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      if (c.argv.length === 2) return c.reply.integer(server.latency.reset(null));
      let n = 0;
      for (let j = 2; j < c.argv.length; j++) n += server.latency.reset(c.argv[j]);
      c.reply.integer(n);
    },
  },
  {
    name: 'latency|help',
    summaryZh: '显示 LATENCY 子命令的帮助',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      replyHelp(c, LATENCY_HELP);
    },
  },
];

