/** A RemoteNodeFactory that puts each node in its own Node worker thread (through tsx, so it runs our .ts). */
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { RemoteNode, RemoteNodeFactory } from '../lockstep/lockstep-host.ts';
import type { NodeService } from '../lockstep/node-service.ts';

export const threadNodeFactory: RemoteNodeFactory = async (opts) => {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
  // A worker that fails to start would leave Comlink waiting forever: fail the creation instead.
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const api = Comlink.wrap<NodeService>(nodeEndpoint(worker));
  await Promise.race([api.create(opts), failed]);
  const remote: RemoteNode = {
    advance: (untilUs, inbox) => api.advance(untilUs, inbox) as never,
    snapshot: () => api.snapshot() as never,
    digest: () => api.digest() as never,
    slotKeyCounts: () => api.slotKeyCounts() as never,
    sampleKeys: (slot, count) => api.sampleKeys(slot, count) as never,
    failNextAdvance: (message) => api.failNextAdvance(message) as never,
    dispose: async () => {
      api[Comlink.releaseProxy]();
      await worker.terminate();
    },
  };
  return remote;
};
