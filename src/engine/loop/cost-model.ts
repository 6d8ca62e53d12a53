/**
 * The virtual CPU cost model: how much virtual time each piece of a node's work takes.
 *
 * Real Redis spends its time in system calls (epoll_wait, read, write) and in command execution. The figures
 * below are in nanoseconds and are rough measurements of redis-server 7.0 on a modern x86 core; they matter
 * for their proportions (a syscall costs more than a GET, so pipelining pays), not to the last nanosecond.
 * docs/cost-model.md lists them with their reasoning. Every constant of the model lives in this file.
 */
export const COST_NS = {
  /** epoll_wait returning with events (the syscall and its bookkeeping). */
  pollSyscall: 1_500,
  /** Per descriptor reported ready by epoll. */
  pollPerReadyFd: 100,
  /** read(2) of a client's socket. */
  readSyscall: 1_000,
  /** write(2) of a client's reply buffer. */
  writeSyscall: 1_500,
  /** Parsing a request, per byte (RESP scanning and argument copies). */
  parsePerByte: 1,
  /** Fixed cost of dispatching one command: lookup, checks, call(), stats. */
  commandBase: 300,
  /** accept(2) plus creating a client. */
  accept: 5_000,
  /** serverCron's own bookkeeping per run (clients cron, databases cron, stats). */
  serverCronBase: 20_000,
  /** The active expire cycle, per key sampled (and deleted when expired). */
  expireSample: 300,
  /** Building and writing, or reading and processing, one cluster bus message (header, gossip entries). */
  busMessage: 3_000,
  /**
   * select(2) and poll(2) hand the kernel every watched descriptor on every call and scan them all on return,
   * so their cost grows with the number of connections, ready or not. epoll only reports the ready ones.
   */
  selectPerWatchedFd: 40,
  pollPerWatchedFd: 30,
  /**
   * Writing an RDB snapshot, per byte, in the forked child (about 200 MB/s: serialising plus LZF on a typical
   * data set). The parent keeps serving; only the child's finishing time depends on it.
   */
  rdbSavePerByte: 5,
  /** Loading an RDB snapshot on a replica after a full resync, per byte (blocks its event loop, as in Redis). */
  rdbLoadPerByte: 4,
  /**
   * One Lua VM instruction. Redis's Lua 5.1 runs roughly 100 million simple instructions a second on a modern
   * core; a script's virtual time is its instruction count times this (counted in blocks of 1,000 by the hook).
   */
  luaInstruction: 10,
  /** Starting a script run: the run context, the coroutine, KEYS and ARGV. */
  luaScriptCall: 2_000,
  /** redis.call's own work around the command: arguments to strings, the reply parsed back into Lua values. */
  luaRedisCall: 500,
  /** fork(2) of the parent for BGSAVE or a replication snapshot: page-table copy, a fixed part in the lab. */
  fork: 200_000,
} as const;

/** The I/O multiplexers ae can be built with (ae_epoll.c, ae_select.c; poll is modelled for comparison). */
export type Multiplexer = 'epoll' | 'select' | 'poll';

/** select's FD_SETSIZE: descriptors at or above it cannot be watched. */
export const FD_SETSIZE = 1024;

/** Virtual cost of one poll call that returns `ready` descriptors out of `watched`. */
export function pollCostNs(mux: Multiplexer, watched: number, ready: number): number {
  const base = COST_NS.pollSyscall + ready * COST_NS.pollPerReadyFd;
  if (mux === 'select') return base + watched * COST_NS.selectPerWatchedFd;
  if (mux === 'poll') return base + watched * COST_NS.pollPerWatchedFd;
  return base;
}

/** Per-command costs beyond the base: O(1) commands are cheap; later issues add O(N) terms from the data. */
export const COMMAND_COST_NS = {
  /** A simple O(1) keyspace command (GET, SET, EXISTS of one key). */
  o1: 200,
  /** Per key for multi-key commands (DEL k1 k2 ..., EXISTS k1 k2 ...). */
  perKey: 150,
  /** Per byte copied into a reply or a value. */
  perByte: 0.5,
  /** Per key visited by a whole-keyspace walk (KEYS, FLUSHDB): O(N) commands block the loop this long. */
  scanPerKey: 60,
} as const;
