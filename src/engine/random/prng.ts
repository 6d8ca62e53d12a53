/**
 * The seeded pseudo-random generator every random choice in the engine goes through (node ids, election
 * delays, gossip picks, network jitter). The host creates one from the scenario's seed and forks a child per
 * node, so adding a node or a client never shifts the numbers another node sees.
 *
 * Algorithm: sfc32 (small fast chaotic, 128-bit state), seeded through splitmix32. Both are tiny, fast in
 * JS (32-bit integer ops only) and give the same sequence on every JS engine.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    let s = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // Warm up: sfc32's first outputs are weakly mixed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent generator for a named sub-system ("node:7000", "net"). Does not advance this one. */
  fork(label: string): Prng {
    return new Prng(hashString(`${this.a}:${this.b}:${this.c}:${this.d}/${label}`));
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). Redis's own uses of random() are `random() % n`; the same shape here. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }

  /** `count` lowercase hex characters, like Redis's getRandomHexChars (node ids are 40 of them). */
  hex(count: number): string {
    let out = '';
    while (out.length < count) out += this.nextUint32().toString(16).padStart(8, '0');
    return out.slice(0, count);
  }

  /** The generator's state, for snapshots and replays. */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }
}

/** FNV-1a over the string's UTF-16 units: a stable 32-bit seed from a label. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
