/**
 * redis-server's command line and config file, for cluster-lab-server.
 *
 *   cluster-lab-server [/path/to/redis.conf] [--name value ...]
 *
 * As redis-server does, options given with `--` are turned into config lines appended after the file's (so
 * they win), and the whole text is read as one config: line 1 of the options part is empty, then one line per
 * option. An error stops the server with redis-server's fatal block, naming the line:
 *
 *   *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
 *   Reading the configuration file, at line 3
 *   >>> 'foo "bar"'
 *   Bad directive or wrong number of arguments
 */
import { ServerConfig, type ConfigValues } from '../../engine/config/config.ts';
import { validateConfigArgs } from '../../engine/config/validate.ts';
import { splitArgs } from '../../engine/resp/request-parser.ts';

export const REDIS_VERSION = '7.0.15';
export const LAB_VERSION = '0.1.0';

export type ParsedCommandLine =
  | { kind: 'run'; config: ConfigValues; configFile: string | null }
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'fatal'; message: string };

/** Directives of redis.conf that are not parameters; the lab does not support them yet. */
const UNSUPPORTED_DIRECTIVES = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);

/** sdscatrepr: how redis-server quotes an option's arguments when it reports a bad line. */
export function repr(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c >= 32 && c < 127) out += ch;
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

export function fatalBlock(line: number, shown: string, message: string): string {
  return `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\nReading the configuration file, at line ${line}\n>>> '${shown}'\n${message}\n`;
}

interface ConfigLine {
  /** 1-based line number in the combined text. */
  line: number;
  /** How the line is shown in an error: the raw file line, or the option with its arguments quoted. */
  shown: string;
  name: string;
  args: string[];
}

/** Parses config text (file contents) into directive lines, keeping line numbers; null args = unbalanced quotes. */
export function parseConfigText(text: string, firstLine = 1): (ConfigLine | { line: number; shown: string; error: string })[] {
  const out: (ConfigLine | { line: number; shown: string; error: string })[] = [];
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const argv = splitArgs(trimmed);
    if (argv === null) {
      out.push({ line: firstLine + i, shown: trimmed, error: 'Unbalanced quotes in configuration line' });
      return;
    }
    out.push({ line: firstLine + i, shown: trimmed, name: argv[0].toLowerCase(), args: argv.slice(1) });
  });
  return out;
}

/** Applies directive lines to config values; the first bad one is fatal. */
export function applyConfigLines(lines: ReturnType<typeof parseConfigText>, config: ConfigValues): string | null {
  for (const l of lines) {
    if ('error' in l) return fatalBlock(l.line, l.shown, l.error);
    if (UNSUPPORTED_DIRECTIVES.has(l.name)) {
      return fatalBlock(l.line, l.shown, `'${l.name}' is a redis.conf directive that Cluster Lab does not support yet`);
    }
    if (!ServerConfig.isKnown(l.name)) return fatalBlock(l.line, l.shown, 'Bad directive or wrong number of arguments');
    // The value so far goes along: later save and client-output-buffer-limit lines add to earlier ones.
    const r = validateConfigArgs(l.name, l.args, false, config[l.name]);
    if ('error' in r) return fatalBlock(l.line, l.shown, r.error);
    config[l.name] = r.value;
  }
  return null;
}

/** One option line: what followed `--` (split into words when the line is read) and the arguments after it. */
interface OptionLine {
  text: string;
  args: string[];
}

/**
 * The option lines redis-server's main() appends to the config, from argv[from...]; null when an argument asks
 * for the config on standard input ("-" first or last). As in Redis 7.0.15:
 *
 * - `--name` starts a line; "--name value" in one argument is a line of its own (its words are split later).
 * - An argument after a bare `--name` is that option's value even if it starts with `--` (`--dbfilename --x`);
 *   further arguments are added until the next `--...` argument.
 * - `--save` followed by another `--...` argument, or last, means `save ""` (no snapshots), as before 7.0: a
 *   command line built from an empty list (`--save ${SAVE}`) gives exactly that.
 */
