/**
 * The command table: Redis's metadata for each command joined with the lab's implementation of it.
 */
import infoJson from './meta/command-info.json' with { type: 'json' };
import docsJson from './meta/command-docs.json' with { type: 'json' };
import type { CommandArgument, CommandDefinition, CommandSpec } from './types.ts';
import { connectionCommands } from './connection.ts';
import { stringCommands } from './string.ts';
import { genericCommands } from './generic.ts';
import { serverCommands } from './server-commands.ts';
import { clientCommands } from './client-command.ts';
import { configCommands } from './config-command.ts';
import { transactionCommands } from './transactions.ts';
import { hashCommands } from './hash.ts';
import { blockingListCommands, listCommands } from './list.ts';
import { setCommands } from './set.ts';
import { debugCommands } from './debug.ts';
import { zsetCommands } from './zset.ts';
import { pubsubCommands } from './pubsub.ts';
import { scanCommands } from './scan.ts';
import { commandCommands } from './command-command.ts';
import { bitCommands } from './bitops.ts';
import { sortCommands } from './sort.ts';
import { lcsCommands } from './lcs.ts';
import { hyperloglogCommands } from './hyperloglog.ts';
import { bitfieldCommands } from './bitfield.ts';
import { dumpRestoreCommands } from './dump-restore.ts';
import { memoryCommands } from './memory-command.ts';
import { infoCommands } from './info.ts';
import { clientAdminCommands, monitorCommands } from './client-admin.ts';
import { slowlogLatencyCommands } from './slowlog-latency.ts';
import { clusterCommands } from './cluster.ts';
import { migrateCommands } from './migrate.ts';
import { replicationCommands } from './replication.ts';
import { persistenceCommands } from './persistence-commands.ts';
import { scriptingCommands } from './scripting.ts';

export type InfoRow = [string, number, string[], number, number, number, string[], string[], unknown[], InfoRow[]];
export interface DocEntry {
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  arguments?: CommandArgument[];
  subcommands?: Record<string, DocEntry>;
}

/** COMMAND INFO rows by full name: "get", and for subcommands "client|setname". */
const infoByName = new Map<string, InfoRow>();
for (const row of infoJson as unknown as InfoRow[]) {
  infoByName.set(row[0], row);
  for (const sub of row[9] ?? []) infoByName.set(sub[0], sub);
}
/** Commands that only exist as containers of subcommands (CLIENT, CONFIG, CLUSTER, ...). */
const containers = new Set((infoJson as unknown as InfoRow[]).filter((r) => (r[9] ?? []).length > 0).map((r) => r[0]));
// Nested under one key: tools that turn JSON into modules make each top-level key a variable, and 'eval' is a
// command name but not a legal variable name.
const docs = (docsJson as unknown as { commands: Record<string, DocEntry> }).commands;

function docFor(fullname: string): DocEntry | undefined {
  const [parent, sub] = fullname.split('|');
  return sub === undefined ? docs[parent] : docs[parent]?.subcommands?.[fullname];
}

/** Commands flagged CMD_MAY_REPLICATE in Redis 7.0, a flag COMMAND INFO hides on purpose. */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish']);

function buildSpec(def: CommandDefinition): CommandSpec {
  const row = infoByName.get(def.name);
  const doc = docFor(def.name);
  if (!row || !doc) throw new Error(`'${def.name}' is not a Redis 7.0 command`);
  const flags = new Set(row[2]);
  return {
    name: def.name,
    arity: row[1],
    flags,
    aclCategories: row[6],
    keys: { first: row[3], last: row[4], step: row[5] },
    group: doc.group,
    since: doc.since,
    complexity: doc.complexity ?? '',
    summary: { en: doc.summary, zh: def.summaryZh },
    arguments: doc.arguments ?? [],
    handler: def.handler,
    cost: def.cost,
    isWrite: flags.has('write'),
    isFast: flags.has('fast'),
    noAuth: flags.has('no_auth'),
    mayReplicate: flags.has('write') || flags.has('may_replicate') || MAY_REPLICATE.has(def.name),
    denyOom: flags.has('denyoom'),
    monitored: !flags.has('admin') && !flags.has('skip_monitor'),
    slowlogged: !flags.has('skip_slowlog'),
    index: 0,
    hasKeys: flags.has('movablekeys') || (row[8] ?? []).length > 0,
  };
}

