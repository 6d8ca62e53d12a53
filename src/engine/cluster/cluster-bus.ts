/**
 * The cluster bus protocol of one member (cluster.c): clusterCron's pings and reconnections, the handshake that
 * turns CLUSTER MEET into a known node, gossip about third nodes, failure detection (PFAIL after
 * cluster-node-timeout without a PONG, FAIL when a majority of masters report it, FAIL broadcast), and slot
 * ownership spreading with the config epoch as the tie breaker (clusterUpdateSlotsConfigWith, UPDATE).
 *
 * Links are modelled, not connected: a link "exists" from the moment clusterCron creates it until clusterCron
 * frees it for silence, which is what CLUSTER NODES' link-state shows. Messages to a node that is gone or cut
 * off are lost in the network.
 */
import type { Prng } from '../random/prng.ts';
import type { BusMessage, GossipEntry } from './bus-message.ts';
import { ClusterNode, FLAG_BITS, ID_REALM, clusterChanges, maskToFlags } from './cluster-node.ts';
import type { ClusterState, MessageType } from './cluster-state.ts';
import { CLUSTER_SLOTS } from './slots.ts';
import { CronSchedule } from './cron-schedule.ts';
import { ClusterFailover, MF_FORCEACK, MF_PAUSED, type FailoverEvent, type ViewEvent } from './failover.ts';
import { rangesOfSlots } from './cluster-state.ts';

/** Failure reports stay valid this many node timeouts (CLUSTER_FAIL_REPORT_VALIDITY_MULT). */
const FAIL_REPORT_VALIDITY_MULT = 2;
/** A master must have had no working replica for this long before another master's replica moves to it. */
const CLUSTER_SLAVE_MIGRATION_DELAY_MS = 5000;
/** A failed master with slots is cleared after this many node timeouts without a failover (CLUSTER_FAIL_UNDO_TIME_MULT). */
const FAIL_UNDO_TIME_MULT = 2;

/** What the bus needs from the node around it. */
export interface BusHost {
  nowMs(): number;
  nodeTimeoutMs(): number;
  /** Send a message to "ip:cport". */
  send(to: string, msg: BusMessage): void;
  /** Keys this node holds in a slot (clusterUpdateSlotsConfigWith's dirty slots). */
  countKeysInSlot(slot: number): number;
  delKeysInSlot(slot: number): void;
  /** clusterDoBeforeSleep: update the state and save nodes.conf before the next sleep. */
  changed(updateState: boolean): void;
  /** A PUBLISH from another node: deliver it to this node's subscribers. */
  publish(channel: string, message: string): void;
  /** Something worth showing happened (flags, handshakes, slot owners). */
  note(event: BusEvent): void;
  /** Whether anyone looks at notes (building them costs time per message). */
  readonly observing: boolean;
  /** Replication under the cluster: follow a master, stop following, how far we are, how old our data is. */
  replicationSetMaster(ip: string, port: number): void;
  replicationUnsetMaster(): void;
  replicationActive(): boolean;
  /** Our offset as headers carry it: master_repl_offset for a master, the processed offset for a replica. */
  replicationOffset(): number;
  replicaDataAgeMs(): number;
  config(name: string): string;
  log(level: 'notice' | 'warning', text: string): void;
  /** Run the failover check before the next sleep. */
  scheduleFailoverCheck(): void;
  /** A master in a manual failover holds writes, then releases them. */
  pauseWrites(untilMs: number): void;
  unpauseWrites(): void;
}

/**
 * What one member notes about its view (with observeCluster). Nodes are named by their 40-hex node id, as
 * CLUSTER NODES names them; a node-added event gives its address.
 */
export type BusEvent =
  | ViewEvent
  /** A command changed slots in this member's view: assigned, unassigned, opened for migration, closed. */
  | { type: 'slot-change'; change: 'assign' | 'unassign' | 'migrating' | 'importing' | 'stable' | 'node'; slots: number[]; node: string | null }
  | { type: 'bus-sent'; msg: MessageType; to: string }
  | { type: 'bus-received'; msg: MessageType; from: string }
  /** This replica moved from a master with replicas to spare to an orphaned one (cluster-migration-barrier). */
  | { type: 'replica-migrated'; from: string; to: string }
  | FailoverEvent;

export class ClusterBus {
  private iteration = 0;
  /** PFAIL nodes counted at the start of clusterCron (stats_pfail_nodes): how many a message gossips about. */
  private statsPfailNodes = 0;
  /** Gossip dedup: messages built so far; ClusterNode.lastInPingGossip holds this counter's value at inclusion. */
  private pingsSent = 0;
  /** The node table as an array for random picks, rebuilt after nodes come or go. */
  private nodeList: ClusterNode[] | null = null;

  private nodesArray(): ClusterNode[] {
    if (this.nodeList === null || this.nodeList.length !== this.state.nodes.size) this.nodeList = [...this.state.nodes.values()];
    return this.nodeList;
  }

  readonly failover: ClusterFailover;

