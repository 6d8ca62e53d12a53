/**
 * What every host shares: the virtual network, the connections between client programs and nodes, the queue
 * of messages in flight, and the history log. SimHost and the lockstep (Web Worker) host differ only in how
 * they advance nodes through time; everything a message does between two endpoints happens here, once.
 */
import type { TimeUs } from '../../engine/types/time.ts';
import type { ConnId, Delivery, Emission } from '../../engine/net/wire.ts';
import type { EngineEvent } from '../../engine/server/events.ts';
import { VirtualNetwork, compareRouted, type EndpointId, type LinkProfile, type RoutedMessage, type Stream } from './virtual-network.ts';
import { MinHeap, TimeHeap } from './min-heap.ts';
import type { BusMessage } from '../../engine/cluster/bus-message.ts';

/** A message in flight: routing facts plus what it carries. */
export interface InFlight extends RoutedMessage {
  kind: 'open' | 'data' | 'close' | 'bus' | 'refused' | 'bus-down';
  /** For 'bus-down': the bus address that could not be reached. */
  busTo?: string;
  bytes?: Uint8Array;
  /** For 'open': the client's address as the server sees it. */
  peer?: string;
  /** For 'bus': the message and the two nodes' IPs. */
  msg?: BusMessage;
  fromIp?: string;
  toIp?: string;
  /** The life of the receiving endpoint when this was sent: a restarted process never gets its predecessor's mail. */
  toLife?: number;
}

/** Bytes a bus message would take in Redis's binary format: a 2256-byte header plus 104 per gossip entry. */
function busMessageSize(msg: BusMessage): number {
  return 2256 + 104 * (msg.gossip?.length ?? 0);
}

/** The IP part of an "ip:port" endpoint address. */
export function ipOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i < 0 ? address : address.slice(0, i);
}

/**
 * What can happen to a node's process: kill -9, a new process at the same address, SIGSTOP and SIGCONT, a wall-clock
 * step, and 'crashed': the process died of its own (its code threw: a bug of the lab, never of the learner).
 */
export type FaultKind = 'kill' | 'restart' | 'pause' | 'resume' | 'clock-step' | 'crashed';

/** One line of history: what a node observed, a message delivered, or a fault done to a node's process. */
export type LogEntry =
  | { kind: 'node'; node: EndpointId; event: EngineEvent }
  | { kind: 'delivery'; from: EndpointId; to: EndpointId; conn: ConnId; type: InFlight['kind']; sendAt: TimeUs; arriveAt: TimeUs; size: number }
  | { kind: 'fault'; fault: FaultKind; node: EndpointId; at: TimeUs };

/**
 * A bus message as the lab's screen draws it: sent by one node's process to another's at `sendAt`, arriving at
 * `arriveAt` (known when it is sent: the network decides the delay then), or null when a partition swallowed it.
 * `id` (sender address and the sender's message number) pairs the send with its arrival or loss.
 */
export interface BusFlight {
  id: string;
  from: EndpointId;
  to: EndpointId;
  type: BusMessage['type'];
  sendAt: TimeUs;
  arriveAt: TimeUs | null;
}

/** What a watcher of the network (the lab session) is told, as it happens. */
export interface FabricObserver {
  /** A bus message left a node (arriveAt null: dropped by a partition). */
  busSent(flight: BusFlight): void;
  /** A bus message found no process when it arrived (the receiver died or restarted meanwhile). */
  busLost(id: string, at: TimeUs): void;
  /** What a node reported about itself during an advance. */
  nodeEvents(node: EndpointId, events: readonly EngineEvent[]): void;
  /** A fault done to a node's process. */
  fault(fault: FaultKind, node: EndpointId, at: TimeUs): void;
}

/** A client program's end of a connection (what redis-cli, a benchmark or a lesson check talks through). */
export interface HostConnection {
  readonly id: ConnId;
  send(bytes: Uint8Array): void;
  close(): void;
  onData(cb: (bytes: Uint8Array) => void): void;
  onClose(cb: () => void): void;
  readonly closed: boolean;
}

/**
 * Where a node's bus messages to one bus address go, worked out once: the node listening there, the link's name,
 * both IPs, the link's stream and the sender's message counter. Dropped whenever a bus address or a process
 * comes or goes.
 */
