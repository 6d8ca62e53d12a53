/**
 * A node's scripting as the rest of the engine sees it: EVAL, SCRIPT, FCALL and FUNCTION, and what INFO,
 * persistence and processCommand read (is a script busy, how many scripts and libraries, their code).
 *
 * The Lua side (lua-scripting.ts: the Lua VM, the script cache, the function libraries, the running script) is
 * created the first time a command needs it, from the Lua runtime registered in runtime.ts. Until then this
 * object answers the reads itself, as a Lua side with nothing loaded would: no script running, none cached,
 * no libraries. Creating the Lua side has no effect a client can see (its states start empty, its memory is
 * reported as a constant), so a node behaves the same whenever it happens; that is what lets a browser worker
 * fetch the Lua VM only when its node first needs it (docs/architecture.md, "Loading Lua on demand").
 */
import './lua-eager.ts';
import { luaRuntime } from './runtime.ts';
import type { LuaScripting } from './lua-scripting.ts';
import type { FunctionInfo, Library } from './functions.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { CommandSpec } from '../commands/types.ts';
import type { ByteString } from '../types/bytes.ts';

/** The flags processCommand checks, as a script's flags make them. */
export interface CommandFlags {
  isWrite: boolean;
  denyOom: boolean;
  stale: boolean;
  mayReplicate: boolean;
}

/** What scripting needs from the node beyond the command handlers' Server. */
export interface ScriptingNode {
  readonly server: Server;
  /** A client for redis.call (CLIENT_SCRIPT, CLIENT_DENY_BLOCKING). */
  newScriptClient(): Client;
  /** The caller's command yielded: hold its client until `job` ends. */
  suspend(c: Client, step: () => 'done' | 'yield', wantsEvents: () => boolean): void;
  sliceEndUs(): number;
  log(level: 'warning' | 'notice', text: string): void;
  /** Collect the effects a script propagates (to wrap several in MULTI/EXEC); end passes them on. */
  beginScriptEffects(): void;
  endScriptEffects(replFlags: number): void;
}

const NO_FUNCTIONS: ReadonlyMap<string, FunctionInfo> = new Map();
const NO_LIBRARIES: ReadonlyMap<string, Library> = new Map();

export class Scripting {
  private created: LuaScripting | null = null;
  readonly functions = new Functions(this);

  constructor(private readonly node: ScriptingNode) {}

  /** The Lua side, once a command has needed it. */
  get loaded(): LuaScripting | null {
    return this.created;
  }

  /** The Lua side, created now if no command needed it before. */
  lua(): LuaScripting {
    return (this.created ??= luaRuntime().createScripting(this.node));
  }

  /** Past the busy threshold: other clients are refused with BUSY. */
  get busy(): boolean {
    return this.created?.busy ?? false;
  }

  busyError(): string {
    return this.lua().busyError();
  }

  numberOfScripts(): number {
    return this.created?.numberOfScripts() ?? 0;
  }

  evalScriptsMemory(): number {
    return this.created?.evalScriptsMemory() ?? 0;
  }

  commandFlags(cmd: CommandSpec, argv: readonly string[]): CommandFlags {
    return this.lua().commandFlags(cmd, argv);
  }

  evalCommand(c: Client, evalsha: boolean, ro: boolean): void {
    this.lua().evalCommand(c, evalsha, ro);
  }

  createScript(c: Client | null, body: ByteString): string | null {
    return this.lua().createScript(c, body);
  }

  scriptExists(sha: ByteString): boolean {
    return this.lua().scriptExists(sha);
  }

  flushScripts(): void {
    this.lua().flushScripts();
  }

  kill(c: Client, isEval: boolean): void {
    this.lua().kill(c, isEval);
  }
}

/** The function libraries (functions.ts) as the engine reads them; FUNCTION and FCALL reach the Lua side. */
class Functions {
  constructor(private readonly scripting: Scripting) {}

  get functions(): ReadonlyMap<string, FunctionInfo> {
    return this.scripting.loaded?.functions.functions ?? NO_FUNCTIONS;
  }

  get libraries(): ReadonlyMap<string, Library> {
    return this.scripting.loaded?.functions.libraries ?? NO_LIBRARIES;
  }

  /** The libraries' code, for RDB snapshots. */
  codes(): string[] {
    return this.scripting.loaded?.functions.codes() ?? [];
  }

  /** A snapshot's libraries replace the current ones; none replacing none needs no Lua. */
  loadCodes(codes: readonly string[]): void {
    if (codes.length === 0 && this.scripting.loaded === null) return;
    this.scripting.lua().functions.loadCodes(codes);
  }

  fcall(c: Client, ro: boolean): void {
    this.scripting.lua().functions.fcall(c, ro);
  }

  load(c: Client): void {
    this.scripting.lua().functions.load(c);
  }

  delete(c: Client): void {
    this.scripting.lua().functions.delete(c);
  }

  list(c: Client): void {
    this.scripting.lua().functions.list(c);
  }

  dump(compression: boolean): Uint8Array {
    return this.scripting.lua().functions.dump(compression);
  }

  restore(c: Client, payloadText: string): void {
    this.scripting.lua().functions.restore(c, payloadText);
  }

  flush(c: Client): void {
    this.scripting.lua().functions.flush(c);
  }

  stats(c: Client): void {
    this.scripting.lua().functions.stats(c);
  }
}