  constructor(
    private readonly state: ClusterState,
    private readonly rng: Prng,
    private readonly host: BusHost,
  ) {
    this.failover = new ClusterFailover(state, rng.fork('failover'), {
      nowMs: () => host.nowMs(),
      nodeTimeoutMs: () => host.nodeTimeoutMs(),
      validityFactor: () => Number(host.config('cluster-replica-validity-factor')),
      replPingPeriodS: () => Number(host.config('repl-ping-replica-period')),
      noFailover: () => host.config('cluster-replica-no-failover') === 'yes',
      replicaDataAgeMs: () => host.replicaDataAgeMs(),
      replicaOffset: () => host.replicationOffset(),
      requestVotes: (forceAck) => {
        for (const n of this.state.nodes.values()) {
          if (n.isMyself || n.flags.has('handshake') || !n.linkConnected) continue;
          const msg = this.header('auth-req');
          if (forceAck) msg.mflags = (msg.mflags ?? 0) | MF_FORCEACK;
          this.emit(n, msg);
        }
      },
      pauseWrites: (untilMs) => host.pauseWrites(untilMs),
      unpauseWrites: () => host.unpauseWrites(),
      sendMfStart: (to) => {
        if (to.linkConnected) this.emit(to, this.header('mfstart'));
      },
      ping: (to) => this.sendPing(to, 'ping'),
      sendVote: (to) => {
        if (to.linkConnected) this.emit(to, this.header('auth-ack'));
      },
      broadcastPong: (target) => this.broadcastPong(target),
      becomeMaster: () => host.replicationUnsetMaster(),
      log: (level, text) => host.log(level, text),
      changed: (updateState) => host.changed(updateState),
      scheduleFailoverCheck: () => host.scheduleFailoverCheck(),
      note: (e) => this.note(e),
      noteFlags: (n) => this.noteFlags(n),
    });
    if (host.observing) {
      for (const n of state.nodes.values()) n.flagsShown = n.flagsText();
      state.nodes.watchFlags((n) => {
        if (n.flagsPending) return;
        n.flagsPending = true;
        this.flagsTouched.push(n);
      });
      this.shownCurrentEpoch = state.currentEpoch;
      this.shownMyEpoch = state.myself.configEpoch;
    }
  }

  // --- what an observer is told -----------------------------------------------------------------------------

  /** Nodes whose flag bits changed since the last flushView (observing only). */
  private flagsTouched: ClusterNode[] = [];
  /** The currentEpoch and myself's config epoch as last reported. */
  private shownCurrentEpoch = 0;
  private shownMyEpoch = 0;

  /**
   * Counts changes of this view that leave no other trace (currentEpoch learned, failure reports, elections):
   * the node's view digest is rebuilt when this, the thread's clusterChanges or the node's own dirty flag moved.
   */
  viewVersion = 0;

  /** An event about this view; epoch events also record what was reported. */
  private note(e: BusEvent): void {
    this.viewVersion++;
    if (!this.host.observing) return;
    if (e.type === 'current-epoch') this.shownCurrentEpoch = e.epoch;
    else if (e.type === 'config-epoch' && e.node === this.state.myself.id) this.shownMyEpoch = e.epoch;
    this.host.note(e);
  }

  /** Report a node's flags if the text CLUSTER NODES prints for them changed since the last report. */
  private noteFlags(node: ClusterNode): void {
    if (!this.host.observing) return;
    const text = node.flagsText();
    if (text === node.flagsShown) return;
    node.flagsShown = text;
    this.host.note({ type: 'node-flags', node: node.id, flags: text });
  }

  /**
   * Report what changed without an event of its own: flag changes made on the way (roles from headers,
   * NOFAILOVER, NOADDR, a command's), and epochs a command or a reset set. Called after each message, after
   * clusterCron and before sleeping, so every change of the printed flags is reported once, in the iteration
   * it happened in.
   */
  flushView(): void {
    if (!this.host.observing) return;
    if (this.flagsTouched.length > 0) {
      const touched = this.flagsTouched;
      this.flagsTouched = [];
      for (const n of touched) {
        n.flagsPending = false;
        if (this.state.nodes.get(n.id) === n) this.noteFlags(n);
      }
    }
    const me = this.state.myself;
    if (this.state.currentEpoch !== this.shownCurrentEpoch) this.note({ type: 'current-epoch', epoch: this.state.currentEpoch, reason: 'command' });
    if (me.configEpoch !== this.shownMyEpoch) this.note({ type: 'config-epoch', node: me.id, epoch: me.configEpoch, reason: 'command' });
  }

  /** serverLog for cluster events, in redis-server's wording. */
  log(level: 'notice' | 'warning', text: string): void {
    this.host.log(level, text);
  }

  /** clusterBroadcastPong: to every node we have a link to, or only to the other replicas of our master. */
  broadcastPong(target: 'all' | 'local-replicas'): void {
    const me = this.state.myself;
    for (const n of this.state.nodes.values()) {
      if (n.isMyself || n.flags.has('handshake') || !n.linkConnected) continue;
      if (target === 'local-replicas' && !(n.flags.has('slave') && n.replicaOf !== null && n.replicaOf === me.replicaOf)) continue;
      this.sendPing(n, 'pong');
    }
  }

  /** clusterSetMaster: become a replica of `n` (CLUSTER REPLICATE, or our slots went to `n`). */
  setMaster(n: ClusterNode): void {
    const me = this.state.myself;
    if (me.isMaster) {
      me.flags.delete('master');
      me.flags.delete('migrate-to');
      me.flags.add('slave');
      // clusterCloseAllSlots: a replica neither migrates nor imports.
      this.state.migratingTo.clear();
      this.state.importingFrom.clear();
    } else if (me.replicaOf) me.replicaOf.removeReplica(me);
    me.replicaOf = n;
    n.addReplica(me);
    this.host.replicationSetMaster(n.ip, n.port);
    this.failover.resetManualFailover();
    this.noteFlags(me);
    this.note({ type: 'node-master', node: me.id, master: n.id });
    this.host.changed(true);
  }

