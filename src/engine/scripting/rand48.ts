/**
 * redisLrand48 (rand.c): the 48-bit linear congruential generator behind Lua's math.random in Redis. Its state
 * is one per server process: it starts from lrand48's standard seed, is never reseeded between scripts, and only
 * math.randomseed(n) inside a script moves it. Replaying the same scripts therefore draws the same numbers.
 */
const MULTIPLIER = 0x5deece66dn;
const INCREMENT = 0xbn;
const MASK48 = (1n << 48n) - 1n;
const INITIAL = 0x1234abcd330en;

/** REDIS_LRAND48_MAX: what redis_math_random divides by. */
export const LRAND48_MAX = 2147483647;

export class Rand48 {
  private x = INITIAL;

  /** The next value in [0, 2^31): the top 31 bits of the 48-bit state. */
  next(): number {
    this.x = (this.x * MULTIPLIER + INCREMENT) & MASK48;
    return Number(this.x >> 17n);
  }

  /** redisSrand48: the high 32 bits of the state take the seed, the low 16 bits the standard constant. */
  seed(value: number): void {
    const v = BigInt(value | 0) & 0xffffffffn;
    this.x = (v << 16n) | 0x330en;
  }
}
