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
  /** Latency histogram: counts per log-linear bucket of nanoseconds (see latencyBucketIndex). */
  histogram: Uint32Array;
}

/** Redis keeps at most this many distinct error codes in errorstats (ERRORSTATS_LIMIT). */
const ERRORSTATS_LIMIT = 128;

export class ServerStats {
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  cronLoops = 0;
  netInputBytes = 0;
  /** Replication traffic (total_net_repl_input_bytes / total_net_repl_output_bytes). */
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
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
      s = { calls: 0, ns: 0, rejected: 0, failed: 0, histogram: new Uint32Array(HISTOGRAM_BUCKETS) };
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
    s.histogram[latencyBucketIndex(ns)]++;
  }

  reset(): void {
    this.totalConnectionsReceived = 0;
    this.totalCommandsProcessed = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
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
      s.histogram.fill(0);
    }
  }
}

/**
 * Redis records per-command latencies in an HDR histogram (microseconds, about two significant digits). The
 * lab keeps a log-linear histogram of nanoseconds: for each power of two, 16 equal sub-buckets, so a bucket's
 * bound is within about 6% of any value in it, and recording a call is one array increment.
 */
const SUB_BUCKETS = 16;
const HISTOGRAM_BUCKETS = 48 * SUB_BUCKETS;

export function latencyBucketIndex(ns: number): number {
  // Integer arithmetic on the common path (below 2^31 ns, about 2 s): no Math.pow, no floating division.
  if (ns < 2147483648) {
    const v = ns < 1 ? 1 : ns | 0;
    const exp = 31 - Math.clz32(v);
    const sub = exp >= 4 ? (v >>> (exp - 4)) - SUB_BUCKETS : (v << (4 - exp)) - SUB_BUCKETS;
    return exp * SUB_BUCKETS + sub;
  }
  if (ns >= 2 ** 47) return HISTOGRAM_BUCKETS - 1;
  const exp = Math.floor(Math.log2(ns));
  return exp * SUB_BUCKETS + Math.floor(ns / 2 ** (exp - 4)) - SUB_BUCKETS;
}

/** The upper bound of a bucket, in microseconds. */
export function latencyBucketBoundUs(index: number): number {
  const exp = Math.floor(index / SUB_BUCKETS);
  const sub = index % SUB_BUCKETS;
  return ((SUB_BUCKETS + sub + 1) * 2 ** exp) / SUB_BUCKETS / 1000;
}

/** A percentile of a histogram (p in 0..100): the bound of the bucket where p% of the calls are reached. */
export function histogramPercentile(h: Uint32Array, p: number): number {
  let total = 0;
  for (let i = 0; i < h.length; i++) total += h[i];
  const target = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= target) return latencyBucketBoundUs(i);
  }
  return 0;
}
