/**
 * The virtual network between endpoints (nodes and the client programs living in the host): per-link latency,
 * jitter and loss, and partitions of any shape, including one-way ones.
 *
 * Determinism: a host may route messages in a different order than another host does (one event at a time in
 * SimHost, a whole window at a time in the lockstep host). So nothing here draws from a shared random stream:
 * the jitter and loss of a message come from a hash of (seed, sender, the sender's message number), and the
 * delivery order of messages arriving at the same microsecond is fixed by (arrival, send time, sender,
 * sender's message number). Any host that routes the same messages gets the same deliveries.
 *
 * Streams stay in order: bytes on one connection never overtake earlier bytes (TCP), so a message's arrival is
 * at least the previous arrival on its connection. Loss on a stream is modelled the way TCP experiences it:
 * the segment is retransmitted after the minimum retransmission timeout (200 ms), not dropped. A partition
 * drops what is sent across it (link state is taken at send time).
 */
import type { TimeUs } from '../../engine/types/time.ts';
import { hashString } from '../../engine/random/prng.ts';

export type EndpointId = string;

export interface LinkProfile {
  /** One-way latency. */
  latencyUs: TimeUs;
  /** Extra delay drawn uniformly from [0, jitterUs]. */
  jitterUs: TimeUs;
  /** Probability that a segment is lost (and, on a stream, retransmitted). */
  loss: number;
}

/** TCP's minimum retransmission timeout (Linux TCP_RTO_MIN). */
export const TCP_RTO_MIN_US = 200_000;

export const DEFAULT_LINK: LinkProfile = { latencyUs: 100, jitterUs: 0, loss: 0 };

export interface OutgoingMessage {
  from: EndpointId;
  to: EndpointId;
  /** The connection the bytes travel on. */
  conn: string;
  sendAt: TimeUs;
  /** The sender's own running message number: unique per sender, assigned in the sender's order. */
  senderSeq: number;
}

export interface RoutedMessage extends OutgoingMessage {
  arriveAt: TimeUs;
}

interface LinkChange {
  at: TimeUs;
  profile: Partial<LinkProfile> | null;
  blocked: boolean | null;
}

export class VirtualNetwork {
  private readonly seedHash: number;
  private defaults: LinkProfile;
  /** Per directed link "a>b": changes in time order, so a message is routed with the state at its send time. */
  private readonly changes = new Map<string, LinkChange[]>();
  /** Last arrival per connection and direction ("conn>sender"), to keep each byte stream in order. */
  private readonly lastArrival = new Map<string, TimeUs>();

  constructor(seed: number | string, defaults: Partial<LinkProfile> = {}) {
    this.seedHash = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    this.defaults = { ...DEFAULT_LINK, ...defaults };
  }

  /** The smallest latency any message can have: the lookahead of the lockstep host. */
  minLatencyUs(): TimeUs {
    let min = this.defaults.latencyUs;
    for (const list of this.changes.values()) {
      for (const c of list) if (c.profile?.latencyUs !== undefined) min = Math.min(min, c.profile.latencyUs);
    }
    return Math.max(1, min);
  }

  /** Change one direction of a link from time `at` on. */
  setLink(from: EndpointId, to: EndpointId, at: TimeUs, profile: Partial<LinkProfile>): void {
    this.addChange(from, to, { at, profile, blocked: null });
  }

  /** Block (or unblock) one direction: a one-way partition. */
  block(from: EndpointId, to: EndpointId, at: TimeUs, blocked = true): void {
    this.addChange(from, to, { at, profile: null, blocked });
  }

  /** Split endpoints into groups that cannot reach each other (both directions), from time `at`. */
  partition(groups: EndpointId[][], at: TimeUs): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]) for (const b of groups[j]) this.block(a, b, at, true);
      }
    }
  }

  /** Lift every block from time `at`. */
  heal(at: TimeUs): void {
    for (const key of this.changes.keys()) {
      const [from, to] = key.split('>');
      this.block(from, to, at, false);
    }
  }

  /** Where and when a message arrives, or null if a partition swallows it. */
  route(msg: OutgoingMessage): RoutedMessage | null {
    const link = this.linkAt(msg.from, msg.to, msg.sendAt);
    if (link.blocked) return null;
    const h = this.messageHash(msg);
    let delay = link.latencyUs;
    if (link.jitterUs > 0) delay += h.jitter % (link.jitterUs + 1);
    if (link.loss > 0 && h.lossDraw < link.loss) delay += TCP_RTO_MIN_US;
    const stream = `${msg.conn}>${msg.from}`;
    const arriveAt = Math.max(this.lastArrival.get(stream) ?? 0, msg.sendAt + delay);
    this.lastArrival.set(stream, arriveAt);
    return { ...msg, arriveAt };
  }

  /** Forget a closed connection's ordering state. */
  closeConnection(conn: string, from: EndpointId, to: EndpointId): void {
    this.lastArrival.delete(`${conn}>${from}`);
    this.lastArrival.delete(`${conn}>${to}`);
  }

  private linkAt(from: EndpointId, to: EndpointId, at: TimeUs): LinkProfile & { blocked: boolean } {
    const state = { ...this.defaults, blocked: false };
    for (const c of this.changes.get(`${from}>${to}`) ?? []) {
      if (c.at > at) break;
      if (c.profile) Object.assign(state, c.profile);
      if (c.blocked !== null) state.blocked = c.blocked;
    }
    return state;
  }

  private addChange(from: EndpointId, to: EndpointId, change: LinkChange): void {
    const key = `${from}>${to}`;
    const list = this.changes.get(key) ?? [];
    list.push(change);
    list.sort((a, b) => a.at - b.at);
    this.changes.set(key, list);
  }

  private messageHash(msg: OutgoingMessage): { jitter: number; lossDraw: number } {
    let h = this.seedHash ^ hashString(msg.from);
    h = Math.imul(h ^ msg.senderSeq, 0x9e3779b1) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
    const h2 = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return { jitter: h, lossDraw: h2 / 4294967296 };
  }
}

/** The total order in which messages are delivered: every host sorts by this. */
export function compareRouted(a: RoutedMessage, b: RoutedMessage): number {
  return (
    a.arriveAt - b.arriveAt ||
    a.sendAt - b.sendAt ||
    (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) ||
    a.senderSeq - b.senderSeq
  );
}
