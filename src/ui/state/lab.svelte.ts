/**
 * The lab's view-model: one standalone node in a Web Worker, the pacer that drives virtual time, and the
 * redis-cli session the terminal shows. Components read its state; nothing reaches into the node directly
 * (the node is observed through snapshots, replaced whole each refresh).
 */
import { createWorkerHost } from '../../hosts/worker/worker-host.ts';
import type { LockstepHost } from '../../hosts/lockstep/lockstep-host.ts';
import type { Pacer, PacerStatus } from '../../hosts/lockstep/pacer.ts';
import type { NodeSnapshot } from '../../engine/server/node.ts';
import { RedisCliSession } from '../../clients/redis-cli/session.ts';
import { i18n } from '../i18n/i18n.svelte.ts';

export const NODE_ADDRESS = '127.0.0.1:6379';
const SNAPSHOT_EVERY_MS = 400;
/** While paused, a typed command advances time at most this far waiting for its reply. */
const PAUSED_REPLY_LIMIT_US = 5_000_000;

export class LabState {
  status = $state.raw<PacerStatus | null>(null);
  snapshot = $state.raw<NodeSnapshot | null>(null);
  error = $state<string | null>(null);
  ready = $state(false);

  host!: LockstepHost;
  pacer!: Pacer;
  session: RedisCliSession | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  async start(write: (s: string) => void, columns: () => number): Promise<void> {
    try {
      const { host, pacer } = createWorkerHost({ seed: 1, link: { latencyUs: 100 } });
      this.host = host;
      this.pacer = pacer;
      await host.addNode({ address: NODE_ADDRESS, observeCommands: true });
      pacer.onStatus((s) => (this.status = s));
      this.session = new RedisCliSession({
        host: '127.0.0.1',
        port: 6379,
        connect: () => host.connect('redis-cli', NODE_ADDRESS),
        write,
        columns,
        messages: { exited: i18n.t('cliExited') },
        onCommand: () => void this.refresh(),
      });
      this.session.start();
      pacer.play();
      this.ready = true;
      this.timer = setInterval(() => void this.refresh(), SNAPSHOT_EVERY_MS);
      await this.refresh();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Keystrokes from the terminal. */
  input(data: string): void {
    if (!this.session) return;
    try {
      this.session.input(data);
      if (this.status && !this.status.running) void this.deliverWhilePaused();
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * A learner who types while the clock is paused expects an answer. So time moves just far enough for the
   * reply to come back (the clock visibly advances by the round trip and the command's cost), then stays
   * paused.
   */
  private async deliverWhilePaused(): Promise<void> {
    const limit = this.host.nowUs + PAUSED_REPLY_LIMIT_US;
    // Let the session send first (it may be waiting for a microtask).
    await Promise.resolve();
    while (this.session?.awaitingReply && this.host.nowUs < limit) {
      await this.pacer.stepOnce();
    }
  }

  play(): void {
    this.pacer.play();
  }
  pause(): void {
    this.pacer.pause();
  }
  async step(): Promise<void> {
    await this.guard(() => this.pacer.stepOnce());
  }
  async plusSecond(): Promise<void> {
    await this.guard(() => this.pacer.advanceBy(1_000_000));
  }
  setSpeed(speed: number): void {
    this.pacer.setSpeed(speed);
  }

  async refresh(): Promise<void> {
    if (!this.ready) return;
    try {
      this.snapshot = await this.host.snapshot(NODE_ADDRESS);
    } catch (e) {
      this.fail(e);
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.pacer?.pause();
    void this.host?.dispose();
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.error = e instanceof Error ? e.message : String(e);
    this.pacer?.pause();
    console.error(e);
  }
}
