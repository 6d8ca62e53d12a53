/**
 * The shape of the command table. One declarative entry per command drives dispatch, arity errors, key
 * positions (for cluster slot checks), COMMAND output, the terminal's hints and completion, and help.
 *
 * Static metadata (arity, flags, key specs, ACL categories, documentation) is Redis 7.0's own, read from
 * `meta/command-info.json` and `meta/command-docs.json`, which were captured from a real redis-server 7.0.15
 * with `COMMAND INFO` and `COMMAND DOCS`. An entry here adds what the lab contributes: the handler, the
 * virtual CPU cost and a zh-CN summary.
 */
import type { ByteString } from '../types/bytes.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';

export type CommandHandler = (c: Client, server: Server) => void;

/** Extra virtual CPU cost in nanoseconds beyond the dispatch base, from the arguments (and later the data). */
export type CommandCost = (argv: ByteString[]) => number;

export interface CommandDefinition {
  /** Lower-case name, as in COMMAND INFO. */
  name: string;
  handler: CommandHandler;
  cost: CommandCost;
  /** One-line summary in Chinese; the English one comes from Redis's COMMAND DOCS. */
  summaryZh: string;
}

/** Legacy key positions (COMMAND INFO's first, last, step). */
export interface KeyRange {
  first: number;
  last: number;
  step: number;
}

export interface CommandSpec {
  name: string;
  arity: number;
  flags: ReadonlySet<string>;
  aclCategories: readonly string[];
  keys: KeyRange;
  group: string;
  since: string;
  complexity: string;
  summary: { en: string; zh: string };
  /** Argument tree from COMMAND DOCS, used for hints and help. */
  arguments: readonly CommandArgument[];
  handler: CommandHandler;
  cost: CommandCost;
  /** Pre-computed flag tests used on every call. */
  isWrite: boolean;
  isFast: boolean;
  noAuth: boolean;
  /** write or may_replicate: what CLIENT PAUSE WRITE holds back. */
  mayReplicate: boolean;
  /** denyoom: refused with OOM when memory is over maxmemory. */
  denyOom: boolean;
  /** Shown to MONITOR clients (not admin, not skip_monitor) and logged by SLOWLOG (not skip_slowlog). */
  monitored: boolean;
  slowlogged: boolean;
  /** Has key arguments (key specs or movable keys): cluster mode routes it by slot. */
  hasKeys: boolean;
  /** Position in the command table: per-node statistics are arrays indexed by it (no name lookups per call). */
  index: number;
}

export interface CommandArgument {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: CommandArgument[];
  display_text?: string;
  key_spec_index?: number;
}