  // --- CLUSTER MEET ----------------------------------------------------------------------------------------

  /** clusterStartHandshake: a node with a random temporary id, in HANDSHAKE and MEET, unless one is pending. */
  startHandshake(ip: string, port: number, cport: number): void {
    for (const n of this.state.nodes.values()) {
      if (n.flags.has('handshake') && n.ip === ip && n.port === port && n.cport === cport) return;
    }
    const n = new ClusterNode(this.rng.hex(40), ip, port, cport);
    n.flags.add('handshake');
    n.flags.add('meet');
    n.ctimeMs = this.host.nowMs();
    this.addNode(n);
  }

  // --- clusterCron ------------------------------------------------------------------------------------------

  cron(): void {
    const now = this.host.nowMs();
    const timeout = this.host.nodeTimeoutMs();
    this.iteration++;
    const handshakeTimeout = Math.max(timeout, 1000);
    // Reconnect: every node without a link gets one, and a PING (or MEET) on it at once. Skipped while no flag
    // or link has changed since a pass that found every node linked and none in handshake: it would only
    // recount the same PFAIL nodes.
    const quiet = this.quietPass;
    if (quiet === null || quiet.changes !== clusterChanges.count) this.linkPass(now, handshakeTimeout);
    // Once a second, ping the node with the oldest PONG among five random picks.
    if (this.iteration % 10 === 0) {
      let best: ClusterNode | null = null;
      const all = this.nodesArray();
      for (let j = 0; j < 5; j++) {
        const n = all[this.rng.int(all.length)];
        if (!n.linkConnected || n.pingSentMs !== 0 || n.flags.mask & (FLAG_BITS.myself | FLAG_BITS.handshake)) continue;
        if (best === null || best.pongReceivedMs > n.pongReceivedMs) best = n;
      }
      if (best) this.sendPing(best, 'ping');
    }
    let updateState = false;
    const iAmReplica = this.state.myself.flags.has('slave');
    let orphanedMasters = 0;
    let maxReplicas = 0;
    let myMastersReplicas = 0;
    const all = this.nodesArray();
    // A master whose table, flags, links and timeout are as the last cron left them visits only the nodes whose
    // timeouts can have come (CronSchedule); otherwise, and always on a replica, every node, as Redis does.
    const scheduled = !iAmReplica && this.scheduleChanges === clusterChanges.count && this.schedule.timeoutMs === timeout && this.scheduleList === all;
    const visit = scheduled ? this.schedule.due(now) : all;
    for (const node of visit) {
      if (node.flags.mask & (FLAG_BITS.myself | FLAG_BITS.noaddr | FLAG_BITS.handshake)) continue;
      // Replica migration bookkeeping: masters with slots left without a working replica, and how many working
      // replicas the best-served master and our own master have.
      if (iAmReplica && node.isMaster && !node.flags.has('fail')) {
        const ok = node.nonFailingReplicas();
        if (ok === 0 && node.numSlots > 0 && node.flags.has('migrate-to')) orphanedMasters++;
        if (ok > maxReplicas) maxReplicas = ok;
        if (this.state.myself.replicaOf === node) myMastersReplicas = ok;
      }
      if (this.cronVisit(node, now, timeout)) updateState = true;
      if (scheduled) this.schedule.refile(node);
    }
    if (!scheduled) {
      this.schedule.rebuild(all, timeout);
      this.scheduleList = all;
    }
    this.scheduleChanges = clusterChanges.count;
    // A replica whose replication is off (a restart from nodes.conf) starts it once its master has an address.
    const me = this.state.myself;
    if (me.flags.has('slave') && me.replicaOf !== null && !this.host.replicationActive() && !me.replicaOf.flags.has('noaddr')) {
      this.host.replicationSetMaster(me.replicaOf.ip, me.replicaOf.port);
    }
    this.failover.checkManualTimeout();
    if (me.flags.has('slave')) {
      this.failover.handleManualFailover();
      this.failover.handleReplicaFailover();
      // Only worth a look when some master has two working replicas and ours is one of the best served.
      if (orphanedMasters > 0 && maxReplicas >= 2 && myMastersReplicas === maxReplicas && this.host.config('cluster-allow-replica-migration') === 'yes') {
        this.handleReplicaMigration(maxReplicas, now);
      }
    }
    if (updateState) this.host.changed(true);
    this.flushView();
  }

  /** When each node's timeouts can next hold, and the table and change count that schedule was built for. */
  private readonly schedule = new CronSchedule();
  private scheduleList: ClusterNode[] | null = null;
  private scheduleChanges = -1;

