/**
 * Replica promotion (cluster.c): a replica whose master is FAIL waits a delay that grows with its rank (how
 * many sibling replicas have more data), bumps currentEpoch and asks every master for a vote; a master votes
 * at most once per epoch, and not again for the same failed master within two node timeouts; with a majority
 * of the slot-serving masters the replica takes its master's slots under the new epoch and tells everyone.
 *
 *   clusterHandleSlaveFailover      -> handleReplicaFailover
 *   clusterGetSlaveRank             -> replicaRank
 *   clusterSendFailoverAuthIfNeeded -> maybeVote
 *   clusterFailoverReplaceYourMaster-> replaceMaster
 */
import type { ClusterNode } from './cluster-node.ts';
import type { BusMessage } from './bus-message.ts';
import type { Prng } from '../random/prng.ts';
import { CLUSTER_SLOTS } from './slots.ts';
import { rangesOfSlots, type ClusterState, type SlotRange } from './cluster-state.ts';

/** Why a replica is not failing over now (clusterLogCantFailover's reasons), for CLUSTER INFO-like views and logs. */
export type CantFailoverReason = 'none' | 'data-age' | 'waiting-delay' | 'expired' | 'waiting-votes';

/** What the failover logic needs from the bus and the node around it. */
export interface FailoverHost {
  nowMs(): number;
  nodeTimeoutMs(): number;
  /** cluster-replica-validity-factor, repl-ping-replica-period (s), cluster-replica-no-failover. */
  validityFactor(): number;
  replPingPeriodS(): number;
  noFailover(): boolean;
  /** How old the replica's data is (ms): since the last interaction with the master, or since the link went down. */
  replicaDataAgeMs(): number;
  /** replicationGetSlaveOffset. */
  replicaOffset(): number;
  /** Broadcast a FAILOVER_AUTH_REQUEST (the header carries our master's slots and config epoch); `forceAck` for a manual failover. */
  requestVotes(forceAck: boolean): void;
  /** A master: hold writes (CLIENT PAUSE WRITE) until unix ms `untilMs`, or release them. */
  pauseWrites(untilMs: number): void;
  unpauseWrites(): void;
  /** A replica: ask our master to start a manual failover. */
  sendMfStart(to: ClusterNode): void;
  /** A master: PING the replica at once (the header now says we are paused, with our offset). */
  ping(to: ClusterNode): void;
  sendVote(to: ClusterNode): void;
  /** PONG to every node, or only to the other replicas of our master. */
  broadcastPong(target: 'all' | 'local-replicas'): void;
  /** Stop replicating and become a master (replicationUnsetMaster). */
  becomeMaster(): void;
  log(level: 'notice' | 'warning', text: string): void;
  /** The view changed: update the state and save nodes.conf before sleeping. */
  changed(updateState: boolean): void;
  /** Run handleReplicaFailover again before sleeping (CLUSTER_TODO_HANDLE_FAILOVER). */
  scheduleFailoverCheck(): void;
  /** An event for the UI: election scheduled, started, vote given, won; what that changed in the view. */
  note(e: FailoverEvent | ViewEvent): void;
  /** The node's flags changed: report them (once per change of the printed text). */
  noteFlags(node: ClusterNode): void;
}

export type FailoverEvent =
  /** The election is scheduled `delayMs` from now (the FAIL's spread, a random part, a second per rank). */
  | { type: 'election-scheduled'; delayMs: number; rank: number; offset: number }
  /** Before it started, a sibling got ahead: the rank worsened and the start moved `addedMs` later. */
  | { type: 'election-delayed'; rank: number; addedMs: number }
  | { type: 'election-started'; epoch: number }
  | { type: 'vote-granted'; to: string; epoch: number }
  | { type: 'vote-received'; from: string; votes: number; needed: number }
  | { type: 'failover-won'; epoch: number }
  | { type: 'manual-failover'; phase: 'requested' | 'paused' | 'can-start' | 'timed-out' };

/** Why a config epoch changed in a member's view. */
export type ConfigEpochReason =
  /** Learned from a message's header (the sender's own epoch) or from an UPDATE message about the node. */
  | 'learned' | 'update'
  /** clusterHandleConfigEpochCollision: two masters had the same epoch; this one (the smaller id) took a new one. */
  | 'collision'
  /** clusterBumpConfigEpochWithoutConsensus (CLUSTER FAILOVER TAKEOVER, SETSLOT NODE of an imported slot). */
  | 'bump'
  /** A won election: the replica takes the election's epoch. */
  | 'failover'
  /** Changed by a command or a reset (CLUSTER SET-CONFIG-EPOCH, CLUSTER RESET): seen before the next sleep. */
  | 'command';

