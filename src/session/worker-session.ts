/**
 * The page's end of a lab that runs in its own Web Worker (lab-worker.ts): the same SessionPort, each call a
 * message. Callbacks cross as Comlink proxies.
 */
import * as Comlink from 'comlink';
import type { SessionPort } from './session-port.ts';

export function workerSessionPort(): SessionPort {
  const worker = new Worker(new URL('./lab-worker.ts', import.meta.url), { type: 'module', name: 'cluster-lab' });
  const remote = Comlink.wrap<SessionPort>(worker);
  return {
    onBatch: (cb) => void remote.onBatch(Comlink.proxy(cb)),
    onStatus: (cb) => void remote.onStatus(Comlink.proxy(cb)),
    start: (scenario, untilUs) => remote.start(scenario, untilUs),
    act: (input) => remote.act(input),
    openTerminal: (node, columns, messages, write) => remote.openTerminal(node, columns, messages, Comlink.proxy(write)),
    terminalInput: (term, data) => void remote.terminalInput(term, data),
    terminalResize: (term, columns) => void remote.terminalResize(term, columns),
    closeTerminal: (term) => void remote.closeTerminal(term),
    play: () => void remote.play(),
    pause: () => void remote.pause(),
    step: () => remote.step(),
    advanceBy: (us) => remote.advanceBy(us),
    setSpeed: (speed) => void remote.setSpeed(speed),
    scenario: () => remote.scenario(),
    slotKeyCounts: () => remote.slotKeyCounts(),
    injectNodeFailure: (node) => remote.injectNodeFailure(node),
    sampleKeys: (node, slot, count) => remote.sampleKeys(node, slot, count),
    async dispose() {
      try {
        await remote.dispose();
      } finally {
        remote[Comlink.releaseProxy]();
        worker.terminate();
      }
    },
  };
}
