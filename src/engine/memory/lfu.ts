/**
 * The LFU access counter (evict.c): under an allkeys-lfu or volatile-lfu policy, an object's 24-bit lru field
 * holds the minute of its last decrement (16 bits) and a logarithmic access counter (8 bits). A new object
 * starts at LFU_INIT_VAL so it is not evicted before it had a chance to be used; each access increments the
 * counter with probability 1/((counter - 5) * lfu-log-factor + 1); each lfu-decay-time minutes without access
 * take one off.
 */
import type { Prng } from '../random/prng.ts';

export const LFU_INIT_VAL = 5;
/** Objects stamped for LRU hold unix ms, far above any packed LFU value (which fits in 24 bits). */
const LFU_MAX_PACKED = 1 << 24;

export class LfuTracker {
  constructor(
    private readonly rng: Prng,
    public logFactor: number,
    public decayTime: number,
  ) {}

  /** LFUGetTimeInMinutes: the low 16 bits of unix minutes. */
  static minutes(nowMs: number): number {
    return Math.floor(nowMs / 60000) & 65535;
  }

  /** An object created (or last touched) under LRU gets a fresh LFU stamp the first time LFU looks at it. */
  private packed(lru: number, nowMs: number): number {
    return lru >= LFU_MAX_PACKED ? (LfuTracker.minutes(nowMs) << 8) | LFU_INIT_VAL : lru;
  }

  /** LFUDecrAndReturn: the counter after the decay owed since its last decrement. */
  counter(lru: number, nowMs: number): number {
    const p = this.packed(lru, nowMs);
    const ldt = p >> 8;
    let counter = p & 255;
    const now = LfuTracker.minutes(nowMs);
    const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    const periods = this.decayTime ? Math.floor(elapsed / this.decayTime) : 0;
    if (periods) counter = periods > counter ? 0 : counter - periods;
    return counter;
  }

  /** updateLFU: decay, then a logarithmic increment; returns the new packed value. */
  touch(lru: number, nowMs: number): number {
    let counter = this.counter(lru, nowMs);
    if (counter < 255) {
      const base = Math.max(0, counter - LFU_INIT_VAL);
      if (this.rng.next() < 1 / (base * this.logFactor + 1)) counter++;
    }
    return (LfuTracker.minutes(nowMs) << 8) | counter;
  }
}