/**
 * Changes of one member's view of the cluster, as CLUSTER NODES, CLUSTER SLOTS and CLUSTER INFO would show them.
 * Every change of the flags CLUSTER NODES prints for a node gives exactly one node-flags event.
 */
export type ViewEvent =
  | { type: 'node-flags'; node: string; flags: string }
  | { type: 'node-added'; node: string; address: string; flags: string }
  | { type: 'node-removed'; node: string }
  /** A handshake finished: the node's temporary id (`from`) became its real one. */
  | { type: 'node-renamed'; node: string; from: string }
  /** Which master a replica follows, in this view (null: it is a master now). */
  | { type: 'node-master'; node: string; master: string | null }
  /** Slots went to `node` in this view (`slots` of them, in these ranges): gossip, an UPDATE, or a won failover. */
  | { type: 'slots-owner'; node: string; slots: number; ranges: SlotRange[] }
  | { type: 'config-epoch'; node: string; epoch: number; reason: ConfigEpochReason }
  /** This member's currentEpoch changed (a newer epoch heard, an election started, a bump, a collision). */
  | { type: 'current-epoch'; epoch: number; reason: 'learned' | 'election' | ConfigEpochReason }
  /**
   * This member learned that master `reporter` flags `node` as failing (PFAIL or FAIL, in gossip), or dropped that
   * report: the reporter says it is reachable again ('removed'), it is older than two node timeouts ('expired'),
   * or the reporter was forgotten ('forgotten').
   */
  | { type: 'failure-report'; node: string; reporter: string; change: 'added' | 'removed' | 'expired' | 'forgotten' }
  /** This member marked `node` FAIL and told the `to` nodes it has links to (clusterSendFail). */
  | { type: 'fail-sent'; node: string; to: number }
  /** A FAIL message about `node` arrived from `from`; `applied`: it was not FAIL here before. */
  | { type: 'fail-received'; node: string; from: string; applied: boolean };

/** CLUSTER_MF_TIMEOUT: a manual failover must finish within 5 s; the master pauses writes twice that at most. */
export const CLUSTER_MF_TIMEOUT_MS = 5000;
const CLUSTER_MF_PAUSE_MULT = 2;

export class ClusterFailover {
  /** failover_auth_time: when the election may start (unix ms), or when it started; 0 = never scheduled. */
  authTimeMs = 0;
  authCount = 0;
  authSent = false;
  authRank = 0;
  authEpoch = 0;
  cantFailoverReason: CantFailoverReason = 'none';
  /** Manual failover (mf_end, mf_can_start, mf_master_offset, mf_slave). */
  mfEndMs = 0;
  mfCanStart = false;
  mfMasterOffset = -1;
  mfReplica: ClusterNode | null = null;
  private lastLogReason: CantFailoverReason = 'none';
  private lastLogMs = 0;

  constructor(
    private readonly state: ClusterState,
    private readonly rng: Prng,
    private readonly host: FailoverHost,
  ) {}

  /** clusterGetSlaveRank: replicas of our master (able to fail over) with a larger offset than ours. */
  replicaRank(): number {
    const me = this.state.myself;
    const master = me.replicaOf;
    if (master === null) return 0;
    const myOffset = this.host.replicaOffset();
    let rank = 0;
    for (const r of master.replicas) if (r !== me && !r.flags.has('nofailover') && r.replOffset > myOffset) rank++;
    return rank;
  }

