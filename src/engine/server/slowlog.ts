/**
 * The slow log (slowlog.c): commands whose execution took at least slowlog-log-slower-than microseconds of
 * (virtual) time, newest first, at most slowlog-max-len entries. Arguments are stored trimmed as Redis trims
 * them: 32 at most, each at most 128 bytes.
 */
import type { ByteString } from '../types/bytes.ts';

const SLOWLOG_ENTRY_MAX_ARGC = 32;
const SLOWLOG_ENTRY_MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix seconds. */
  time: number;
  durationUs: number;
  argv: ByteString[];
  peer: string;
  name: string;
}

export class SlowLog {
  entries: SlowlogEntry[] = [];
  private nextId = 0;

  /** slowlogPushEntryIfNeeded. */
  push(argv: readonly ByteString[], durationUs: number, nowMs: number, peer: string, name: string, slowerThanUs: number, maxLen: number): void {
    if (slowerThanUs < 0 || durationUs < slowerThanUs) return;
    const argc = Math.min(argv.length, SLOWLOG_ENTRY_MAX_ARGC);
    const kept: ByteString[] = [];
    for (let j = 0; j < argc; j++) {
      if (argc !== argv.length && j === argc - 1) kept.push(`... (${argv.length - argc + 1} more arguments)`);
      else if (argv[j].length > SLOWLOG_ENTRY_MAX_STRING) {
        kept.push(`${argv[j].slice(0, SLOWLOG_ENTRY_MAX_STRING)}... (${argv[j].length - SLOWLOG_ENTRY_MAX_STRING} more bytes)`);
      } else kept.push(argv[j]);
    }
    this.entries.unshift({ id: this.nextId++, time: Math.floor(nowMs / 1000), durationUs, argv: kept, peer, name });
    if (this.entries.length > maxLen) this.entries.length = Math.max(0, maxLen);
  }

  reset(): void {
    this.entries = [];
  }
}
