/**
 * What the screen holds of a lab session: every call asynchronous, every result plain data, so the session can
 * live on the main thread (its nodes in Web Workers of their own) or inside one Web Worker with all its nodes
 * (lab-worker.ts), behind the same interface.
 */
import type { TimeUs } from '../engine/types/time.ts';
import type { PacerStatus } from '../hosts/lockstep/pacer.ts';
import type { RemoteNodeFactory } from '../hosts/lockstep/lockstep-host.ts';
import type { PacerClock } from '../hosts/lockstep/pacer.ts';
import type { LabAction, Scenario } from '../scenarios/scenario.ts';
import { LabSession, type ActionInput, type SessionBatch, type TerminalHandle } from './lab-session.ts';

export interface SessionPort {
  /** Register before start: batches and pacer status as they come. */
  onBatch(cb: (b: SessionBatch) => void): void;
  onStatus(cb: (s: PacerStatus) => void): void;
  /** Start the scenario's nodes, replaying its actions up to `untilUs` (a rewind, a permalink). */
  start(scenario: Scenario, untilUs: TimeUs): Promise<{ nodes: string[] }>;
  act(input: ActionInput): Promise<LabAction>;
  /** A redis-cli -c connected to `node`, writing to `write`; returns its number. */
  openTerminal(node: string, columns: number, messages: { exited: string }, write: (s: string) => void): Promise<number>;
  terminalInput(term: number, data: string): void;
  terminalResize(term: number, columns: number): void;
  closeTerminal(term: number): void;
  play(): void;
  pause(): void;
  step(): Promise<void>;
  advanceBy(us: TimeUs): Promise<void>;
  setSpeed(speed: number): void;
  /** Keys per slot across the running masters; a few keys of one slot on one node (reads only). */
  slotKeyCounts(): Promise<Uint32Array>;
  sampleKeys(node: string, slot: number, count: number): Promise<string[]>;
  /** Make a node's next step throw, as a bug in its code would (tests of crash handling). */
  injectNodeFailure(node: string): Promise<void>;
  /** The scenario with every action recorded so far. */
  scenario(): Promise<Scenario>;
  dispose(): Promise<void>;
}

/** The session itself, in this thread, with its nodes wherever `factory` puts them. */
export function localSessionPort(factory: RemoteNodeFactory, clock: PacerClock): SessionPort {
  let session: LabSession | null = null;
  const batchListeners: ((b: SessionBatch) => void)[] = [];
  const statusListeners: ((s: PacerStatus) => void)[] = [];
  const terminals = new Map<number, { handle: TerminalHandle; columns: number }>();
  const need = (): LabSession => {
    if (session === null) throw new Error('the lab session has not started');
    return session;
  };
  return {
    onBatch: (cb) => void batchListeners.push(cb),
    onStatus: (cb) => void statusListeners.push(cb),
    async start(scenario, untilUs) {
      const s = new LabSession({ scenario, factory, clock });
      session = s;
      for (const cb of batchListeners) s.onBatch(cb);
      for (const cb of statusListeners) s.onStatus(cb);
      await s.start(untilUs);
      return { nodes: [...s.nodes] };
    },
    act: async (input) => need().act(input),
    async openTerminal(node, columns, messages, write) {
      const entry = { handle: null as unknown as TerminalHandle, columns };
      entry.handle = need().openTerminal(node, write, () => entry.columns, messages);
      terminals.set(entry.handle.id, entry);
      return entry.handle.id;
    },
    terminalInput: (term, data) => terminals.get(term)?.handle.input(data),
    closeTerminal(term) {
      need().closeTerminal(term);
      terminals.delete(term);
    },
    terminalResize(term, columns) {
      const t = terminals.get(term);
      if (t) t.columns = columns;
    },
    play: () => need().play(),
    pause: () => need().pause(),
    step: () => need().step(),
    advanceBy: (us) => need().advanceBy(us),
    setSpeed: (speed) => need().setSpeed(speed),
    scenario: async () => structuredClone(need().scenario),
    slotKeyCounts: () => need().slotKeyCounts(),
    injectNodeFailure: (node) => need().injectNodeFailure(node),
    sampleKeys: (node, slot, count) => need().sampleKeys(node, slot, count),
    dispose: async () => {
      await session?.dispose();
      session = null;
    },
  };
}
