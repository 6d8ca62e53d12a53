/**
 * A node's configuration: every parameter redis-server 7.0 knows, with its default, and typed access to the
 * ones the engine acts on.
 *
 * `defaults.json` holds the names and default values exactly as a fresh redis-server 7.0.15 reports them in
 * `CONFIG GET *` (with `port` reset to 6379 and `dir` left empty, as both depend on how the oracle was run).
 * Knowing every name lets a host refuse an unknown directive the way redis-server does, while accepting any real
 * one. Parameters the lab does not act on yet are stored and reported but change nothing; docs/fidelity.md
 * lists them.
 */
import defaults from './defaults.json' with { type: 'json' };
import mutability from './mutability.json' with { type: 'json' };

export type ConfigValues = Record<string, string>;

/**
 * config.c's HIDDEN_CONFIG parameters with their defaults: debugging knobs Redis's own test suites set (its
 * cluster tests start with `CONFIG SET loading-process-events-interval-bytes`). CONFIG GET and SET find them by
 * their exact names, but no pattern matches them, so `CONFIG GET *` does not list them (and defaults.json,
 * taken from that listing, does not hold them). The lab stores them and acts on none: it has no slow loading,
 * no delays per key while saving or loading, no watchdog and no panics to exit from (docs/fidelity.md).
 */
const HIDDEN_DEFAULTS: ConfigValues = {
  'use-exit-on-panic': 'no',
  'rdb-key-save-delay': '0',
  'key-load-delay': '0',
  'watchdog-period': '0',
  'loading-process-events-interval-bytes': '2097152',
};

/** Values that are yes/no in redis.conf. */
export function parseBool(value: string): boolean | null {
  const v = value.toLowerCase();
  if (v === 'yes') return true;
  if (v === 'no') return false;
  return null;
}

/** Redis's memory units (config.c memtoull): 1k = 1000, 1kb = 1024, and so on, case-insensitive. */
export function parseMemory(value: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb)?$/i.exec(value);
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase();
  const mul: Record<string, number> = { '': 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(m[1]) * mul[unit];
}

/**
 * Parameters Redis 7.0 knows under two names (config.c's aliases: the old ziplist and slave names). They are
 * one setting: setting either changes both, and CONFIG GET shows both.
 */
const ALIAS_PAIRS: [string, string][] = [
  ['cluster-replica-no-failover', 'cluster-slave-no-failover'],
  ['replica-lazy-flush', 'slave-lazy-flush'],
  ['replica-serve-stale-data', 'slave-serve-stale-data'],
  ['replica-read-only', 'slave-read-only'],
  ['replica-ignore-maxmemory', 'slave-ignore-maxmemory'],
  ['replica-announce-ip', 'slave-announce-ip'],
  ['cluster-replica-validity-factor', 'cluster-slave-validity-factor'],
  ['list-max-listpack-size', 'list-max-ziplist-size'],
  ['replica-priority', 'slave-priority'],
  ['replica-announce-port', 'slave-announce-port'],
  ['repl-ping-replica-period', 'repl-ping-slave-period'],
  ['min-replicas-to-write', 'min-slaves-to-write'],
  ['min-replicas-max-lag', 'min-slaves-max-lag'],
  ['busy-reply-threshold', 'lua-time-limit'],
  ['hash-max-listpack-entries', 'hash-max-ziplist-entries'],
  ['zset-max-listpack-entries', 'zset-max-ziplist-entries'],
  ['hash-max-listpack-value', 'hash-max-ziplist-value'],
  ['zset-max-listpack-value', 'zset-max-ziplist-value'],
  ['replicaof', 'slaveof'],
];
const ALIASES = new Map<string, string>();
for (const [a, b] of ALIAS_PAIRS) {
  ALIASES.set(a, b);
  ALIASES.set(b, a);
}

/** The other name of an aliased parameter, if it has one. */
export function configAlias(name: string): string | undefined {
  return ALIASES.get(name.toLowerCase());
}

export class ServerConfig {
  private values: ConfigValues;
  /**
   * Whether values 0..9999 may be Redis's shared integer objects: not when an LRU/LFU maxmemory policy needs
   * per-key access data (MAXMEMORY_FLAG_NO_SHARED_INTEGERS). Derived once per change, read on every SET.
   */
  sharedIntegers = true;
  /** Parameters read on every command, kept as numbers (re-derived on every change). */
  slowlogLogSlowerThan = 10000;
  slowlogMaxLen = 128;
  latencyMonitorThreshold = 0;
  /** maxmemory in bytes; 0 = no limit (checked before every command). */
  maxmemory = 0;
  /** client-query-buffer-limit in bytes (checked after every read). */
  clientQueryBufferLimit = 1024 ** 3;

