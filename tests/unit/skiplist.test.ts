import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SkipList } from '../../src/engine/keyspace/skiplist.ts';
import { Prng } from '../../src/engine/random/prng.ts';

type Entry = [number, string];
const cmp = (a: Entry, b: Entry) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

describe('skiplist', () => {
  it('keeps (score, member) order, ranks and backward links under random inserts and deletes', () => {
    const op = fc.tuple(fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer(), (ops, seed) => {
        const zsl = new SkipList(new Prng(seed));
        const model = new Map<string, number>();
        for (const [insert, score, member] of ops) {
          const old = model.get(member);
          if (old !== undefined) {
            expect(zsl.delete(old, member)).toBe(true);
            model.delete(member);
          }
          if (insert) {
            zsl.insert(score, member);
            model.set(member, score);
          }
        }
        const sorted = [...model].map(([m, s]) => [s, m] as Entry).sort(cmp);
        expect(zsl.length).toBe(sorted.length);
        const forward: Entry[] = [];
        for (let n = zsl.header.level[0].forward; n; n = n.level[0].forward) forward.push([n.score, n.member]);
        expect(forward).toEqual(sorted);
        const backward: Entry[] = [];
        for (let n = zsl.tail; n; n = n.backward) backward.push([n.score, n.member]);
        expect(backward).toEqual([...sorted].reverse());
        sorted.forEach(([s, m], i) => {
          expect(zsl.rank(s, m)).toBe(i + 1);
          expect(zsl.byRank(i + 1)?.member).toBe(m);
        });
        expect(zsl.rank(99, 'zz')).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('finds score ranges with exclusive bounds', () => {
    const zsl = new SkipList(new Prng(1));
    for (let i = 0; i < 100; i++) zsl.insert(i, `m${i}`);
    expect(zsl.firstInRange(10, false)?.score).toBe(10);
    expect(zsl.firstInRange(10, true)?.score).toBe(11);
    expect(zsl.lastInRange(20, false)?.score).toBe(20);
    expect(zsl.lastInRange(20, true)?.score).toBe(19);
    expect(zsl.firstInRange(1000, false)).toBeNull();
    expect(zsl.lastInRange(-1, false)).toBeNull();
  });
});