interface BusRoute {
  to: EndpointId;
  conn: string;
  fromIp: string;
  toIp: string;
  stream: Stream;
  seq: { n: number };
  toLife: number | undefined;
}

interface ConnectionRecord {
  id: ConnId;
  /** The side that opened it: a client program, or a node (MIGRATE). */
  client: EndpointId;
  node: EndpointId;
  /** The program's end; null when a node opened the connection (its bytes go to its inbox). */
  handle: ClientConnection | null;
}

export interface FabricOptions {
  seed: number | string;
  link?: Partial<LinkProfile>;
  /** Keep the history log (tests and replays do; a long browser session may cap it). */
  log?: boolean;
}

export class Fabric {
  readonly network: VirtualNetwork;
  readonly log: LogEntry[] = [];
  private readonly keepLog: boolean;
  private readonly inflight = new MinHeap<InFlight>(compareRouted);
  private readonly connections = new Map<ConnId, ConnectionRecord>();
  /** Each sender's running message number. */
  private readonly senderSeq = new Map<EndpointId, { n: number }>();
  private readonly clientConnCount = new Map<EndpointId, number>();
  private readonly clientPort = new Map<EndpointId, number>();
  /** Cluster bus addresses ("ip:cport") of the nodes that have one. */
  private readonly busAddresses = new Map<string, EndpointId>();
  /** Node endpoints whose process is dead: what arrives there is lost. */
  private readonly down = new Set<EndpointId>();
  /** How many times each endpoint's process was started again (absent = never). */
  private readonly lives = new Map<EndpointId, number>();
  /** The time a client program acts at: the delivery it is reacting to, or the host's frontier. */
  clientNowUs: TimeUs = 0;
  /** Told of every bus message (the lab's screen animates them); null when nobody watches (tests, benchmarks). */
  observer: FabricObserver | null = null;

  constructor(opts: FabricOptions) {
    this.network = new VirtualNetwork(opts.seed, opts.link);
    this.keepLog = opts.log ?? true;
  }

  /**
   * Open a connection from a client program to a node (the node accepts it when the SYN arrives). If no process
   * listens there, the connection is refused: the program sees it close.
   */
  connect(client: EndpointId, node: EndpointId): HostConnection {
    const n = (this.clientConnCount.get(client) ?? 0) + 1;
    this.clientConnCount.set(client, n);
    const id = `${client}#${n}`;
    const handle = new ClientConnection(id, this, client, node);
    this.connections.set(id, { id, client, node, handle });
    if (!this.isNodeAddress(node)) this.send({ from: node, to: client, conn: id, kind: 'refused' }, this.clientNowUs, client);
    else this.send({ from: client, to: node, conn: id, kind: 'open', peer: this.peerAddress(client) }, this.clientNowUs);
    return handle;
  }

  /** A cluster-enabled node listens for the bus at `busAddress`. */
  registerBus(busAddress: string, node: EndpointId): void {
    this.busAddresses.set(busAddress, node);
    this.busRoutes.clear();
  }

  /** Nobody listens at `busAddress` any more: what is sent there comes back as 'bus-down'. */
  unregisterBus(busAddress: string): void {
    this.busAddresses.delete(busAddress);
    this.busRoutes.clear();
  }

