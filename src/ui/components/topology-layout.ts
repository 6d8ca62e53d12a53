/**
 * Where each node sits in the topology view: one column per shard (a master and the replicas created for it),
 * the master on top. The layout is fixed from the scenario's plan, so a failover changes labels, not places:
 * a learner watches the replica in the second row become the master of its column.
 */
import { planNodes } from '../../scenarios/build.ts';
import type { Scenario } from '../../scenarios/scenario.ts';

export interface Place {
  col: number;
  row: number;
  /** The node's colour on every view: its cards' border and the slots it owns. */
  colour: string;
}

export function layoutNodes(scenario: Scenario, addresses: readonly string[]): Map<string, Place> {
  const places = new Map<string, Place>();
  const plan = planNodes(scenario.topology, scenario.seed);
  if (scenario.topology.kind === 'standalone') {
    // Independent instances: three to a row.
    const all = [...new Set([...plan.map((p) => p.address), ...addresses])];
    all.forEach((a, i) => places.set(a, { col: i % 3, row: Math.floor(i / 3), colour: OKABE_ITO[i % OKABE_ITO.length] }));
    return places;
  }
  const rows = new Map<number, number>();
  let nextCol = 0;
  for (const p of plan) {
    if (p.role === 'replica' && p.masterIndex !== null) {
      const col = p.masterIndex;
      const row = (rows.get(col) ?? 0) + 1;
      rows.set(col, row);
      places.set(p.address, { col, row, colour: '' });
    } else {
      places.set(p.address, { col: nextCol, row: 0, colour: '' });
      rows.set(nextCol, 0);
      nextCol++;
    }
  }
  for (const a of addresses) {
    if (!places.has(a)) places.set(a, { col: nextCol++, row: 0, colour: '' });
  }
  // Colours in the plan's order (masters, then replicas, then the rest), so a promoted replica's slots change
  // colour on the slot map when it takes them over.
  let i = 0;
  for (const place of places.values()) place.colour = OKABE_ITO[i++ % OKABE_ITO.length];
  return places;
}

/** Okabe–Ito: eight colours told apart with every common colour-vision deficiency. */
export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999'];


/** Bus message types, their colours and their names in the legend (CLUSTERMSG_TYPE_*). */
export const MESSAGE_COLOURS: Record<string, string> = {
  ping: '#56B4E9',
  pong: '#0072B2',
  meet: '#CC79A7',
  fail: '#D55E00',
  update: '#E69F00',
  'auth-req': '#F0E442',
  'auth-ack': '#009E73',
  publish: '#999999',
  publishshard: '#999999',
  mfstart: '#CC79A7',
  module: '#999999',
};

export const MESSAGE_LABELS: Record<string, string> = {
  ping: 'PING',
  pong: 'PONG',
  meet: 'MEET',
  fail: 'FAIL',
  update: 'UPDATE',
  'auth-req': 'AUTH_REQUEST',
  'auth-ack': 'AUTH_ACK',
  publish: 'PUBLISH',
  mfstart: 'MFSTART',
};
