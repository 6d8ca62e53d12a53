/**
 * One script invocation (script.c's scriptRunCtx) and the machinery that runs it: the Lua code runs on a
 * coroutine whose instruction-count hook charges virtual CPU time, checks the busy threshold as Redis's
 * luaMaskCountHook does every 100,000 instructions, and yields to the node's event loop when the host's time
 * slice is used up or when events must be processed (the script is past busy-reply-threshold). A script is
 * therefore never a blocking call: a `while true do end` leaves the tab, the clock and the other nodes running
 * while this node answers BUSY, exactly as a real one would.
 */
import { lua, luaBytes, toByteString, LUA_OK, LUA_YIELD, LUA_TTABLE, LUA_TSTRING, LUA_TNUMBER, type LuaState } from './lua-api.ts';
import { pushErrorTable, writeLuaValue, errorInfo } from './lua-reply.ts';
import { locateError, as51ErrorText } from './lua-vm.ts';
import type { Client } from '../server/client.ts';
import ldebug from 'fengari/src/ldebug.js';

/** Instructions between two hook calls; each call charges this many instructions of virtual CPU. */
export const HOOK_EVERY = 1000;
/** A script that cannot yield is stopped after this many busy-reply-thresholds (or a minute if that is 0). */
const STUCK_THRESHOLDS = 10;
const STUCK_DEFAULT_MS = 60_000;
/** LUAI_MAXCALLS of Lua 5.1: nested calls beyond it are a "stack overflow". */
const MAX_CALLS = 20000;
/** Redis checks for a busy script every 100,000 instructions (LUA_MASKCOUNT 100000). */
export const INTERRUPT_EVERY_HOOKS = 100;

export const SCRIPT_FLAG_NO_WRITES = 1;
export const SCRIPT_FLAG_ALLOW_OOM = 2;
export const SCRIPT_FLAG_ALLOW_STALE = 4;
export const SCRIPT_FLAG_NO_CLUSTER = 8;
/** Scripts without a shebang: the pre-7.0 rules. */
export const SCRIPT_FLAG_EVAL_COMPAT_MODE = 16;
export const SCRIPT_FLAG_ALLOW_CROSS_SLOT = 32;

export const SCRIPT_FLAG_NAMES: readonly [string, number][] = [
  ['no-writes', SCRIPT_FLAG_NO_WRITES],
  ['allow-oom', SCRIPT_FLAG_ALLOW_OOM],
  ['allow-stale', SCRIPT_FLAG_ALLOW_STALE],
  ['no-cluster', SCRIPT_FLAG_NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_FLAG_ALLOW_CROSS_SLOT],
];

/** What the run needs from the node. */
export interface ScriptRunHost {
  nowUs(): number;
  sliceEndUs(): number;
  spend(ns: number): void;
  busyThresholdMs(): number;
  log(level: 'warning' | 'notice', text: string): void;
  /** Per instruction, in ns (cost model). */
  readonly instructionNs: number;
}

export class ScriptRun {
  readonly startUs: number;
  /** SCRIPT_WRITE_DIRTY: a write ran, so SCRIPT KILL can no longer stop it. */
  writeDirty = false;
  killed = false;
  /** Past busy-reply-threshold: other clients get BUSY and the loop processes events between steps. */
  timedOut = false;
  /** Events are due before the next step. */
  needEvents = false;
  resp: 2 | 3 = 2;
  replFlags = 3;
  /** The slot of the first key touched, for the undeclared cross-slot check. */
  slot = -1;
  /** The argv of the command the script is running now (FUNCTION STATS). */
  currentArgv: string[] = [];
  private hooks = 0;
  /** When the script last gave the event loop a turn (or started). */
  private lastYieldUs: number;
  private hookYielded = false;
  private co: LuaState | null = null;

  constructor(
    readonly caller: Client,
    /** The sha of an EVAL script or the name of a function. */
    readonly name: string,
    readonly evalMode: boolean,
    readonly readOnly: boolean,
    readonly allowOom: boolean,
    readonly allowCrossSlot: boolean,
    /** Whether the run may yield to the loop (not inside MULTI/EXEC or for the master's stream). */
    readonly mayYield: boolean,
    readonly oomAtStart: boolean,
    private readonly host: ScriptRunHost,
  ) {
    this.startUs = host.nowUs();
    this.lastYieldUs = this.startUs;
  }

  /** Starts the function (with `nargs` arguments above it) on a fresh coroutine of `L`. */
  start(L: LuaState, prepare: (co: LuaState) => number): 'done' | 'yield' {
    const co = lua.lua_newthread(L) as LuaState;
    lua.lua_pop(L, 1);
    this.co = co;
    const nargs = prepare(co);
    lua.lua_sethook(co, (hl: LuaState) => this.hook(hl), lua.LUA_MASKCOUNT, HOOK_EVERY);
    return this.resume(L, nargs);
  }

  private mainState: LuaState | null = null;

  /** Continues after a yield. */
  step(): 'done' | 'yield' {
    if (this.killed && this.co !== null) lua.lua_sethook(this.co, (hl: LuaState) => this.hook(hl), lua.LUA_MASKCOUNT, 1);
    return this.resume(this.mainState as LuaState, 0);
  }