function optionLines(argv: string[], from: number): OptionLine[] | null {
  const lines: OptionLine[] = [];
  // Whether the last option already has its value, so that a `--...` argument starts a new line.
  let handledLastConfigArg = true;
  for (let j = from; j < argv.length; j++) {
    const a = argv[j];
    const last = j === argv.length - 1;
    if (a === '-' && (j === 0 || last)) return null;
    if (handledLastConfigArg && a.startsWith('--')) {
      lines.push({ text: a.slice(2), args: [] });
      if ((splitArgs(a) ?? []).length !== 1) {
        handledLastConfigArg = true;
        continue;
      }
      handledLastConfigArg = false;
      const name = a.toLowerCase();
      if (name === '--save' && (last || argv[j + 1].startsWith('--'))) {
        lines[lines.length - 1].args.push('');
        handledLastConfigArg = true;
      } else if (name === '--sentinel' && !last && argv[j + 1].startsWith('--')) {
        handledLastConfigArg = true; // a pseudo option without a value
      }
      continue;
    }
    if (lines.length === 0) lines.push({ text: '', args: [] });
    lines[lines.length - 1].args.push(a);
    handledLastConfigArg = true;
  }
  return lines;
}

/**
 * Parses process.argv.slice(2). `readFile` is injected so tests need no files; it throws with an errno-style
 * message when the file cannot be read.
 */
export function parseCommandLine(argv: string[], readFile: (path: string) => string): ParsedCommandLine {
  if (argv.length === 1 && (argv[0] === '-v' || argv[0] === '--version')) return { kind: 'version' };
  if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) return { kind: 'help' };
  let i = 0;
  let configFile: string | null = null;
  let fileText = '';
  // redis-server takes its first argument as the config file unless it starts with '-'.
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    configFile = argv[0];
    try {
      fileText = readFile(configFile);
    } catch (e) {
      return { kind: 'fatal', message: `Fatal error, can't open config file '${configFile}': ${(e as Error).message}\n` };
    }
    i = 1;
  }
  const options = optionLines(argv, i);
  if (options === null) return { kind: 'fatal', message: 'Reading the configuration from standard input is not supported by Cluster Lab.\n' };
  const config: ConfigValues = {};
  const fileLines = parseConfigText(fileText);
  // redis-server reads the file's text, then "\n", then one line per option: so the first option is on the
  // line after the file's last line (line 2 when there is no file).
  const base = fileText.split('\n').length;
  const optionConfigLines: ReturnType<typeof parseConfigText> = [];
  options.forEach((o, k) => {
    const line = base + 1 + k;
    // The line as redis-server builds it: the option's own text, then each argument quoted (sdscatrepr).
    const shown = `${o.text} ${o.args.map((a) => `${repr(a)} `).join('')}`.trim();
    if (shown === '' || shown.startsWith('#')) return;
    const head = splitArgs(o.text);
    if (head === null) optionConfigLines.push({ line, shown, error: 'Unbalanced quotes in configuration line' });
    else {
      const words = [...head, ...o.args];
      optionConfigLines.push({ line, shown, name: words[0].toLowerCase(), args: words.slice(1) });
    }
  });
  const error = applyConfigLines([...fileLines, ...optionConfigLines], config);
  if (error) return { kind: 'fatal', message: error };
  return { kind: 'run', config, configFile };
}

export function versionLine(): string {
  return `Cluster Lab server v=${LAB_VERSION} (a model of Redis ${REDIS_VERSION}) engine=typescript bits=64\n`;
}

export function usage(): string {
  return [
    'Usage: ./cluster-lab-server [/path/to/redis.conf] [options]',
    '       ./cluster-lab-server -v or --version',
    '       ./cluster-lab-server -h or --help',
    '',
    'Examples:',
    '       ./cluster-lab-server (run the server with default config)',
    '       ./cluster-lab-server /etc/redis/6379.conf',
    '       ./cluster-lab-server --port 7777',
    '       ./cluster-lab-server --port 7777 --cluster-enabled yes',
    '       ./cluster-lab-server /etc/myredis.conf --loglevel verbose',
    '',
    'It takes redis-server\'s options and config file syntax; see docs/fidelity.md for what it models.',
    '',
  ].join('\n');
}
