/**
 * Which arguments of a command are keys, and how the command uses them: Redis 7.0's key extraction (db.c
 * getKeysFromCommandWithSpecs, getKeysUsingKeySpecs and the command-specific *GetKeys procs), run over the key
 * specs captured from redis-server 7.0.15 (meta/command-info.json). It needs only metadata, so it answers for
 * every Redis 7.0 command, implemented in the lab or not. COMMAND GETKEYS and GETKEYSANDFLAGS are built on it.
 *
 * Byte-level details follow the C code: command and subcommand names match ASCII-case-insensitively (the
 * command dicts), keywords are compared with strcasecmp (so they end at a NUL byte), numkeys is parsed with
 * string2ll by the key specs and with atoi by the procs.
 */
import infoJson from './meta/command-info.json' with { type: 'json' };
import type { ByteString } from '../types/bytes.ts';
import { isCanonicalInt64 } from '../keyspace/object.ts';

/** A key spec as COMMAND INFO describes it. */
export interface KeySpec {
  flags: string[];
  notes?: string;
  begin_search: { type: 'index'; spec: { index: number } } | { type: 'keyword'; spec: { keyword: string; startfrom: number } } | { type: 'unknown'; spec: object };
  find_keys:
    | { type: 'range'; spec: { lastkey: number; keystep: number; limit: number } }
    | { type: 'keynum'; spec: { keynumidx: number; firstkey: number; keystep: number } }
    | { type: 'unknown'; spec: object };
}

/** What key extraction needs of a command: its COMMAND INFO row, in short. */
export interface KeyCommand {
  /** Full name, "get" or "object|encoding". */
  name: string;
  arity: number;
  flags: readonly string[];
  keySpecs: readonly KeySpec[];
  /** Only for containers (CONFIG, CLIENT, ...): their subcommands by lower-case name (without the parent). */
  subcommands?: ReadonlyMap<string, KeyCommand>;
}

/** A key found in argv: its position and the key spec flags (RW, access, ...) in Redis's reply order. */
export interface KeyReference {
  pos: number;
  flags: readonly string[];
}

type RawRow = [string, number, string[], number, number, number, string[], string[], KeySpec[], RawRow[]];

function toCommand(row: RawRow): KeyCommand {
  const subs = row[9] ?? [];
  const cmd: KeyCommand = { name: row[0], arity: row[1], flags: row[2], keySpecs: row[8] };
  if (subs.length > 0) cmd.subcommands = new Map(subs.map((s) => [s[0].slice(s[0].indexOf('|') + 1), toCommand(s)] as const));
  return cmd;
}

const commands: ReadonlyMap<string, KeyCommand> = new Map((infoJson as unknown as RawRow[]).map((r) => [r[0], toCommand(r)] as const));

/** ASCII-only lower-casing, like C's tolower in the "C" locale (bytes >= 0x80 stay as they are). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The string as C sees it through its pointer: up to the first NUL byte. */
function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** strcasecmp(a, b) == 0. */
export function strcaseeq(a: string, b: string): boolean {
  const x = cstr(a);
  const y = cstr(b);
  return x.length === y.length && asciiLower(x) === asciiLower(y);
}

/** The C int a value truncates to. */
const toInt = (n: number | bigint): number => Number(BigInt.asIntN(32, BigInt(n)));

/** glibc atoi: (int) strtol(s, NULL, 10), strtol saturating at the long range. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(cstr(s));
  if (!m) return 0;
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  const LONG_MAX = 9223372036854775807n;
  if (v > LONG_MAX) v = LONG_MAX;
  if (v < -LONG_MAX - 1n) v = -LONG_MAX - 1n;
  return toInt(v);
}

/**
 * lookupCommand (server.c lookupCommandLogic, not strict): argv[0] names the command; for a container, argv[1]
 * names the subcommand (a container named alone is returned itself).
 */
export function lookupKeyCommand(argv: readonly ByteString[]): KeyCommand | undefined {
  const base = commands.get(asciiLower(argv[0]));
  if (argv.length === 1 || !base?.subcommands) return base;
  return base.subcommands.get(asciiLower(argv[1]));
}

/** A spec lacking NOT_KEY (getAllKeySpecsFlags(cmd, 1) & CMD_KEY_NOT_KEY). */
const hasRealKeySpec = (cmd: KeyCommand) => cmd.keySpecs.some((s) => !s.flags.includes('not_key'));