  /**
   * clusterCron's tests on one node: drop a link silent too long after a PING, ping a node whose PONG is older
   * than half the timeout, mark PFAIL a node silent for the whole timeout. Returns whether the state needs an
   * update.
   */
  private cronVisit(node: ClusterNode, now: number, timeout: number): boolean {
    const pingDelay = now - node.pingSentMs;
    const dataDelay = now - node.dataReceivedMs;
    // A link silent for more than half the timeout after a PING is dropped; the next cron reconnects it.
    if (node.linkConnected && now - node.linkCtimeMs > timeout && node.pingSentMs && pingDelay > timeout / 2 && dataDelay > timeout / 2) {
      node.linkConnected = false;
    }
    if (node.linkConnected && node.pingSentMs === 0 && now - node.pongReceivedMs > timeout / 2) {
      this.sendPing(node, 'ping');
      return false;
    }
    if (node.pingSentMs === 0) return false;
    const delay = Math.min(pingDelay, dataDelay);
    if (delay > timeout && !(node.flags.mask & (FLAG_BITS['fail?'] | FLAG_BITS.fail))) {
      node.flags.add('fail?');
      this.noteFlags(node);
      return true;
    }
    return false;
  }

  /** The last reconnect pass that had nothing to do, and the change count it saw (membership changes count too). */
  private quietPass: { changes: number } | null = null;

  /** clusterCron's first pass: PFAIL nodes counted, timed-out handshakes dropped, missing links made. */
  private linkPass(now: number, handshakeTimeout: number): void {
    this.statsPfailNodes = 0;
    let quiet = true;
    // A snapshot: a timed-out handshake is deleted on the way.
    for (const node of this.nodesArray()) {
      const mask = node.flags.mask;
      if (mask & (FLAG_BITS.myself | FLAG_BITS.noaddr)) {
        if (mask & FLAG_BITS.noaddr) quiet = false;
        continue;
      }
      if (mask & FLAG_BITS['fail?']) this.statsPfailNodes++;
      if (mask & FLAG_BITS.handshake) {
        quiet = false;
        if (now - node.ctimeMs > handshakeTimeout) {
          this.delNode(node);
          continue;
        }
      }
      if (!node.linkConnected) {
        quiet = false;
        // clusterLinkConnectHandler sends this PING once the connection is up; only then does Redis start the
        // ping clock. A connection that is refused never starts it, so the ping time is left as it was (the
        // T/2 rule below starts it, as in Redis, while the new link is still connecting).
        node.linkConnected = true;
        node.linkCtimeMs = now;
        const oldPingSent = node.pingSentMs;
        this.sendPing(node, node.flags.has('meet') ? 'meet' : 'ping');
        node.pingSentMs = oldPingSent;
        node.flags.delete('meet');
      }
    }
    this.quietPass = quiet ? { changes: clusterChanges.count } : null;
  }

  /**
   * clusterHandleSlaveMigration: a replica of a master with more than cluster-migration-barrier working replicas
   * moves to a master that has had none for CLUSTER_SLAVE_MIGRATION_DELAY, if among the replicas of the
   * best-served masters it has the smallest node id (so that, normally, exactly one moves).
   */
  private handleReplicaMigration(maxReplicas: number, now: number): void {
    const me = this.state.myself;
    const mine = me.replicaOf;
    if (this.state.state !== 'ok' || mine === null) return;
    let okReplicas = 0;
    for (const r of mine.replicas) if (!(r.flags.mask & (FLAG_BITS.fail | FLAG_BITS['fail?']))) okReplicas++;
    if (okReplicas <= Number(this.host.config('cluster-migration-barrier'))) return;
    let target: ClusterNode | null = null;
    let candidate: ClusterNode = me;
    for (const node of this.state.nodes.values()) {
      const ok = node.isMaster ? node.nonFailingReplicas() : 0;
      const orphaned = node.isMaster && !node.flags.has('fail') && node.flags.has('migrate-to') && ok === 0;
      if (orphaned) {
        if (target === null && node.numSlots > 0) target = node;
        if (node.orphanedTimeMs === 0) node.orphanedTimeMs = now;
      } else {
        node.orphanedTimeMs = 0;
      }
      if (ok === maxReplicas) for (const r of node.replicas) if (r.id < candidate.id) candidate = r;
    }
    if (target !== null && candidate === me && now - target.orphanedTimeMs > CLUSTER_SLAVE_MIGRATION_DELAY_MS) {
      this.host.log('warning', `Migrating to orphaned master ${target.id}`);
      this.note({ type: 'replica-migrated', from: mine.id, to: target.id });
      this.setMaster(target);
    }
  }

  /**
   * The link to "ip:cport" could not be made or broke (clusterLinkConnectHandler's failure, freeClusterLink): the
   * node shows disconnected until clusterCron links again. The failure does not start the ping clock: Redis's
   * connect is asynchronous, and only a PING actually queued on a link does.
   */
  linkDown(to: string): void {
    for (const n of this.state.nodes.values()) {
      if (n.isMyself || `${n.ip}:${n.cport}` !== to) continue;
      n.linkConnected = false;
    }
  }

  // --- sending ----------------------------------------------------------------------------------------------

  private header(type: MessageType): BusMessage {
    const me = this.state.myself;
    const master = me.flags.has('slave') && me.replicaOf ? me.replicaOf : me;
    const bits = this.state.slotsBitmapOf(master);
    return {
      type,
      sender: me.id,
      realm: ID_REALM,
      senderNum: me.idNumber,
      currentEpoch: this.state.currentEpoch,
      configEpoch: master.configEpoch,
      offset: (me.replOffset = this.host.replicationOffset()),
      myslots: bits,
      myslotsHash: this.state.slotsHashOf(master),
      slaveof: me.flags.has('slave') && me.replicaOf ? me.replicaOf.id : null,
      myip: '',
      port: me.port,
      cport: me.cport,
      flags: me.flags.mask & (FLAG_BITS.master | FLAG_BITS.slave | FLAG_BITS.nofailover),
      state: this.state.state,
      mflags: this.failover.headerFlags(),
    };
  }

