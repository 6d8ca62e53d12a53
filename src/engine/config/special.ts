/**
 * config.c's special and string parameters with a setter or validity check of their own: save, bind,
 * client-output-buffer-limit, oom-score-adj-values, notify-keyspace-events, latency-tracking-info-percentiles,
 * and the hostname, file-name and process-title checks. Each returns the value as CONFIG GET then
 * shows it (client output limits for all three classes, event classes in Redis's order, percentiles trimmed),
 * or Redis's error text.
 */
import defaults from './defaults.json' with { type: 'json' };

export type SetResult = { value: string } | { error: string };

/** C's strtoll(s, &end, 10) with only `*end == '\0'` checked: spaces, a sign, digits; "" is 0; saturates. */
function strtoll10(s: string): bigint | null {
  if (s === '') return 0n;
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (!m) return null;
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  const max = (1n << 63n) - 1n;
  return v > max ? max : v < -max - 1n ? -max - 1n : v;
}

/** A long long cut to C's int (the save points' change count). */
const toInt32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** setConfigSaveOption: pairs of seconds (>= 1) and changes (>= 0); a single "" means no save points. */
function setSave(args: string[], current: string | undefined, configSet: boolean): SetResult {
  let argv = args;
  const reset = argv.length === 1 && argv[0] === '';
  if (reset) argv = [];
  if (argv.length % 2 !== 0) return { error: 'Invalid save parameters' };
  const nums: bigint[] = [];
  for (let j = 0; j < argv.length; j++) {
    const v = strtoll10(argv[j]);
    if (v === null || (j % 2 === 0 && v < 1n) || (j % 2 === 1 && v < 0n)) return { error: 'Invalid save parameters' };
    nums.push(j % 2 === 0 ? v : toInt32(v));
  }
  const points = nums.map(String).join(' ');
  // While a config file is read, every `save` line after the first adds its points to the earlier ones.
  if (!configSet && !reset && current !== undefined && current !== '') return { value: points === '' ? current : `${current} ${points}` };
  return { value: points };
}

const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/** memtoull for the output limits (a local copy: validate.ts imports this module). */
function memBytes(s: string): bigint | null {
  const m = /^([0-9]*)(.*)$/s.exec(s) as RegExpExecArray;
  const mul: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  const unit = mul[m[2].toLowerCase()];
  if (unit === undefined || m[1].length >= 128) return null;
  let v = m[1] === '' ? 0n : BigInt(m[1]);
  if (v >= 1n << 64n) v = (1n << 64n) - 1n;
  return (v * unit) % (1n << 64n);
}

/** updateClientOutputBufferLimit: <class> <hard> <soft> <soft seconds> groups, all checked before any applies. */
function setClientOutputBufferLimit(args: string[], current: string): SetResult {
  if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const limits = new Map<string, string>();
  const cur = current.split(' ');
  for (let j = 0; j + 3 < cur.length; j += 4) limits.set(cur[j], cur.slice(j + 1, j + 4).join(' '));
  const updates: [string, string][] = [];
  for (let j = 0; j < args.length; j += 4) {
    const name = args[j].toLowerCase();
    const cls = name === 'replica' ? 'slave' : name;
    if (!(OBUF_CLASSES as readonly string[]).includes(cls)) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = memBytes(args[j + 1]);
    const soft = memBytes(args[j + 2]);
    const secs = strtoll10(args[j + 3]);
    // soft_seconds is an int: a value that wraps negative is refused too.
    if (hard === null || soft === null || secs === null || toInt32(secs) < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    updates.push([cls, `${hard} ${soft} ${toInt32(secs)}`]);
  }
  for (const [cls, v] of updates) limits.set(cls, v);
  return { value: OBUF_CLASSES.map((c) => `${c} ${limits.get(c) ?? '0 0 0'}`).join(' ') };
}

/** setConfigOOMScoreAdjValuesOption: three integers within -2000..2000. */
function setOomScoreAdjValues(args: string[]): SetResult {
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const out: bigint[] = [];
  for (const a of args) {
    const v = strtoll10(a);
    if (v === null || v < -2000n || v > 2000n) return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    out.push(v);
  }
  return { value: out.join(' ') };
}

/** notify.c's NOTIFY_* flags, by class character. */
const NOTIFY: Record<string, number> = {
  K: 1 << 0, E: 1 << 1, g: 1 << 2, $: 1 << 3, l: 1 << 4, s: 1 << 5, h: 1 << 6, z: 1 << 7, x: 1 << 8, e: 1 << 9,
  t: 1 << 10, m: 1 << 11, d: 1 << 13, n: 1 << 14,
};
const NOTIFY_ALL = NOTIFY.g | NOTIFY.$ | NOTIFY.l | NOTIFY.s | NOTIFY.h | NOTIFY.z | NOTIFY.x | NOTIFY.e | NOTIFY.t | NOTIFY.d;

/** keyspaceEventsStringToFlags then keyspaceEventsFlagsToString: "KEA" reads back as "AKE". */
function setNotifyKeyspaceEvents(args: string[]): SetResult {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  let flags = 0;
  for (const ch of args[0]) {
    if (ch === 'A') flags |= NOTIFY_ALL;
    else if (NOTIFY[ch] !== undefined) flags |= NOTIFY[ch];
    else return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  }
  let out = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) out += 'A';
  else for (const ch of 'g$lshzxetdn') if (flags & NOTIFY[ch]) out += ch;
  for (const ch of 'KEm') if (flags & NOTIFY[ch]) out += ch;
  return { value: out };
}