/** doesCommandHaveKeys: a getkeys proc, or a key spec for a real key. */
export function doesCommandHaveKeys(cmd: KeyCommand): boolean {
  return GETKEYS_PROCS.has(cmd.name) || hasRealKeySpec(cmd);
}

/**
 * getKeysUsingKeySpecs with GET_KEYSPEC_DEFAULT: the keys the specs find, or null where Redis returns -1 (a
 * spec that cannot be evaluated, is out of bounds, or is marked incomplete).
 */
export function getKeysUsingKeySpecs(cmd: KeyCommand, argv: readonly ByteString[]): KeyReference[] | null {
  const argc = argv.length;
  const keys: KeyReference[] = [];
  for (const spec of cmd.keySpecs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index;
    } else if (bs.type === 'keyword') {
      const { keyword, startfrom } = bs.spec;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (strcaseeq(argv[i], keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // keyword not found
    } else {
      return null;
    }

    let last: number;
    let step: number;
    const fk = spec.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep;
      if (fk.spec.lastkey >= 0) last = first + fk.spec.lastkey;
      else if (!fk.spec.limit) last = argc + fk.spec.lastkey;
      else last = first + (Math.trunc((argc - first) / fk.spec.limit) + fk.spec.lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep;
      // Redis compares the index alone here, not first + keynumidx; the specs in 7.0 never tell the difference.
      if (fk.spec.keynumidx >= argc || first + fk.spec.keynumidx >= argc) return null;
      const numStr = argv[first + fk.spec.keynumidx];
      if (!isCanonicalInt64(numStr)) return null;
      const numkeys = BigInt(numStr);
      if (numkeys < 0n) return null;
      first += fk.spec.firstkey;
      last = toInt(first + toInt(numkeys) - 1);
    } else {
      return null;
    }

    // First or last out of bounds: a syntax error.
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) keys.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return keys;
}

type GetKeysProc = (argv: readonly ByteString[]) => KeyReference[];

const NO_FLAGS: readonly string[] = [];

/** genericGetKeys: [destkey] numkeys key ... — nothing when numkeys is not a sane count. */
function genericGetKeys(storeKeyOfs: number, keyCountOfs: number, firstKeyOfs: number, keyStep: number, argv: readonly ByteString[]): KeyReference[] {
  const num = atoi(argv[keyCountOfs]);
  if (num < 1 || num > Math.trunc((argv.length - firstKeyOfs) / keyStep)) return [];
  const keys: KeyReference[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: firstKeyOfs + i * keyStep, flags: NO_FLAGS });
  if (storeKeyOfs) keys.push({ pos: storeKeyOfs, flags: NO_FLAGS });
  return keys;
}

function sortGetKeys(argv: readonly ByteString[]): KeyReference[] {
  const keys: KeyReference[] = [{ pos: 1, flags: ['RO', 'access'] }];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (strcaseeq(a, 'limit')) i += 2;
    else if (strcaseeq(a, 'store') && i + 1 < argv.length) store = i + 1; // the last STORE wins, as in SORT
    else if (strcaseeq(a, 'get') || strcaseeq(a, 'by')) i += 1;
  }
  if (store >= 0) keys.push({ pos: store, flags: ['OW', 'update'] });
  return keys;
}

function migrateGetKeys(argv: readonly ByteString[]): KeyReference[] {
  const argc = argv.length;
  let first = 3;
  let num = 1;
  const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  if (argc > 6) {
    for (let i = 6; i < argc; i++) {
      if (strcaseeq(argv[i], 'keys')) {
        if (argv[3].length > 0) {
          num = 0; // a syntax error, left to MIGRATE itself
        } else {
          first = i + 1;
          num = argc - first;
        }
        break;
      }
      for (const [name, n] of Object.entries(skip)) {
        if (strcaseeq(argv[i], name)) {
          i += n;
          break;
        }
      }
    }
  }
  const keys: KeyReference[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: ['RW', 'access', 'delete'] });
  return keys;
}