  /**
   * A node's process died at `at` (kill -9). The kernel resets its connections: the other end of each gets a
   * 'close' after the link latency, in connection id order (so every host sends them alike). Anything still
   * travelling to the node, or sent to it from now on, is lost when it arrives.
   */
  nodeDown(node: EndpointId, at: TimeUs): void {
    this.down.add(node);
    this.busRoutes.clear();
    // Its bus links are TCP connections too: every node that exchanged bus messages with it sees them reset
    // (Redis frees the link on the error and counts the reconnection's ping from then on).
    let busAddress: string | null = null;
    for (const [addr, owner] of this.busAddresses) if (owner === node) busAddress = addr;
    const peers = this.busPeers.get(node);
    if (busAddress !== null && peers) {
      for (const peer of [...peers].sort()) {
        if (this.down.has(peer)) continue;
        this.send({ from: node, to: peer, conn: `bus:${node}>${peer}`, kind: 'bus-down', busTo: busAddress }, at);
      }
    }
    this.busPeers.delete(node);
    for (const set of this.busPeers.values()) set.delete(node);
    const affected = [...this.connections.values()].filter((r) => r.client === node || r.node === node);
    affected.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const rec of affected) {
      const other = rec.client === node ? rec.node : rec.client;
      this.send({ from: node, to: other, conn: rec.id, kind: 'close' }, at);
    }
  }

  /** Nodes with a bus link between them (either direction), so a killed node's links can be reset. */
  private readonly busPeers = new Map<EndpointId, Set<EndpointId>>();

  private linkBusPeers(a: EndpointId, b: EndpointId): void {
    let sa = this.busPeers.get(a);
    if (!sa) this.busPeers.set(a, (sa = new Set()));
    if (sa.has(b)) return;
    sa.add(b);
    let sb = this.busPeers.get(b);
    if (!sb) this.busPeers.set(b, (sb = new Set()));
    sb.add(a);
  }

  /** A new process listens at `node`: from now on messages sent there reach it (and none sent before). */
  nodeUp(node: EndpointId): void {
    this.down.delete(node);
    this.lives.set(node, (this.lives.get(node) ?? 0) + 1);
    this.busRoutes.clear();
  }

  logFault(fault: FaultKind, node: EndpointId, at: TimeUs): void {
    this.observer?.fault(fault, node, at);
    if (this.keepLog) this.log.push({ kind: 'fault', fault, node, at });
  }

  /** Each node's routes to the bus addresses it sends to. */
  private readonly busRoutes = new Map<EndpointId, Map<string, BusRoute>>();

  /** The route from `node` to the bus at `busAddress`; undefined when nobody listens there. */
  private busRoute(node: EndpointId, busAddress: string): BusRoute | undefined {
    let routes = this.busRoutes.get(node);
    if (routes === undefined) this.busRoutes.set(node, (routes = new Map()));
    let route = routes.get(busAddress);
    if (route === undefined) {
      const to = this.busAddresses.get(busAddress);
      if (to === undefined) return undefined;
      const conn = `bus:${node}>${to}`;
      route = { to, conn, fromIp: ipOf(node), toIp: ipOf(to), stream: this.network.stream(conn, node), seq: this.seqOf(node), toLife: this.lives.get(to) };
      routes.set(busAddress, route);
      this.linkBusPeers(node, to);
    }
    return route;
  }

  private seqOf(sender: EndpointId): { n: number } {
    let seq = this.senderSeq.get(sender);
    if (seq === undefined) this.senderSeq.set(sender, (seq = { n: 0 }));
    return seq;
  }

  /** Route a node's writes. */
  routeEmissions(node: EndpointId, outbox: readonly Emission[]): void {
    for (const e of outbox) {
      if (e.kind === 'bus') {
        // Nobody listens at that address: the connection is refused, and the sender learns it a round trip later.
        const route = this.busRoute(node, e.to);
        if (route === undefined) {
          this.send({ from: e.to, to: node, conn: `bus:${e.to}>${node}`, kind: 'bus-down', busTo: e.to }, e.at, node);
          continue;
        }
        const seq = ++route.seq.n;
        const arriveAt = this.network.arrivalOn(route.stream, route.to, e.at, seq);
        if (this.observer !== null) this.observer.busSent({ id: `${node}/${seq}`, from: node, to: route.to, type: e.msg.type, sendAt: e.at, arriveAt });
        if (arriveAt === null) continue;
        const m: InFlight = { from: node, to: route.to, conn: route.conn, kind: 'bus', msg: e.msg, fromIp: route.fromIp, toIp: route.toIp, sendAt: e.at, senderSeq: seq, arriveAt };
        if (route.toLife !== undefined) m.toLife = route.toLife;
        this.inflight.push(m);
        continue;
      }
      if (e.kind === 'connect') {
        this.connectFromNode(node, e.conn, e.to, e.at);
        continue;
      }
      // File operations are the host's (its disk), not the network's.
      if (e.kind === 'file') continue;
      const rec = this.connections.get(e.conn);
      if (!rec) continue;
      // A node writes on a connection it accepted (to the client) or one it opened (to the other node).
      const to = rec.client === node ? rec.node : rec.client;
      this.send({ from: node, to, conn: e.conn, kind: e.kind, bytes: e.kind === 'data' ? e.bytes : undefined }, e.at);
    }
  }

  /** A node opens a connection to "ip:port": the target accepts it, or, if nobody is there, it is refused. */
  private connectFromNode(node: EndpointId, conn: ConnId, to: string, at: TimeUs): void {
    if (!this.isNodeAddress(to)) {
      this.send({ from: to, to: node, conn, kind: 'refused' }, at, node);
      return;
    }
    this.connections.set(conn, { id: conn, client: node, node: to, handle: null });
    this.send({ from: node, to, conn, kind: 'open', peer: this.peerAddress(node) }, at);
  }

  /** Set by the host: whether a node listens at this address. */
  isNodeAddress: (address: string) => boolean = () => false;

  logNodeEvents(node: EndpointId, events: readonly EngineEvent[]): void {
    this.observer?.nodeEvents(node, events);
    if (!this.keepLog) return;
    for (const event of events) this.log.push({ kind: 'node', node, event });
  }

  /** The earliest arrival among messages in flight. */
  nextArrivalUs(): TimeUs | null {
    return this.inflight.peek()?.arriveAt ?? null;
  }

  /**
   * Arrival times of what is in flight to client programs: a program runs host code when a delivery reaches it
   * (and may kill a node or cut the network then), which SimHost needs to know before it lets a node run ahead.
   */
  private readonly clientArrivals = new TimeHeap<null>();

  /** The earliest time a client program can next be handed a delivery (null: nothing in flight to one). */
  nextClientArrivalUs(): TimeUs | null {
    return this.clientArrivals.peekTime();
  }

  /**
   * Take every message arriving up to `untilUs`, in delivery order. Messages to client programs are handed to
   * them at once (their reactions are stamped with the arrival time); a message to a node is appended to the list
   * `inboxOf` gives for it (undefined: no node there, so a client program's).
   */
  takeArrivals(untilUs: TimeUs, inboxOf: (to: EndpointId) => Delivery[] | undefined, actions: ScheduledActions): void {
    for (;;) {
      const head = this.inflight.peek();
      if (!head || head.arriveAt > untilUs) break;
      // Host actions (a learner's input, a scenario step) at or before this arrival happen first.
      actions.runUpTo(head.arriveAt, this);
      this.inflight.pop();
      // The receiving process died after this was sent (or was dead then): the segment finds no socket.
      if (this.down.has(head.to) || (head.toLife ?? 0) !== (this.lives.get(head.to) ?? 0)) {
        if (head.kind === 'bus' && this.observer !== null) this.observer.busLost(`${head.from}/${head.senderSeq}`, head.arriveAt);
        continue;
      }
      if (this.keepLog) {
        this.log.push({
          kind: 'delivery', from: head.from, to: head.to, conn: head.conn, type: head.kind,
          sendAt: head.sendAt, arriveAt: head.arriveAt, size: head.msg ? busMessageSize(head.msg) : head.bytes?.length ?? 0,
        });
      }
      const inbox = inboxOf(head.to);
      if (inbox !== undefined) inbox.push(toDelivery(head));
      else this.deliverToClient(head);
    }
    actions.runUpTo(untilUs, this);
    for (let at = this.clientArrivals.peekTime(); at !== null && at <= untilUs; at = this.clientArrivals.peekTime()) this.clientArrivals.pop();
  }

  /** @internal used by ClientConnection */
  send(msg: Omit<InFlight, 'arriveAt' | 'sendAt' | 'senderSeq'>, sendAt: TimeUs, countedBy: EndpointId = msg.from): void {
    const seq = ++this.seqOf(countedBy).n;
    const arriveAt = this.network.arrival(msg.from, msg.to, msg.conn, sendAt, seq);
    if (arriveAt !== null) {
      // The message object becomes the in-flight record (callers build a fresh one per send).
      const m = msg as InFlight;
      m.sendAt = sendAt;
      m.senderSeq = seq;
      m.arriveAt = arriveAt;
      const toLife = this.lives.get(msg.to);
      if (toLife !== undefined) m.toLife = toLife;
      this.inflight.push(m);
      if (!this.isNodeAddress(msg.to)) this.clientArrivals.push(arriveAt, null);
    }
    const rec = this.connections.get(msg.conn);
    if (msg.kind === 'close' && rec && msg.from === rec.client) {
      // The program closed its end: nothing more reaches it on this connection.
      rec.handle?.markClosedLocally();
      this.connections.delete(msg.conn);
    }
  }

  private deliverToClient(m: InFlight): void {
    const rec = this.connections.get(m.conn);
    // Only the program's own end receives; anything else addressed here has no socket to land in.
    if (!rec || m.to !== rec.client) return;
    const previous = this.clientNowUs;
    this.clientNowUs = m.arriveAt;
    try {
      if (m.kind === 'data' && m.bytes) rec.handle?.receive(m.bytes);
      else if (m.kind === 'close' || m.kind === 'refused') {
        rec.handle?.peerClosed();
        this.connections.delete(m.conn);
        this.network.closeConnection(m.conn);
      }
    } finally {
      this.clientNowUs = Math.max(previous, m.arriveAt);
    }
  }

  /** Ports handed to client programs so far. */
  private programPorts = 0;

  /**
   * Each client program gets a stable ephemeral port, as the node would see in CLIENT LIST, numbered in the order
   * programs first connect (they act in the same order in every host). A node's own connections (a replica's
   * link, MIGRATE) get a port derived from its address: hosts route nodes' writes in different orders (SimHost
   * event by event, LockstepHost per window in node order), so first-come numbering would differ between hosts.
   */
  private peerAddress(client: EndpointId): string {
    let port = this.clientPort.get(client);
    if (port === undefined) {
      const own = this.isNodeAddress(client) ? /:(\d+)$/.exec(client) : null;
      port = own !== null ? 40000 + (Number(own[1]) % 10000) : 50000 + this.programPorts++;
      this.clientPort.set(client, port);
    }
    return `127.0.0.1:${port}`;
  }
}

