/**
 * Drives a lockstep host against real time: pause, single-step, and a speed in virtual ms per real ms.
 *
 * Each tick aims the virtual clock at `anchorVirtual + (realNow - anchorReal) * speed` and runs windows until it
 * gets there or the tick's real-time budget is spent (so the tab stays responsive). When the windows cannot
 * keep up, the pacer says so (`lagging`, and the speed actually achieved) and re-anchors, so no debt piles up.
 * Real time and scheduling are injected: the browser passes performance.now and setTimeout, tests pass fakes.
 */
import type { TimeUs } from '../../engine/types/time.ts';

export interface PacedHost {
  readonly nowUs: TimeUs;
  window(limitUs: TimeUs): Promise<boolean>;
  runUntil(untilUs: TimeUs): Promise<void>;
  step(): Promise<TimeUs | null>;
}

export interface PacerStatus {
  running: boolean;
  /** Requested speed: virtual ms per real ms. */
  speed: number;
  /** Speed achieved over the last second of running (equal to `speed` when keeping up). */
  achievedSpeed: number;
  lagging: boolean;
  nowUs: TimeUs;
}

export interface PacerClock {
  /** Real milliseconds, monotonic. */
  now(): number;
  /** Call `fn` after `ms` real milliseconds. */
  schedule(fn: () => void, ms: number): void;
}

export const MIN_SPEED = 0.1;
export const MAX_SPEED = 100;

export class Pacer {
  private running = false;
  private speed = 1;
  private anchorReal = 0;
  private anchorVirtual: TimeUs = 0;
  private lagging = false;
  private achieved = 0;
  private ticking = false;
  private listeners: ((s: PacerStatus) => void)[] = [];
  private readonly samples: { real: number; virtual: TimeUs }[] = [];

  constructor(
    private readonly host: PacedHost,
    private readonly clock: PacerClock,
    /** Real ms a tick may spend running windows before yielding to the page. */
    private readonly budgetMs = 12,
    private readonly tickMs = 16,
  ) {}

  onStatus(cb: (s: PacerStatus) => void): void {
    this.listeners.push(cb);
    cb(this.status());
  }

  status(): PacerStatus {
    return { running: this.running, speed: this.speed, achievedSpeed: this.running ? this.achieved : 0, lagging: this.lagging, nowUs: this.host.nowUs };
  }

  play(): void {
    if (this.running) return;
    this.running = true;
    this.reanchor();
    this.samples.length = 0;
    this.achieved = this.speed;
    this.emit();
    this.kick();
  }

  pause(): void {
    this.running = false;
    this.lagging = false;
    this.emit();
  }

  setSpeed(speed: number): void {
    this.speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
    this.reanchor();
    this.emit();
  }

  /** One window (paused or not). */
  async stepOnce(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.host.step();
    } finally {
      this.ticking = false;
    }
    this.reanchor();
    this.emit();
  }

  /** Advance the virtual clock by `us` at once (a "+1 s" button, or a lesson waiting for the cluster). */
  async advanceBy(us: TimeUs): Promise<void> {
    while (this.ticking) await new Promise<void>((r) => this.clock.schedule(r, 1));
    this.ticking = true;
    try {
      await this.host.runUntil(this.host.nowUs + us);
    } finally {
      this.ticking = false;
    }
    this.reanchor();
    this.emit();
  }

  private reanchor(): void {
    this.anchorReal = this.clock.now();
    this.anchorVirtual = this.host.nowUs;
  }

  private kick(): void {
    this.clock.schedule(() => void this.tick(), 0);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    if (this.ticking) {
      this.clock.schedule(() => void this.tick(), this.tickMs);
      return;
    }
    this.ticking = true;
    const start = this.clock.now();
    try {
      const target = this.anchorVirtual + Math.floor((start - this.anchorReal) * this.speed * 1000);
      let reached = true;
      while (this.host.nowUs < target) {
        if (this.clock.now() - start > this.budgetMs) {
          reached = false;
          break;
        }
        const progressed = await this.host.window(target);
        if (!progressed) {
          await this.host.runUntil(target);
          break;
        }
      }
      this.measure(reached);
    } finally {
      this.ticking = false;
    }
    this.emit();
    // Behind the clock: go on as soon as the page has had its turn (a timer of 0 lets it paint and take input);
    // on time: wait for the next tick.
    if (this.running) this.clock.schedule(() => void this.tick(), this.lagging ? 0 : this.tickMs);
  }

  private measure(reached: boolean): void {
    const now = this.clock.now();
    this.samples.push({ real: now, virtual: this.host.nowUs });
    while (this.samples.length > 2 && now - this.samples[0].real > 1000) this.samples.shift();
    const first = this.samples[0];
    const dtReal = now - first.real;
    if (dtReal > 0) this.achieved = (this.host.nowUs - first.virtual) / 1000 / dtReal;
    this.lagging = !reached;
    // Behind schedule: forget the debt, run as fast as we can from here.
    if (!reached) this.reanchor();
  }

  private emit(): void {
    const s = this.status();
    for (const l of this.listeners) l(s);
  }
}
