/**
 * Value checks with redis-server 7.0's messages (the same texts appear in its startup errors and in CONFIG SET
 * errors). `types.json` is config.c's `static_configs` table of Redis 7.0.15 transcribed: for every bool, enum and
 * numeric parameter (aliases included) its kind, and for numeric ones the C type, the bounds and the
 * MEMORY_CONFIG / PERCENT_CONFIG / OCTAL_CONFIG flags; HIDDEN_CONFIG parameters are marked `hidden`. Parsing and
 * bounds checks follow numericParseString and numericBoundaryCheck, so a value is refused exactly when and with
 * the text redis-server refuses it (tests/conformance/config-bounds.test.ts plays the whole table against the
 * real server). special.ts adds the special and checked string parameters (save, client-output-buffer-limit...).
 */
import probed from './types.json' with { type: 'json' };
import { MULTI_ARG_CONFIGS, setSpecialConfig, type SpecialContext } from './special.ts';

/** config.c's numeric C types: which of them numericBoundaryCheck compares as unsigned. */
type NumericType = 'int' | 'uint' | 'long' | 'ulong' | 'longlong' | 'ulonglong' | 'size_t' | 'ssize_t' | 'off_t' | 'time_t';

type Rule =
  | { kind: 'bool'; hidden?: boolean }
  | { kind: 'int'; type?: NumericType; min: number | string; max: number | string; memory?: boolean; percent?: boolean; octal?: boolean; hidden?: boolean }
  | { kind: 'enum'; values: string[]; bits?: number[]; multi?: boolean; hidden?: boolean };

const RULES = probed as Record<string, Rule>;

/** Whether a parameter is HIDDEN_CONFIG: CONFIG GET finds it by its exact name only, never by a pattern. */
export function isHiddenConfig(name: string): boolean {
  const rule = RULES[name.toLowerCase()];
  return rule !== undefined && 'hidden' in rule && rule.hidden === true;
}

/** Every parameter with a rule, for tests that sweep the whole table. */
export function configRules(): Readonly<Record<string, Readonly<Rule>>> {
  return RULES;
}

/** shutdown-on-sigint/sigterm flags (server.h), which isValidShutdownOnSigFlags checks together. */
const SHUTDOWN_SAVE = 1;
const SHUTDOWN_NOSAVE = 2;

const U64 = 1n << 64n;
const I64_MAX = (1n << 63n) - 1n;
/** A 64-bit pattern read as C's long long. */
const asSigned = (v: bigint): bigint => (v > I64_MAX ? v - U64 : v);
const asUnsigned = (v: bigint): bigint => (v < 0n ? v + U64 : v);

/**
 * util.c string2ll: an optional '-', then no leading zeros ("0" alone is fine), at most 20 characters, within 64
 * bits; nothing else (no '+', no spaces).
 */
