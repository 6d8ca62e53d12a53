/**
 * CONFIG GET / SET / RESETSTAT (config.c). Every redis.conf parameter of Redis 7.0 can be read and (unless
 * immutable or protected) set; values are checked with Redis's messages. Parameters the engine does not act on
 * yet are stored and reported (docs/fidelity.md).
 */
import type { CommandDefinition } from './types.ts';
import { ServerConfig } from '../config/config.ts';
import { validateConfigArgs } from '../config/validate.ts';
import { globMatch } from '../keyspace/glob.ts';
import { ERR } from './errors.ts';

const hasGlob = (s: string) => /[*?[]/.test(s);

export const configCommands: CommandDefinition[] = [
  {
    name: 'config|get',
    summaryZh: '读取配置参数（支持通配符与多个参数）',
    cost: () => 2_000,
    handler: (c, server) => {
      const found = new Map<string, string>();
      const names = ServerConfig.names();
      for (let i = 2; i < c.argv.length; i++) {
        const pattern = c.argv[i].toLowerCase();
        if (hasGlob(pattern)) {
          for (const n of names) if (globMatch(pattern, n, true)) found.set(n, server.config.get(n) ?? '');
        } else if (ServerConfig.isKnown(pattern)) {
          // An exact name is echoed as the client wrote it ("HZ" stays "HZ").
          found.set(c.argv[i], server.config.get(pattern) ?? '');
        }
      }
      c.reply.mapHeader(found.size);
      for (const [k, v] of found) {
        c.reply.bulk(k);
        c.reply.bulk(v);
      }
    },
  },
  {
    name: 'config|set',
    summaryZh: '修改配置参数（可一次修改多个，全部成功或全部失败）',
    cost: () => 2_000,
    handler: (c, server) => {
      if (c.argv.length % 2 !== 0) return c.reply.error(ERR.syntax);
      const updates = new Map<string, string>();
      for (let i = 2; i < c.argv.length; i += 2) {
        const name = c.argv[i].toLowerCase();
        const fail = (why: string) => c.reply.error(`ERR CONFIG SET failed (possibly related to argument '${c.argv[i]}') - ${why}`);
        if (!ServerConfig.isKnown(name)) return c.reply.error(`ERR Unknown option or number of arguments for CONFIG SET - '${c.argv[i]}'`);
        const kind = ServerConfig.mutability(name);
        if (kind === 'immutable') return fail("can't set immutable config");
        if (kind === 'protected') return fail("can't set protected config");
        if (updates.has(name)) return fail('duplicate parameter');
        // Multi-word values (save "3600 1 300 100") arrive as one argument.
        const args = name === 'save' || name === 'bind' || name === 'client-output-buffer-limit' || name === 'oom-score-adj-values'
          ? c.argv[i + 1].split(' ').filter((a) => a !== '')
          : [c.argv[i + 1]];
        const r = validateConfigArgs(name, name === 'save' && args.length === 0 ? [''] : args);
        if ('error' in r) return fail(r.error);
        updates.set(name, r.value);
      }
      for (const [k, v] of updates) server.config.set(k, v);
      c.reply.ok();
    },
  },
  {
    name: 'config|resetstat',
    summaryZh: '重置 INFO 中的统计数据',
    cost: () => 1_000,
    handler: (c, server) => {
      server.resetStats();
      c.reply.ok();
    },
  },
];