function georadiusGetKeys(argv: readonly ByteString[]): KeyReference[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((strcaseeq(argv[i], 'store') || strcaseeq(argv[i], 'storedist')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const keys: KeyReference[] = [{ pos: 1, flags: NO_FLAGS }];
  if (stored >= 0) keys.push({ pos: stored, flags: NO_FLAGS });
  return keys;
}

function xreadGetKeys(argv: readonly ByteString[]): KeyReference[] {
  const argc = argv.length;
  let streamsPos = -1;
  for (let i = 1; i < argc; i++) {
    const a = argv[i];
    if (strcaseeq(a, 'block') || strcaseeq(a, 'count')) i++;
    else if (strcaseeq(a, 'group')) i += 2;
    else if (strcaseeq(a, 'noack')) continue;
    else if (strcaseeq(a, 'streams')) {
      streamsPos = i;
      break;
    } else break;
  }
  const num = streamsPos === -1 ? 0 : argc - streamsPos - 1;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  const keys: KeyReference[] = [];
  for (let i = streamsPos + 1; i < argc - num / 2; i++) keys.push({ pos: i, flags: NO_FLAGS });
  return keys;
}

function setGetKeys(argv: readonly ByteString[]): KeyReference[] {
  for (let i = 3; i < argv.length; i++) {
    if (strcaseeq(argv[i], 'get')) return [{ pos: 1, flags: ['RW', 'access', 'update'] }];
  }
  return [{ pos: 1, flags: ['OW', 'update'] }];
}

function bitfieldGetKeys(argv: readonly ByteString[]): KeyReference[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remargs = argv.length - i - 1;
    const a = argv[i];
    if (strcaseeq(a, 'get') && remargs >= 2) {
      i += 2;
    } else if ((strcaseeq(a, 'set') || strcaseeq(a, 'incrby')) && remargs >= 3) {
      readonly = false;
      break;
    } else if (strcaseeq(a, 'overflow') && remargs >= 1) {
      i += 1;
    } else {
      readonly = false; // a syntax error: safer to assume a write
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? ['RO', 'access'] : ['RW', 'access', 'update'] }];
}

/** The commands with a getkeys_proc in Redis 7.0.15's command table (commands.c). */
const GETKEYS_PROCS: ReadonlyMap<string, GetKeysProc> = new Map<string, GetKeysProc>([
  ['bitfield', bitfieldGetKeys],
  ['migrate', migrateGetKeys],
  ['sort', sortGetKeys],
  ['sort_ro', () => [{ pos: 1, flags: ['RO', 'access'] }]],
  ['georadius', georadiusGetKeys],
  ['georadiusbymember', georadiusGetKeys],
  ['blmpop', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['lmpop', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['eval', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['evalsha', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['evalsha_ro', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['eval_ro', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['fcall', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['fcall_ro', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['sintercard', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['bzmpop', (a) => genericGetKeys(0, 2, 3, 1, a)],
  ['zdiff', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zdiffstore', (a) => genericGetKeys(1, 2, 3, 1, a)],
  ['zinter', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zintercard', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zinterstore', (a) => genericGetKeys(1, 2, 3, 1, a)],
  ['zmpop', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zunion', (a) => genericGetKeys(0, 1, 2, 1, a)],
  ['zunionstore', (a) => genericGetKeys(1, 2, 3, 1, a)],
  ['xread', xreadGetKeys],
  ['xreadgroup', xreadGetKeys],
  ['set', setGetKeys],
]);

/**
 * getKeysFromCommandWithSpecs: the key specs when they are all usable and their flags fixed, else (or when
 * they fail) the command's getkeys proc, else nothing.
 */
export function getKeysFromCommandWithSpecs(cmd: KeyCommand, argv: readonly ByteString[]): KeyReference[] {
  const hasVarFlags = cmd.keySpecs.some((s) => s.flags.includes('variable_flags'));
  if (hasRealKeySpec(cmd) && !hasVarFlags) {
    const keys = getKeysUsingKeySpecs(cmd, argv);
    if (keys !== null) return keys;
  }
  const proc = GETKEYS_PROCS.get(cmd.name);
  return proc ? proc(argv) : [];
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS (server.c getKeysSubcommandImpl): the keys of a full command, or an error. */
export function commandGetKeys(argv: readonly ByteString[]): { keys: KeyReference[] } | { error: string } {
  const cmd = lookupKeyCommand(argv);
  if (!cmd) return { error: 'ERR Invalid command specified' };
  if (!doesCommandHaveKeys(cmd)) return { error: 'ERR The command has no key arguments' };
  if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
    return { error: 'ERR Invalid number of arguments specified for command' };
  }
  const keys = getKeysFromCommandWithSpecs(cmd, argv);
  if (keys.length === 0 && !cmd.flags.includes('no_mandatory_keys')) return { error: 'ERR Invalid arguments specified for command' };
  return { keys };
}
