/**
 * The latency monitor (latency.c): with latency-monitor-threshold set (ms, 0 = off), every event at or above
 * it is recorded in a per-event series of 160 one-second samples (the largest in each second), with the
 * all-time maximum. The lab records "command" and "fast-command" from call() and "expire-cycle" from the
 * active expire cycle, in virtual time.
 */
const LATENCY_TS_LEN = 160;

export interface LatencySeries {
  /** Ring of samples: unix seconds (0 = empty) and latency in ms. */
  samples: { time: number; latency: number }[];
  idx: number;
  max: number;
}

export class LatencyMonitor {
  /** Events in the order they first occurred (Redis's dict order is its own). */
  readonly events = new Map<string, LatencySeries>();

  /** latencyAddSampleIfNeeded. */
  addIfNeeded(event: string, latencyMs: number, nowMs: number, thresholdMs: number): void {
    if (thresholdMs === 0 || latencyMs < thresholdMs) return;
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = { samples: Array.from({ length: LATENCY_TS_LEN }, () => ({ time: 0, latency: 0 })), idx: 0, max: 0 };
      this.events.set(event, ts);
    }
    const now = Math.floor(nowMs / 1000);
    if (latencyMs > ts.max) ts.max = latencyMs;
    const prev = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (ts.samples[prev].time === now) {
      if (latencyMs > ts.samples[prev].latency) ts.samples[prev].latency = latencyMs;
      return;
    }
    ts.samples[ts.idx] = { time: now, latency: latencyMs };
    ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
  }

  /** The series' samples, oldest first. */
  history(event: string): { time: number; latency: number }[] {
    const ts = this.events.get(event);
    if (ts === undefined) return [];
    const out: { time: number; latency: number }[] = [];
    for (let j = 0; j < LATENCY_TS_LEN; j++) {
      const s = ts.samples[(ts.idx + j) % LATENCY_TS_LEN];
      if (s.time !== 0) out.push(s);
    }
    return out;
  }

  latest(event: string): { time: number; latency: number; max: number } {
    const ts = this.events.get(event)!;
    const last = ts.samples[(ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
    return { time: last.time, latency: last.latency, max: ts.max };
  }

  /** latencyResetEvent: one event, or all when null; returns how many were reset. */
  reset(event: string | null): number {
    if (event === null) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    return this.events.delete(event) ? 1 : 0;
  }
}
