/**
 * COMMAND, COMMAND COUNT, COMMAND INFO, COMMAND DOCS: the server describing its own command table. The data is
 * Redis 7.0.15's (captured metadata), limited to the commands the lab implements, and written with the reply
 * types Redis uses: flags and ACL categories as status strings in sets, everything else bulk strings, integers,
 * arrays and maps.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import { implementedDocs, implementedInfoRows, infoRow, type InfoRow } from './table.ts';

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
];
