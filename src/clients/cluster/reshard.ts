/**
 * Moving slots between masters the way `redis-cli --cluster reshard` does (redis-cli.c clusterManagerMoveSlot):
 * mark the slot IMPORTING on the target and MIGRATING on the source, move its keys in batches with
 * MIGRATE ... KEYS (GETKEYSINSLOT to list them), then assign the slot with SETSLOT NODE on the target, the
 * source and every other master. Clients keep working meanwhile, following ASK and MOVED.
 */
import type { Reply } from '../../engine/resp/reply-parser.ts';
import type { RespConnection } from '../protocol/resp-connection.ts';

export interface ReshardNode {
  address: string;
  id: string;
  conn: RespConnection;
}

export interface MoveSlotOptions {
  /** Keys per MIGRATE (redis-cli's --cluster-pipeline, default 10). */
  pipeline?: number;
  /** MIGRATE timeout in ms (redis-cli's --cluster-timeout, default 60000). */
  timeoutMs?: number;
}

async function expectOk(conn: RespConnection, args: string[]): Promise<void> {
  const r = (await conn.call(args)).reply;
  if (r.type === 'error') throw new Error(`${args.join(' ')}: ${r.value}`);
}

/** clusterManagerMoveSlot: one slot from `source` to `target`; `others` are the remaining masters. */
export async function moveSlot(source: ReshardNode, target: ReshardNode, others: ReshardNode[], slot: number, opts: MoveSlotOptions = {}): Promise<number> {
  const pipeline = opts.pipeline ?? 10;
  const timeout = String(opts.timeoutMs ?? 60_000);
  await expectOk(target.conn, ['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id]);
  await expectOk(source.conn, ['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id]);
  let moved = 0;
  const [ip, port] = [target.address.slice(0, target.address.lastIndexOf(':')), target.address.slice(target.address.lastIndexOf(':') + 1)];
  for (;;) {
    const r: Reply = (await source.conn.call(['CLUSTER', 'GETKEYSINSLOT', String(slot), String(pipeline)])).reply;
    if (r.type !== 'array') throw new Error(`GETKEYSINSLOT: ${JSON.stringify(r)}`);
    const keys = r.value.map((k) => (k.type === 'bulk' ? k.value : ''));
    if (keys.length === 0) break;
    const m = (await source.conn.call(['MIGRATE', ip, port, '', '0', timeout, 'KEYS', ...keys])).reply;
    if (m.type === 'error') {
      // A key that already exists on the target (a retried reshard) is replaced, as redis-cli --cluster fix does.
      if (m.value.includes('BUSYKEY')) {
        await expectOk(source.conn, ['MIGRATE', ip, port, '', '0', timeout, 'REPLACE', 'KEYS', ...keys]);
      } else throw new Error(`MIGRATE: ${m.value}`);
    }
    moved += keys.length;
  }
  // Assign the slot everywhere: the target first, so it starts serving before the source stops.
  for (const n of [target, source, ...others]) await expectOk(n.conn, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id]);
  return moved;
}
