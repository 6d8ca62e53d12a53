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

/**
 * One direction of a connection: its sender, the sender's hash (every jitter and loss draw starts from it), and
 * the last arrival on it.
 */
export interface Stream {
  readonly from: EndpointId;
  readonly fromHash: number;
  lastArrival: TimeUs;
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
  /** Each connection's directions (connection, then sender), to keep each byte stream in order. */
  private readonly streams = new Map<string, Map<EndpointId, Stream>>();
  /** The link state when no link has a change of its own. */
  private defaultState: LinkProfile & { blocked: boolean };

  constructor(seed: number | string, defaults: Partial<LinkProfile> = {}) {
    this.seedHash = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    this.defaults = { ...DEFAULT_LINK, ...defaults };
    this.defaultState = { ...this.defaults, blocked: false };
  }

  /** The smallest latency any message can have: the lookahead of the lockstep host (and SimHost's horizon). */
  minLatencyUs(): TimeUs {
    if (this.minLatency === null) {
      let min = this.defaults.latencyUs;
      for (const list of this.changes.values()) {
        for (const c of list) if (c.profile?.latencyUs !== undefined) min = Math.min(min, c.profile.latencyUs);
      }
      this.minLatency = Math.max(1, min);
    }
    return this.minLatency;
  }

  /** minLatencyUs, computed again after a link change. */
  private minLatency: TimeUs | null = null;

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
    const arriveAt = this.arrival(msg.from, msg.to, msg.conn, msg.sendAt, msg.senderSeq);
    return arriveAt === null ? null : { ...msg, arriveAt };
  }

  /**
   * When a message arrives, or null when a partition drops it: route() without building objects, for the hot
   * path (a simulated cluster routes every bus message through here).
   */
  arrival(from: EndpointId, to: EndpointId, conn: string, sendAt: TimeUs, senderSeq: number): TimeUs | null {
    return this.arrivalOn(this.stream(conn, from), to, sendAt, senderSeq);
  }

  /** One direction of a connection (a caller sending on it often may keep it). */
  stream(conn: string, from: EndpointId): Stream {
    let byFrom = this.streams.get(conn);
    if (byFrom === undefined) this.streams.set(conn, (byFrom = new Map()));
    let s = byFrom.get(from);
    if (s === undefined) byFrom.set(from, (s = { from, fromHash: hashString(from), lastArrival: 0 }));
    return s;
  }

  /** arrival() on a stream already looked up. */
  arrivalOn(stream: Stream, to: EndpointId, sendAt: TimeUs, senderSeq: number): TimeUs | null {
    const from = stream.from;
    const link = this.changes.size === 0 ? this.defaultState : this.linkAt(from, to, sendAt);
    if (link.blocked) return null;
    let delay = link.latencyUs;
    if (link.jitterUs > 0 || link.loss > 0) {
      let h = this.seedHash ^ stream.fromHash;
      h = Math.imul(h ^ senderSeq, 0x9e3779b1) >>> 0;
      h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
      if (link.jitterUs > 0) delay += h % (link.jitterUs + 1);
      if (link.loss > 0) {
        const lossDraw = (Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0) / 4294967296;
        if (lossDraw < link.loss) delay += TCP_RTO_MIN_US;
      }
    }
    // Per connection, per direction: the last arrival, which later bytes cannot overtake.
    const arriveAt = Math.max(stream.lastArrival, sendAt + delay);
    stream.lastArrival = arriveAt;
    return arriveAt;
  }

  /** Forget a closed connection's ordering state. */
  closeConnection(conn: string): void {
    this.streams.delete(conn);
  }

  private linkAt(from: EndpointId, to: EndpointId, at: TimeUs): LinkProfile & { blocked: boolean } {
    const list = this.changes.get(`${from}>${to}`);
    if (list === undefined) return this.defaultState;
    const state = { ...this.defaults, blocked: false };
    for (const c of list) {
      if (c.at > at) break;
      if (c.profile) Object.assign(state, c.profile);
      if (c.blocked !== null) state.blocked = c.blocked;
    }
    return state;
  }

  private addChange(from: EndpointId, to: EndpointId, change: LinkChange): void {
    this.minLatency = null;
    const key = `${from}>${to}`;
    const list = this.changes.get(key) ?? [];
    list.push(change);
    list.sort((a, b) => a.at - b.at);
    this.changes.set(key, list);
  }

}

/** The total order in which messages are delivered: every host sorts by this. */
export function compareRouted(a: RoutedMessage, b: RoutedMessage): number {
  return (
    a.arriveAt - b.arriveAt ||
    a.sendAt - b.sendAt ||
    (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) ||
    a.senderSeq - b.senderSeq ||
    // Refusals drawn from their requester's count (Fabric.send) may share sender, number and times: the receiver
    // keeps their order host-independent.
    (a.to < b.to ? -1 : a.to > b.to ? 1 : 0)
  );
}
