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

type InfoRow = [string, number, string[], number, number, number, string[], ...unknown[]];
interface DocEntry {
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  arguments?: CommandArgument[];
}

const infoByName = new Map<string, InfoRow>((infoJson as unknown as InfoRow[]).map((row) => [row[0], row]));
// Nested under one key: tools that turn JSON into modules make each top-level key a variable, and 'eval' is a
// command name but not a legal variable name.
const docs = (docsJson as unknown as { commands: Record<string, DocEntry> }).commands;

/** Every command of Redis 7.0 by name, implemented or not, so an unimplemented one gets an honest error. */
export function isRedisCommand(name: string): boolean {
  return infoByName.has(name);
}

function buildSpec(def: CommandDefinition): CommandSpec {
  const row = infoByName.get(def.name);
  const doc = docs[def.name];
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
  };
}

const definitions: CommandDefinition[] = [...connectionCommands, ...stringCommands, ...genericCommands, ...serverCommands];

/** The implemented commands, by lower-case name. */
export const commandTable: ReadonlyMap<string, CommandSpec> = new Map(
  definitions.map((d) => [d.name, buildSpec(d)] as const),
);

/**
 * lookupCommand: argv[0] is matched case-insensitively. Byte strings are ASCII-compatible, so lower-casing is
 * safe; names with non-ASCII bytes simply miss.
 */
export function lookupCommand(name: string): CommandSpec | undefined {
  return commandTable.get(name) ?? commandTable.get(name.toLowerCase());
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
