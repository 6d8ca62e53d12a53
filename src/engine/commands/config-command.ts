/**
 * CONFIG GET / SET / RESETSTAT (config.c). Every redis.conf parameter of Redis 7.0 can be read and (unless
 * immutable or protected) set; values are checked with Redis's messages. Parameters the engine does not act on
 * yet are stored and reported (docs/fidelity.md).
 */
import type { CommandDefinition } from './types.ts';
import { ServerConfig } from '../config/config.ts';
import { validateConfigArgs } from '../config/validate.ts';
import { MULTI_ARG_CONFIGS } from '../config/special.ts';
import { globMatch } from '../keyspace/glob.ts';
import { ERR, replyHelp } from './errors.ts';

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
      // As configSetCommand: first every name is looked up (the first unknown, immutable, protected or repeated
      // one fails the call), then every value is parsed; nothing changes unless all of them are good.
      const names: string[] = [];
      for (let i = 2; i < c.argv.length; i += 2) {
        const name = c.argv[i].toLowerCase();
        const fail = (why: string) => c.reply.error(`ERR CONFIG SET failed (possibly related to argument '${c.argv[i]}') - ${why}`);
        if (!ServerConfig.isKnown(name)) return c.reply.error(`ERR Unknown option or number of arguments for CONFIG SET - '${c.argv[i]}'`);
        const kind = ServerConfig.mutability(name);
        if (kind === 'immutable') return fail("can't set immutable config");
        if (kind === 'protected') return fail("can't set protected config");
        if (names.includes(name)) return fail('duplicate parameter');
        names.push(name);
      }
      const updates = new Map<string, string>();
      for (let j = 0; j < names.length; j++) {
        const name = names[j];
        const value = c.argv[3 + 2 * j];
        // Multi-word values (save "3600 1 300 100") arrive as one argument, split on every single space
        // (sdssplitlen): two spaces in a row make an empty word.
        const args = MULTI_ARG_CONFIGS.has(name) ? (value === '' ? [] : value.split(' ')) : [value];
        const r = validateConfigArgs(name, args, true, server.config.get(name), {
          clusterEnabled: server.config.clusterEnabled,
          unixsocket: server.config.get('unixsocket') ?? '',
        });
        // A value error names the parameter as config.c does: its own (lower-case) name, not the client's spelling.
        if ('error' in r) return c.reply.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${r.error}`);
        updates.set(name, r.value);
      }
      for (const [k, v] of updates) server.config.set(k, v);
      c.reply.ok();
    },
  },
  {
    name: 'config|help',
    summaryZh: '显示 CONFIG 子命令的帮助',
    cost: () => 1_000,
    handler: (c) =>
      replyHelp(c, [
        'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'GET <pattern>',
        '    Return parameters matching the glob-like <pattern> and their values.',
        'SET <directive> <value>',
        '    Set the configuration <directive> to <value>.',
        'RESETSTAT',
        '    Reset statistics reported by the INFO command.',
        'REWRITE',
        '    Rewrite the configuration file.',
        'HELP',
        '    Prints this help.',
      ]),
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
