/**
 * The API a worker exposes for the one node it hosts. The same object is exposed through Comlink by the
 * browser's Web Worker entry and by Node's worker_threads entry, so both run identical node code.
 *
 * The browser build leaves the Lua VM out of the worker's first chunk (src/engine/scripting/runtime.ts): before a
 * call whose input may make the node run Lua (a scripting command in the inbox, a function library in the files
 * it starts with), the service loads it, and the call waits for it. The node's advance stays synchronous and sees
 * the same inputs either way; only the reply comes later. Where the engine loaded Lua with itself (Node), nothing
 * is scanned or awaited.
 */
import { RedisNode, type AdvanceResult, type NodeOptions, type NodeSnapshot } from '../../engine/server/node.ts';
import { luaRuntimeLoaded } from '../../engine/scripting/runtime.ts';
import { LuaDemand } from '../../engine/scripting/lua-demand.ts';
import type { Delivery } from '../../engine/net/wire.ts';
import type { ViewDigest } from '../../engine/server/view-digest.ts';
import type { TimeUs } from '../../engine/types/time.ts';

export interface NodeService {
  create(opts: NodeOptions): void | Promise<void>;
  advance(untilUs: TimeUs, inbox: Delivery[]): AdvanceResult | Promise<AdvanceResult>;
  snapshot(): NodeSnapshot | Promise<NodeSnapshot>;
  /** The node's view digest now (see ViewDigest). */
  digest(): ViewDigest;
  /** Keys per slot, and a few keys of one slot: what the slot map's heatmap and hover show (reads only). */
  slotKeyCounts(): Uint32Array;
  sampleKeys(slot: number, count: number): string[];
  /** The next advance throws `message`, as a bug in the node's code would (tests of crash handling). */
  failNextAdvance(message: string): void;
}

/** `transfer` marks buffers to move instead of copy (Comlink.transfer); identity when not available. */
export function createNodeService(transfer: <T>(value: T, buffers: ArrayBuffer[]) => T): NodeService {
  let node: RedisNode | null = null;
  const need = (): RedisNode => {
    if (!node) throw new Error('node not created yet');
    return node;
  };
  const demand = new LuaDemand();
  let failure: string | null = null;
  /** The Lua runtime being loaded: calls made meanwhile run after it, in the order they came. */
  let loading: Promise<unknown> | null = null;
  const run = <T>(mayNeedLua: () => boolean, call: () => T): T | Promise<T> => {
    if (loading === null && !luaRuntimeLoaded() && mayNeedLua()) {
      loading = import('../../engine/scripting/lua-runtime.ts').then(() => {
        loading = null;
      });
    }
    return loading === null ? call() : loading.then(call);
  };
  return {
    create(opts) {
      return run(() => demand.files(opts.files), () => {
        node = new RedisNode(opts);
      });
    },
    advance(untilUs, inbox) {
      if (failure !== null) {
        const message = failure;
        failure = null;
        throw new Error(message);
      }
      return run(() => demand.inbox(inbox), () => {
        const result = need().advance(untilUs, inbox);
        const buffers: ArrayBuffer[] = [];
        for (const e of result.outbox) if (e.kind === 'data') buffers.push(e.bytes.buffer as ArrayBuffer);
        return transfer(result, buffers);
      });
    },
    snapshot() {
      return run(() => false, () => need().snapshot());
    },
    digest() {
      return need().digest();
    },
    slotKeyCounts() {
      const counts = need().slotKeyCounts();
      return transfer(counts, [counts.buffer as ArrayBuffer]);
    },
    sampleKeys(slot, count) {
      return need().sampleKeysInSlot(slot, count);
    },
    failNextAdvance(message) {
      failure = message;
    },
  };
}
