/**
 * WorkerHost: the browser's host. Each node runs in its own Web Worker behind Comlink; the main thread owns
 * the virtual clock and the network (LockstepHost) and a Pacer ties virtual time to real time.
 */
import * as Comlink from 'comlink';
import { LockstepHost, type RemoteNode, type RemoteNodeFactory } from '../lockstep/lockstep-host.ts';
import type { NodeService } from '../lockstep/node-service.ts';
import type { HostOptions } from '../network/base-host.ts';
import { Pacer } from '../lockstep/pacer.ts';

export const webWorkerNodeFactory: RemoteNodeFactory = async (opts) => {
  const worker = new Worker(new URL('./node-worker.ts', import.meta.url), { type: 'module', name: opts.address });
  const api = Comlink.wrap<NodeService>(worker);
  await api.create(opts);
  const remote: RemoteNode = {
    advance: (untilUs, inbox) => api.advance(untilUs, inbox) as never,
    snapshot: () => api.snapshot() as never,
    digest: () => api.digest() as never,
    slotKeyCounts: () => api.slotKeyCounts() as never,
    sampleKeys: (slot, count) => api.sampleKeys(slot, count) as never,
    failNextAdvance: (message) => api.failNextAdvance(message) as never,
    dispose: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
  return remote;
};

export function createWorkerHost(opts: HostOptions): { host: LockstepHost; pacer: Pacer } {
  const host = new LockstepHost(opts, webWorkerNodeFactory);
  const pacer = new Pacer(host, {
    now: () => performance.now(),
    schedule: (fn, ms) => void setTimeout(fn, ms),
  });
  return { host, pacer };
}
