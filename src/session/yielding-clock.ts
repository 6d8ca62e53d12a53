/**
 * The pacer's clock for a page or a worker: real time from performance.now, and waits from setTimeout, except a
 * wait of 0 (the pacer is behind and only yields so the page can paint and take input, or the worker can take
 * its messages), which is a message to ourselves: nested setTimeout(0) calls are clamped to 4 ms each, which
 * would cost the lab most of its speed.
 */
import type { PacerClock } from '../hosts/lockstep/pacer.ts';

export function yieldingClock(): PacerClock {
  const channel = new MessageChannel();
  const queue: (() => void)[] = [];
  channel.port1.onmessage = () => queue.shift()?.();
  return {
    now: () => performance.now(),
    schedule(fn, ms) {
      if (ms > 0) {
        setTimeout(fn, ms);
        return;
      }
      queue.push(fn);
      channel.port2.postMessage(null);
    },
  };
}