  /** A node's gossip entry: the one made before, while none of the fields it copies has changed. */
  private gossipEntry(n: ClusterNode): GossipEntry {
    const c = n.gossipCache;
    if (c !== null) return c;
    return (n.gossipCache = {
      id: n.id, pingSentS: Math.floor(n.pingSentMs / 1000), pongReceivedS: Math.floor(n.pongReceivedMs / 1000),
      ip: n.ip, port: n.port, cport: n.cport, flags: n.flags.mask, realm: ID_REALM, num: n.idNumber,
    });
  }

  private emit(node: ClusterNode | string, msg: BusMessage): void {
    const to = typeof node === 'string' ? node : node.busAddress;
    this.state.countMessage(this.state.sent, msg.type);
    if (this.host.observing) this.host.note({ type: 'bus-sent', msg: msg.type, to });
    this.host.send(to, msg);
  }

  /** clusterSendPing: PING, PONG or MEET with gossip about a tenth of the known nodes (at least 3) plus every PFAIL node. */
  private sendPing(to: ClusterNode | string, type: 'ping' | 'pong' | 'meet'): void {
    this.pingsSent++;
    const nodes = this.nodesArray();
    let fresh = nodes.length - 2;
    let wanted = Math.max(3, Math.floor(nodes.length / 10));
    if (wanted > fresh) wanted = fresh;
    if (typeof to !== 'string' && type === 'ping') to.pingSentMs = this.host.nowMs();
    const msg = this.header(type);
    const gossip: GossipEntry[] = [];
    let iterations = wanted * 3;
    while (fresh > 0 && gossip.length < wanted && iterations-- > 0) {
      const n = nodes[this.rng.int(nodes.length)];
      const mask = n.flags.mask;
      if (mask & (FLAG_BITS.myself | FLAG_BITS['fail?'])) continue;
      if (mask & (FLAG_BITS.handshake | FLAG_BITS.noaddr) || (!n.linkConnected && n.numSlots === 0)) {
        fresh--;
        continue;
      }
      if (n.lastInPingGossip === this.pingsSent) continue;
      gossip.push(this.gossipEntry(n));
      n.lastInPingGossip = this.pingsSent;
      fresh--;
    }
    // Every PFAIL node, as counted at the start of the last clusterCron (stats_pfail_nodes): a node marked PFAIL
    // during a cron is gossiped from the next one on.
    let pfailWanted = this.statsPfailNodes;
    for (const n of nodes) {
      if (pfailWanted <= 0) break;
      if (!n.flags.has('fail?') || n.flags.has('handshake') || n.flags.has('noaddr')) continue;
      gossip.push(this.gossipEntry(n));
      pfailWanted--;
    }
    msg.gossip = gossip;
    this.emit(to, msg);
  }

  /** clusterSendFail: tell every node that `failing` is in FAIL state. */
  private broadcastFail(failing: ClusterNode): void {
    let sent = 0;
    for (const n of this.state.nodes.values()) {
      if (n.isMyself || n.flags.has('handshake') || !n.linkConnected) continue;
      const msg = this.header('fail');
      msg.fail = { about: failing.id };
      this.emit(n, msg);
      sent++;
    }
    this.note({ type: 'fail-sent', node: failing.id, to: sent });
  }

  /** clusterPropagatePublish: a PUBLISH goes to every node we have a link to (clusterBroadcastMessage). */
  broadcastPublish(channel: string, message: string): void {
    for (const n of this.state.nodes.values()) {
      if (n.isMyself || n.flags.has('handshake') || !n.linkConnected) continue;
      const msg = this.header('publish');
      msg.publish = { channel, message };
      this.emit(n, msg);
    }
  }

  private sendUpdate(to: ClusterNode, about: ClusterNode): void {
    if (!to.linkConnected) return;
    const msg = this.header('update');
    msg.update = { id: about.id, configEpoch: about.configEpoch, slots: this.state.slotsBitmapOf(about) };
    this.emit(to, msg);
  }

  // --- receiving --------------------------------------------------------------------------------------------

  /** clusterProcessPacket. `fromIp` is the sender's address as our socket sees it, `toIp` ours. */
  processPacket(fromIp: string, toIp: string, msg: BusMessage): void {
    this.processPacketBody(fromIp, toIp, msg);
    this.flushView();
  }

