/**
 * The API a worker exposes for the one node it hosts. The same object is exposed through Comlink by the
 * browser's Web Worker entry and by Node's worker_threads entry, so both run identical node code.
 */
import { RedisNode, type AdvanceResult, type NodeOptions, type NodeSnapshot } from '../../engine/server/node.ts';
import type { Delivery } from '../../engine/net/wire.ts';
import type { ViewDigest } from '../../engine/server/view-digest.ts';
import type { TimeUs } from '../../engine/types/time.ts';

export interface NodeService {
  create(opts: NodeOptions): void;
  advance(untilUs: TimeUs, inbox: Delivery[]): AdvanceResult;
  snapshot(): NodeSnapshot;
  /** The node's view digest now (see ViewDigest). */
  digest(): ViewDigest;
}

/** `transfer` marks buffers to move instead of copy (Comlink.transfer); identity when not available. */
export function createNodeService(transfer: <T>(value: T, buffers: ArrayBuffer[]) => T): NodeService {
  let node: RedisNode | null = null;
  const need = (): RedisNode => {
    if (!node) throw new Error('node not created yet');
    return node;
  };
  return {
    create(opts) {
      node = new RedisNode(opts);
    },
    advance(untilUs, inbox) {
      const result = need().advance(untilUs, inbox);
      const buffers: ArrayBuffer[] = [];
      for (const e of result.outbox) if (e.kind === 'data') buffers.push(e.bytes.buffer as ArrayBuffer);
      return transfer(result, buffers);
    },
    snapshot() {
      return need().snapshot();
    },
    digest() {
      return need().digest();
    },
  };
}