  /** clusterHandleSlaveFailover, from clusterCron and from beforeSleep after a vote arrives. */
  handleReplicaFailover(): void {
    const me = this.state.myself;
    const now = this.host.nowMs();
    const timeout = this.host.nodeTimeoutMs();
    const authAge = now - this.authTimeMs;
    const neededQuorum = Math.floor(this.state.size / 2) + 1;
    const authTimeout = Math.max(timeout * 2, 2000);
    const authRetryTime = authTimeout * 2;
    const master = me.replicaOf;
    const manual = this.mfEndMs !== 0 && this.mfCanStart;
    if (me.isMaster || master === null || (!master.flags.has('fail') && !manual) || (this.host.noFailover() && !manual) || master.numSlots === 0) {
      this.cantFailoverReason = 'none';
      return;
    }
    // Data too old: this replica lost its master long before the failure and must not take over.
    let dataAge = this.host.replicaDataAgeMs();
    if (dataAge > timeout) dataAge -= timeout;
    const factor = this.host.validityFactor();
    if (factor > 0 && dataAge > this.host.replPingPeriodS() * 1000 + timeout * factor && !manual) {
      this.logCantFailover('data-age');
      return;
    }
    if (authAge > authRetryTime) {
      // Schedule the election: 500 ms for the FAIL to spread, up to 500 ms more at random so replicas do not
      // start together, and a second per replica with more data than us.
      this.authTimeMs = now + 500 + this.rng.int(500);
      this.authCount = 0;
      this.authSent = false;
      this.authRank = this.replicaRank();
      this.authTimeMs += this.authRank * 1000;
      // A manual failover starts at once: no waiting for the FAIL to spread, no rank.
      if (this.mfEndMs !== 0) {
        this.authTimeMs = now;
        this.authRank = 0;
        this.host.scheduleFailoverCheck();
      }
      const delay = this.authTimeMs - now;
      this.host.log('warning', `Start of election delayed for ${delay} milliseconds (rank #${this.authRank}, offset ${this.host.replicaOffset()}).`);
      this.host.note({ type: 'election-scheduled', delayMs: delay, rank: this.authRank, offset: this.host.replicaOffset() });
      // Tell the other replicas our offset now, so their ranks are right.
      this.host.broadcastPong('local-replicas');
      return;
    }
    // Before it starts, a worse rank (a sibling got ahead) pushes the election later.
    if (!this.authSent && this.mfEndMs === 0) {
      const rank = this.replicaRank();
      if (rank > this.authRank) {
        const added = (rank - this.authRank) * 1000;
        this.authTimeMs += added;
        this.authRank = rank;
        this.host.log('warning', `Replica rank updated to #${rank}, added ${added} milliseconds of delay.`);
        this.host.note({ type: 'election-delayed', rank, addedMs: added });
      }
    }
    if (now < this.authTimeMs) {
      this.logCantFailover('waiting-delay');
      return;
    }
    if (authAge > authTimeout) {
      this.logCantFailover('expired');
      return;
    }
    if (!this.authSent) {
      this.state.currentEpoch++;
      this.authEpoch = this.state.currentEpoch;
      this.host.log('warning', `Starting a failover election for epoch ${this.authEpoch}.`);
      this.host.note({ type: 'current-epoch', epoch: this.state.currentEpoch, reason: 'election' });
      this.host.note({ type: 'election-started', epoch: this.authEpoch });
      this.host.requestVotes(this.mfEndMs !== 0);
      this.authSent = true;
      this.host.changed(true);
      return;
    }
    if (this.authCount >= neededQuorum) {
      this.host.log('warning', 'Failover election won: I\'m the new master.');
      if (me.configEpoch < this.authEpoch) {
        me.configEpoch = this.authEpoch;
        this.host.log('warning', `configEpoch set to ${me.configEpoch} after successful failover`);
        this.host.note({ type: 'config-epoch', node: me.id, epoch: me.configEpoch, reason: 'failover' });
      }
      this.host.note({ type: 'failover-won', epoch: me.configEpoch });
      this.replaceMaster();
    } else {
      this.logCantFailover('waiting-votes');
    }
  }

  /** clusterLogCantFailover: say why, but not too often (every 10 s for the same reason, or after a change). */
  private logCantFailover(reason: CantFailoverReason): void {
    this.cantFailoverReason = reason;
    const now = this.host.nowMs();
    if (reason === this.lastLogReason && now - this.lastLogMs < 10_000) return;
    // As Redis, a replica whose master just failed waits a node timeout before complaining.
    const master = this.state.myself.replicaOf;
    if (master && master.flags.has('fail') && now - master.failTimeMs < this.host.nodeTimeoutMs()) return;
    this.lastLogReason = reason;
    this.lastLogMs = now;
    const text: Record<CantFailoverReason, string> = {
      none: '',
      'data-age': 'Disconnected from master for longer than allowed. Please check the \'cluster-replica-validity-factor\' configuration option.',
      'waiting-delay': 'Waiting the delay before I can start a new failover.',
      expired: 'Failover attempt expired.',
      'waiting-votes': 'Waiting for votes, but majority still not reached.',
    };
    this.host.log('warning', `Currently unable to failover: ${text[reason]}`);
  }

