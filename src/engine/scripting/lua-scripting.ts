/**
 * The Lua side of a node's scripting: the EVAL script cache and its Lua state (eval.c), the function libraries
 * (functions.c, in functions.ts), the one script that may be running (script.c), and redis.call's path into the
 * command table (scriptCall), with Redis's checks in Redis's order and its error texts. The engine reaches it
 * through the Lua-free Scripting of scripting.ts, which creates it the first time a command needs Lua.
 */
import { lua, lauxlib, luaBytes, toByteString, LUA_TNUMBER, LUA_REGISTRYINDEX, type LuaState } from './lua-api.ts';
import { createLuaState, compileChunk, setProtectedGlobal, type RedisLuaHost } from './lua-vm.ts';
import { pushErrorTable, pushReply } from './lua-reply.ts';
import { Rand48 } from './rand48.ts';
import { sha1hex } from './sha1.ts';
import {
  ScriptRun, SCRIPT_FLAG_EVAL_COMPAT_MODE, SCRIPT_FLAG_NAMES, SCRIPT_FLAG_NO_WRITES, SCRIPT_FLAG_ALLOW_OOM,
  SCRIPT_FLAG_ALLOW_STALE, SCRIPT_FLAG_NO_CLUSTER, SCRIPT_FLAG_ALLOW_CROSS_SLOT, type ScriptRunHost,
} from './script-run.ts';
import { FunctionLibraries } from './functions.ts';
import type { Client } from '../server/client.ts';
import type { CommandFlags, ScriptingNode } from './scripting.ts';
import type { Server } from '../server/server.ts';
import { lookupCommand, commandKeys } from '../commands/table.ts';
import { call } from '../server/process-command.ts';
import { ReplyParser } from '../resp/reply-parser.ts';
import { formatG17 } from '../types/double.ts';
import { getNodeByQuery } from '../cluster/routing.ts';
import { keyHashSlot } from '../cluster/slots.ts';
import { COST_NS } from '../loop/cost-model.ts';
import type { ByteString } from '../types/bytes.ts';
import type { CommandSpec } from '../commands/types.ts';
import { mallocSize } from '../memory/jemalloc.ts';

/** sdsReqType's header: 3 bytes up to 255, 5 up to 65535, 9 beyond. */
function sdsHeader(len: number): number {
  return len < 256 ? 3 : len < 65536 ? 5 : 9;
}

export const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

interface EvalScript {
  body: ByteString;
  flags: number;
  /** The compiled chunk in the registry (Redis keys it as "f_<sha>"; a reference is cheaper to fetch). */
  ref: number;
}

export class LuaScripting implements RedisLuaHost {
  readonly rand = new Rand48();
  private evalState: LuaState;
  private readonly scripts = new Map<string, EvalScript>();
  /** Bytes of script bodies and names (lua_scripts_mem). */
  scriptsMemory = 0;
  readonly functions: FunctionLibraries;
  run: ScriptRun | null = null;
  private luaClient: Client | null = null;
  private readonly parser = new ReplyParser();
  readonly runHost: ScriptRunHost;

  constructor(private readonly node: ScriptingNode) {
    this.evalState = createLuaState(this);
    const server = node.server;
    this.runHost = {
      nowUs: () => server.nowUs(),
      sliceEndUs: () => node.sliceEndUs(),
      spend: (ns) => server.spend(ns),
      busyThresholdMs: () => Number(server.config.get('busy-reply-threshold')),
      log: (level, text) => node.log(level, text),
      instructionNs: COST_NS.luaInstruction,
    };
    this.functions = new FunctionLibraries(this);
  }

  get server(): Server {
    return this.node.server;
  }

  /** Past the busy threshold: other clients are refused with BUSY. */
  get busy(): boolean {
    return this.run !== null && this.run.timedOut;
  }

  busyError(): string {
    return this.run !== null && !this.run.evalMode ? BUSY_FUNCTION : BUSY_EVAL;
  }

  running(): boolean {
    return this.run !== null;
  }

  setResp(resp: 2 | 3): void {
    if (this.run !== null) this.run.resp = resp;
    if (this.luaClient !== null) this.luaClient.reply.resp = resp;
  }

  setRepl(flags: number): void {
    if (this.run !== null) this.run.replFlags = flags;
  }

  log(level: number, text: string): void {
    if (level >= 2) this.node.log(level === 3 ? 'warning' : 'notice', text);
  }

