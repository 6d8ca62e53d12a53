/// <reference lib="webworker" />
/**
 * One Web Worker that holds a whole lab: the session, its pacer, the host and every node, each node behind the
 * same node service a node worker exposes (so Lua still loads on demand). A window of the lockstep host is then a
 * function call instead of a round trip to a worker per busy node, which is what makes a loaded cluster run
 * fast; the page only draws what the batches say. The histories are the same as with a worker per node (the
 * determinism tests run both placements).
 */
import * as Comlink from 'comlink';
import { createNodeService } from '../hosts/lockstep/node-service.ts';
import type { RemoteNode, RemoteNodeFactory } from '../hosts/lockstep/lockstep-host.ts';
import { localSessionPort, type SessionPort } from './session-port.ts';
import { yieldingClock } from './yielding-clock.ts';

const inWorker: RemoteNodeFactory = async (opts) => {
  const service = createNodeService((value) => value);
  await service.create(opts);
  const remote: RemoteNode = {
    // An exception becomes a rejected promise: the host crashes this node alone.
    advance: async (untilUs, inbox) => service.advance(untilUs, inbox),
    snapshot: async () => service.snapshot(),
    digest: async () => service.digest(),
    slotKeyCounts: async () => service.slotKeyCounts(),
    sampleKeys: async (slot, count) => service.sampleKeys(slot, count),
    failNextAdvance: async (message) => service.failNextAdvance(message),
  };
  return remote;
};

const port = localSessionPort(inWorker, yieldingClock());

// Callbacks come from the page as Comlink proxies; batches and status go back as plain data.
const api: SessionPort = {
  ...port,
  onBatch: (cb) => port.onBatch(cb),
  onStatus: (cb) => port.onStatus(cb),
  openTerminal: (node, columns, messages, write) => port.openTerminal(node, columns, messages, write),
};
Comlink.expose(api);
