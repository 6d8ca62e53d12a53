/**
 * The invariant that makes every host agree: a node's history does not depend on how its host cuts time into
 * advance() calls. One node receives the same deliveries (random commands, pipelines, partial frames, closes)
 * and is advanced either in one call per arrival time or in random slices; outputs and events must be equal.
 *
 * Seeds: SIM_SEEDS (default 40 in CI; set e.g. SIM_SEEDS=500 for a long run).
 */
import { describe, expect, it } from 'vitest';
import { RedisNode, type AdvanceResult } from '../../src/engine/server/node.ts';
import type { Delivery } from '../../src/engine/net/wire.ts';
import { Prng } from '../../src/engine/random/prng.ts';
import { encodeCommand, encodePipeline } from '../../src/clients/protocol/encode-command.ts';

const SEEDS = Number(process.env.SIM_SEEDS ?? 40);

function randomDeliveries(seed: number): Delivery[] {
  const rng = new Prng(seed).fork('deliveries');
  const out: Delivery[] = [];
  const conns = 1 + rng.int(5);
  for (let c = 0; c < conns; c++) {
    const conn = `c${c}`;
    let t = rng.int(50_000);
    out.push({ kind: 'open', at: t, conn, peer: `127.0.0.1:${40000 + c}` });
    const n = 5 + rng.int(40);
    for (let i = 0; i < n; i++) {
      t += rng.int(3) === 0 ? 0 : rng.int(20_000);
      const key = `k${rng.int(5)}`;
      const r = rng.int(6);
      let bytes =
        r === 0 ? encodeCommand(['SET', key, 'v'.repeat(rng.int(50_000))])
        : r === 1 ? encodeCommand(['GET', key])
        : r === 2 ? encodePipeline(Array.from({ length: 1 + rng.int(200) }, () => ['INCRBY', key, '1']))
        : r === 3 ? encodeCommand(['DEL', key, 'k1', 'k2'])
        : r === 4 ? Uint8Array.from('PING\r\n', (ch) => ch.charCodeAt(0))
        : encodeCommand(['SET', key, 'x', 'PX', String(1 + rng.int(30))]);
      // Deliver some frames in pieces.
      while (bytes.length > 1 && rng.int(3) === 0) {
        const cut = 1 + rng.int(bytes.length - 1);
        out.push({ kind: 'data', at: t, conn, bytes: bytes.subarray(0, cut) });
        bytes = bytes.subarray(cut);
        t += rng.int(2_000);
      }
      out.push({ kind: 'data', at: t, conn, bytes });
    }
    if (rng.int(2) === 0) out.push({ kind: 'close', at: t + rng.int(10_000), conn });
  }
  // The host hands deliveries over in arrival order (stable for equal times).
  return out.map((d, i) => ({ d, i })).sort((a, b) => a.d.at - b.d.at || a.i - b.i).map((x) => x.d);
}

type Slicer = (from: number, to: number) => number[];

/** How far past a slice's end the node may run its next beforeSleep (the host knows no input comes before). */
type Horizon = (until: number) => number;

function run(seed: number, deliveries: Delivery[], endUs: number, slicer: Slicer, horizon: Horizon = (until) => until): { outbox: unknown[]; events: unknown[] } {
  const node = new RedisNode({ address: '127.0.0.1:7000', seed, startUs: 0, epochMs: 1_700_000_000_000, observeCommands: true });
  const outbox: unknown[] = [];
  const events: unknown[] = [];
  const collect = (r: AdvanceResult) => {
    for (const e of r.outbox) outbox.push(e.kind === 'data' ? { ...e, bytes: Buffer.from(e.bytes).toString('hex') } : e);
    events.push(...r.events);
  };
  let i = 0;
  let now = 0;
  for (const until of slicer(0, endUs)) {
    const inbox: Delivery[] = [];
    while (i < deliveries.length && deliveries[i].at <= until) inbox.push(deliveries[i++]);
    collect(node.advance(until, inbox, horizon(until)));
    now = until;
  }
  if (now < endUs) collect(node.advance(endUs, deliveries.slice(i)));
  return { outbox, events };
}

describe('a node is independent of how time is sliced', () => {
  it(`holds over ${SEEDS} seeds`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const deliveries = randomDeliveries(seed);
      const end = 1_000_000;
      const oneShot = run(seed, deliveries, end, () => [end]);
      const rng = new Prng(seed).fork('slices');
      const randomSlices = run(seed, deliveries, end, (from, to) => {
        const cuts: number[] = [];
        for (let t = from; t < to; t += 1 + rng.int(30_000)) cuts.push(t);
        return cuts;
      });
      const arrivals = [...new Set(deliveries.map((d) => d.at))];
      const perArrival = run(seed, deliveries, end, () => arrivals);
      // As SimHost runs a node inside runUntil: one call per arrival, beforeSleep allowed up to the next one.
      const aheadToNextArrival = run(seed, deliveries, end, () => arrivals, (until) => (arrivals.find((a) => a > until) ?? end + 1) - 1);
      expect(oneShot.outbox.length, `reproduce with seed=${seed}`).toBeGreaterThan(0);
      expect(randomSlices, `reproduce with seed=${seed}`).toEqual(oneShot);
      expect(perArrival, `reproduce with seed=${seed}`).toEqual(oneShot);
      expect(aheadToNextArrival, `reproduce with seed=${seed}`).toEqual(oneShot);
    }
  });
});
