/** The per-command latency histogram: every value lands in a bucket whose bound is at most 6.25% above it. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { histogramPercentile, latencyBucketBoundUs, latencyBucketIndex } from '../../src/engine/server/stats.ts';

describe('latency histogram', () => {
  it('bounds each value tightly from above, and orders buckets like values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 46 }), fc.integer({ min: 1, max: 2 ** 46 }), (a, b) => {
        const bound = latencyBucketBoundUs(latencyBucketIndex(a)) * 1000;
        expect(bound).toBeGreaterThan(a);
        expect(bound).toBeLessThanOrEqual(a * 1.0625 + 1);
        if (a < b) expect(latencyBucketIndex(a)).toBeLessThanOrEqual(latencyBucketIndex(b));
      }),
    );
  });

  it('reads percentiles off the counts', () => {
    const h = new Uint32Array(48 * 16);
    for (let i = 0; i < 99; i++) h[latencyBucketIndex(5_000)]++;
    h[latencyBucketIndex(2_000_000)]++;
    expect(histogramPercentile(h, 50)).toBeCloseTo(5, 0);
    expect(histogramPercentile(h, 99)).toBeCloseTo(5, 0);
    expect(histogramPercentile(h, 99.9)).toBeGreaterThan(2000);
  });
});
