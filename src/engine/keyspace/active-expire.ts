/**
 * activeExpireCycle (expire.c), the slow cycle serverCron runs: keys nobody reads again would never expire
 * lazily, so each cron tick samples keys with a deadline and deletes the expired ones, database by database.
 * A database is sampled again while more than 10% of its sample had expired (lots of garbage left), within a
 * budget of 25% of the cron period's CPU time. It also keeps Redis's running estimate of the average TTL
 * (INFO keyspace avg_ttl) and the share of expired keys believed still present (expired_stale_perc).
 *
 * Redis walks its expires table bucket by bucket from a saved cursor; the lab samples at random. The rates
 * and the budget are Redis's.
 */
import type { Database } from './database.ts';
import type { Prng } from '../random/prng.ts';
import { COST_NS } from '../loop/cost-model.ts';

/** ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP at the default active-expire-effort (1). */
const KEYS_PER_LOOP = 20;
/** ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE: keep sampling a database while more than this % of a sample expired. */
const ACCEPTABLE_STALE = 10;
/** ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC: the share of the cron period the slow cycle may use. */
const SLOW_TIME_PERC = 25;

export interface ActiveExpireState {
  /** Per database: Redis's avg_ttl estimate (ms). */
  avgTtl: number[];
  /** Running estimate of the expired-but-present share, 0..1 (stat_expired_stale_perc). */
  stalePerc: number;
  /** How many cycles stopped on their time budget (expired_time_cap_reached_count). */
  timeCapReached: number;
  /** Virtual CPU spent in the cycle, ns (expire_cycle_cpu_milliseconds). */
  cpuNs: number;
  /** server.active_expire_enabled: DEBUG SET-ACTIVE-EXPIRE 0 stops the cycle (tests watch lazy expiry alone). */
  enabled: boolean;
}

export function newActiveExpireState(databases: number): ActiveExpireState {
  return { avgTtl: new Array(databases).fill(0), stalePerc: 0, timeCapReached: 0, cpuNs: 0, enabled: true };
}

/** One slow cycle over every database. Returns the virtual CPU time it used, ns. */
export function activeExpireCycle(dbs: Database[], state: ActiveExpireState, rng: Prng, nowMs: number, hz: number): number {
  if (!state.enabled) return 0;
  const budgetNs = ((1_000_000_000 / hz) * SLOW_TIME_PERC) / 100;
  let spentNs = 0;
  let totalSampled = 0;
  let totalExpired = 0;
  for (const db of dbs) {
    for (;;) {
      if (db.expires.size === 0) {
        state.avgTtl[db.id] = 0;
        break;
      }
      const n = Math.min(KEYS_PER_LOOP, db.expires.size);
      let expired = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      for (let i = 0; i < n; i++) {
        const key = db.randomExpiringKey(rng);
        if (key === undefined) break;
        spentNs += COST_NS.expireSample;
        const when = Number(db.expires.get(key));
        if (when <= nowMs) {
          db.expireIfNeeded(key, nowMs);
          expired++;
        } else {
          ttlSum += when - nowMs;
          ttlSamples++;
        }
      }
      totalSampled += n;
      totalExpired += expired;
      if (ttlSamples > 0) {
        // Weighted so that the estimate moves slowly, as Redis's does (2% of the new average per round).
        const avg = ttlSum / ttlSamples;
        const prev = state.avgTtl[db.id];
        state.avgTtl[db.id] = prev === 0 ? avg : (prev / 50) * 49 + avg / 50;
      }
      if (spentNs >= budgetNs) {
        state.timeCapReached++;
        state.cpuNs += spentNs;
        updateStale(state, totalSampled, totalExpired);
        return spentNs;
      }
      if ((expired * 100) / n <= ACCEPTABLE_STALE) break;
    }
  }
  state.cpuNs += spentNs;
  updateStale(state, totalSampled, totalExpired);
  return spentNs;
}

function updateStale(state: ActiveExpireState, sampled: number, expired: number): void {
  const current = sampled ? expired / sampled : 0;
  state.stalePerc = current * 0.05 + state.stalePerc * 0.95;
}