  numberOfScripts(): number {
    return this.scripts.size;
  }

  /** evalScriptsMemory: the scripts' strings, a dict entry and a luaScript each, and the dict's table. */
  evalScriptsMemory(): number {
    const n = this.scripts.size;
    if (n === 0) return 0;
    let slots = 4;
    while (slots < n) slots *= 2;
    return this.scriptsMemory + n * (24 + 16) + slots * 8;
  }

  // --- EVAL --------------------------------------------------------------------------------------------------------

  /** evalExtractShebangFlags: the flags of a "#!lua flags=..." first line, the header's length, or an error. */
  static shebang(body: ByteString): { flags: number; length: number } | { error: string } {
    if (!body.startsWith('#!')) return { flags: SCRIPT_FLAG_EVAL_COMPAT_MODE, length: 0 };
    const end = body.indexOf('\n');
    if (end < 0) return { error: 'Invalid script shebang' };
    const parts = body.slice(0, end).split(/[ \t]+/).filter((p) => p.length > 0);
    if (parts.length === 0) return { error: 'Invalid engine in script shebang' };
    if (parts[0] !== '#!lua') return { error: `Unexpected engine in script shebang: ${parts[0]}` };
    let flags = 0;
    for (const part of parts.slice(1)) {
      if (!part.startsWith('flags=')) return { error: `Unknown lua shebang option: ${part}` };
      const list = part.slice(6);
      for (const f of list.length === 0 ? [] : list.split(',')) {
        const known = SCRIPT_FLAG_NAMES.find(([name]) => name === f);
        if (known === undefined) return { error: `Unexpected flag in script shebang: ${f}` };
        flags |= known[1];
      }
    }
    return { flags, length: end };
  }

  /** luaCreateFunction: compiles and caches a body; its sha, or null after replying with the error. */
  createScript(c: Client | null, body: ByteString): string | null {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return sha;
    const shebang = LuaScripting.shebang(body);
    if ('error' in shebang) {
      c?.reply.error(`ERR ${shebang.error}`);
      return null;
    }
    const L = this.evalState;
    const error = compileChunk(L, body.slice(shebang.length), '@user_script');
    if (error !== null) {
      c?.reply.error(`ERR Error compiling script (new function): ${error}`);
      return null;
    }
    const ref = lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
    this.scripts.set(sha, { body, flags: shebang.flags, ref });
    // lua_scripts_mem: the sha's sds and the body's string object (embstr up to 44 bytes, else raw).
    const bodyBytes = body.length <= 44 ? mallocSize(16 + 3 + body.length + 1) - 16 : mallocSize(sdsHeader(body.length) + body.length + 1);
    this.scriptsMemory += mallocSize(3 + 40 + 1) + bodyBytes;
    return sha;
  }

  scriptExists(sha: ByteString): boolean {
    return this.scripts.has(sha);
  }

