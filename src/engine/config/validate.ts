/**
 * Value checks with redis-server 7.0's messages (the same texts appear in its startup errors and in CONFIG SET
 * errors). `types.json` is config.c's `static_configs` table of Redis 7.0.15 transcribed: for every bool, enum and
 * numeric parameter (aliases included) its kind, and for numeric ones the C type, the bounds and the
 * MEMORY_CONFIG / PERCENT_CONFIG / OCTAL_CONFIG flags; HIDDEN_CONFIG parameters are marked `hidden`. Parsing and
 * bounds checks follow numericParseString and numericBoundaryCheck, so a value is refused exactly when and with
 * the text redis-server refuses it (tests/conformance/config-bounds.test.ts plays the whole table against the
 * real server). The rules below add the string and multi-argument parameters.
 */
import probed from './types.json' with { type: 'json' };

/** config.c's numeric C types: which of them numericBoundaryCheck compares as unsigned. */
type NumericType = 'int' | 'uint' | 'long' | 'ulong' | 'longlong' | 'ulonglong' | 'size_t' | 'ssize_t' | 'off_t' | 'time_t';

type Rule =
  | { kind: 'bool'; hidden?: boolean }
  | { kind: 'int'; type?: NumericType; min: number | string; max: number | string; memory?: boolean; percent?: boolean; octal?: boolean; hidden?: boolean }
  | { kind: 'enum'; values: string[]; bits?: number[]; multi?: boolean; hidden?: boolean }
  /** Takes any number of arguments (save, bind), or a multiple of `of`. */
  | { kind: 'multi'; of?: number };

const UINT_MAX = 4294967295;
const INT_MAX = 2147483647;

const HAND_RULES: Record<string, Rule> = {
  port: { kind: 'int', min: 0, max: 65535 },
  'tls-port': { kind: 'int', min: 0, max: 65535 },
  'cluster-port': { kind: 'int', min: 0, max: 65535 },
  hz: { kind: 'int', min: 0, max: INT_MAX },
  databases: { kind: 'int', min: 1, max: INT_MAX },
  maxclients: { kind: 'int', min: 1, max: UINT_MAX },
  'cluster-node-timeout': { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  'tcp-backlog': { kind: 'int', min: 0, max: INT_MAX },
  timeout: { kind: 'int', min: 0, max: INT_MAX },
  'io-threads': { kind: 'int', min: 1, max: 128 },
  maxmemory: { kind: 'memory' },
  'proto-max-bulk-len': { kind: 'memory' },
  'client-query-buffer-limit': { kind: 'memory' },
  'repl-backlog-size': { kind: 'memory' },
  daemonize: { kind: 'bool' },
  'protected-mode': { kind: 'bool' },
  appendonly: { kind: 'bool' },
  'cluster-enabled': { kind: 'bool' },
  'cluster-require-full-coverage': { kind: 'bool' },
  'cluster-allow-reads-when-down': { kind: 'bool' },
  'cluster-replica-no-failover': { kind: 'bool' },
  'cluster-allow-replica-migration': { kind: 'bool' },
  'replica-read-only': { kind: 'bool' },
  'io-threads-do-reads': { kind: 'bool' },
  'dynamic-hz': { kind: 'bool' },
  loglevel: { kind: 'enum', values: ['debug', 'verbose', 'notice', 'warning'] },
  appendfsync: { kind: 'enum', values: ['always', 'everysec', 'no'] },
  'maxmemory-policy': {
    kind: 'enum',
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
  },
  'enable-debug-command': { kind: 'enum', values: ['no', 'yes', 'local'] },
  'enable-module-command': { kind: 'enum', values: ['no', 'yes', 'local'] },
  'enable-protected-configs': { kind: 'enum', values: ['no', 'yes', 'local'] },
  save: { kind: 'multi' },
  bind: { kind: 'multi' },
  'client-output-buffer-limit': { kind: 'multi', of: 4 },
  'oom-score-adj-values': { kind: 'multi', of: 3 },
};

const RULES: Record<string, Rule> = { ...HAND_RULES, ...(probed as Record<string, Rule>) };

/** Validates one directive's arguments; returns the value to store (arguments joined by spaces) or an error. */
export function validateConfigArgs(name: string, args: string[]): { value: string } | { error: string } {
  const rule = RULES[name.toLowerCase()];
  if (rule?.kind === 'multi') {
    if (args.length === 0 || (rule.of && args.length % rule.of !== 0)) return { error: 'wrong number of arguments' };
    return { value: args.join(' ') };
  }
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const v = args[0];
  if (!rule) return { value: v };
  switch (rule.kind) {
    case 'bool': {
      const lower = v.toLowerCase();
      if (lower !== 'yes' && lower !== 'no') return { error: "argument must be 'yes' or 'no'" };
      return { value: lower };
    }
    case 'int': {
      // Anything string2ll refuses, including values beyond 64 bits, "couldn't be parsed".
      if (!/^-?\d+$/.test(v) || BigInt(v) > 9223372036854775807n || BigInt(v) < -9223372036854775808n) {
        return { error: "argument couldn't be parsed into an integer" };
      }
      let n = BigInt(v);
      if (n < BigInt(rule.min) || n > BigInt(rule.max)) return { error: `argument must be between ${rule.min} and ${rule.max} inclusive` };
      // hz is clamped to 1..500 by its update hook (CONFIG_MIN_HZ, CONFIG_MAX_HZ), and reads back clamped.
      if (name.toLowerCase() === 'hz') n = n < 1n ? 1n : n > 500n ? 500n : n;
      return { value: n.toString() };
    }
    case 'memory': {
      // Stored (and reported by CONFIG GET) in bytes, as Redis does: "1mb" reads back as 1048576.
      const bytes = parseMemory(v);
      if (bytes === null) return { error: 'argument must be a memory value' };
      return { value: String(bytes) };
    }
    case 'enum': {
      const lower = v.toLowerCase();
      if (!rule.values.includes(lower)) return { error: `argument(s) must be one of the following: ${rule.values.join(', ')}` };
      return { value: lower };
    }
  }
}
