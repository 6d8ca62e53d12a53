/**
 * The event loop, modelled on Redis's ae (ae.c): file events on sockets, time events, a before-sleep hook, and
 * a poll step that sleeps until the next timer or the next readable socket.
 *
 * One iteration (aeProcessEvents) is: beforeSleep, poll (the node sleeps in virtual time), afterSleep, then the
 * readable handlers of the descriptors the poll reported (readable before writable, as ae does unless
 * AE_BARRIER), then every due time event. Work advances the node's own clock by its virtual CPU cost, so a
 * slow command delays everything behind it exactly as a single-threaded server would.
 *
 * Determinism across hosts: the host vouches that every input arriving up to `untilUs` has been delivered, and
 * the loop never polls past that point. It stops either blocked in a poll whose wake-up lies beyond `untilUs`,
 * or at the start of an iteration when its clock has already run past `untilUs`. Whether a host advances a node
 * in one call or in many small ones, the node takes the same steps at the same virtual times.
 *
 * One exception saves the host a call per event: beforeSleep reads no socket (reads happen in the readable
 * handlers, at the poll's time), so what it does depends only on the node's own state and clock. A host that
 * knows nothing from outside can touch the node before `horizonUs` (no fault, no network change, no action is
 * due: SimHost inside runUntil) lets the loop run the next beforeSleep up to that horizon even when work took the
 * clock past `untilUs`. The node does the same things at the same times; its writes just reach the host sooner.
 */
import type { TimeUs } from '../types/time.ts';
import { pollCostNs, type Multiplexer } from './cost-model.ts';

export const AE_READABLE = 1;
export const AE_WRITABLE = 2;
/** Returned by a time event proc to delete the timer (ae.h AE_NOMORE). */
export const AE_NOMORE = -1;

export type TimeProc = () => number;

interface TimeEvent {
  id: number;
  name: string;
  whenUs: TimeUs;
  proc: TimeProc;
  deleted: boolean;
}

/** What the loop needs from the node's sockets. */
export interface PollSource {
  readable(now: TimeUs): number[];
  nextReadableAt(): TimeUs | null;
  /** Descriptors being watched (the listening socket and every connection). */
  readonly watchedCount: number;
}

export interface LoopHooks {
  beforeSleep(): void;
  /**
   * beforeSleep while a long command (a busy script) processes events (processEventsWhileBlocked): only the
   * replies are written; crons and the rest of beforeSleep wait for the command to end.
   */
  beforeSleepWhileBlocked?(): void;
  /** A readable descriptor's handler (accept or readQueryFromClient). */
  onReadable(fd: number): void;
  /** Called once per finished iteration, for observation. */
  onIteration?(stats: IterationStats): void;
}

export interface IterationStats {
  iteration: number;
  /** When the poll started (end of beforeSleep) and when it returned. */
  pollStartUs: TimeUs;
  wakeUs: TimeUs;
  /** Descriptors the poll reported. */
  fired: number;
  /** Time events run in this iteration. */
  timers: string[];
  /** Clock at the end of the iteration. */
  endUs: TimeUs;
}

type Phase = 'start' | 'poll';

/** A command that runs in steps (see EventLoop.startLongCommand). */
export interface LongCommand {
  /** Whether file events should be processed before the next step (the script is past its busy threshold). */
  wantsEvents(): boolean;
  /** Runs until the command finishes or yields again. */
  step(): 'done' | 'yield';
}

export class EventLoop {
  /** The node's clock. Advances when the node sleeps (to the wake-up time) and when it works (by CPU cost). */
  nowUs: TimeUs;
  iteration = 0;
  /**
   * When the current iteration's poll returned. Reads and accepts see only input that had arrived by then:
   * input arriving while the node works is picked up by the next poll, which keeps the node's steps
   * independent of how much input its host happens to have delivered ahead of time.
   */
  pollWakeUs: TimeUs = 0;
  private carryNs = 0;
  private phase: Phase = 'start';
  private pollStartUs: TimeUs = 0;
  private timers: TimeEvent[] = [];
  private nextTimerId = 0;
  private currentTimers: string[] = [];