  /**
   * evalGetCommandFlags / fcallGetCommandFlags: a script with flags (a shebang, or any function) makes its
   * command a write unless no-writes, denyoom unless allow-oom or no-writes, stale if allow-stale, and never
   * may-replicate. Scripts without a shebang keep the command's own flags.
   */
  commandFlags(cmd: CommandSpec, argv: readonly string[]): CommandFlags {
    const own = { isWrite: cmd.isWrite, denyOom: cmd.denyOom, stale: cmd.flags.has('stale'), mayReplicate: cmd.mayReplicate };
    let flags: number | null = null;
    if (cmd.name === 'fcall' || cmd.name === 'fcall_ro') {
      flags = this.functions.functions.get(argv[1])?.flags ?? null;
    } else if (cmd.name === 'evalsha' || cmd.name === 'evalsha_ro') {
      if (argv[1].length === 40) flags = this.scripts.get(argv[1].toLowerCase())?.flags ?? null;
    } else {
      const cached = this.scripts.get(sha1hex(argv[1]));
      if (cached !== undefined) flags = cached.flags;
      else {
        const shebang = LuaScripting.shebang(argv[1]);
        if (!('error' in shebang)) flags = shebang.flags;
      }
    }
    if (flags === null || (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0) return own;
    return {
      isWrite: (flags & SCRIPT_FLAG_NO_WRITES) === 0,
      denyOom: (flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) === 0,
      stale: (flags & SCRIPT_FLAG_ALLOW_STALE) !== 0,
      mayReplicate: false,
    };
  }

  /** SCRIPT FLUSH: a new Lua state, no scripts (the random generator keeps going). */
  flushScripts(): void {
    this.evalState = createLuaState(this);
    this.scripts.clear();
    this.scriptsMemory = 0;
  }

  /** evalGenericCommand for EVAL, EVALSHA and their _RO forms. */
  evalCommand(c: Client, evalsha: boolean, ro: boolean): void {
    const argv = c.argv;
    const numkeys = parseNumkeys(c, argv[2]);
    if (numkeys === null) return;
    if (numkeys > argv.length - 3) return c.reply.error('ERR Number of keys can\'t be greater than number of args');
    if (numkeys < 0) return c.reply.error('ERR Number of keys can\'t be negative');
    let sha: string;
    if (evalsha) {
      sha = argv[1].toLowerCase();
      if (argv[1].length !== 40 || !this.scripts.has(sha)) return c.reply.error(NOSCRIPT);
    } else {
      const created = this.createScript(c, argv[1]);
      if (created === null) return;
      sha = created;
    }
    const script = this.scripts.get(sha) as EvalScript;
    const run = this.prepare(c, sha, script.flags, ro, true);
    if (run === null) return;
    // The script's effects replicate, never the EVAL itself (preventCommandPropagation).
    c.propagateAs = [];
    const keys = argv.slice(3, 3 + numkeys);
    const args = argv.slice(3 + numkeys);
    this.noteDeclaredSlot(run, keys);
    const L = this.evalState;
    this.execute(c, run, L, (co) => {
      pushArray(L, keys);
      setProtectedGlobal(L, 'KEYS');
      pushArray(L, args);
      setProtectedGlobal(L, 'ARGV');
      lua.lua_rawgeti(co, LUA_REGISTRYINDEX, script.ref);
      return 0;
    });
  }

  /**
   * scriptPrepareForRun: the checks a script with flags (a shebang or a function) gets before it starts, and the
   * run context; null after replying with the refusal.
   */
  prepare(c: Client, name: string, flags: number, ro: boolean, evalMode: boolean): ScriptRun | null {
    const server = this.server;
    const repl = server.repl;
    const runningStale = repl.isReplica && repl.state !== 'connected' && server.config.get('replica-serve-stale-data') === 'no';
    const obey = c.isMaster;
    if ((flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) === 0) {
      if ((flags & SCRIPT_FLAG_NO_CLUSTER) !== 0 && server.cluster !== null) {
        c.reply.error("ERR Can not run script on cluster, 'no-cluster' flag is set.");
        return null;
      }
      if (runningStale && (flags & SCRIPT_FLAG_ALLOW_STALE) === 0) {
        c.reply.error("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.");
        return null;
      }
      if ((flags & SCRIPT_FLAG_NO_WRITES) === 0) {
        if (repl.isReplica && server.config.get('replica-read-only') === 'yes' && !obey) {
          c.reply.error('READONLY Can not run script with write flag on readonly replica');
          return null;
        }
        if (ro) {
          c.reply.error('ERR Can not execute a script with write flag using *_ro command.');
          return null;
        }
        if (!repl.isReplica && repl.tooFewReplicas()) {
          c.reply.error('NOREPLICAS Not enough good replicas to write.');
          return null;
        }
      }
      if (server.config.maxmemory > 0 && (flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) === 0 && server.performEvictions() === 'fail') {
        c.reply.error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
        return null;
      }
    } else if (runningStale) {
      c.reply.error("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
      return null;
    }
    const compat = (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0;
    const readOnly = ro || (!compat && (flags & SCRIPT_FLAG_NO_WRITES) !== 0);
    const allowOom = !compat && (flags & SCRIPT_FLAG_ALLOW_OOM) !== 0;
    const allowCrossSlot = compat || (flags & SCRIPT_FLAG_ALLOW_CROSS_SLOT) !== 0;
    const oomAtStart = server.config.maxmemory > 0 && server.performEvictions() === 'fail';
    // A script inside MULTI/EXEC or from our master runs to its end in one go (see docs/fidelity.md).
    const mayYield = !c.inMulti && c.executing === null && !c.isMaster;
    return new ScriptRun(c, name, evalMode, readOnly, allowOom, allowCrossSlot, mayYield, oomAtStart, this.runHost);
  }

  /** In cluster mode the declared keys' slot (set by the routing check, c->slot) is the one the script may use. */
  noteDeclaredSlot(run: ScriptRun, keys: readonly string[]): void {
    if (this.server.cluster !== null && keys.length > 0) run.slot = keyHashSlot(keys[0]);
  }

  /** Runs `run` (the function pushed by `prepare` on its coroutine); suspends the caller if it yields. */
  execute(c: Client, run: ScriptRun, L: LuaState, prepare: (co: LuaState) => number): void {
    const lc = this.scriptClient();
    lc.db = c.db;
    lc.reply.resp = 2;
    lc.asking = c.asking;
    lc.readonlyMode = c.readonlyMode;
    this.run = run;
    this.node.beginScriptEffects();
    this.server.spend(COST_NS.luaScriptCall);
    const first = this.guard(c, run, () => run.start(L, prepare));
    if (first !== 'yield') return this.finish(c, run);
    this.node.suspend(
      c,
      () => {
        const r = this.guard(c, run, () => run.step());
        if (r === 'yield') return r;
        this.finish(c, run);
        return 'done';
      },
      () => {
        const wants = run.needEvents;
        run.needEvents = false;
        return wants;
      },
    );
  }

  /**
   * A JavaScript exception out of the VM is a bug of the lab, not of the script: the caller gets an error
   * saying so and the node keeps running.
   */
  private guard(c: Client, run: ScriptRun, step: () => 'done' | 'yield'): 'done' | 'yield' | 'failed' {
    try {
      return step();
    } catch (e) {
      this.node.log('warning', `Cluster Lab's Lua VM failed: ${(e as Error).message}`);
      run.outcome = null;
      return 'failed';
    }
  }

  /** The run ended: the reply, the effects to replicas, and scriptResetRun. */
  private finish(c: Client, run: ScriptRun): void {
    if (run.outcome === null) c.reply.error("ERR Cluster Lab's Lua VM failed while running the script (a bug in the lab; the node is fine)");
    else run.reply(c.reply);
    this.node.endScriptEffects(run.replFlags);
    this.run = null;
  }

  /** SCRIPT KILL and FUNCTION KILL (scriptKill). */
  kill(c: Client, isEval: boolean): void {
    const run = this.run;
    if (run === null) return c.reply.error('NOTBUSY No scripts in execution right now.');
    if (run.caller.isMaster) {
      return c.reply.error('UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.');
    }
    if (run.writeDirty) {
      return c.reply.error(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
    }
    if (isEval && !run.evalMode) return c.reply.error(BUSY_FUNCTION);
    if (!isEval && run.evalMode) return c.reply.error(BUSY_EVAL);
    run.killed = true;
    c.reply.ok();
  }

  private scriptClient(): Client {
    if (this.luaClient === null) {
      this.luaClient = this.node.newScriptClient();
      this.luaClient.denyBlocking = true;
    }
    return this.luaClient;
  }

  // --- redis.call ---------------------------------------------------------------------------------------------------

  /** luaRedisGenericCommand: the arguments on the stack run as a command; its reply (or error) is pushed. */
  call(L: LuaState, raiseError: boolean): number {
    const run = this.run;
    if (run === null) {
      pushErrorTable(L, 'redis.call/pcall can only be called inside a script invocation');
      return lua.lua_error(L);
    }
    const argc = lua.lua_gettop(L);
    if (argc === 0) {
      pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
      return raiseError ? lua.lua_error(L) : 1;
    }
    const argv: string[] = [];
    for (let j = 1; j <= argc; j++) {
      if (lua.lua_type(L, j) === LUA_TNUMBER) argv.push(formatG17(lua.lua_tonumber(L, j)));
      else {
        const s = lua.lua_isstring(L, j) ? toByteString(L, j) : null;
        if (s === null) break;
        argv.push(s);
      }
    }
    lua.lua_pop(L, argc);
    if (argv.length !== argc) {
      pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers');
      return raiseError ? lua.lua_error(L) : 1;
    }
    this.server.spend(COST_NS.luaRedisCall);
    const error = this.scriptCall(run, argv);
    const lc = this.scriptClient();
    if (error !== null) {
      lc.reply.take();
      pushErrorTable(L, error);
      lua.lua_pushboolean(L, true);
      lua.lua_setfield(L, -2, luaBytes('ignore_error_stats_update'));
      return raiseError ? lua.lua_error(L) : 1;
    }
    this.parser.feed(lc.reply.take());
    const parsed = this.parser.next();
    if (parsed === null) {
      lua.lua_pushnil(L);
      return 1;
    }
    pushReply(L, parsed.reply);
    if (raiseError && parsed.reply.type === 'error') return lua.lua_error(L);
    return 1;
  }

  /** scriptCall: Redis's checks for a command called from a script, then call(). An error text, or null. */
  private scriptCall(run: ScriptRun, argv: string[]): string | null {
    const server = this.server;
    const lc = this.scriptClient();
    run.currentArgv = argv;
    const found = lookupCommand(argv);
    if (found.kind !== 'command') {
      if (found.kind === 'container') return 'Wrong number of args calling Redis command from script';
      if (found.kind === 'unimplemented') return `ERR '${found.fullname}' is a Redis 7.0 command that Cluster Lab does not implement yet`;
      return 'Unknown Redis command called from script';
    }
    const cmd = found.spec;
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      return 'Wrong number of args calling Redis command from script';
    }
    if (cmd.flags.has('noscript')) return 'This Redis command is not allowed from script';
    // MIGRATE blocks on its own socket I/O, which the lab's scripts cannot wait for (docs/fidelity.md).
    if (cmd.name === 'migrate') return 'ERR MIGRATE is not supported inside scripts by Cluster Lab';
    const repl = server.repl;
    if (repl.isReplica && repl.state !== 'connected' && server.config.get('replica-serve-stale-data') === 'no' && !cmd.flags.has('stale')) {
      return 'Can not execute the command on a stale replica';
    }
    const obey = run.caller.isMaster;
    const mayReplicate = cmd.mayReplicate;
    if (run.readOnly && mayReplicate) return 'Write commands are not allowed from read-only scripts.';
    if (cmd.isWrite && !run.writeDirty) {
      if (repl.isReplica && server.config.get('replica-read-only') === 'yes' && !obey) return "-READONLY You can't write against a read only replica.";
      if (!repl.isReplica && repl.tooFewReplicas()) return '-NOREPLICAS Not enough good replicas to write.';
    }
    if (!run.allowOom && server.config.maxmemory > 0 && !obey && !run.writeDirty && run.oomAtStart && cmd.denyOom) {
      return "-OOM command not allowed when used memory > 'maxmemory'.";
    }
    if (cmd.isWrite) run.writeDirty = true;
    const cluster = server.cluster;
    if (cluster !== null && !obey && cmd.hasKeys) {
      const redirect = getNodeByQuery(cluster, lc, lc.db, [{ argv, isWrite: cmd.isWrite, name: cmd.name }], server.nowMs(), server.config.get('cluster-allow-reads-when-down') === 'yes');
      if (redirect !== null) {
        if (redirect.kind === 'down-ro') return 'Script attempted to execute a write command while the cluster is down and readonly';
        if (redirect.kind === 'down') return 'Script attempted to execute a command while the cluster is down';
        return 'Script attempted to access a non local key in a cluster node';
      }
      const keys = commandKeys(cmd, argv);
      if (keys.length > 0 && !run.allowCrossSlot) {
        const slot = keyHashSlot(keys[0]);
        if (run.slot === -1) run.slot = slot;
        else if (run.slot !== slot) return 'Script attempted to access keys that do not hash to the same slot';
      }
    }
    lc.argv = argv;
    call(lc, server, cmd, argv);
    return null;
  }
}

/** getLongLongFromObjectOrReply for numkeys: the number, or null after replying with `error`. */
function parseNumkeys(c: Client, text: string, error = 'ERR value is not an integer or out of range'): number | null {
  if (!/^-?\d+$/.test(text) || text.length > 20 || (text.length > 1 && /^-?0/.test(text))) {
    c.reply.error(error);
    return null;
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    const big = BigInt(text);
    if (big > 9223372036854775807n || big < -9223372036854775808n) {
      c.reply.error(error);
      return null;
    }
    return big > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  }
  return n;
}

/** luaCreateArray: a Lua array of byte strings, left on the stack. */
function pushArray(L: LuaState, items: readonly string[]): void {
  lua.lua_createtable(L, items.length, 0);
  for (let j = 0; j < items.length; j++) {
    lua.lua_pushlstring(L, luaBytes(items[j]), items[j].length);
    lua.lua_rawseti(L, -2, j + 1);
  }
}

export { parseNumkeys, pushArray };