  /** Told after every change (the node re-derives what depends on the parameter: memory tracking, LFU). */
  onChange: ((name: string) => void) | null = null;

  constructor(overrides: ConfigValues = {}) {
    this.values = { ...(defaults as ConfigValues), ...HIDDEN_DEFAULTS };
    for (const [k, v] of Object.entries(overrides)) this.set(k, v);
    this.derive();
  }

  private derive(): void {
    this.slowlogLogSlowerThan = Number(this.values['slowlog-log-slower-than']);
    this.slowlogMaxLen = Number(this.values['slowlog-max-len']);
    this.latencyMonitorThreshold = Number(this.values['latency-monitor-threshold']);
    this.maxmemory = parseMemory(this.values.maxmemory) ?? 0;
    this.clientQueryBufferLimit = parseMemory(this.values['client-query-buffer-limit']) ?? 1024 ** 3;
  }

  /** Whether redis-server 7.0 knows this parameter (names are case-insensitive). */
  static isKnown(name: string): boolean {
    const key = name.toLowerCase();
    return Object.prototype.hasOwnProperty.call(defaults, key) || Object.prototype.hasOwnProperty.call(HIDDEN_DEFAULTS, key);
  }

  /** The names a CONFIG GET pattern can match: every parameter but the hidden ones. */
  static names(): string[] {
    return Object.keys(defaults);
  }

  /**
   * Whether CONFIG SET may change a parameter: "immutable" ones only at startup, "protected" ones only when
   * enable-protected-configs allows it (never, by default). Classified by asking redis-server 7.0.15 itself
   * (`mutability.json`).
   */
  static mutability(name: string): 'mutable' | 'immutable' | 'protected' {
    const key = name.toLowerCase();
    if (mutability.immutable.includes(key)) return 'immutable';
    if (mutability.protected.includes(key)) return 'protected';
    return 'mutable';
  }

  get(name: string): string | undefined {
    return this.values[name.toLowerCase()];
  }

  /** A numeric parameter (lower-case name), parsed once per value: crons read some many times a second. */
  num(name: string): number {
    let v = this.numbers.get(name);
    if (v === undefined) {
      v = Number(this.values[name]);
      this.numbers.set(name, v);
    }
    return v;
  }

  private readonly numbers = new Map<string, number>();

  set(name: string, value: string): void {
    const key = name.toLowerCase();
    if (!ServerConfig.isKnown(key)) throw new Error(`unknown config parameter '${name}'`);
    this.values[key] = value;
    this.numbers.clear();
    this.hzCache = 0;
    const alias = ALIASES.get(key);
    if (alias !== undefined) this.values[alias] = value;
    if (key === 'maxmemory' || key === 'maxmemory-policy') {
      const policy = this.values['maxmemory-policy'];
      this.sharedIntegers = this.values.maxmemory === '0' || !(policy.includes('lru') || policy.includes('lfu'));
    }
    if (key.startsWith('slowlog') || key === 'latency-monitor-threshold' || key === 'maxmemory' || key === 'client-query-buffer-limit') this.derive();
    this.onChange?.(key);
  }

  all(): ConfigValues {
    return { ...this.values };
  }

  get port(): number {
    return Number(this.values.port);
  }

  /** serverCron frequency; Redis clamps it to 1..500 (CONFIG_MIN_HZ, CONFIG_MAX_HZ). */
  get hz(): number {
    if (this.hzCache === 0) this.hzCache = Math.min(500, Math.max(1, Number(this.values.hz) || 10));
    return this.hzCache;
  }

  private hzCache = 0;

  get protoMaxBulkLen(): number {
    return parseMemory(this.values['proto-max-bulk-len']) ?? 512 * 1024 * 1024;
  }

  get clusterEnabled(): boolean {
    return parseBool(this.values['cluster-enabled']) === true;
  }

  get databases(): number {
    return Number(this.values.databases) || 16;
  }

  get maxclients(): number {
    return Number(this.values.maxclients) || 10000;
  }


  get maxmemoryPolicy(): string {
    return this.values['maxmemory-policy'];
  }

  get requirepass(): string {
    return this.values.requirepass ?? '';
  }
}
