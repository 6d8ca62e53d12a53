import { describe, expect, it } from 'vitest';
import { Pacer, type PacedHost } from '../../src/hosts/lockstep/pacer.ts';

/** A host whose windows cost fake real time; an event every `gapUs` of virtual time. */
class FakeHost implements PacedHost {
  nowUs = 0;
  constructor(private readonly clock: FakeClock, private readonly costMsPerWindow: number, private readonly gapUs = 1000) {}
  async window(limitUs: number): Promise<boolean> {
    const next = Math.floor(this.nowUs / this.gapUs + 1) * this.gapUs;
    if (next > limitUs) return false;
    this.clock.t += this.costMsPerWindow;
    this.nowUs = next;
    return true;
  }
  async runUntil(untilUs: number): Promise<void> {
    while (await this.window(untilUs)) {
      /* run */
    }
    this.nowUs = Math.max(this.nowUs, untilUs);
  }
  async step(): Promise<number | null> {
    await this.window(Number.MAX_SAFE_INTEGER);
    return this.nowUs;
  }
}

class FakeClock {
  t = 0;
  queue: { at: number; fn: () => void }[] = [];
  now = () => this.t;
  schedule = (fn: () => void, ms: number) => this.queue.push({ at: this.t + ms, fn });
  /** Run scheduled callbacks until real time `until`. */
  async runTo(until: number): Promise<void> {
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      // The pacer's tick is a chain of promises; a macrotask turn lets the whole chain run.
      await new Promise((r) => setImmediate(r));
    }
    this.t = Math.max(this.t, until);
  }
}

describe('pacer', () => {
  it('keeps virtual time at speed x real time when windows are cheap', async () => {
    const clock = new FakeClock();
    const host = new FakeHost(clock, 0.001);
    const pacer = new Pacer(host, clock);
    pacer.setSpeed(10);
    pacer.play();
    await clock.runTo(1000);
    expect(host.nowUs / 1000).toBeGreaterThan(9000);
    expect(host.nowUs / 1000).toBeLessThanOrEqual(10_000);
    expect(pacer.status().lagging).toBe(false);
  });

  it('pause stops the clock; step moves it one window', async () => {
    const clock = new FakeClock();
    const host = new FakeHost(clock, 0.001);
    const pacer = new Pacer(host, clock);
    pacer.play();
    await clock.runTo(100);
    pacer.pause();
    const at = host.nowUs;
    await clock.runTo(500);
    expect(host.nowUs).toBe(at);
    await pacer.stepOnce();
    expect(host.nowUs).toBeGreaterThan(at);
  });

  it('says when it cannot keep up, and reports the speed achieved', async () => {
    const clock = new FakeClock();
    const host = new FakeHost(clock, 1); // 1 real ms per 1 virtual ms window: at most 1x
    const pacer = new Pacer(host, clock);
    pacer.setSpeed(100);
    pacer.play();
    await clock.runTo(2000);
    const s = pacer.status();
    expect(s.lagging).toBe(true);
    expect(s.achievedSpeed).toBeLessThan(2);
    expect(s.achievedSpeed).toBeGreaterThan(0.3);
  });
});