  private processPacketBody(fromIp: string, toIp: string, msg: BusMessage): void {
    const now = this.host.nowMs();
    const me = this.state.myself;
    this.state.countMessage(this.state.received, msg.type);
    if (this.host.observing) this.host.note({ type: 'bus-received', msg: msg.type, from: `${fromIp}:${msg.cport}` });
    let sender = this.state.nodes.forSender(msg);
    if (sender && sender.flags.has('handshake')) sender = undefined;
    if (sender) sender.dataReceivedMs = now;
    if (sender) {
      if (msg.currentEpoch > this.state.currentEpoch) {
        this.state.currentEpoch = msg.currentEpoch;
        this.note({ type: 'current-epoch', epoch: msg.currentEpoch, reason: 'learned' });
      }
      if (msg.configEpoch > sender.configEpoch) {
        sender.configEpoch = msg.configEpoch;
        this.host.changed(false);
        this.note({ type: 'config-epoch', node: sender.id, epoch: msg.configEpoch, reason: 'learned' });
      }
      sender.replOffset = msg.offset;
      if ((msg.mflags ?? 0) & MF_PAUSED) this.failover.masterPausedOffset(sender, msg.offset);
    }
    const type = msg.type;
    // PING, MEET, FAIL and UPDATE come over the sender's link to us (our inbound link); PONGs over ours.
    if (sender && type !== 'pong' && sender.inboundLinkCtimeMs === 0) sender.inboundLinkCtimeMs = now;
    if (type === 'ping' || type === 'meet') {
      // A node learns its own IP from the first PING or MEET it receives.
      if ((type === 'meet' || me.ip === '') && toIp !== me.ip) {
        me.ip = toIp;
        this.host.changed(false);
      }
      if (!sender && type === 'meet') {
        const n = new ClusterNode(this.rng.hex(40), msg.myip || fromIp, msg.port, msg.cport);
        n.flags.add('handshake');
        n.ctimeMs = now;
        this.addNode(n);
        this.host.changed(false);
        this.processGossip(msg, undefined);
      }
      // The PONG goes back to where the PING came from (the known sender's cached address when it is that).
      this.sendPing(sender !== undefined && sender.ip === fromIp && sender.cport === msg.cport ? sender.busAddress : `${fromIp}:${msg.cport}`, 'pong');
    }
    if (type === 'ping' || type === 'pong' || type === 'meet') {
      if (type === 'pong') {
        // A PONG comes back on our own link: find the node it answers for.
        let linkNode: ClusterNode | undefined = this.state.nodes.forSender(msg);
        if (!linkNode || linkNode.flags.has('handshake')) {
          const pending = [...this.state.nodes.values()].find((n) => n.flags.has('handshake') && n.ip === (msg.myip || fromIp) && n.cport === msg.cport);
          if (pending) {
            if (sender) {
              // We already know this node under its real id: drop the handshake entry.
              this.delNode(pending);
              return;
            }
            this.renameNode(pending, msg.sender);
            pending.flags.delete('handshake');
            if (msg.flags & FLAG_BITS.master) pending.flags.add('master');
            if (msg.flags & FLAG_BITS.slave) pending.flags.add('slave');
            this.host.changed(false);
            linkNode = pending;
            sender = pending;
            pending.dataReceivedMs = now;
            this.noteFlags(pending);
          }
        }
        if (linkNode && !linkNode.flags.has('handshake')) {
          linkNode.pongReceivedMs = now;
          linkNode.pingSentMs = 0;
          // The half-timeout ping is now due from this PONG on: possibly earlier than what the node was filed at.
          this.schedule.refile(linkNode);
          if (linkNode.flags.has('fail?')) {
            linkNode.flags.delete('fail?');
            this.noteFlags(linkNode);
            this.host.changed(true);
          } else if (linkNode.flags.has('fail')) {
            this.clearNodeFailureIfNeeded(linkNode);
          }
        }
      }
      if (sender) {
        if (msg.flags & FLAG_BITS.nofailover) sender.flags.add('nofailover');
        else sender.flags.delete('nofailover');
        this.updateRole(sender, msg);
        const senderMaster = sender.isMaster ? sender : sender.replicaOf;
        // Equal checksums mean the same bitmap (a 32-bit collision would only delay an update to a later message).
        const dirty = senderMaster !== null && this.state.slotsHashOf(senderMaster) !== msg.myslotsHash;
        if (sender.isMaster && dirty) this.updateSlotsConfigWith(sender, msg.configEpoch, msg.myslots);
        if (dirty) {
          for (let j = 0; j < CLUSTER_SLOTS; j++) {
            if (!bitSet(msg.myslots, j)) continue;
            const owner = this.state.slots[j];
            if (owner === sender || owner === null) continue;
            if (owner.configEpoch > msg.configEpoch) {
              this.sendUpdate(sender, owner);
              break;
            }
          }
        }
        if (me.isMaster && sender.isMaster && msg.configEpoch === me.configEpoch) this.handleConfigEpochCollision(sender);
        this.processGossip(msg, sender);
      }
    } else if (type === 'fail') {
      if (!sender || !msg.fail) return;
      const failing = this.state.nodes.get(msg.fail.about);
      const applied = failing !== undefined && !failing.flags.has('fail') && !failing.isMyself;
      this.note({ type: 'fail-received', node: msg.fail.about, from: sender.id, applied });
      if (failing && applied) {
        failing.flags.add('fail');
        failing.failTimeMs = now;
        failing.flags.delete('fail?');
        this.noteFlags(failing);
        this.host.changed(true);
      }
    } else if (type === 'mfstart') {
      if (!sender) return;
      this.failover.mfStartReceived(sender);
    } else if (type === 'auth-req') {
      if (!sender) return;
      this.failover.maybeVote(sender, msg);
    } else if (type === 'auth-ack') {
      if (!sender) return;
      this.failover.voteReceived(sender, msg.currentEpoch);
    } else if (type === 'publish') {
      if (!sender || !msg.publish) return;
      this.host.publish(msg.publish.channel, msg.publish.message);
    } else if (type === 'update') {
      if (!sender || !msg.update) return;
      const n = this.state.nodes.get(msg.update.id);
      if (!n || n.configEpoch >= msg.update.configEpoch) return;
      if (n.flags.has('slave')) this.setAsMaster(n);
      n.configEpoch = msg.update.configEpoch;
      this.note({ type: 'config-epoch', node: n.id, epoch: n.configEpoch, reason: 'update' });
      this.updateSlotsConfigWith(n, msg.update.configEpoch, msg.update.slots);
    }
  }

