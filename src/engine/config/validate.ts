/**
 * Value checks for the parameters the lab acts on, with redis-server 7.0's messages (the same texts appear in
 * its startup errors and, later, in CONFIG SET errors). Parameters without a rule accept any single value.
 */
import { parseMemory } from './config.ts';

type Rule =
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'memory' }
  | { kind: 'enum'; values: string[] }
  /** Takes any number of arguments (save, bind), or a multiple of `of`. */
  | { kind: 'multi'; of?: number };

const UINT_MAX = 4294967295;
const INT_MAX = 2147483647;

const RULES: Record<string, Rule> = {
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
  save: { kind: 'multi' },
  bind: { kind: 'multi' },
  'client-output-buffer-limit': { kind: 'multi', of: 4 },
  'oom-score-adj-values': { kind: 'multi', of: 3 },
};

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
      if (!/^-?\d+$/.test(v)) return { error: "argument couldn't be parsed into an integer" };
      const n = Number(v);
      if (n < rule.min || n > rule.max) return { error: `argument must be between ${rule.min} and ${rule.max} inclusive` };
      return { value: String(n) };
    }
    case 'memory':
      if (parseMemory(v) === null) return { error: 'argument must be a memory value' };
      return { value: v };
    case 'enum': {
      const lower = v.toLowerCase();
      if (!rule.values.includes(lower)) return { error: `argument(s) must be one of the following: ${rule.values.join(', ')}` };
      return { value: lower };
    }
  }
}
