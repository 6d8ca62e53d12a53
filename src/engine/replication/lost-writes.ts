/**
 * Counting the writes a failover threw away. A master that was cut off kept accepting writes; the replica that
 * replaced it took over its history at some offset. When the old master comes back as a replica, the new master
 * refuses to continue its history past that offset (`repl-diverged`), and the old master's full resync discards
 * what it had (`repl-discarded`, with the writes still in its backlog). The writes of that history past the
 * take-over offset are the lost ones: acknowledged to clients, now nowhere.
 */
import type { EngineEvent } from '../server/events.ts';

export interface LostWrite {
  replId: string;
  offset: number;
  command: string;
  key: string;
}

export function lostWrites(events: readonly EngineEvent[]): LostWrite[] {
  const keptUpTo = new Map<string, number>();
  for (const e of events) if (e.type === 'repl-diverged') keptUpTo.set(e.replId, Math.min(keptUpTo.get(e.replId) ?? Infinity, e.keptUpTo));
  const lost: LostWrite[] = [];
  for (const e of events) {
    if (e.type !== 'repl-discarded') continue;
    const kept = keptUpTo.get(e.replId);
    if (kept === undefined) continue;
    for (const w of e.writes) if (w.offset > kept) lost.push({ replId: e.replId, ...w });
  }
  return lost;
}
