/**
 * DEBUG (debug.c): SLEEP, which blocks the whole event loop for a while in virtual time (the
 * classic demonstration that one slow command stalls every client), and OBJECT. As in Redis 7.0, DEBUG is
 * refused unless `enable-debug-command` is "yes" (or "local" for loopback clients); processCommand checks that.
 */
import { subcommandSyntaxError } from './errors.ts';
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { RdbWriter } from '../persistence/rdb-io.ts';
import { rdbSaveObject } from '../persistence/rdb-object.ts';
import { lpBytesFor } from '../persistence/listpack.ts';
import { splitIntoNodes } from '../persistence/quicklist.ts';
import { rdbSaveOptions } from './dump-restore.ts';
import { hashString } from '../random/prng.ts';

/** Subcommands real DEBUG has that the lab does not implement yet (an honest error, not "unknown"). */
const REAL_SUBCOMMANDS = new Set([
  'help', 'segfault', 'panic', 'restart', 'crash-and-recover', 'assert', 'log', 'leak', 'reload', 'loadaof',
  'drop-cluster-packet-filter', 'sdslen', 'listpack', 'quicklist-packed-threshold', 'ziplist',
  'set-skip-checksum-validation', 'aof-flush-sleep', 'replicate', 'populate', 'digest', 'digest-value', 'protocol',
  'set-active-expire', 'set-disable-deny-scripts', 'config-rewrite-force-all', 'stringmatch-len', 'pause-cron',
  'replybuffer', 'client-eviction', 'change-repl-id', 'htstats', 'htstats-key', 'mallctl', 'mallctl-str', 'jmap',
]);

/** C's strtod on a prefix: what it cannot parse is 0. */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

/**
 * DEBUG OBJECT: the value's address, refcount, encoding, RDB-serialized length, LRU clock and idle time, plus the
 * quicklist's shape for lists. The address is a stable made-up one (the lab has no pointers).
 */
function debugObject(c: Client, server: Server): void {
  const key = c.argv[2];
  const o = c.db.keys.get(key);
  if (o === undefined) return c.reply.error('ERR no such key');
  const w = new RdbWriter(64);
  const opts = rdbSaveOptions(server);
  rdbSaveObject(w, o, opts);
  const now = server.nowMs();
  const lfu = /lfu/.test(server.config.get('maxmemory-policy') ?? '');
  const stamp = o.shared ? server.startedAtMs() : o.lru;
  const lruField = lfu && stamp < 1 << 24 ? stamp : Math.floor(stamp / 1000) & 0xffffff;
  const idle = lfu && stamp < 1 << 24 ? 0 : Math.max(0, Math.floor((now - stamp) / 1000));
  const address = `0x7f${(hashString(`${c.db.id}\u0000${key}`) >>> 0).toString(16).padStart(8, '0')}40`;
  let extra = '';
  if (o.type === 'list') {
    const nodes = splitIntoNodes(o.value, opts.listMaxListpackSize);
    const size = nodes.reduce((n, g) => n + (g.plain ? g.elements[0].length : lpBytesFor(g.elements)), 0);
    const avg = nodes.length ? o.value.length / nodes.length : 0;
    extra =
      ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${Math.min(32767, Math.max(-5, opts.listMaxListpackSize))}` +
      ` ql_compressed:${opts.listCompressDepth !== 0 ? 1 : 0} ql_uncompressed_size:${size}`;
  }
  c.reply.status(
    `Value at:${address} refcount:${o.shared ? 2147483647 : 1} encoding:${o.enc} serializedlength:${w.length} ` +
      `lru:${lruField} lru_seconds_idle:${idle}${extra}`,
  );
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
      if (sub === 'object' && c.argv.length === 3) return debugObject(c, server);
      if (sub !== 'sleep' && REAL_SUBCOMMANDS.has(sub)) {
        return c.reply.error(`ERR 'debug|${sub}' is a Redis 7.0 command that Cluster Lab does not implement yet`);
      }
      c.reply.error(subcommandSyntaxError(c.argv));
    },
  },
];
