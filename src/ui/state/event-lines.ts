/**
 * The event log in words: what a learner should notice in a batch ("7001 marks 7000 as PFAIL", "7003 won the
 * election"), for the screen's log and for screen readers. Lines hold a message key and its values, not text,
 * so switching the language rewrites the whole log.
 */
import type { SessionBatch } from '../../session/lab-session.ts';
import type { ClusterViews } from '../../session/cluster-views.ts';
import type { Messages } from '../i18n/en.ts';

export interface LogLine {
  at: number;
  key: keyof Messages;
  vars: Record<string, string | number>;
  /** 'fault': something the learner did; 'alarm': a failure noticed; 'heal': recovery; 'info': the rest. */
  tone: 'fault' | 'alarm' | 'heal' | 'info';
}

/** "127.0.0.1:7001" -> "7001": the name a learner reads on the screen. */
export function portOf(address: string): string {
  return address.slice(address.lastIndexOf(':') + 1);
}

export class EventDescriber {
  /** Flags each observer last reported for each node, to tell a new PFAIL from a repeated one. */
  private readonly flags = new Map<string, string>();
  private readonly clusterState = new Map<string, string>();

  describe(b: SessionBatch, views: ClusterViews): LogLine[] {
    const out: LogLine[] = [];
    const name = (id: string) => {
      const a = views.addressOfId(id);
      return a ? portOf(a) : id.slice(0, 8);
    };
    for (const a of b.actions) {
      if (a.kind === 'partition') out.push({ at: a.at, key: 'logPartition', vars: { islands: a.islands.map((i) => i.map(portOf).join(' ')).join(' | ') }, tone: 'fault' });
      else if (a.kind === 'heal') out.push({ at: a.at, key: 'logHeal', vars: {}, tone: 'heal' });
      else if (a.kind === 'block') out.push({ at: a.at, key: 'logBlock', vars: { from: portOf(a.from), to: portOf(a.to) }, tone: 'fault' });
      else if (a.kind === 'add-node') out.push({ at: a.at, key: 'logAddNode', vars: { node: portOf(a.node) }, tone: 'info' });
      else if (a.kind === 'crash') out.push({ at: a.at, key: 'logCrash', vars: { node: portOf(a.node) }, tone: 'fault' });
      else if (a.kind === 'link') out.push({ at: a.at, key: 'logLink', vars: { a: portOf(a.a), b: portOf(a.b), latency: a.latencyUs / 1000, loss: Math.round(a.loss * 100) }, tone: 'fault' });
    }
    const crashed = new Set(b.actions.filter((a) => a.kind === 'crash').map((a) => (a as { node: string }).node));
    for (const f of b.faults) {
      // A power loss kills the process too: one line for it, not two.
      if (f.fault === 'kill' && crashed.has(f.node)) continue;
      const key = f.fault === 'kill' ? 'logKill' : f.fault === 'crashed' ? 'logCrashed' : f.fault === 'restart' ? 'logRestart' : f.fault === 'pause' ? 'logPause' : f.fault === 'resume' ? 'logResume' : 'logClockStep';
      out.push({ at: f.at, key, vars: { node: portOf(f.node) }, tone: f.fault === 'restart' || f.fault === 'resume' ? 'heal' : 'fault' });
    }
    for (const { node, event: e } of b.events) {
      const me = portOf(node);
      switch (e.type) {
        case 'node-flags': {
          const k = `${node}>${e.node}`;
          const before = this.flags.get(k) ?? '';
          this.flags.set(k, e.flags);
          const has = (s: string, f: string) => s.split(',').includes(f);
          if (has(e.flags, 'fail') && !has(before, 'fail')) out.push({ at: e.at, key: 'logFail', vars: { observer: me, node: name(e.node) }, tone: 'alarm' });
          else if (has(e.flags, 'fail?') && !has(before, 'fail?')) out.push({ at: e.at, key: 'logPfail', vars: { observer: me, node: name(e.node) }, tone: 'alarm' });
          else if ((has(before, 'fail') || has(before, 'fail?')) && !has(e.flags, 'fail') && !has(e.flags, 'fail?')) {
            out.push({ at: e.at, key: 'logFailCleared', vars: { observer: me, node: name(e.node) }, tone: 'heal' });
          }
          break;
        }
        case 'cluster-state':
          if (this.clusterState.get(node) !== e.state) {
            this.clusterState.set(node, e.state);
            out.push({ at: e.at, key: e.state === 'ok' ? 'logStateOk' : 'logStateFail', vars: { node: me }, tone: e.state === 'ok' ? 'heal' : 'alarm' });
          }
          break;
        case 'election-scheduled':
          out.push({ at: e.at, key: 'logElectionScheduled', vars: { node: me, delay: e.delayMs, rank: e.rank }, tone: 'info' });
          break;
        case 'election-started':
          out.push({ at: e.at, key: 'logElectionStarted', vars: { node: me, epoch: e.epoch }, tone: 'info' });
          break;
        case 'vote-granted':
          out.push({ at: e.at, key: 'logVoteGranted', vars: { node: me, to: name(e.to), epoch: e.epoch }, tone: 'info' });
          break;
        case 'failover-won':
          out.push({ at: e.at, key: 'logFailoverWon', vars: { node: me, epoch: e.epoch }, tone: 'heal' });
          break;
        case 'role':
          if (e.role === 'master') out.push({ at: e.at, key: 'logRoleMaster', vars: { node: me }, tone: 'info' });
          else if (e.link === 'connected') out.push({ at: e.at, key: 'logReplicaSynced', vars: { node: me, master: portOf(e.master ?? '') }, tone: 'heal' });
          break;
        case 'replica-migrated':
          out.push({ at: e.at, key: 'logReplicaMigrated', vars: { node: me, to: name(e.to) }, tone: 'info' });
          break;
        case 'log':
          if (node === 'lab') out.push({ at: e.at, key: 'logRefused', vars: { message: e.text }, tone: 'alarm' });
          break;
        default:
          break;
      }
    }
    out.sort((x, y) => x.at - y.at);
    return out;
  }
}
