/**
 * The counters behind INFO stats, commandstats, errorstats and latencystats (server.stat_* and the per-command
 * counters in struct redisCommand). CONFIG RESETSTAT zeroes them.
 */
export interface CommandStat {
  calls: number;
  /** Virtual microseconds spent in the command (Redis's usec), as nanoseconds to keep fractions. */
  ns: number;
  rejected: number;
  failed: number;
  /** Latency histogram: counts per bucket (see latencyBucket). */
  histogram: Map<number, number>;
}

/** Redis keeps at most this many distinct error codes in errorstats (ERRORSTATS_LIMIT). */
const ERRORSTATS_LIMIT = 128;

export class ServerStats {
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  cronLoops = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  readsProcessed = 0;
  writesProcessed = 0;
  /** Shared with the databases, which count hits and misses while `counting` (a read command runs). */
  readonly lookups = { hits: 0, misses: 0, counting: false };
  totalErrorReplies = 0;
  /** Virtual CPU time the node has spent working (not sleeping in the poll), nanoseconds. */
  busyNs = 0;
  readonly errors = new Map<string, number>();
  readonly commands = new Map<string, CommandStat>();

  /** Counters by command-table index, for call(). */
  private readonly bySpec: (CommandStat | undefined)[] = [];

  forSpec(spec: { index: number; name: string }): CommandStat {
    return this.bySpec[spec.index] ?? (this.bySpec[spec.index] = this.command(spec.name));
  }

  command(name: string): CommandStat {
    let s = this.commands.get(name);
    if (s === undefined) {
      s = { calls: 0, ns: 0, rejected: 0, failed: 0, histogram: new Map() };
      this.commands.set(name, s);
    }
    return s;
  }

  /** afterErrorReply: count an error reply by its code (the first word; "ERR" when there is none). */
  error(message: string): void {
    this.totalErrorReplies++;
    const space = message.indexOf(' ');
    const code = space > 0 && space < 32 ? message.slice(0, space) : 'ERR';
    if (!this.errors.has(code) && this.errors.size >= ERRORSTATS_LIMIT) return;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** One executed call of a command taking `ns` of virtual time (`s` is the command's counters). */
  recordCall(s: CommandStat, ns: number, failed: boolean): void {
    s.calls++;
    s.ns += ns;
    if (failed) s.failed++;
    const b = latencyBucket(ns / 1000);
    s.histogram.set(b, (s.histogram.get(b) ?? 0) + 1);
  }

  reset(): void {
    this.totalConnectionsReceived = 0;
    this.totalCommandsProcessed = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.lookups.hits = 0;
    this.lookups.misses = 0;
    this.totalErrorReplies = 0;
    this.errors.clear();
    // Commands keep their counter objects (call() holds them); zero them instead.
    for (const s of this.commands.values()) {
      s.calls = 0;
      s.ns = 0;
      s.rejected = 0;
      s.failed = 0;
      s.histogram.clear();
    }
  }
}

/**
 * Redis records latencies in an HDR histogram with two significant digits; the lab keeps the same precision:
 * a bucket is the microsecond value rounded up to two significant digits (1.0, 1.1, ... 9.9, 10, 11, ... 99,
 * 100, 110, ...), stored as its upper bound.
 */
export function latencyBucket(us: number): number {
  if (us <= 1) return 1;
  if (us < 100) return Math.ceil(us * 10) / 10 <= 10 ? Math.ceil(us * 10) / 10 : Math.ceil(us);
  const magnitude = 10 ** (Math.floor(Math.log10(us)) - 1);
  return Math.ceil(us / magnitude) * magnitude;
}

/** A percentile of a histogram (p in 0..100): the bucket bound below which p% of the calls fall. */
export function histogramPercentile(h: Map<number, number>, p: number): number {
  const buckets = [...h.entries()].sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((n, [, c]) => n + c, 0);
  const target = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [bound, count] of buckets) {
    seen += count;
    if (seen >= target) return bound;
  }
  return buckets.length ? buckets[buckets.length - 1][0] : 0;
}
