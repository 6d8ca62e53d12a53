/**
 * The sorted set's skiplist (t_zset.c zskiplist): nodes ordered by (score, member), each with a random number
 * of levels (p = 1/4, at most 32) and per-level spans so that rank queries are O(log N). The random levels come
 * from the node's seeded generator, so a replay builds the same skiplist.
 */
import type { ByteString } from '../types/bytes.ts';
import type { Prng } from '../random/prng.ts';

export const ZSKIPLIST_MAXLEVEL = 32;
const ZSKIPLIST_P = 0.25;

interface Level {
  forward: SkipNode | null;
  span: number;
}

export interface SkipNode {
  member: ByteString;
  score: number;
  backward: SkipNode | null;
  level: Level[];
}

function newNode(levels: number, score: number, member: ByteString): SkipNode {
  return { member, score, backward: null, level: Array.from({ length: levels }, () => ({ forward: null, span: 0 })) };
}

/** (score, member) order: scores first, then the members' bytes. */
function before(score: number, member: ByteString, node: SkipNode): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

export class SkipList {
  readonly header = newNode(ZSKIPLIST_MAXLEVEL, 0, '');
  tail: SkipNode | null = null;
  length = 0;
  level = 1;

  constructor(private readonly rng: Prng) {}

  private randomLevel(): number {
    let level = 1;
    while (level < ZSKIPLIST_MAXLEVEL && this.rng.next() < ZSKIPLIST_P) level++;
    return level;
  }

  insert(score: number, member: ByteString): SkipNode {
    const update: SkipNode[] = new Array(ZSKIPLIST_MAXLEVEL);
    const rank: number[] = new Array(ZSKIPLIST_MAXLEVEL).fill(0);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      while (x.level[i].forward && before(score, member, x.level[i].forward!)) {
        rank[i] += x.level[i].span;
        x = x.level[i].forward!;
      }
      update[i] = x;
    }
    const level = this.randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        update[i].level[i].span = this.length;
      }
      this.level = level;
    }
    const node = newNode(level, score, member);
    for (let i = 0; i < level; i++) {
      node.level[i].forward = update[i].level[i].forward;
      update[i].level[i].forward = node;
      node.level[i].span = update[i].level[i].span - (rank[0] - rank[i]);
      update[i].level[i].span = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].level[i].span++;
    node.backward = update[0] === this.header ? null : update[0];
    if (node.level[0].forward) node.level[0].forward.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** Removes the node with exactly this (score, member); returns whether it was there. */
  delete(score: number, member: ByteString): boolean {
    const update: SkipNode[] = new Array(ZSKIPLIST_MAXLEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.level[i].forward && before(score, member, x.level[i].forward!)) x = x.level[i].forward!;
      update[i] = x;
    }
    const target = x.level[0].forward;
    if (!target || target.score !== score || target.member !== member) return false;
    for (let i = 0; i < this.level; i++) {
      if (update[i].level[i].forward === target) {
        update[i].level[i].span += target.level[i].span - 1;
        update[i].level[i].forward = target.level[i].forward;
      } else {
        update[i].level[i].span -= 1;
      }
    }
    if (target.level[0].forward) target.level[0].forward.backward = target.backward;
    else this.tail = target.backward;
    while (this.level > 1 && this.header.level[this.level - 1].forward === null) this.level--;
    this.length--;
    return true;
  }

  /** 1-based rank of (score, member), 0 if absent. */
  rank(score: number, member: ByteString): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.level[i].forward && (before(score, member, x.level[i].forward!) || (x.level[i].forward!.score === score && x.level[i].forward!.member === member))) {
        rank += x.level[i].span;
        x = x.level[i].forward!;
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at 1-based rank, or null. */
  byRank(rank: number): SkipNode | null {
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.level[i].forward && traversed + x.level[i].span <= rank) {
        traversed += x.level[i].span;
        x = x.level[i].forward!;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  /** The first node whose score is within the lower bound. */
  firstInRange(min: number, minExclusive: boolean): SkipNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.level[i].forward && (minExclusive ? x.level[i].forward!.score <= min : x.level[i].forward!.score < min)) {
        x = x.level[i].forward!;
      }
    }
    return x.level[0].forward;
  }

  /** The last node whose score is within the upper bound. */
  lastInRange(max: number, maxExclusive: boolean): SkipNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.level[i].forward && (maxExclusive ? x.level[i].forward!.score < max : x.level[i].forward!.score <= max)) {
        x = x.level[i].forward!;
      }
    }
    return x === this.header ? null : x;
  }
}