  /** The sender's role from its header: a master, or a replica of the node it names. */
  private updateRole(sender: ClusterNode, msg: BusMessage): void {
    if (msg.slaveof === null) {
      this.setAsMaster(sender);
      return;
    }
    const master = this.state.nodes.get(msg.slaveof);
    if (sender.isMaster) {
      for (let j = 0; j < CLUSTER_SLOTS; j++) if (this.state.slots[j] === sender) this.state.delSlot(j);
      sender.flags.delete('master');
      sender.flags.delete('migrate-to');
      sender.flags.add('slave');
      this.host.changed(true);
    }
    if (master && sender.replicaOf !== master) {
      if (sender.replicaOf) sender.replicaOf.removeReplica(sender);
      master.addReplica(sender);
      sender.replicaOf = master;
      this.host.changed(false);
      this.note({ type: 'node-master', node: sender.id, master: master.id });
    }
  }

  /** clusterSetNodeAsMaster. */
  private setAsMaster(n: ClusterNode): void {
    if (n.isMaster) return;
    // A promoted replica takes over its old master's role as a migration target.
    if (n.replicaOf) {
      n.replicaOf.removeReplica(n);
      if (!n.isMyself) n.flags.add('migrate-to');
    }
    n.flags.delete('slave');
    n.flags.add('master');
    const hadMaster = n.replicaOf !== null;
    n.replicaOf = null;
    this.host.changed(true);
    this.noteFlags(n);
    if (hadMaster) this.note({ type: 'node-master', node: n.id, master: null });
  }