  constructor(
    startUs: TimeUs,
    private readonly sockets: PollSource,
    private readonly hooks: LoopHooks,
    /** Which multiplexer the poll step models: its cost depends on it. */
    readonly multiplexer: Multiplexer = 'epoll',
  ) {
    this.nowUs = startUs;
  }

  /** Every nanosecond of virtual CPU time charged so far (INFO's used_cpu, per-command timings). */
  spentNs = 0;

  /** Charge virtual CPU time. Sub-microsecond costs accumulate so that many cheap commands add up exactly. */
  spend(ns: number): void {
    this.spentNs += ns;
    const total = this.carryNs + ns;
    const whole = Math.floor(total / 1000);
    this.carryNs = total - whole * 1000;
    this.nowUs += whole;
  }

  /** The process was stopped and continues at `us`: time passed without the loop seeing it. */
  jumpTo(us: TimeUs): void {
    if (us > this.nowUs) this.nowUs = us;
  }

  /** aeCreateTimeEvent: run `proc` in `ms` milliseconds; it returns the next period in ms or AE_NOMORE. */
  createTimeEvent(ms: number, name: string, proc: TimeProc): number {
    const id = this.nextTimerId++;
    this.timers.push({ id, name, whenUs: this.nowUs + Math.round(ms * 1000), proc, deleted: false });
    return id;
  }

  deleteTimeEvent(id: number): void {
    const t = this.timers.find((e) => e.id === id);
    if (t) t.deleted = true;
  }

  /** The process exited (SHUTDOWN): nothing runs any more. */
  stopped = false;

  /** The end of the slice the host is running (run's untilUs): a long command yields to the host past it. */
  sliceEndUs: TimeUs = 0;

  /**
   * A command that runs in steps (a Lua script, which yields from its instruction-count hook). Until it finishes
   * the loop runs nothing but its steps and, when a step asks for it, file events only (processEventsWhileBlocked):
   * no timer fires, as in Redis while a script runs.
   */
  private longCommand: LongCommand | null = null;

  startLongCommand(job: LongCommand): void {
    this.longCommand = job;
  }

  get inLongCommand(): boolean {
    return this.longCommand !== null;
  }

  /** When the loop next has something to do, given the input delivered so far; null = blocked forever. */
  nextEventUs(): TimeUs | null {
    if (this.stopped) return null;
    if (this.longCommand !== null) return this.nowUs;
    if (this.syncWait !== null) {
      const ready = this.syncWait.readyAt();
      return Math.max(this.nowUs, ready !== null && ready < this.syncWait.deadlineUs ? ready : this.syncWait.deadlineUs);
    }
    if (this.phase === 'start') return this.nowUs;
    return this.wakeTime();
  }

  /**
   * A blocking wait inside a command (MIGRATE's synchronous socket I/O): until it ends the loop runs nothing
   * else, no other descriptor and no timer, exactly as a redis-server blocked in syncReadLine.
   */
  private syncWait: { readyAt: () => TimeUs | null; deadlineUs: TimeUs; step: (timedOut: boolean) => boolean } | null = null;

  /** Block the loop until `step` returns true (called when input is ready, or with timedOut at the deadline). */
  blockOn(readyAt: () => TimeUs | null, deadlineUs: TimeUs, step: (timedOut: boolean) => boolean): void {
    this.syncWait = { readyAt, deadlineUs, step };
  }