export function string2ll(s: string): bigint | null {
  if (s.length === 0 || s.length >= 21) return null;
  if (s === '0') return 0n;
  const m = /^(-?)([1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const v = m[1] ? -BigInt(m[2]) : BigInt(m[2]);
  return v > I64_MAX || v < -(1n << 63n) ? null : v;
}

/**
 * util.c memtoull: digits (none at all reads as 0), then an optional unit b, k, kb, m, mb, g, gb (any case).
 * A minus sign is an error; a number beyond 64 bits saturates (strtoull's ERANGE is not checked) and the
 * multiplication wraps, as in C.
 */
export function memtoull(s: string): bigint | null {
  const m = /^([0-9]*)(.*)$/s.exec(s) as RegExpExecArray;
  const mul: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  const unit = mul[m[2].toLowerCase()];
  if (unit === undefined || m[1].length >= 128) return null;
  let v = m[1] === '' ? 0n : BigInt(m[1]);
  if (v >= U64) v = U64 - 1n;
  return (v * unit) % U64;
}

/** C strtoll(s, &end, 8) with errno and *end checked: leading spaces, a sign, octal digits; "" reads as 0. */
function strtoll8(s: string): bigint | null {
  if (s === '') return 0n;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/.exec(s);
  if (!m) return null;
  const v = BigInt('0o' + m[2]);
  if (v > I64_MAX + (m[1] === '-' ? 1n : 0n)) return null;
  return m[1] === '-' ? -v : v;
}

type NumericRule = Extract<Rule, { kind: 'int' }>;

/** numericParseString: the value as the long long config.c would hold, or its error. */
function numericParseString(rule: NumericRule, v: string): { ll: bigint } | { error: string } {
  if (rule.memory) {
    const ull = memtoull(v);
    if (ull !== null) return { ll: asSigned(ull) };
  }
  if (rule.percent && v.length > 1 && v.endsWith('%')) {
    const pct = string2ll(v.slice(0, -1));
    // Percentages are stored as negative values.
    if (pct !== null && pct >= 0n) return { ll: -pct };
  }
  if (rule.octal) {
    const o = strtoll8(v);
    if (o !== null) return { ll: o };
  }
  if (!rule.memory && !rule.percent && !rule.octal) {
    const n = string2ll(v);
    if (n !== null) return { ll: n };
  }
  if (rule.memory && rule.percent) return { error: 'argument must be a memory or percent value' };
  if (rule.memory) return { error: 'argument must be a memory value' };
  if (rule.octal) return { error: "argument couldn't be parsed as an octal number" };
  return { error: "argument couldn't be parsed into an integer" };
}

/** numericBoundaryCheck: unsigned long long, unsigned int and size_t compare as unsigned, the others as signed. */
function numericBoundaryCheck(rule: NumericRule, ll: bigint): string | null {
  const min = BigInt(rule.min);
  const max = BigInt(rule.max);
  if (rule.type === 'ulonglong' || rule.type === 'uint' || rule.type === 'size_t') {
    const ull = asUnsigned(ll);
    if (ull > asUnsigned(max) || ull < asUnsigned(min)) {
      const fmt = (b: bigint) => (rule.octal ? asUnsigned(b).toString(8) : asUnsigned(b).toString());
      return `argument must be between ${fmt(min)} and ${fmt(max)} inclusive`;
    }
    return null;
  }
  if (rule.percent && ll < 0n) {
    return ll < min ? `percentage argument must be less or equal to ${-min}` : null;
  }
  if (ll > max || ll < min) return `argument must be between ${min} and ${max} inclusive`;
  return null;
}

/** numericConfigGet: how CONFIG GET shows the stored value (percentages as "N%", memory as unsigned bytes). */
function numericConfigGet(rule: NumericRule, ll: bigint): string {
  if (rule.percent && ll < 0n) return `${-ll}%`;
  if (rule.memory) return asUnsigned(ll).toString();
  if (rule.octal) return asUnsigned(ll).toString(8);
  return ll.toString();
}

/**
 * Validates one directive's arguments; returns the value to store (as CONFIG GET shows it) or an error.
 * `configSet`: the arguments come from CONFIG SET, already split as configSetCommand splits them. `current`: the
 * parameter's value before (at startup, from an earlier line of the same config; client output limits and
 * save points add to it).
 */
export function validateConfigArgs(
  name: string,
  args: string[],
  configSet = false,
  current?: string,
  ctx: SpecialContext = { clusterEnabled: false, unixsocket: '' },
): { value: string } | { error: string } {
  const key = name.toLowerCase();
  const rule = RULES[key];
  // At startup a MULTI_ARG parameter's single non-empty argument holding several words is split
  // (`--save "900 1 300 10"`, `--shutdown-on-sigint "save now"`).
  if (!configSet && MULTI_ARG_CONFIGS.has(key) && args.length === 1 && args[0] !== '') args = args[0].split(/\s+/).filter((w) => w !== '');
  const special = setSpecialConfig(key, args, configSet, current, ctx);
  if (special !== undefined) return special;
  if (rule?.kind === 'enum' && rule.multi) return enumConfigSet(rule, args);
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const v = args[0];
  if (!rule) return { value: v };
  switch (rule.kind) {
    case 'bool': {
      const lower = v.toLowerCase();
      if (lower !== 'yes' && lower !== 'no') return { error: "argument must be 'yes' or 'no'" };
      // isValidActiveDefrag: redis-server built without Redis's own jemalloc (Debian's oracle) cannot defragment,
      // and neither can the lab.
      if (key === 'activedefrag' && lower === 'yes') {
        return {
          error:
            'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc ' +
            'like the one shipped by default with the Redis source distribution',
        };
      }
      return { value: lower };
    }
    case 'int': {
      const parsed = numericParseString(rule, v);
      if ('error' in parsed) return parsed;
      const bad = numericBoundaryCheck(rule, parsed.ll);
      if (bad !== null) return { error: bad };
      let ll = parsed.ll;
      // hz is clamped to 1..500 (CONFIG_MIN_HZ, CONFIG_MAX_HZ), and reads back clamped.
      if (key === 'hz') ll = ll < 1n ? 1n : ll > 500n ? 500n : ll;
      // CONFIG SET's updateReplBacklogSize raises it to CONFIG_REPL_BACKLOG_MIN_SIZE (16 kB); at startup it is
      // kept as given.
      if (key === 'repl-backlog-size' && configSet && ll < 16384n) ll = 16384n;
      return { value: numericConfigGet(rule, ll) };
    }
    case 'enum':
      return enumConfigSet(rule, [v]);
  }
}

/** enumConfigSet: every word must name a value (any case); stored as configEnumGetName shows it. */
function enumConfigSet(rule: Extract<Rule, { kind: 'enum' }>, words: string[]): { value: string } | { error: string } {
  const bits = rule.bits ?? rule.values.map((_, i) => i);
  let value = 0;
  for (const w of words) {
    const lower = w.toLowerCase();
    let matched = false;
    rule.values.forEach((n, i) => {
      if (n === lower) {
        value |= bits[i];
        matched = true;
      }
    });
    if (!matched) return { error: `argument(s) must be one of the following: ${rule.values.join(', ')}` };
  }
  if (words.length === 0 || (!rule.multi && words.length !== 1)) {
    return { error: `argument(s) must be one of the following: ${rule.values.join(', ')}` };
  }
  if (rule.multi && value & SHUTDOWN_SAVE && value & SHUTDOWN_NOSAVE) {
    return { error: "shutdown options SAVE and NOSAVE can't be used simultaneously" };
  }
  return { value: configEnumGetName(rule.values, bits, value, rule.multi === true) };
}

/** configEnumGetName: the first name with exactly this value, or for flags the names of its bits in table order. */
function configEnumGetName(names: string[], bits: number[], value: number, bitflags: boolean): string {
  const out: string[] = [];
  let unmatched = value;
  for (let i = 0; i < names.length; i++) {
    if (bits[i] === value) return names[i];
    if (bitflags && bits[i] !== 0 && (unmatched & bits[i]) === bits[i]) {
      out.push(names[i]);
      unmatched &= ~bits[i];
    }
  }
  return out.length === 0 || unmatched !== 0 ? 'unknown' : out.join(' ');
}
