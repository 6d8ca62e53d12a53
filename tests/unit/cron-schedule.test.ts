import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClusterNode, FLAG_BITS, maskToFlags } from '../../src/engine/cluster/cluster-node.ts';
import { CronSchedule, cronDueMs } from '../../src/engine/cluster/cron-schedule.ts';

const T0 = 1_767_225_600_000;

/** clusterCron's three per-node tests, written out from cluster.c (what ClusterBus.cronVisit decides on). */
function anyTestHolds(n: ClusterNode, now: number, timeout: number): boolean {
  if (n.flags.mask & (FLAG_BITS.myself | FLAG_BITS.noaddr | FLAG_BITS.handshake)) return false;
  const pingDelay = now - n.pingSentMs;
  const dataDelay = now - n.dataReceivedMs;
  const dropLink = n.linkConnected && now - n.linkCtimeMs > timeout && n.pingSentMs !== 0 && pingDelay > timeout / 2 && dataDelay > timeout / 2;
  const ping = n.linkConnected && n.pingSentMs === 0 && now - n.pongReceivedMs > timeout / 2;
  const pfail = n.pingSentMs !== 0 && Math.min(pingDelay, dataDelay) > timeout && !(n.flags.mask & (FLAG_BITS['fail?'] | FLAG_BITS.fail));
  return dropLink || ping || pfail;
}

const nodeFields = fc.record({
  pingSent: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
  pong: fc.integer({ min: 0, max: 60_000 }),
  data: fc.integer({ min: 0, max: 60_000 }),
  linkCtime: fc.integer({ min: 0, max: 60_000 }),
  linked: fc.boolean(),
  flags: fc.integer({ min: 0, max: 1023 }),
});

interface NodeFields {
  pingSent?: number;
  pong: number;
  data: number;
  linkCtime: number;
  linked: boolean;
  flags: number;
}

function makeNode(i: number, f: NodeFields): ClusterNode {
  const n = new ClusterNode(i.toString(16).padStart(40, '0'), '127.0.0.1', 7000 + i, 17000 + i);
  n.pingSentMs = f.pingSent === undefined ? 0 : T0 + f.pingSent;
  n.pongReceivedMs = T0 + f.pong;
  n.dataReceivedMs = T0 + f.data;
  n.linkCtimeMs = T0 + f.linkCtime;
  n.linkConnected = f.linked;
  for (const flag of maskToFlags(f.flags)) n.flags.add(flag);
  return n;
}

describe("clusterCron's schedule", () => {
  it('files a node at the first moment one of its tests can hold', () => {
    fc.assert(
      fc.property(nodeFields, fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 0, max: 120_000 }), (f, timeout, offset) => {
        const n = makeNode(1, f);
        const due = cronDueMs(n, timeout);
        const now = T0 + offset;
        if (anyTestHolds(n, now, timeout)) expect(now).toBeGreaterThanOrEqual(due);
        if (due === Infinity) {
          expect(anyTestHolds(n, T0 + 10_000_000, timeout)).toBe(false);
          return;
        }
        // Each test only becomes true as time passes, so the last millisecond before the moment decides: nothing
        // holds there. And the moment is the exact one: a millisecond past it, a test holds.
        expect(anyTestHolds(n, Math.ceil(due) - 1, timeout)).toBe(false);
        expect(anyTestHolds(n, Math.floor(due) + 1, timeout)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('visits exactly the nodes a full pass would act on, and in the full pass order', () => {
    fc.assert(
      fc.property(fc.array(nodeFields, { minLength: 1, maxLength: 40 }), fc.integer({ min: 100, max: 30_000 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 30 }), (fields, timeout, steps) => {
        const nodes = fields.map((f, i) => makeNode(i, f));
        const schedule = new CronSchedule();
        schedule.rebuild(nodes, timeout);
        let now = T0;
        for (const step of steps) {
          now += step;
          const visited = schedule.due(now);
          // In full-pass order...
          const order = visited.map((n) => n.cronOrder);
          expect(order).toEqual([...order].sort((a, b) => a - b));
          // ...and every node a full pass would act on is among them.
          for (const n of nodes) if (anyTestHolds(n, now, timeout)) expect(visited).toContain(n);
          // What a visit does to a node (a PING sent, a PONG back) and the refile after it.
          for (const n of visited) {
            if (n.pingSentMs === 0) n.pingSentMs = now;
            else {
              n.pingSentMs = 0;
              n.pongReceivedMs = now;
            }
            schedule.refile(n);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refiles a node earlier when a PONG makes its half-timeout ping come sooner', () => {
    const n = makeNode(1, { pingSent: 1_000, pong: 0, data: 1_000, linkCtime: 1_000, linked: true, flags: FLAG_BITS.master });
    const schedule = new CronSchedule();
    schedule.rebuild([n], 15_000);
    // Filed at the PFAIL or link-drop moment: 15 s after the link was made.
    expect(schedule.due(T0 + 9_000)).toEqual([]);
    n.pingSentMs = 0;
    n.pongReceivedMs = T0 + 1_200;
    schedule.refile(n);
    expect(schedule.due(T0 + 8_699)).toEqual([]);
    expect(schedule.due(T0 + 8_700)).toEqual([n]);
  });
});