/** util.c string2d: strtod over the whole string, no leading space, no overflow or underflow, not NaN. */
function string2d(s: string): number | null {
  if (s === '' || /^\s/.test(s)) return null;
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  const d = Number(s);
  if (!Number.isFinite(d) || (d === 0 && /[1-9]/.test(s.replace(/[eE].*$/, '')))) return null;
  return d;
}

/** setConfigLatencyTrackingInfoPercentilesOutputOption: numbers within 0..100, shown as "%f" trimmed. */
function setLatencyPercentiles(args: string[]): SetResult {
  const argv = args.length === 1 && args[0] === '' ? [] : args;
  const out: string[] = [];
  for (const a of argv) {
    const p = string2d(a);
    if (p === null) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (p > 100 || p < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(p.toFixed(6).replace(/\.?0+$/, ''));
  }
  return { value: out.join(' ') };
}

/** isValidAnnouncedHostname: under 256 characters of letters, digits, '-' and '.'. */
function checkHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}

/**
 * validateProcTitleTemplate: sdstemplate's syntax ("{{" is a brace, "{name}" a variable, an unknown name or an
 * unclosed brace is an error), and the title expanded with an empty {title} must not be blank.
 */
function checkProcTitleTemplate(v: string, ctx: SpecialContext): string | null {
  const vars: Record<string, string> = {
    title: '',
    'listen-addr': 'x',
    'server-mode': ctx.clusterEnabled ? '[cluster]' : '',
    'config-file': '-',
    port: 'x',
    'tls-port': 'x',
    unixsocket: ctx.unixsocket,
  };
  let res = '';
  let p = 0;
  while (p < v.length) {
    const sv = v.indexOf('{', p);
    if (sv < 0) {
      res += v.slice(p);
      break;
    }
    res += v.slice(p, sv);
    if (sv + 1 >= v.length) return 'template format is invalid or contains unknown variables';
    if (v[sv + 1] === '{') {
      res += '{';
      p = sv + 2;
      continue;
    }
    const ev = v.indexOf('}', sv + 1);
    if (ev < 0) return 'template format is invalid or contains unknown variables';
    const value = vars[v.slice(sv + 1, ev)];
    if (value === undefined) return 'template format is invalid or contains unknown variables';
    res += value;
    p = ev + 1;
  }
  return res.replace(/^ +| +$/g, '') === '' ? 'template format is invalid or contains unknown variables' : null;
}

/** What a few checks need to know about the server. */
export interface SpecialContext {
  clusterEnabled: boolean;
  unixsocket: string;
}

/** Parameters whose one CONFIG SET argument holds several words (MULTI_ARG_CONFIG), split on single spaces. */
export const MULTI_ARG_CONFIGS = new Set([
  'save', 'bind', 'client-output-buffer-limit', 'oom-score-adj-values', 'latency-tracking-info-percentiles', 'replicaof', 'slaveof',
  'shutdown-on-sigint', 'shutdown-on-sigterm',
]);

const isBaseName = (v: string) => !v.includes('/') && !v.includes('\\');

/**
 * The setter of a special or checked string parameter; undefined for the others. `current` is the parameter's
 * value before (at startup: from an earlier line of the same config, if any).
 */
export function setSpecialConfig(name: string, args: string[], configSet: boolean, current: string | undefined, ctx: SpecialContext): SetResult | undefined {
  const defaultOf = (n: string) => (defaults as Record<string, string>)[n];
  const single = (check: (v: string) => string | null): SetResult => {
    if (args.length !== 1) return { error: 'wrong number of arguments' };
    const err = check(args[0]);
    return err === null ? { value: args[0] } : { error: err };
  };
  switch (name) {
    case 'save':
      return setSave(args, current, configSet);
    case 'client-output-buffer-limit':
      return setClientOutputBufferLimit(args, current ?? defaultOf(name));
    case 'oom-score-adj-values':
      return setOomScoreAdjValues(args);
    case 'notify-keyspace-events':
      return setNotifyKeyspaceEvents(args);
    case 'latency-tracking-info-percentiles':
      return setLatencyPercentiles(args);
    case 'bind': {
      if (args.length > 16) return { error: 'Too many bind addresses specified.' };
      return { value: args.length === 1 && args[0] === '' ? '' : args.join(' ') };
    }
    case 'cluster-announce-hostname':
      return single(checkHostname);
    case 'proc-title-template':
      return single((v) => checkProcTitleTemplate(v, ctx));
    case 'dbfilename':
      return single((v) => (isBaseName(v) ? null : "dbfilename can't be a path, just a filename"));
    case 'appendfilename':
      return single((v) => (v === '' ? "appendfilename can't be empty" : isBaseName(v) ? null : "appendfilename can't be a path, just a filename"));
    case 'appenddirname':
      return single((v) => (v === '' ? "appenddirname can't be empty" : isBaseName(v) ? null : "appenddirname can't be a path, just a dirname"));
    default:
      return undefined;
  }
}