  /**
   * Run iterations until the loop would need input beyond `untilUs`; the beforeSleep that starts the next
   * iteration may run up to `horizonUs` (see above).
   */
  run(untilUs: TimeUs, horizonUs: TimeUs = untilUs): void {
    this.sliceEndUs = untilUs;
    for (;;) {
      if (this.stopped) return;
      if (this.longCommand !== null) {
        if (this.nowUs > untilUs) return;
        const job = this.longCommand;
        if (job.wantsEvents()) this.processEventsWhileBlocked();
        if (this.stopped) return;
        if (job.step() === 'done' && this.longCommand === job) this.longCommand = null;
        continue;
      }
      if (this.syncWait !== null) {
        const w = this.syncWait;
        const ready = w.readyAt();
        const at = ready !== null && ready < w.deadlineUs ? ready : w.deadlineUs;
        if (at > untilUs) return;
        if (at > this.nowUs) this.nowUs = at;
        // The step may start another wait (a pipelined MIGRATE): only clear the one that finished.
        if (w.step(ready === null || ready >= w.deadlineUs) && this.syncWait === w) this.syncWait = null;
        continue;
      }
      if (this.phase === 'start') {
        if (this.nowUs > untilUs && this.nowUs > horizonUs) return;
        this.hooks.beforeSleep();
        this.phase = 'poll';
        this.pollStartUs = this.nowUs;
      }
      const wake = this.wakeTime();
      if (wake === null || wake > untilUs) return;
      this.nowUs = wake;
      this.processEvents();
      this.phase = 'start';
    }
  }

  private wakeTime(): TimeUs | null {
    let wake: TimeUs | null = null;
    for (const t of this.timers) if (!t.deleted && (wake === null || t.whenUs < wake)) wake = t.whenUs;
    const input = this.sockets.nextReadableAt();
    if (input !== null && (wake === null || input < wake)) wake = input;
    if (wake === null) return null;
    return Math.max(wake, this.nowUs);
  }

  private processEvents(): void {
    const wakeUs = this.nowUs;
    this.pollWakeUs = wakeUs;
    const fired = this.sockets.readable(wakeUs);
    this.spend(pollCostNs(this.multiplexer, this.sockets.watchedCount, fired.length));
    for (const fd of fired) {
      // A handler that blocked the loop (MIGRATE, a long script) holds everything else until it is done.
      if (this.syncWait !== null || this.longCommand !== null || this.stopped) break;
      this.hooks.onReadable(fd);
    }
    // A fresh list per observed iteration (the event keeps it); unobserved, nothing is collected.
    if (this.hooks.onIteration) this.currentTimers = [];
    if (this.syncWait === null && this.longCommand === null && !this.stopped) this.processTimeEvents();
    this.iteration++;
    this.hooks.onIteration?.({
      iteration: this.iteration,
      pollStartUs: this.pollStartUs,
      wakeUs,
      fired: fired.length,
      timers: this.currentTimers,
      endUs: this.nowUs,
    });
  }

  /**
   * processEventsWhileBlocked: up to four non-waiting polls, each writing pending replies first and then
   * serving the descriptors that have input. Time events do not run.
   */
  private processEventsWhileBlocked(): void {
    for (let i = 0; i < 4; i++) {
      this.hooks.beforeSleepWhileBlocked?.();
      this.pollWakeUs = this.nowUs;
      const fired = this.sockets.readable(this.nowUs);
      this.spend(pollCostNs(this.multiplexer, this.sockets.watchedCount, fired.length));
      if (fired.length === 0) break;
      for (const fd of fired) {
        if (this.stopped) return;
        this.hooks.onReadable(fd);
      }
    }
  }

  /** ae's processTimeEvents: every timer due by now runs once; timers created during this pass wait. */
  private processTimeEvents(): void {
    // Most iterations are woken by input with no timer due: find that out without building anything.
    let anyDue = false;
    for (const t of this.timers) {
      if (t.whenUs <= this.nowUs || t.deleted) {
        anyDue = true;
        break;
      }
    }
    if (!anyDue) return;
    const maxId = this.nextTimerId - 1;
    this.timers = this.timers.filter((t) => !t.deleted);
    // New timers go to the head of ae's list, so a pass meets them newest first; keep that order.
    const due = this.timers
      .filter((t) => t.id <= maxId && t.whenUs <= this.nowUs)
      .sort((a, b) => b.id - a.id);
    for (const t of due) {
      if (t.deleted) continue;
      if (this.hooks.onIteration) this.currentTimers.push(t.name);
      const next = t.proc();
      if (next === AE_NOMORE) t.deleted = true;
      else t.whenUs = this.nowUs + Math.round(next * 1000);
    }
  }
}
