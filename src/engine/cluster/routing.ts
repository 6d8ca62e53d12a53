/**
 * getNodeByQuery and clusterRedirectClient (cluster.c): which node must serve a command, given the slots of
 * its keys, this member's view of slot owners, open slot migrations, ASKING and READONLY; and the error a client
 * gets when it is not this node.
 */
import type { Client } from '../server/client.ts';
import type { Database } from '../keyspace/database.ts';
import type { ClusterState } from './cluster-state.ts';
import type { ClusterNode } from './cluster-node.ts';
import { keyHashSlot } from './slots.ts';
import { getKeysFromCommandWithSpecs, lookupKeyCommand } from '../commands/key-specs.ts';
import type { ByteString } from '../types/bytes.ts';

export type Redirect =
  | { kind: 'moved' | 'ask'; slot: number; node: ClusterNode }
  | { kind: 'cross-slot' | 'unstable' | 'down' | 'down-ro' | 'unbound' };

export interface QueryCommand {
  argv: readonly ByteString[];
  isWrite: boolean;
  name: string;
}

/** null: serve it here; otherwise where to send the client. */
export function getNodeByQuery(
  cluster: ClusterState,
  c: Client,
  db: Database,
  commands: readonly QueryCommand[],
  nowMs: number,
  allowReadsWhenDown: boolean,
): Redirect | null {
  let first: ByteString | null = null;
  let slot = 0;
  let n: ClusterNode | null = null;
  let migrating = false;
  let importing = false;
  let multipleKeys = false;
  let missing = 0;
  let existing = 0;
  let anyWrite = false;
  for (const cmd of commands) {
    if (cmd.isWrite) anyWrite = true;
    const meta = lookupKeyCommand(cmd.argv);
    if (!meta) continue;
    for (const ref of getKeysFromCommandWithSpecs(meta, cmd.argv)) {
      const key = cmd.argv[ref.pos];
      const thisSlot = keyHashSlot(key);
      if (first === null) {
        first = key;
        slot = thisSlot;
        n = cluster.slots[slot];
        if (n === null) return { kind: 'unbound' };
        if (n === cluster.myself && cluster.migratingTo.has(slot)) migrating = true;
        else if (cluster.importingFrom.has(slot)) importing = true;
      } else {
        if (thisSlot !== slot) return { kind: 'cross-slot' };
        if (!multipleKeys && key !== first) multipleKeys = true;
      }
      if (migrating || importing) {
        // A key that is gone (or logically expired) counts as missing; no side effects here.
        const present = db.keys.has(key) && !isExpired(db, key, nowMs);
        if (present) existing++;
        else missing++;
      }
    }
  }
  if (n === null) return null;
  if (cluster.state !== 'ok') {
    if (!allowReadsWhenDown) return { kind: 'down' };
    if (anyWrite) return { kind: 'down-ro' };
  }
  const isMigrate = commands.length === 1 && commands[0].name === 'migrate';
  if ((migrating || importing) && isMigrate) return null;
  if (migrating && missing > 0) {
    if (existing > 0) return { kind: 'unstable' };
    return { kind: 'ask', slot, node: cluster.migratingTo.get(slot)! };
  }
  if (importing && (c.asking || commands.some((q) => q.name === 'restore-asking'))) {
    if (multipleKeys && missing > 0) return { kind: 'unstable' };
    return null;
  }
  const me = cluster.myself;
  if (c.readonlyMode && !anyWrite && !me.isMaster && me.replicaOf === n) return null;
  if (n !== me) return { kind: 'moved', slot, node: n };
  return null;
}

function isExpired(db: Database, key: ByteString, nowMs: number): boolean {
  const when = db.expires.get(key);
  return when !== undefined && when <= nowMs;
}

/** clusterRedirectClient's error text (without the leading '-'). */
export function redirectError(r: Redirect): string {
  switch (r.kind) {
    case 'cross-slot':
      return "CROSSSLOT Keys in request don't hash to the same slot";
    case 'unstable':
      return 'TRYAGAIN Multiple keys request during rehashing of slot';
    case 'down':
      return 'CLUSTERDOWN The cluster is down';
    case 'down-ro':
      return 'CLUSTERDOWN The cluster is down and only accepts read commands';
    case 'unbound':
      return 'CLUSTERDOWN Hash slot not served';
    default:
      return `${r.kind === 'ask' ? 'ASK' : 'MOVED'} ${r.slot} ${r.node.ip}:${r.node.port}`;
  }
}