/**
 * Actions the host performs at given virtual times: inputs from a learner or a scenario script. An action runs
 * with the client clock set to its time, so whatever it sends is stamped then.
 */
export class ScheduledActions {
  private readonly heap = new MinHeap<{ at: TimeUs; seq: number; run: () => void }>((a, b) => a.at - b.at || a.seq - b.seq);
  private seq = 0;

  add(at: TimeUs, run: () => void): void {
    this.heap.push({ at, seq: this.seq++, run });
  }

  nextAt(): TimeUs | null {
    return this.heap.peek()?.at ?? null;
  }

  runUpTo(untilUs: TimeUs, fabric: Fabric): void {
    for (;;) {
      const head = this.heap.peek();
      if (!head || head.at > untilUs) return;
      this.heap.pop();
      fabric.clientNowUs = head.at;
      head.run();
    }
  }
}

function toDelivery(m: InFlight): Delivery {
  if (m.kind === 'refused') return { kind: 'refused', at: m.arriveAt, conn: m.conn };
  if (m.kind === 'bus-down') return { kind: 'bus-down', at: m.arriveAt, to: m.busTo! };
  if (m.kind === 'bus') return { kind: 'bus', at: m.arriveAt, fromIp: m.fromIp!, toIp: m.toIp!, msg: m.msg! };
  if (m.kind === 'open') return { kind: 'open', at: m.arriveAt, conn: m.conn, peer: m.peer ?? '127.0.0.1:0' };
  if (m.kind === 'data') return { kind: 'data', at: m.arriveAt, conn: m.conn, bytes: m.bytes! };
  return { kind: 'close', at: m.arriveAt, conn: m.conn };
}

class ClientConnection implements HostConnection {
  private dataHandlers: ((bytes: Uint8Array) => void)[] = [];
  private closeHandlers: (() => void)[] = [];
  private isClosed = false;

  constructor(
    readonly id: ConnId,
    private readonly fabric: Fabric,
    private readonly client: EndpointId,
    private readonly node: EndpointId,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  send(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.fabric.send({ from: this.client, to: this.node, conn: this.id, kind: 'data', bytes }, this.fabric.clientNowUs);
  }

  close(): void {
    if (this.isClosed) return;
    this.fabric.send({ from: this.client, to: this.node, conn: this.id, kind: 'close' }, this.fabric.clientNowUs);
  }

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataHandlers.push(cb);
  }

  onClose(cb: () => void): void {
    this.closeHandlers.push(cb);
  }

  receive(bytes: Uint8Array): void {
    for (const h of this.dataHandlers) h(bytes);
  }

  peerClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const h of this.closeHandlers) h();
  }

  markClosedLocally(): void {
    this.isClosed = true;
  }
}
