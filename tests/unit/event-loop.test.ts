/** The ae model: timers, polls that sleep until the next event, and the rule about where `run` may stop. */
import { describe, expect, it } from 'vitest';
import { AE_NOMORE, EventLoop, type PollSource } from '../../src/engine/loop/event-loop.ts';

/** A poll source with scripted readiness: fd -> arrival time, consumed when handled. */
class FakeSockets implements PollSource {
  watchedCount = 1;
  pending = new Map<number, number>();
  readable(now: number): number[] {
    return [...this.pending].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([fd]) => fd);
  }
  nextReadableAt(): number | null {
    const times = [...this.pending.values()];
    return times.length ? Math.min(...times) : null;
  }
}

function makeLoop(costNs = 0) {
  const sockets = new FakeSockets();
  const log: string[] = [];
  const loop: EventLoop = new EventLoop(0, sockets, {
    beforeSleep: () => log.push(`beforeSleep@${loop.nowUs}`),
    onReadable: (fd) => {
      sockets.pending.delete(fd);
      log.push(`read ${fd}@${loop.nowUs}`);
      loop.spend(costNs);
    },
  });
  return { loop, sockets, log };
}

describe('event loop', () => {
  it('runs a periodic timer at its period and sleeps in between', () => {
    const { loop } = makeLoop();
    const runs: number[] = [];
    loop.createTimeEvent(1, 'cron', () => {
      runs.push(loop.nowUs);
      return 100;
    });
    loop.run(350_000);
    // As in ae, the next run is scheduled from when the timer ran, so the poll's own cost makes it drift a little.
    expect(runs).toHaveLength(4);
    expect(runs[0]).toBeGreaterThanOrEqual(1_000);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i] - runs[i - 1]).toBeGreaterThanOrEqual(100_000);
      expect(runs[i] - runs[i - 1]).toBeLessThan(100_010);
    }
    expect(loop.nextEventUs()).toBe(runs[3] + 100_000);
  });

  it('after a stop (jumpTo) a periodic timer that missed many periods runs once, then keeps its period', () => {
    const { loop } = makeLoop();
    const runs: number[] = [];
    loop.createTimeEvent(100, 'cron', () => {
      runs.push(loop.nowUs);
      return 100;
    });
    loop.run(150_000);
    expect(runs).toHaveLength(1);
    // Stopped for ten seconds: a hundred periods went by unseen.
    loop.jumpTo(10_150_000);
    loop.run(10_200_000);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toBeGreaterThanOrEqual(10_150_000);
    loop.run(10_300_000);
    expect(runs).toHaveLength(3);
    expect(runs[2] - runs[1]).toBeGreaterThanOrEqual(100_000);
    // A jump backwards is ignored: the clock is monotonic.
    loop.jumpTo(5_000_000);
    expect(loop.nowUs).toBeGreaterThanOrEqual(runs[2]);
  });

  it('an observed loop reports each iteration with the timers it ran (its own list, not a later one)', () => {
    const sockets = new FakeSockets();
    const seen: { timers: string[]; fired: number }[] = [];
    const loop: EventLoop = new EventLoop(0, sockets, {
      beforeSleep: () => {},
      onReadable: (fd) => sockets.pending.delete(fd),
      onIteration: (s) => seen.push({ timers: s.timers, fired: s.fired }),
    });
    loop.createTimeEvent(10, 'cron', () => 10);
    sockets.pending.set(3, 5_000);
    loop.run(25_000);
    expect(seen.map((s) => `${s.fired}:${s.timers.join(',')}`)).toEqual(['1:', '0:cron', '0:cron']);
  });

  it('AE_NOMORE deletes a timer', () => {
    const { loop } = makeLoop();
    let n = 0;
    loop.createTimeEvent(5, 'once', () => (n++, AE_NOMORE));
    loop.run(1_000_000);
    expect(n).toBe(1);
    expect(loop.nextEventUs()).toBeNull();
  });

  it('wakes for input before the timer, handles it, then runs due timers in the same iteration', () => {
    const { loop, sockets, log } = makeLoop(2_000_000); // each read costs 2 ms of virtual CPU
    loop.createTimeEvent(1, 'cron', () => (log.push(`cron@${loop.nowUs}`), 100));
    loop.run(0);
    sockets.pending.set(8, 500);
    loop.run(10_000);
    // The poll wakes at 500 µs for the input (before the timer at 1 ms), spends 1.6 µs in epoll_wait, reads for
    // 2 ms, and only then runs the timer, late, in the same iteration: exactly ae's order.
    expect(log.filter((l) => !l.startsWith('beforeSleep'))).toEqual(['read 8@501', 'cron@2501']);
  });

  it('does not poll past untilUs: same steps whether run in one call or many', () => {
    const schedule = (loop: EventLoop, sockets: FakeSockets) => {
      loop.createTimeEvent(1, 'cron', () => 100);
      sockets.pending.set(8, 150_000);
      sockets.pending.set(9, 150_000);
      sockets.pending.set(10, 420_000);
    };
    const a = makeLoop(30_000_000);
    schedule(a.loop, a.sockets);
    a.loop.run(1_000_000);
    const b = makeLoop(30_000_000);
    schedule(b.loop, b.sockets);
    for (let t = 0; t <= 1_000_000; t += 7_919) b.loop.run(t);
    b.loop.run(1_000_000);
    expect(b.log).toEqual(a.log);
    expect(b.loop.nowUs).toBe(a.loop.nowUs);
  });

  it('a long handler pushes everything behind it: the clock runs past untilUs and the loop stops at the next iteration', () => {
    const { loop, sockets } = makeLoop(500_000_000); // 500 ms
    sockets.pending.set(8, 10);
    loop.run(100);
    expect(loop.nowUs).toBeGreaterThan(500_000);
    expect(loop.nextEventUs()).toBe(loop.nowUs);
  });
});