  private resume(L: LuaState, nargs: number): 'done' | 'yield' {
    this.mainState = L;
    const co = this.co as LuaState;
    this.hookYielded = false;
    const status = lua.lua_resume(co, L, nargs);
    if (status === LUA_YIELD) {
      if (this.hookYielded) return 'yield';
      // The script yielded itself from its main body: Redis runs it with lua_pcall, where that is an error.
      lua.lua_settop(co, 0);
      pushErrorTable(co, 'attempt to yield across metamethod/C-call boundary');
      this.outcome = { ok: false, co };
      return 'done';
    }
    this.outcome = { ok: status === LUA_OK, co };
    return 'done';
  }

  /** Set when the run has ended: the coroutine holds the result (or the error) on its stack. */
  outcome: { ok: boolean; co: LuaState } | null = null;

  /** The count hook: virtual time, the busy threshold, SCRIPT KILL, and yielding to the loop. */
  private hook(L: LuaState): void {
    const host = this.host;
    host.spend(HOOK_EVERY * host.instructionNs);
    if (this.killed) {
      lua.lua_sethook(L, (hl: LuaState) => this.hook(hl), lua.LUA_MASKCOUNT, 1);
      pushErrorTable(L, 'Script killed by user with SCRIPT KILL...');
      lua.lua_error(L);
      return;
    }
    // Lua 5.1 stops at LUAI_MAXCALLS (20,000) nested calls; fengari would go on to a million stack slots. Only a
    // deep stack can hold that many frames, so the walk happens only then.
    if ((L as unknown as { top: number }).top > MAX_CALLS && lua.lua_getstack(L, MAX_CALLS, new lua.lua_Debug())) {
      ldebug.luaG_runerror(L, luaBytes('stack overflow'));
    }
    this.hooks++;
    if (this.hooks % INTERRUPT_EVERY_HOOKS === 0 && this.mayYield) {
      if (this.timedOut) this.needEvents = true;
      else {
        const elapsedMs = Math.floor((host.nowUs() - this.startUs) / 1000);
        const threshold = host.busyThresholdMs();
        if (threshold > 0 && elapsedMs >= threshold) {
          host.log(
            'warning',
            `Slow script detected: still in execution after ${elapsedMs} milliseconds. You can try killing the script using the ${this.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${this.name}.`,
          );
          this.timedOut = true;
          this.needEvents = true;
        }
      }
    }
    if (!this.mayYield || !lua.lua_isyieldable(L)) {
      // A script that cannot give the loop a turn (inside MULTI/EXEC, from the master, or looping in a library
      // callback) would hold its node forever if it never ends; the lab stops it after ten busy thresholds.
      const threshold = host.busyThresholdMs();
      const limitMs = threshold > 0 ? threshold * STUCK_THRESHOLDS : STUCK_DEFAULT_MS;
      if (host.nowUs() - this.lastYieldUs > limitMs * 1000) {
        lua.lua_sethook(L, (hl: LuaState) => this.hook(hl), lua.LUA_MASKCOUNT, 1);
        pushErrorTable(L, `Script stopped by Cluster Lab: it ran for ${limitMs} ms where it could not yield to the event loop (see docs/fidelity.md)`);
        lua.lua_error(L);
      }
      return;
    }
    if (this.needEvents || host.nowUs() > host.sliceEndUs()) {
      this.hookYielded = true;
      this.lastYieldUs = host.nowUs();
      lua.lua_yield(L, 0);
    }
  }

  /**
   * Writes the outcome to the caller as luaCallFunction does: the returned value converted, or the error as
   * "-<err> script: <name>, on <source>:<line>.".
   */
  reply(out: Client['reply']): void {
    const { ok, co } = this.outcome as { ok: boolean; co: LuaState };
    const L = this.mainState as LuaState;
    if (ok) {
      if (lua.lua_gettop(co) === 0) lua.lua_pushnil(co);
      else lua.lua_settop(co, 1);
      // The conversion runs on the main state: a finished coroutine's stack has no room left to work in.
      lua.lua_xmove(co, L, 1);
      writeLuaValue(L, out, this.resp, (info) => out.error(info.msg));
      return;
    }
    const where = locateError(co, 0);
    lua.lua_xmove(co, L, 1);
    this.describeError(L, out, where);
  }

  private describeError(co: LuaState, out: Client['reply'], where: { source: string; line: number } | null): void {
    let msg: string;
    if (lua.lua_type(co, -1) === LUA_TTABLE) {
      msg = errorInfo(co).msg;
    } else {
      const t = lua.lua_type(co, -1);
      const text = t === LUA_TSTRING || t === LUA_TNUMBER ? (toByteString(co, -1) as string) : tostringOf(co);
      msg = `ERR ${as51ErrorText(text)}`;
    }
    lua.lua_pop(co, 1);
    const suffix = where !== null ? ` script: ${this.name}, on ${where.source}:${where.line}.` : '';
    out.error(`${msg}${suffix}`);
  }
}

/** tostring() of a non-string error value ("nil", "true", "table: 0x..."). */
function tostringOf(L: LuaState): string {
  const u8 = lua.lua_tolstring(L, -1);
  if (u8 !== null && u8 !== undefined) return toByteString(L, -1) as string;
  const t = lua.lua_type(L, -1);
  if (t === 0) return 'nil';
  if (t === 1) return lua.lua_toboolean(L, -1) ? 'true' : 'false';
  return `${String.fromCharCode(...(lua.lua_typename(L, t) as Uint8Array))}: 0x00000000`;
}
