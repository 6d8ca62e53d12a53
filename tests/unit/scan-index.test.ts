/** SCAN's guarantee: whatever happens between calls, every element present throughout is returned exactly once. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ScanIndex } from '../../src/engine/keyspace/scan-index.ts';

describe('scan cursors', () => {
  it('return every element present for the whole iteration exactly once, under concurrent adds and removes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 0, maxLength: 120 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        (initial, changes, count) => {
          const live = new Set(initial.map(String));
          const index = new ScanIndex<string>(live);
          const removedOrAdded = new Set<string>();
          const seen: string[] = [];
          let cursor = 0;
          let step = 0;
          do {
            const r = index.scan(cursor, count);
            seen.push(...r.items);
            cursor = r.next;
            // Between calls, the keyspace changes.
            for (let k = 0; k < 3 && step < changes.length; k++, step++) {
              const [add, n] = changes[step];
              const key = String(n);
              if (add && !live.has(key)) {
                live.add(key);
                index.add(key);
                removedOrAdded.add(key);
              } else if (!add && live.has(key)) {
                live.delete(key);
                index.remove(key);
                removedOrAdded.add(key);
              }
            }
          } while (cursor !== 0);
          const throughout = initial.map(String).filter((k) => !removedOrAdded.has(k));
          for (const k of throughout) expect(seen.filter((s) => s === k)).toHaveLength(1);
          // A key removed and added again during the scan may come back twice (as in Redis); nothing else may
          // repeat, and nothing that was never there appears.
          const repeated = seen.filter((k, i) => seen.indexOf(k) !== i);
          for (const k of repeated) expect(removedOrAdded.has(k)).toBe(true);
          const everPresent = new Set([...initial.map(String), ...removedOrAdded]);
          for (const k of seen) expect(everPresent.has(k)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
