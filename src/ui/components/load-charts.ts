/**
 * The arithmetic behind the load charts (LoadCharts.svelte), kept out of the component so it has unit tests:
 * which buckets fall in the window, rates per second, the error series stacked, latency in ms, gaps where the
 * load stopped, and the latest values that the charts' aria-labels read out.
 */
import { stack } from 'd3-shape';
import type { LoadBucket } from '../../clients/load/load-generator.ts';

/** The charts show the last 30 virtual seconds. */
export const WINDOW_US = 30_000_000;

export type ErrorKind = keyof LoadBucket['errors'];

/** In stacking order, bottom first: redirections followed, then failures. */
export const ERROR_KINDS: readonly ErrorKind[] = ['moved', 'ask', 'clusterdown', 'tryagain', 'connection', 'other'];

/**
 * The Okabe–Ito palette (distinguishable with any common colour-vision deficiency), one colour per series;
 * grey for "other" (Okabe–Ito's black would vanish on the dark theme).
 */
export const ERROR_COLOURS: Record<ErrorKind, string> = {
  moved: '#56B4E9',
  ask: '#009E73',
  clusterdown: '#D55E00',
  tryagain: '#E69F00',
  connection: '#CC79A7',
  other: '#999999',
};
export const OK_COLOUR = '#009E73';
export const P50_COLOUR = '#56B4E9';
export const P99_COLOUR = '#E69F00';

/** The i18n key naming each error kind in the legend. */
export const ERROR_LABEL_KEYS: Record<ErrorKind, string> = {
  moved: 'loadErrMoved',
  ask: 'loadErrAsk',
  clusterdown: 'loadErrClusterdown',
  tryagain: 'loadErrTryagain',
  connection: 'loadErrConnection',
  other: 'loadErrOther',
};

/**
 * The buckets that overlap (nowUs - spanUs, nowUs], in time order. `buckets` is in time order (the generator
 * hands them out so), so the start is found by binary search: the list may hold a whole session.
 */
export function windowBuckets(buckets: readonly LoadBucket[], nowUs: number, spanUs = WINDOW_US): LoadBucket[] {
  const from = nowUs - spanUs;
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buckets[mid].endUs <= from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < buckets.length && buckets[end].startUs < nowUs) end++;
  return buckets.slice(lo, end);
}

/** `count` events in `b`, as a rate per virtual second. */
export function perSecond(count: number, b: Pick<LoadBucket, 'startUs' | 'endUs'>): number {
  const us = b.endUs - b.startUs;
  return us > 0 ? (count * 1_000_000) / us : 0;
}

/** One bucket as the charts plot it: time of its end in virtual seconds, rates per second, latency in ms. */
export interface ChartPoint {
  /** The bucket's end, in virtual seconds. */
  t: number;
  ok: number;
  errors: Record<ErrorKind, number>;
  /** Null when no operation succeeded in the bucket. */
  p50Ms: number | null;
  p99Ms: number | null;
}

export function toPoint(b: LoadBucket): ChartPoint {
  const errors = {} as Record<ErrorKind, number>;
  for (const k of ERROR_KINDS) errors[k] = perSecond(b.errors[k], b);
  return {
    t: b.endUs / 1e6,
    ok: perSecond(b.ok, b),
    errors,
    p50Ms: b.latencyUs ? b.latencyUs.p50 / 1000 : null,
    p99Ms: b.latencyUs ? b.latencyUs.p99 / 1000 : null,
  };
}

/**
 * The points to draw, with `null` wherever a bucket is missing (the load was off): a line or area breaks there
 * instead of joining across the gap.
 */
export function withGaps(buckets: readonly LoadBucket[]): (ChartPoint | null)[] {
  const out: (ChartPoint | null)[] = [];
  for (let i = 0; i < buckets.length; i++) {
    if (i > 0 && buckets[i].startUs !== buckets[i - 1].endUs) out.push(null);
    out.push(toPoint(buckets[i]));
  }
  return out;
}

/**
 * The error series stacked in ERROR_KINDS order: per kind, per point, [bottom, top] in errors/s, or null where
 * the point is a gap.
 */
export function stackErrors(points: readonly (ChartPoint | null)[]): { kind: ErrorKind; bands: ([number, number] | null)[] }[] {
  const zero = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
  const rows = points.map((p) => p?.errors ?? zero);
  return stack<Record<ErrorKind, number>, ErrorKind>()
    .keys(ERROR_KINDS)(rows)
    .map((series) => ({ kind: series.key, bands: series.map((d, i) => (points[i] === null ? null : ([d[0], d[1]] as [number, number]))) }));
}

/** A y-axis top that leaves the largest value visible, never below `floor`. */
export function axisTop(values: Iterable<number>, floor: number): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** The latest values the charts' aria-labels read out (from the last bucket in the window). */
export interface LatestValues {
  ok: number;
  errors: { kind: ErrorKind; perSec: number }[];
  p50Ms: number | null;
  p99Ms: number | null;
}

export function latestValues(buckets: readonly LoadBucket[]): LatestValues | null {
  const b = buckets.at(-1);
  if (b === undefined) return null;
  const p = toPoint(b);
  return {
    ok: Math.round(p.ok),
    errors: ERROR_KINDS.filter((k) => p.errors[k] > 0).map((k) => ({ kind: k, perSec: Math.round(p.errors[k]) })),
    p50Ms: p.p50Ms,
    p99Ms: p.p99Ms,
  };
}

/** A latency for reading out: 0.42 ms, 3.1 ms, 250 ms. */
export function formatMs(ms: number): string {
  if (ms < 1) return ms.toFixed(2);
  if (ms < 10) return ms.toFixed(1);
  return String(Math.round(ms));
}

/**
 * The latency axis runs on a log scale, because a healthy cluster answers in under a millisecond while a
 * failover holds commands for a second or more: from 0.1 ms up to the power of ten above the worst p99 (at
 * least 10 ms).
 */
export function latencyDomainMs(points: readonly (ChartPoint | null)[]): [number, number] {
  let worst = 10;
  for (const p of points) if (p?.p99Ms != null && p.p99Ms > worst) worst = p.p99Ms;
  return [0.1, 10 ** Math.ceil(Math.log10(worst))];
}

/** Tick values for the log axis: the powers of ten from `lo` to `hi`. */
export function powersOfTen(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); 10 ** e <= hi * (1 + 1e-9); e++) out.push(Number((10 ** e).toPrecision(1)));
  return out;
}

/** An axis label for a latency tick: 0.1, 1, 10, 100, 1k (ms). */
export function formatTickMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}k` : String(ms);
}
