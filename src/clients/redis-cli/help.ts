/**
 * redis-cli's command help, hints and completion, built as redis-cli 7.0 builds them from the server's
 * COMMAND DOCS (redis-cli.c cliInitHelp, cliAddArgument, hintsCallback, completionCallback). The docs are
 * Redis 7.0.15's own, captured in src/engine/commands/meta/command-docs.json.
 */
import docsJson from '../../engine/commands/meta/command-docs.json' with { type: 'json' };
import { splitArgs } from '../../engine/resp/request-parser.ts';

interface DocArg {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: DocArg[];
}

interface DocEntry {
  summary: string;
  since: string;
  group: string;
  arguments?: DocArg[];
  subcommands?: Record<string, DocEntry>;
}

export interface HelpEntry {
  /** Upper-case words: ["SET"] or ["CLIENT", "LIST"]. */
  words: string[];
  full: string;
  params: string;
  summary: string;
  since: string;
  group: string;
}

const orEmpty = (s: string) => (s === '' ? '""' : s);

function concatArguments(args: DocArg[], separator: string): string {
  return args.map(addArgument).join(separator);
}

/** One argument's synopsis: [TOKEN name], alternatives joined by |, blocks by spaces, "[x ...]" for repeats. */
function addArgument(a: DocArg): string {
  const optional = a.flags?.includes('optional') ?? false;
  const multiple = a.flags?.includes('multiple') ?? false;
  const multipleToken = a.flags?.includes('multiple_token') ?? false;
  let token = a.token !== undefined ? orEmpty(a.token) : '';
  let repeat = '';
  if (['key', 'string', 'integer', 'double', 'pattern', 'unix-time', 'token'].includes(a.type)) repeat = orEmpty(a.name);
  else if (a.type === 'oneof') repeat = concatArguments(a.arguments ?? [], '|');
  else if (a.type === 'block') repeat = concatArguments(a.arguments ?? [], ' ');
  if (token !== '' && a.type !== 'pure-token') token += ' ';
  let out = optional ? '[' : '';
  out += token + repeat;
  if (multiple) out += ' [' + (multipleToken ? token : '') + repeat + ' ...]';
  if (optional) out += ']';
  return out;
}

function entriesFor(name: string, doc: DocEntry, sub?: string): HelpEntry[] {
  const words = sub ? [name.toUpperCase(), sub.split('|')[1].toUpperCase()] : [name.toUpperCase()];
  const self: HelpEntry = {
    words,
    full: words.join(' '),
    params: doc.arguments ? concatArguments(doc.arguments, ' ') : '',
    summary: doc.summary,
    since: doc.since,
    group: doc.group,
  };
  const subs = Object.entries(doc.subcommands ?? {}).flatMap(([subName, subDoc]) => entriesFor(name, subDoc, subName));
  return [self, ...subs];
}

/** Every help entry, sorted by full name as redis-cli sorts them. */
export const HELP_ENTRIES: HelpEntry[] = Object.entries((docsJson as unknown as { commands: Record<string, DocEntry> }).commands)
  .flatMap(([name, doc]) => entriesFor(name, doc))
  .sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));

const GROUPS = [...new Set(HELP_ENTRIES.map((e) => e.group))].sort();

/** The grey hint redis-cli shows after what has been typed, or null. */
export function hintFor(buf: string): string | null {
  const argv = splitArgs(buf);
  if (!argv || argv.length === 0) return null;
  let best: HelpEntry | null = null;
  for (const e of HELP_ENTRIES) {
    if (e.words.length > argv.length || (best && e.words.length <= best.words.length)) continue;
    if (e.words.every((w, j) => w.toLowerCase() === argv[j].toLowerCase())) best = e;
  }
  if (!best) return null;
  let hint = best.params;
  // Drop the parameters already typed, stopping at the first optional one.
  let toRemove = argv.length - best.words.length;
  while (toRemove > 0 && hint.length > 0) {
    if (hint[0] === '[') break;
    if (hint[0] === ' ') toRemove--;
    hint = hint.slice(1);
  }
  const endSpace = /\s$/.test(buf);
  return endSpace ? hint : ' ' + hint;
}

/** Tab completions for the typed line (commands, and after "help " also @groups). */
export function completionsFor(buf: string): string[] {
  let start = 0;
  let withGroups = false;
  if (buf.slice(0, 5).toLowerCase() === 'help ') {
    start = 5;
    while (start < buf.length && /\s/.test(buf[start])) start++;
    withGroups = true;
  }
  const typed = buf.slice(start).toLowerCase();
  const names = HELP_ENTRIES.map((e) => e.full);
  if (withGroups) names.push(...GROUPS.map((g) => '@' + g));
  return names.filter((n) => n.toLowerCase().startsWith(typed)).map((n) => buf.slice(0, start) + n);
}

/** redis-cli's `help` output: generic help, `help <command>`, or `help @group`. */
export function helpText(args: string[], version: string): string {
  if (args.length === 0) {
    return [
      `redis-cli ${version}`,
      'To get help about Redis commands type:',
      '      "help @<group>" to get a list of commands in <group>',
      '      "help <command>" for help on <command>',
      '      "help <tab>" to get a list of possible help topics',
      '      "quit" to exit',
      '',
      'To set redis-cli preferences:',
      '      ":set hints" enable online hints',
      '      ":set nohints" disable online hints',
      'Set your preferences in ~/.redisclirc',
      '',
    ].join('\n');
  }
  const group = args[0].startsWith('@') ? args[0].slice(1).toLowerCase() : null;
  let out = '';
  for (const e of HELP_ENTRIES) {
    if (group === null) {
      if (args.length <= e.words.length && args.every((a, j) => a.toLowerCase() === e.words[j].toLowerCase())) out += entryHelp(e, true);
    } else if (e.group.toLowerCase() === group) out += entryHelp(e, false);
  }
  return out + '\r\n';
}

function entryHelp(e: HelpEntry, withGroup: boolean): string {
  let s = `\r\n  \x1b[1m${e.full}\x1b[0m \x1b[90m${e.params}\x1b[0m\r\n  \x1b[33msummary:\x1b[0m ${e.summary}\r\n`;
  s += `  \x1b[33msince:\x1b[0m ${e.since}\r\n`;
  if (withGroup) s += `  \x1b[33mgroup:\x1b[0m ${e.group}\r\n`;
  return s;
}
