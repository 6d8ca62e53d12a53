import { describe, expect, it } from 'vitest';
import type { LoadBucket } from '../../src/clients/load/load-generator.ts';
import {
  ERROR_KINDS,
  ERROR_COLOURS,
  formatMs,
  formatTickMs,
  latencyDomainMs,
  latestValues,
  perSecond,
  powersOfTen,
  stackErrors,
  toPoint,
  windowBuckets,
  withGaps,
} from '../../src/ui/components/load-charts.ts';

function bucket(startMs: number, fill: Partial<Omit<LoadBucket, 'startUs' | 'endUs'>> = {}, lengthMs = 100): LoadBucket {
  return {
    startUs: startMs * 1000,
    endUs: (startMs + lengthMs) * 1000,
    ok: 0,
    reads: 0,
    writes: 0,
    errors: { moved: 0, ask: 0, clusterdown: 0, tryagain: 0, connection: 0, other: 0 },
    retried: { clusterdown: 0, tryagain: 0, connection: 0 },
    shed: 0,
    pending: 0,
    latencyUs: null,
    ...fill,
  };
}

/** Buckets of 100 ms from `fromMs` to `toMs`. */
const run = (fromMs: number, toMs: number) => Array.from({ length: (toMs - fromMs) / 100 }, (_, i) => bucket(fromMs + i * 100, { ok: i }));

describe('load charts: window and rates', () => {
  it('keeps the buckets overlapping the last 30 s, in order', () => {
    const bs = run(0, 60_000);
    const w = windowBuckets(bs, 45_050_000);
    // (15.05 s, 45.05 s]: the bucket 15.0-15.1 overlaps, and 45.0-45.1 has started.
    expect(w[0].startUs).toBe(15_000_000);
    expect(w.at(-1)!.startUs).toBe(45_000_000);
    expect(w.length).toBe(301);
    expect(windowBuckets(bs, 45_000_000).length).toBe(300);
    expect(windowBuckets(bs, 45_000_000, 1_000_000).map((b) => b.startUs / 1000)).toEqual([44_000, 44_100, 44_200, 44_300, 44_400, 44_500, 44_600, 44_700, 44_800, 44_900]);
    expect(windowBuckets([], 1_000_000)).toEqual([]);
    expect(windowBuckets(bs, 200_000_000)).toEqual([]);
  });

  it('turns counts into rates per virtual second, whatever the bucket length', () => {
    expect(perSecond(25, bucket(0))).toBe(250);
    expect(perSecond(25, bucket(0, {}, 250))).toBe(100);
    expect(perSecond(5, { startUs: 10, endUs: 10 })).toBe(0);
    const p = toPoint(bucket(1_000, { ok: 90, errors: { moved: 3, ask: 0, clusterdown: 0, tryagain: 0, connection: 7, other: 0 }, latencyUs: { p50: 350, p99: 1_200, max: 4_000 } }));
    expect(p).toEqual({ t: 1.1, ok: 900, errors: { moved: 30, ask: 0, clusterdown: 0, tryagain: 0, connection: 70, other: 0 }, p50Ms: 0.35, p99Ms: 1.2 });
  });

  it('breaks the lines where buckets are missing (the load was off)', () => {
    const pts = withGaps([bucket(0), bucket(100), bucket(500), bucket(600)]);
    expect(pts.map((p) => (p === null ? null : p.t))).toEqual([0.1, 0.2, null, 0.6, 0.7]);
  });
});

describe('load charts: stacking and axes', () => {
  it('stacks the error kinds bottom to top in a fixed order, with gaps kept', () => {
    const pts = withGaps([
      bucket(0, { errors: { moved: 1, ask: 2, clusterdown: 3, tryagain: 0, connection: 4, other: 5 } }),
      bucket(300, { errors: { moved: 0, ask: 0, clusterdown: 0, tryagain: 0, connection: 10, other: 0 } }),
    ]);
    const s = stackErrors(pts);
    expect(s.map((x) => x.kind)).toEqual([...ERROR_KINDS]);
    expect(s.map((x) => x.bands[0])).toEqual([[0, 10], [10, 30], [30, 60], [60, 60], [60, 100], [100, 150]]);
    expect(s.every((x) => x.bands[1] === null)).toBe(true);
    expect(s[4].bands[2]).toEqual([0, 100]);
    expect(s[5].bands[2]).toEqual([100, 100]);
  });

  it('puts latency on a log axis from 0.1 ms to the power of ten above the worst p99', () => {
    const pts = [bucket(0, { latencyUs: { p50: 300, p99: 600, max: 700 } }), bucket(100, { latencyUs: { p50: 500, p99: 1_700_000, max: 1_800_000 } })].map(toPoint);
    expect(latencyDomainMs(pts)).toEqual([0.1, 10_000]);
    expect(latencyDomainMs([pts[0], null])).toEqual([0.1, 10]);
    expect(powersOfTen(0.1, 10_000)).toEqual([0.1, 1, 10, 100, 1000, 10_000]);
    expect(powersOfTen(0.1, 10)).toEqual([0.1, 1, 10]);
    expect(formatTickMs(0.1)).toBe('0.1');
    expect(formatTickMs(1000)).toBe('1k');
    expect(formatMs(0.4234)).toBe('0.42');
    expect(formatMs(3.14)).toBe('3.1');
    expect(formatMs(1712.4)).toBe('1712');
  });

  it('reads out the latest bucket for the aria-labels: ok/s, the error kinds present, latency', () => {
    expect(latestValues([])).toBeNull();
    const l = latestValues([bucket(0, { ok: 1 }), bucket(100, { ok: 66, errors: { moved: 0, ask: 0, clusterdown: 2, tryagain: 0, connection: 21, other: 0 }, latencyUs: { p50: 400, p99: 980_000, max: 1_000_000 } })]);
    expect(l).toEqual({ ok: 660, errors: [{ kind: 'clusterdown', perSec: 20 }, { kind: 'connection', perSec: 210 }], p50Ms: 0.4, p99Ms: 980 });
  });

  it('gives every error kind its own Okabe–Ito colour', () => {
    const colours = ERROR_KINDS.map((k) => ERROR_COLOURS[k]);
    expect(new Set(colours).size).toBe(ERROR_KINDS.length);
    const okabeIto = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999'];
    for (const c of colours) expect(okabeIto).toContain(c);
  });
});