  /** FAILOVER_AUTH_ACK from a master: count it if it is for this election. */
  voteReceived(sender: ClusterNode, senderCurrentEpoch: number): void {
    if (!sender.isMaster || sender.numSlots === 0 || senderCurrentEpoch < this.authEpoch) return;
    this.authCount++;
    this.host.note({ type: 'vote-received', from: sender.id, votes: this.authCount, needed: Math.floor(this.state.size / 2) + 1 });
    this.host.scheduleFailoverCheck();
  }

  /** clusterSendFailoverAuthIfNeeded: a master decides whether to vote for `node`'s request. */
  maybeVote(node: ClusterNode, request: BusMessage): void {
    const me = this.state.myself;
    const master = node.replicaOf;
    const now = this.host.nowMs();
    if (!me.isMaster || me.numSlots === 0) return;
    if (request.currentEpoch < this.state.currentEpoch) {
      this.host.log('warning', `Failover auth denied to ${node.id}: reqEpoch (${request.currentEpoch}) < curEpoch(${this.state.currentEpoch})`);
      return;
    }
    if (this.state.lastVoteEpoch === this.state.currentEpoch) {
      this.host.log('warning', `Failover auth denied to ${node.id}: already voted for epoch ${this.state.currentEpoch}`);
      return;
    }
    const forceAck = ((request.mflags ?? 0) & MF_FORCEACK) !== 0;
    if (node.isMaster || master === null || (!master.flags.has('fail') && !forceAck)) {
      const why = node.isMaster ? 'it is a master node' : master === null ? 'I don\'t know its master' : 'its master is up';
      this.host.log('warning', `Failover auth denied to ${node.id}: ${why}`);
      return;
    }
    if (now - master.votedTimeMs < this.host.nodeTimeoutMs() * 2) {
      this.host.log('warning', `Failover auth denied to ${node.id}: can't vote about this master before ${this.host.nodeTimeoutMs() * 2 - (now - master.votedTimeMs)} milliseconds`);
      return;
    }
    // Every slot the replica claims must be ours to give: served by a node with an epoch no newer than its master's.
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if ((request.myslots[j >> 3] & (1 << (j & 7))) === 0) continue;
      const owner = this.state.slots[j];
      if (owner === null || owner.configEpoch <= request.configEpoch) continue;
      this.host.log('warning', `Failover auth denied to ${node.id}: slot ${j} epoch (${owner.configEpoch}) > reqEpoch (${request.configEpoch})`);
      return;
    }
    this.state.lastVoteEpoch = this.state.currentEpoch;
    master.votedTimeMs = now;
    this.host.changed(false);
    this.host.sendVote(node);
    this.host.log('warning', `Failover auth granted to ${node.id} for epoch ${this.state.currentEpoch}`);
    this.host.note({ type: 'vote-granted', to: node.id, epoch: this.state.currentEpoch });
  }

  /** clusterFailoverReplaceYourMaster: take the old master's slots, become a master, tell everyone. */
  replaceMaster(): void {
    const me = this.state.myself;
    const old = me.replicaOf;
    if (me.isMaster || old === null) return;
    old.removeReplica(me);
    me.flags.delete('slave');
    me.flags.add('master');
    me.replicaOf = null;
    this.host.noteFlags(me);
    this.host.note({ type: 'node-master', node: me.id, master: null });
    this.host.becomeMaster();
    const taken: number[] = [];
    for (let j = 0; j < CLUSTER_SLOTS; j++) {
      if (this.state.slots[j] !== old) continue;
      this.state.delSlot(j);
      this.state.addSlot(me, j);
      taken.push(j);
    }
    if (taken.length > 0) this.host.note({ type: 'slots-owner', node: me.id, slots: taken.length, ranges: rangesOfSlots(taken) });
    this.host.changed(true);
    this.host.broadcastPong('all');
    this.resetManualFailover();
  }

  // --- manual failover (CLUSTER FAILOVER) -------------------------------------------------------------------

  /** resetManualFailover: forget a manual failover; a master releases the writes it held. */
  resetManualFailover(): void {
    // A master that paused for its replica's manual failover lets traffic in again, whatever the outcome.
    if (this.mfReplica !== null) this.host.unpauseWrites();
    this.mfEndMs = 0;
    this.mfCanStart = false;
    this.mfReplica = null;
    this.mfMasterOffset = -1;
  }

  /** CLUSTER FAILOVER after its checks: the default (coordinated), FORCE (no master) or TAKEOVER (no vote). */
  startManual(mode: 'default' | 'force' | 'takeover'): void {
    this.resetManualFailover();
    this.mfEndMs = this.host.nowMs() + CLUSTER_MF_TIMEOUT_MS;
    if (mode === 'takeover') {
      this.host.log('warning', 'Taking over the master (user request).');
      this.bumpConfigEpochWithoutConsensus();
      this.replaceMaster();
    } else if (mode === 'force') {
      this.host.log('warning', 'Forced failover user request accepted.');
      this.mfCanStart = true;
    } else {
      this.host.log('warning', 'Manual failover user request accepted.');
      this.host.sendMfStart(this.state.myself.replicaOf!);
    }
    this.host.note({ type: 'manual-failover', phase: 'requested' });
  }

  /** clusterBumpConfigEpochWithoutConsensus: a new epoch for us alone, unless ours is already the unique maximum. */
  bumpConfigEpochWithoutConsensus(): boolean {
    const me = this.state.myself;
    let max = this.state.currentEpoch;
    for (const n of this.state.nodes.values()) if (n.configEpoch > max) max = n.configEpoch;
    if (me.configEpoch === 0 || me.configEpoch !== max) {
      this.state.currentEpoch++;
      me.configEpoch = this.state.currentEpoch;
      this.host.changed(false);
      this.host.log('warning', `New configEpoch set to ${me.configEpoch}`);
      this.host.note({ type: 'current-epoch', epoch: this.state.currentEpoch, reason: 'bump' });
      this.host.note({ type: 'config-epoch', node: me.id, epoch: me.configEpoch, reason: 'bump' });
      return true;
    }
    return false;
  }

  /** A master got MFSTART from one of its replicas: pause writes and tell it our offset. */
  mfStartReceived(sender: ClusterNode): void {
    const me = this.state.myself;
    if (sender.replicaOf !== me) return;
    this.resetManualFailover();
    const now = this.host.nowMs();
    this.mfEndMs = now + CLUSTER_MF_TIMEOUT_MS;
    this.mfReplica = sender;
    this.host.pauseWrites(now + CLUSTER_MF_TIMEOUT_MS * CLUSTER_MF_PAUSE_MULT);
    this.host.log('warning', `Manual failover requested by replica ${sender.id}.`);
    this.host.note({ type: 'manual-failover', phase: 'paused' });
    this.host.ping(sender);
  }

  /** A replica heard from its master with the PAUSED flag: that offset is what it must reach. */
  masterPausedOffset(sender: ClusterNode, offset: number): void {
    const me = this.state.myself;
    if (!me.flags.has('slave') || me.replicaOf !== sender || this.mfMasterOffset !== -1 || this.mfEndMs === 0) return;
    this.mfMasterOffset = offset;
    this.host.scheduleFailoverCheck();
    this.host.log('warning', `Received replication offset for paused master manual failover: ${offset}`);
  }

  /** clusterHandleManualFailover: once we processed everything the paused master wrote, the election may start. */
  handleManualFailover(): void {
    if (this.mfEndMs === 0 || this.mfCanStart || this.mfMasterOffset === -1) return;
    if (this.mfMasterOffset === this.host.replicaOffset()) {
      this.mfCanStart = true;
      this.host.log('warning', 'All master replication stream processed, manual failover can start.');
      this.host.note({ type: 'manual-failover', phase: 'can-start' });
      this.host.scheduleFailoverCheck();
    }
  }

  /** manualFailoverCheckTimeout. */
  checkManualTimeout(): void {
    if (this.mfEndMs !== 0 && this.mfEndMs < this.host.nowMs()) {
      this.host.log('warning', 'Manual failover timed out.');
      this.host.note({ type: 'manual-failover', phase: 'timed-out' });
      this.resetManualFailover();
    }
  }

  /** The header's mflags: a master in a manual failover says it is paused. */
  headerFlags(): number {
    return this.state.myself.isMaster && this.mfEndMs !== 0 ? MF_PAUSED : 0;
  }
}

/** CLUSTERMSG_FLAG0_PAUSED and CLUSTERMSG_FLAG0_FORCEACK. */
export const MF_PAUSED = 1;
export const MF_FORCEACK = 2;

