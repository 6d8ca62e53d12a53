/**
 * DEBUG (debug.c): only SLEEP so far, which blocks the whole event loop for a while in virtual time, the
 * classic demonstration that one slow command stalls every client. As in Redis 7.0, DEBUG is refused unless
 * `enable-debug-command` is "yes" (or "local" for loopback clients); processCommand checks that.
 */
import type { CommandDefinition } from './types.ts';

/** Subcommands real DEBUG has that the lab does not implement yet (an honest error, not "unknown"). */
const REAL_SUBCOMMANDS = new Set([
  'help', 'segfault', 'panic', 'restart', 'crash-and-recover', 'assert', 'log', 'leak', 'reload', 'loadaof',
  'drop-cluster-packet-filter', 'object', 'sdslen', 'listpack', 'quicklist-packed-threshold', 'ziplist',
  'set-skip-checksum-validation', 'aof-flush-sleep', 'replicate', 'populate', 'digest', 'digest-value', 'protocol',
  'set-active-expire', 'set-disable-deny-scripts', 'config-rewrite-force-all', 'stringmatch-len', 'pause-cron',
  'replybuffer', 'client-eviction', 'change-repl-id', 'htstats', 'htstats-key', 'mallctl', 'mallctl-str', 'jmap',
]);

/** C's strtod on a prefix: what it cannot parse is 0. */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

export const debugCommands: CommandDefinition[] = [
  {
    name: 'debug',
    summaryZh: '调试命令（实验室中支持 DEBUG SLEEP：让事件循环阻塞指定秒数）',
    cost: () => 0,
    handler: (c, server) => {
      const sub = c.argv[1].toLowerCase();
      if (sub === 'sleep' && c.argv.length === 3) {
        // The whole node stops: nanosleep in the only thread.
        const seconds = strtod(c.argv[2]);
        if (seconds > 0) server.spend(Math.floor(seconds * 1e6) * 1000);
        return c.reply.ok();
      }
      if (sub !== 'sleep' && REAL_SUBCOMMANDS.has(sub)) {
        return c.reply.error(`ERR 'debug|${sub}' is a Redis 7.0 command that Cluster Lab does not implement yet`);
      }
      c.reply.error(`ERR unknown subcommand or wrong number of arguments for '${c.argv[1]}'. Try DEBUG HELP.`);
    },
  },
];
