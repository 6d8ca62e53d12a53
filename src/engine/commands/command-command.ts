/**
 * COMMAND, COMMAND COUNT, LIST, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP: the server describing its own command
 * table. The data is Redis 7.0.15's (captured metadata), limited to the commands the lab implements, and written
 * with the reply types Redis uses: flags and ACL categories as status strings in sets, everything else bulk
 * strings, integers, arrays and maps. GETKEYS and GETKEYSANDFLAGS need only metadata, so they answer for every
 * Redis 7.0 command (key-specs.ts).
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import { implementedDocs, implementedInfoRows, infoRow, type InfoRow } from './table.ts';
import { commandGetKeys, strcaseeq } from './key-specs.ts';
import { ERR, replyHelp } from './errors.ts';
import { globMatch } from '../keyspace/glob.ts';

/** Fields whose values Redis sends as sets of status strings, and fields it sends as sets (RESP3 `~`). */
const STATUS_SETS = new Set(['flags', 'doc_flags']);
const SETS = new Set(['history']);

function writeValue(w: ReplyWriter, value: unknown, key?: string): void {
  if (Array.isArray(value)) {
    if (key !== undefined && STATUS_SETS.has(key)) {
      w.setHeader(value.length);
      for (const v of value) w.status(String(v));
      return;
    }
    if (key !== undefined && SETS.has(key)) w.setHeader(value.length);
    else w.arrayHeader(value.length);
    for (const v of value) writeValue(w, v);
  } else if (typeof value === 'number') {
    w.integer(value);
  } else if (typeof value === 'string') {
    w.bulk(value);
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    w.mapHeader(entries.length);
    for (const [k, v] of entries) {
      w.bulk(k);
      writeValue(w, v, k);
    }
  } else {
    w.nullBulk();
  }
}

function writeInfoRow(w: ReplyWriter, row: InfoRow): void {
  const [name, arity, flags, first, last, step, acl, tips, keySpecs, subcommands] = row;
  w.arrayHeader(10);
  w.bulk(name);
  w.integer(arity);
  w.setHeader(flags.length);
  for (const f of flags) w.status(f);
  w.integer(first);
  w.integer(last);
  w.integer(step);
  w.setHeader(acl.length);
  for (const a of acl) w.status(a);
  w.setHeader(tips.length);
  for (const t of tips) w.bulk(t);
  w.setHeader(keySpecs.length);
  for (const spec of keySpecs) writeValue(w, spec);
  w.setHeader(subcommands.length);
  for (const sub of subcommands) writeInfoRow(w, sub);
}

function allInfo(c: Client): void {
  const rows = implementedInfoRows();
  c.reply.arrayHeader(rows.length);
  for (const r of rows) writeInfoRow(c.reply, r);
}

const HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** ACL category names (acl.c ACLCommandCategories), matched with strcasecmp, so up to a NUL byte. */
const ACL_CATEGORIES = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];

function aclCategoryByName(arg: string): string | undefined {
  const name = ACL_CATEGORIES.find((cat) => strcaseeq(arg, cat));
  return name === undefined ? undefined : `@${name}`;
}

/** Every implemented command by full name, each container followed by its subcommands, as COMMAND LIST walks them. */
export function commandListRows(): InfoRow[] {
  const out: InfoRow[] = [];
  for (const row of implementedInfoRows()) {
    out.push(row);
    out.push(...row[9]);
  }
  return out;
}

/** COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern] (server.c commandListCommand). */
export function commandList(argv: readonly string[]): string[] | { error: string } {
  let filter: ((row: InfoRow) => boolean) | undefined;
  for (let i = 2; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    if (!strcaseeq(argv[i], 'filterby') || moreargs !== 2) return { error: ERR.syntax };
    const type = argv[i + 1];
    const arg = argv[i + 2];
    if (strcaseeq(type, 'module')) {
      filter = () => false; // the lab loads no modules
    } else if (strcaseeq(type, 'aclcat')) {
      const cat = aclCategoryByName(arg);
      filter = (row) => cat !== undefined && row[6].includes(cat);
    } else if (strcaseeq(type, 'pattern')) {
      filter = (row) => globMatch(arg, row[0], true);
    } else {
      return { error: ERR.syntax };
    }
    i += 2;
  }
  const rows = commandListRows();
  return (filter ? rows.filter(filter) : rows).map((r) => r[0]);
}

function getKeys(c: Client, withFlags: boolean): void {
  const result = commandGetKeys(c.argv.slice(2));
  if ('error' in result) return c.reply.error(result.error);
  c.reply.arrayHeader(result.keys.length);
  for (const k of result.keys) {
    if (withFlags) c.reply.arrayHeader(2);
    c.reply.bulk(c.argv[k.pos + 2]);
    if (withFlags) {
      c.reply.setHeader(k.flags.length);
      for (const f of k.flags) c.reply.status(f);
    }
  }
}

export const commandCommands: CommandDefinition[] = [
  { name: 'command', summaryZh: '返回服务器支持的全部命令的信息', cost: () => 50_000, handler: (c) => allInfo(c) },
  {
    name: 'command|count',
    summaryZh: '返回服务器支持的命令数量',
    cost: () => 0,
    handler: (c) => c.reply.integer(implementedInfoRows().length),
  },
  {
    name: 'command|info',
    summaryZh: '返回指定命令的信息（不存在的返回 nil）',
    cost: () => 5_000,
    handler: (c) => {
      if (c.argv.length === 2) return allInfo(c);
      c.reply.arrayHeader(c.argv.length - 2);
      for (let i = 2; i < c.argv.length; i++) {
        const row = infoRow(c.argv[i]);
        if (row) writeInfoRow(c.reply, row);
        else c.reply.nullBulk();
      }
    },
  },
  {
    name: 'command|docs',
    summaryZh: '返回命令的文档（摘要、参数、版本等）',
    cost: () => 5_000,
    handler: (c) => {
      const names = c.argv.length === 2 ? implementedInfoRows().map((r) => r[0]) : c.argv.slice(2).map((n) => n.toLowerCase());
      const found = names.map((n) => [n, implementedDocs(n)] as const).filter(([, d]) => d !== undefined);
      c.reply.mapHeader(found.length);
      for (const [n, d] of found) {
        c.reply.bulk(n);
        writeValue(c.reply, d);
      }
    },
  },
  {
    name: 'command|list',
    summaryZh: '列出服务器实现的全部命令名（可按 ACL 类别、模式或模块过滤）',
    cost: () => 20_000,
    handler: (c) => {
      const names = commandList(c.argv);
      if ('error' in names) return c.reply.error(names.error);
      c.reply.arrayHeader(names.length);
      for (const n of names) c.reply.bulk(n);
    },
  },
  {
    name: 'command|getkeys',
    summaryZh: '从一条完整命令中提取出键名',
    cost: (argv) => 1_000 + 50 * argv.length,
    handler: (c) => getKeys(c, false),
  },
  {
    name: 'command|getkeysandflags',
    summaryZh: '从一条完整命令中提取出键名及其访问标志',
    cost: (argv) => 1_000 + 50 * argv.length,
    handler: (c) => getKeys(c, true),
  },
  {
    name: 'command|help',
    summaryZh: '显示 COMMAND 各子命令的帮助',
    cost: () => 0,
    handler: (c) => {
      replyHelp(c, HELP);
    },
  },
];