const definitions: CommandDefinition[] = [...connectionCommands, ...clientCommands, ...stringCommands, ...genericCommands, ...serverCommands, ...configCommands, ...transactionCommands, ...hashCommands, ...listCommands, ...blockingListCommands, ...setCommands, ...zsetCommands, ...pubsubCommands, ...scanCommands, ...commandCommands, ...bitCommands, ...sortCommands, ...lcsCommands, ...hyperloglogCommands, ...bitfieldCommands, ...dumpRestoreCommands, ...memoryCommands, ...infoCommands, ...clientAdminCommands, ...monitorCommands, ...slowlogLatencyCommands, ...clusterCommands, ...migrateCommands, ...replicationCommands, ...persistenceCommands, ...scriptingCommands, ...debugCommands];

/** The implemented commands, by lower-case name. */
export const commandTable: ReadonlyMap<string, CommandSpec> = new Map(
  definitions.map((d, i) => [d.name, { ...buildSpec(d), index: i }] as const),
);

/** What lookupCommand found for an argv. */
export type Lookup =
  | { kind: 'command'; spec: CommandSpec }
  /** A container named alone (CLIENT): its arity check fails with the container's name. */
  | { kind: 'container'; fullname: string; arity: number }
  /** A Redis 7.0 command or subcommand the lab does not implement yet. */
  | { kind: 'unimplemented'; fullname: string; arity: number }
  | { kind: 'unknown-subcommand'; container: string }
  | { kind: 'unknown' };

/**
 * lookupCommand: argv[0] (and argv[1] for containers) matched case-insensitively. Byte strings are
 * ASCII-compatible, so lower-casing is safe; names with non-ASCII bytes simply miss.
 */
export function lookupCommand(argv: readonly string[]): Lookup {
  const first = argv[0];
  const name = first.toLowerCase();
  if (containers.has(name)) {
    const row = infoByName.get(name)!;
    if (argv.length === 1) {
      // COMMAND alone is a command of its own; other containers named alone fail their arity check.
      const alone = commandTable.get(name);
      return alone ? { kind: 'command', spec: alone } : { kind: 'container', fullname: name, arity: row[1] };
    }
    const fullname = `${name}|${argv[1].toLowerCase()}`;
    const sub = commandTable.get(fullname);
    if (sub !== undefined) return { kind: 'command', spec: sub };
    const subRow = infoByName.get(fullname);
    return subRow ? { kind: 'unimplemented', fullname, arity: subRow[1] } : { kind: 'unknown-subcommand', container: name };
  }
  const spec = commandTable.get(first) ?? commandTable.get(name);
  if (spec !== undefined) return { kind: 'command', spec };
  const known = infoByName.get(name);
  return known ? { kind: 'unimplemented', fullname: name, arity: known[1] } : { kind: 'unknown' };
}

/** COMMAND INFO rows for what the lab implements: containers keep only their implemented subcommands. */
export function implementedInfoRows(): InfoRow[] {
  const rows: InfoRow[] = [];
  for (const row of infoJson as unknown as InfoRow[]) {
    const subs = (row[9] ?? []).filter((sub) => commandTable.has(sub[0]));
    if (commandTable.has(row[0]) || subs.length > 0) rows.push([...row.slice(0, 9), subs] as unknown as InfoRow);
  }
  return rows;
}

export function infoRow(name: string): InfoRow | undefined {
  return implementedInfoRows().find((r) => r[0] === name.toLowerCase());
}

/** COMMAND DOCS entry for an implemented command (subcommands filtered likewise). */
export function implementedDocs(name: string): DocEntry | undefined {
  const doc = docs[name];
  if (!doc || !infoRow(name)) return undefined;
  if (!doc.subcommands) return doc;
  const subcommands = Object.fromEntries(Object.entries(doc.subcommands).filter(([sub]) => commandTable.has(sub)));
  return { ...doc, subcommands };
}

/** The keys a call touches, from the legacy key range (negative last = counted from the end). */
export function commandKeys(spec: CommandSpec, argv: readonly string[]): string[] {
  const { first, step } = spec.keys;
  if (first === 0) return [];
  const last = spec.keys.last < 0 ? argv.length + spec.keys.last : spec.keys.last;
  const keys: string[] = [];
  for (let i = first; i <= last && i < argv.length; i += step) keys.push(argv[i]);
  return keys;
}