  /**
   * clusterUpdateSlotsConfigWith: slots the sender claims become its own in our view when they are unassigned
   * or their owner's config epoch is older; keys we held in slots we lost are deleted.
   */
  private updateSlotsConfigWith(sender: ClusterNode, senderConfigEpoch: number, slots: Uint8Array): void {
    if (sender.isMyself) return;
    const me = this.state.myself;
    // The master whose slots we follow: ourselves, or the master we replicate.
    const curmaster = me.isMaster ? me : me.replicaOf;
    let newmaster: ClusterNode | null = null;
    let migratedOurSlots = 0;
    let senderSlots = 0;
    const dirty: number[] = [];
    const moved: number[] = [];
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if (!bitSet(slots, j)) continue;
      senderSlots++;
      const owner = this.state.slots[j];
      if (owner === sender) continue;
      if (this.state.importingFrom.has(j)) continue;
      if (owner === null || owner.configEpoch < senderConfigEpoch) {
        // Keys we hold in a slot taken from us: deleted, unless we are about to follow the new owner.
        if (owner === me && this.host.countKeysInSlot(j) > 0) dirty.push(j);
        if (owner !== null && owner === curmaster) {
          newmaster = sender;
          migratedOurSlots++;
        }
        this.state.delSlot(j);
        this.state.addSlot(sender, j);
        moved.push(j);
      }
    }
    if (moved.length > 0) {
      this.note({ type: 'slots-owner', node: sender.id, slots: moved.length, ranges: rangesOfSlots(moved) });
      this.host.changed(true);
    }
    // Our master (or we) lost every slot to the sender: a failover happened; follow the new master. With
    // cluster-allow-replica-migration no, only when all the sender's slots were ours (a plain failover).
    const allowMigration = this.host.config('cluster-allow-replica-migration') === 'yes';
    if (newmaster !== null && curmaster !== null && curmaster.numSlots === 0 && (allowMigration || senderSlots === migratedOurSlots)) {
      this.host.log('warning', `Configuration change detected. Reconfiguring myself as a replica of ${sender.id}`);
      this.setMaster(sender);
    } else if (dirty.length > 0) {
      for (const j of dirty) this.host.delKeysInSlot(j);
    }
  }

  /**
   * clusterHandleConfigEpochCollision: two masters with the same config epoch; the one with the smaller id
   * takes a new, higher epoch, so every epoch ends up unique.
   */
  private handleConfigEpochCollision(sender: ClusterNode): void {
    const me = this.state.myself;
    if (sender.configEpoch !== me.configEpoch || !sender.isMaster || !me.isMaster) return;
    if (sender.id <= me.id) return;
    this.state.currentEpoch++;
    me.configEpoch = this.state.currentEpoch;
    this.host.changed(false);
    this.note({ type: 'current-epoch', epoch: this.state.currentEpoch, reason: 'collision' });
    this.note({ type: 'config-epoch', node: me.id, epoch: me.configEpoch, reason: 'collision' });
  }

  /** clusterProcessGossipSection. */
  private processGossip(msg: BusMessage, sender: ClusterNode | undefined): void {
    const gossip = msg.gossip;
    if (gossip === undefined || gossip.length === 0) return;
    const now = this.host.nowMs();
    const failingBits = FLAG_BITS.fail | FLAG_BITS['fail?'];
    const reporter = sender !== undefined && sender.isMaster ? sender : undefined;
    const myself = this.state.myself;
    for (const g of gossip) {
      const node = this.state.nodes.forEntry(g);
      const failing = (g.flags & failingBits) !== 0;
      const noaddr = (g.flags & FLAG_BITS.noaddr) !== 0;
      if (node) {
        if (reporter !== undefined && node !== myself) {
          if (failing) {
            const reports = (node.failReports ??= new Map());
            if (!reports.has(reporter.id)) this.note({ type: 'failure-report', node: node.id, reporter: reporter.id, change: 'added' });
            reports.set(reporter.id, now);
            this.markNodeAsFailingIfNeeded(node);
          } else if (node.failReports !== null && node.failReports.delete(reporter.id)) {
            if (node.failReports.size === 0) node.failReports = null;
            this.note({ type: 'failure-report', node: node.id, reporter: reporter.id, change: 'removed' });
          }
        }
        // (Reports are only counted, and stale ones dropped, when there are any.)
        if (!failing && node.pingSentMs === 0 && (node.failReports === null || this.failureReportCount(node) === 0)) {
          const pong = g.pongReceivedS * 1000;
          if (pong <= now + 500 && pong > node.pongReceivedMs) node.pongReceivedMs = pong;
        }
        if ((node.flags.mask & failingBits) !== 0 && !noaddr && !failing && (node.ip !== g.ip || node.port !== g.port || node.cport !== g.cport)) {
          node.linkConnected = false;
          node.ip = g.ip;
          node.port = g.port;
          node.cport = g.cport;
          node.flags.delete('noaddr');
        }
      } else if (sender && !noaddr && !this.state.isBanned(g.id, now)) {
        const n = new ClusterNode(g.id, g.ip, g.port, g.cport);
        for (const f of maskToFlags(g.flags)) if (f !== 'myself') n.flags.add(f);
        n.ctimeMs = now;
        this.addNode(n);
      }
    }
  }

  /** clusterNodeFailureReportsCount, after dropping reports older than twice the node timeout. */
  failureReportCount(node: ClusterNode): number {
    const maxAge = this.host.nodeTimeoutMs() * FAIL_REPORT_VALIDITY_MULT;
    const now = this.host.nowMs();
    const reports = node.failReports;
    if (reports === null) return 0;
    for (const [id, at] of reports) {
      if (now - at <= maxAge) continue;
      reports.delete(id);
      this.note({ type: 'failure-report', node: node.id, reporter: id, change: 'expired' });
    }
    if (reports.size === 0) node.failReports = null;
    return reports.size;
  }

  /** markNodeAsFailingIfNeeded: PFAIL becomes FAIL once a majority of masters (counting me) report it. */
  private markNodeAsFailingIfNeeded(node: ClusterNode): void {
    const quorum = Math.floor(this.state.size / 2) + 1;
    if (!node.flags.has('fail?') || node.flags.has('fail')) return;
    let failures = this.failureReportCount(node);
    if (this.state.myself.isMaster) failures++;
    if (failures < quorum) return;
    node.flags.delete('fail?');
    node.flags.add('fail');
    node.failTimeMs = this.host.nowMs();
    this.noteFlags(node);
    this.broadcastFail(node);
    this.host.changed(true);
  }

  /** clearNodeFailureIfNeeded: a reachable replica or slotless master loses FAIL at once; a master with slots after a while. */
  private clearNodeFailureIfNeeded(node: ClusterNode): void {
    const now = this.host.nowMs();
    if (!node.isMaster || node.numSlots === 0) {
      node.flags.delete('fail');
    } else if (now - node.failTimeMs > this.host.nodeTimeoutMs() * FAIL_UNDO_TIME_MULT) {
      node.flags.delete('fail');
    } else return;
    this.noteFlags(node);
    this.host.changed(true);
  }

  // --- the node table ---------------------------------------------------------------------------------------

  private addNode(n: ClusterNode): void {
    this.state.nodes.set(n.id, n);
    this.nodeList = null;
    clusterChanges.count++;
    if (this.host.observing) {
      n.flagsShown = n.flagsText();
      this.note({ type: 'node-added', node: n.id, address: `${n.ip}:${n.port}@${n.cport}`, flags: n.flagsShown });
    }
  }

  /** clusterDelNode: forget a node, its slots, its failure reports about others. */
  delNode(n: ClusterNode): void {
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if (this.state.slots[j] === n) this.state.delSlot(j);
      if (this.state.importingFrom.get(j) === n) this.state.importingFrom.delete(j);
      if (this.state.migratingTo.get(j) === n) this.state.migratingTo.delete(j);
    }
    for (const other of this.state.nodes.values()) {
      if (other.failReports === null || !other.failReports.delete(n.id)) continue;
      if (other.failReports.size === 0) other.failReports = null;
      this.note({ type: 'failure-report', node: other.id, reporter: n.id, change: 'forgotten' });
    }
    if (n.replicaOf) n.replicaOf.removeReplica(n);
    this.state.nodes.delete(n.id);
    this.nodeList = null;
    clusterChanges.count++;
    this.note({ type: 'node-removed', node: n.id });
  }

  private renameNode(n: ClusterNode, id: string): void {
    const from = n.id;
    this.state.nodes.delete(n.id);
    n.id = id;
    this.note({ type: 'node-renamed', node: id, from });
    this.state.nodes.set(id, n);
    this.nodeList = null;
    clusterChanges.count++;
  }
}

function bitSet(bits: Uint8Array, j: number): boolean {
  return (bits[j >> 3] & (1 << (j & 7))) !== 0;
}
