/**
 * Redis 7.0 functions (functions.c, function_lua.c): libraries loaded with FUNCTION LOAD from code that starts
 * with "#!lua name=<library>", whose top level registers functions with redis.register_function; FCALL runs
 * them; FUNCTION DUMP/RESTORE move them between servers as RDB "function2" records (which is how
 * `redis-cli --cluster add-node` copies them to a new node).
 */
import { lua, lauxlib, luaBytes, toByteString, getField, setField, getGlobal, setReadonly, LUA_TSTRING, LUA_TTABLE, LUA_TFUNCTION, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS, type LuaState } from './lua-api.ts';
import { createLuaState, compileChunk, protectedGlobalError, protectRecursively } from './lua-vm.ts';
import { pushErrorTable, errorInfo } from './lua-reply.ts';
import { SCRIPT_FLAG_NAMES, HOOK_EVERY } from './script-run.ts';
import type { LuaScripting } from './lua-scripting.ts';
import { parseNumkeys, pushArray } from './lua-scripting.ts';
import type { Client } from '../server/client.ts';
import { RdbReader, RdbWriter, RdbFormatError } from '../persistence/rdb-io.ts';
import { finishDumpPayload, verifyDumpPayload } from '../persistence/dump-payload.ts';
import { globMatch } from '../keyspace/glob.ts';
import { bytesToByteString } from '../types/bytes.ts';
import { subcommandSyntaxError } from '../commands/errors.ts';

/** RDB_OPCODE_FUNCTION2: one library's code. */
export const RDB_OPCODE_FUNCTION2 = 245;
const RDB_OPCODE_FUNCTION = 246;
/** LOAD_TIMEOUT_MS: a library's top level gets this long to register its functions. */
const LOAD_TIMEOUT_MS = 500;

export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: number;
  /** luaL_ref of the callback in the functions state's registry. */
  ref: number;
  library: Library;
}

export interface Library {
  name: string;
  code: string;
  functions: Map<string, FunctionInfo>;
}

const LIBRARY_API = '__library_api__';
const GLOBALS_API = '__globals_api__';
const ENV_META = '__env_meta__';

/** luaSetErrorMetatable on the table on top of the stack. */
function withErrorMetatable(L: LuaState): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, protectedGlobalError);
  setField(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
}

const NAME_RE = /^[A-Za-z0-9_]+$/;
const BAD_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

export class FunctionLibraries {
  libraries = new Map<string, Library>();
  functions = new Map<string, FunctionInfo>();
  private state: LuaState;
  /** The library being loaded (registration target), or null outside FUNCTION LOAD. */
  private loading: { lib: Library; startUs: number } | null = null;

  constructor(private readonly scripting: LuaScripting) {
    this.state = this.newState();
  }

  /**
   * The functions state (luaEngineInitEngine). Library code and functions see an empty, read-only globals
   * table whose metatable forwards reads: while FUNCTION LOAD runs a library's top level, to the library API
   * (redis.register_function, redis.log and the version fields, nothing else); afterwards, to the full globals
   * a script has. So a library cannot reach redis.call while loading, nor a function register more functions.
   */
  private newState(): LuaState {
    const L = createLuaState(this.scripting, true);
    // The library API.
    lua.lua_createtable(L, 0, 1);
    lua.lua_createtable(L, 0, 8);
    lua.lua_pushcfunction(L, (L2: LuaState) => this.registerFunction(L2));
    setField(L, -2, 'register_function');
    getGlobal(L, 'redis');
    for (const name of ['log', 'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM']) {
      getField(L, -1, name);
      setField(L, -3, name);
    }
    lua.lua_pop(L, 1);
    withErrorMetatable(L);
    setField(L, -2, 'redis');
    withErrorMetatable(L);
    protectRecursively(L);
    lua.lua_setfield(L, LUA_REGISTRYINDEX, luaBytes(LIBRARY_API));
    // The globals as scripts have them.
    lua.lua_pushglobaltable(L);
    lua.lua_setfield(L, LUA_REGISTRYINDEX, luaBytes(GLOBALS_API));
    // The environment code runs in: empty, read-only, reads forwarded by its metatable.
    lua.lua_createtable(L, 0, 0);
    lua.lua_createtable(L, 0, 1);
    lua.lua_getfield(L, LUA_REGISTRYINDEX, luaBytes(GLOBALS_API));
    setField(L, -2, '__index');
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, LUA_REGISTRYINDEX, luaBytes(ENV_META));
    lua.lua_setmetatable(L, -2);
    setReadonly(L, -1, true);
    lua.lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    return L;
  }

  /** Points the environment's reads at the library API (during a load) or at the globals. */
  private forwardGlobalsTo(L: LuaState, api: string): void {
    lua.lua_getfield(L, LUA_REGISTRYINDEX, luaBytes(ENV_META));
    setReadonly(L, -1, false);
    lua.lua_getfield(L, LUA_REGISTRYINDEX, luaBytes(api));
    setField(L, -2, '__index');
    setReadonly(L, -1, true);
    lua.lua_pop(L, 1);
  }

  // --- Loading -----------------------------------------------------------------------------------------------------

  /** functionsCreateWithLibraryCtx: loads `code` into `into`; the library's name, or an error text. */
  create(code: string, replace: boolean, into: { libraries: Map<string, Library>; functions: Map<string, FunctionInfo> } = this, timeout = true): string | { error: string } {
    const md = extractMetadata(code);
    if ('error' in md) return md;
    if (!NAME_RE.test(md.name)) return { error: BAD_NAME };
    if (md.engine.toUpperCase() !== 'LUA') return { error: `Engine '${md.engine}' not found` };
    const old = into.libraries.get(md.name);
    if (old !== undefined && !replace) return { error: `Library '${md.name}' already exists` };
    const lib: Library = { name: md.name, code, functions: new Map() };
    const L = this.state;
    const compileError = compileChunk(L, md.body, '@user_function');
    if (compileError !== null) return { error: `Error compiling function: ${compileError}` };
    this.loading = { lib, startUs: this.scripting.server.nowUs() };
    this.forwardGlobalsTo(L, LIBRARY_API);
    const hook = (hl: LuaState): void => {
      this.scripting.server.spend(HOOK_EVERY * this.scripting.runHost.instructionNs);
      if (timeout && this.loading !== null && (this.scripting.server.nowUs() - this.loading.startUs) / 1000 > LOAD_TIMEOUT_MS) {
        lua.lua_sethook(hl, hook, lua.LUA_MASKCOUNT, 1);
        pushErrorTable(hl, 'FUNCTION LOAD timeout');
        lua.lua_error(hl);
      }
    };
    lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, HOOK_EVERY);
    const status = lua.lua_pcall(L, 0, 0, 0);
    lua.lua_sethook(L, null, 0, 0);
    this.loading = null;
    this.forwardGlobalsTo(L, GLOBALS_API);
    if (status !== 0) {
      const info = errorInfo(L);
      lua.lua_pop(L, 1);
      this.release(lib);
      return { error: `Error registering functions: ${info.msg}` };
    }
    if (lib.functions.size === 0) {
      this.release(lib);
      return { error: 'No functions registered' };
    }
    for (const f of lib.functions.values()) {
      const existing = into.functions.get(f.name);
      if (existing !== undefined && existing.library !== old) {
        this.release(lib);
        return { error: `Function ${f.name} already exists` };
      }
    }
    if (old !== undefined) this.unlink(into, old);
    this.link(into, lib);
    if (old !== undefined) this.release(old);
    return lib.name;
  }

  private link(into: { libraries: Map<string, Library>; functions: Map<string, FunctionInfo> }, lib: Library): void {
    into.libraries.set(lib.name, lib);
    for (const f of lib.functions.values()) into.functions.set(f.name, f);
  }

  private unlink(into: { libraries: Map<string, Library>; functions: Map<string, FunctionInfo> }, lib: Library): void {
    into.libraries.delete(lib.name);
    for (const f of lib.functions.values()) into.functions.delete(f.name);
  }

  private release(lib: Library): void {
    for (const f of lib.functions.values()) lauxlib.luaL_unref(this.state, LUA_REGISTRYINDEX, f.ref);
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}. */
  private registerFunction(L: LuaState): number {
    const loading = this.loading;
    if (loading === null) {
      pushErrorTable(L, 'redis.register_function can only be called on FUNCTION LOAD command');
      return lua.lua_error(L);
    }
    const argc = lua.lua_gettop(L);
    const fail = (text: string): number => {
      pushErrorTable(L, text);
      return lua.lua_error(L);
    };
    if (argc < 1 || argc > 2) return fail('wrong number of arguments to redis.register_function');
    let name: string | null = null;
    let description: string | null = null;
    let flags = 0;
    let ref = -1;
    if (argc === 1) {
      if (lua.lua_type(L, 1) !== LUA_TTABLE) {
        return fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1)) {
        if (!lua.lua_isstring(L, -2)) return fail('named argument key given to redis.register_function is not a string');
        const key = (toByteString(L, -2) as string).toLowerCase();
        if (key === 'function_name') {
          if (!lua.lua_isstring(L, -1)) return fail('function_name argument given to redis.register_function must be a string');
          name = toByteString(L, -1);
        } else if (key === 'description') {
          if (!lua.lua_isstring(L, -1)) return fail('description argument given to redis.register_function must be a string');
          description = toByteString(L, -1);
        } else if (key === 'callback') {
          if (lua.lua_type(L, -1) !== LUA_TFUNCTION) return fail('callback argument given to redis.register_function must be a function');
          ref = refFunction(L);
          continue;
        } else if (key === 'flags') {
          if (lua.lua_type(L, -1) !== LUA_TTABLE) return fail('flags argument to redis.register_function must be a table representing function flags');
          const parsed = readFlags(L);
          if (parsed === null) return fail('unknown flag given');
          flags = parsed;
        } else return fail('unknown argument given to redis.register_function');
        lua.lua_pop(L, 1);
      }
      if (name === null) return fail('redis.register_function must get a function name argument');
      if (ref === -1) return fail('redis.register_function must get a callback argument');
    } else {
      if (!lua.lua_isstring(L, 1)) return fail('first argument to redis.register_function must be a string');
      name = toByteString(L, 1);
      if (lua.lua_type(L, 2) !== LUA_TFUNCTION) return fail('second argument to redis.register_function must be a function');
      lua.lua_settop(L, 2);
      ref = refFunction(L);
    }
    const fname = name as string;
    if (!NAME_RE.test(fname)) return fail(BAD_NAME);
    if (loading.lib.functions.has(fname)) return fail('Function already exists in the library');
    loading.lib.functions.set(fname, { name: fname, description, flags, ref, library: loading.lib });
    return 0;
  }

  // --- Commands ------------------------------------------------------------------------------------------------------

  load(c: Client): void {
    const argv = c.argv;
    let replace = false;
    let i = 2;
    while (i < argv.length - 1) {
      const arg = argv[i++];
      if (arg.toLowerCase() === 'replace') {
        replace = true;
        continue;
      }
      return c.reply.error(`ERR Unknown option given: ${arg}`);
    }
    if (i >= argv.length) return c.reply.error('ERR Function code is missing');
    const result = this.create(argv[i], replace, this, !c.isMaster);
    if (typeof result !== 'string') return c.reply.error(`ERR ${result.error}`);
    this.scripting.server.markDirty();
    c.reply.bulk(result);
  }

  delete(c: Client): void {
    const lib = this.libraries.get(c.argv[2]);
    if (lib === undefined) return c.reply.error('ERR Library not found');
    this.unlink(this, lib);
    this.release(lib);
    this.scripting.server.markDirty();
    c.reply.ok();
  }

  flush(c: Client): void {
    const argv = c.argv;
    if (argv.length > 3) return c.reply.error(subcommandSyntaxError(argv));
    if (argv.length === 3 && !['sync', 'async'].includes(argv[2].toLowerCase())) {
      return c.reply.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    }
    this.clear();
    this.scripting.server.markDirty();
    c.reply.ok();
  }

  /** The libraries' code, for RDB snapshots. */
  codes(): string[] {
    return [...this.libraries.values()].map((l) => l.code);
  }

  /** A snapshot's libraries replace the current ones (rdbFunctionLoad into an emptied context). */
  loadCodes(codes: readonly string[]): void {
    this.clear();
    for (const code of codes) this.create(code, false, this, false);
  }

  clear(): void {
    this.libraries = new Map();
    this.functions = new Map();
    this.state = this.newState();
  }

  list(c: Client): void {
    const argv = c.argv;
    let withCode = false;
    let pattern: string | null = null;
    for (let i = 2; i < argv.length; i++) {
      const arg = argv[i].toLowerCase();
      if (!withCode && arg === 'withcode') {
        withCode = true;
        continue;
      }
      if (pattern === null && arg === 'libraryname') {
        if (i >= argv.length - 1) return c.reply.error('ERR library name argument was not given');
        pattern = argv[++i];
        continue;
      }
      return c.reply.error(`ERR Unknown argument ${argv[i]}`);
    }
    const libs = [...this.libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name, true));
    const out = c.reply;
    out.arrayHeader(libs.length);
    for (const lib of libs) {
      out.mapHeader(withCode ? 4 : 3);
      out.bulk('library_name');
      out.bulk(lib.name);
      out.bulk('engine');
      out.bulk('LUA');
      out.bulk('functions');
      out.arrayHeader(lib.functions.size);
      for (const f of lib.functions.values()) {
        out.mapHeader(3);
        out.bulk('name');
        out.bulk(f.name);
        out.bulk('description');
        if (f.description === null) out.nullBulk();
        else out.bulk(f.description);
        out.bulk('flags');
        const names = SCRIPT_FLAG_NAMES.filter(([, bit]) => (f.flags & bit) !== 0);
        out.setHeader(names.length);
        for (const [flag] of names) out.status(flag);
      }
      if (withCode) {
        out.bulk('library_code');
        out.bulk(lib.code);
      }
    }
  }

  /** FUNCTION DUMP: a "function2" record per library, the RDB version and a CRC-64, as DUMP payloads end. */
  dump(compression: boolean): Uint8Array {
    const w = new RdbWriter(64);
    for (const lib of this.libraries.values()) {
      w.byte(RDB_OPCODE_FUNCTION2);
      w.rawString(lib.code, compression);
    }
    return finishDumpPayload(w);
  }

  restore(c: Client, payloadText: string): void {
    const argv = c.argv;
    if (argv.length > 4) return c.reply.error(subcommandSyntaxError(argv));
    let policy: 'append' | 'replace' | 'flush' = 'append';
    if (argv.length === 4) {
      const p = argv[3].toLowerCase();
      if (p !== 'append' && p !== 'replace' && p !== 'flush') {
        return c.reply.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      }
      policy = p;
    }
    const payload = new Uint8Array(payloadText.length);
    for (let i = 0; i < payloadText.length; i++) payload[i] = payloadText.charCodeAt(i);
    if (!verifyDumpPayload(payload)) return c.reply.error('ERR DUMP payload version or checksum are wrong');
    const staged = { libraries: new Map<string, Library>(), functions: new Map<string, FunctionInfo>() };
    const r = new RdbReader(payload);
    let error: string | null = null;
    try {
      while (payload.length - r.pos > 10) {
        const type = r.byte();
        if (type !== RDB_OPCODE_FUNCTION && type !== RDB_OPCODE_FUNCTION2) {
          error = 'given type is not a function';
          break;
        }
        const code = bytesToByteString(r.string());
        const created = this.create(code, false, staged, false);
        if (typeof created !== 'string') {
          error = created.error;
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof RdbFormatError || e instanceof RangeError)) throw e;
      error = 'failed loading the given functions payload';
    }
    if (error === null && policy !== 'flush') {
      // libraryJoin: a name collision fails (APPEND) or replaces the old library (REPLACE).
      for (const lib of staged.libraries.values()) {
        const old = this.libraries.get(lib.name);
        if (old !== undefined && policy === 'append') {
          error = `Library ${lib.name} already exists`;
          break;
        }
        for (const f of lib.functions.values()) {
          const existing = this.functions.get(f.name);
          if (existing !== undefined && (policy === 'append' || existing.library.name !== lib.name)) {
            error = `Function ${f.name} already exists`;
            break;
          }
        }
        if (error !== null) break;
      }
    }
    if (error !== null) return c.reply.error(`ERR ${error}`);
    if (policy === 'flush') {
      this.libraries = new Map();
      this.functions = new Map();
    }
    for (const lib of staged.libraries.values()) {
      const old = this.libraries.get(lib.name);
      if (old !== undefined) this.unlink(this, old);
      this.link(this, lib);
    }
    this.scripting.server.markDirty();
    c.reply.ok();
  }

  stats(c: Client): void {
    const run = this.scripting.run;
    if (run !== null && run.evalMode) return c.reply.error('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    const out = c.reply;
    out.mapHeader(2);
    out.bulk('running_script');
    if (run === null) out.nullBulk();
    else {
      out.mapHeader(3);
      out.bulk('name');
      out.bulk(run.name);
      out.bulk('command');
      out.arrayHeader(run.caller.argv.length);
      for (const a of run.caller.argv) out.bulk(a);
      out.bulk('duration_ms');
      out.integer(Math.floor((this.scripting.server.nowUs() - run.startUs) / 1000));
    }
    out.bulk('engines');
    out.mapHeader(1);
    out.bulk('LUA');
    out.mapHeader(2);
    out.bulk('libraries_count');
    out.integer(this.libraries.size);
    out.bulk('functions_count');
    out.integer(this.functions.size);
  }

  /** FCALL and FCALL_RO. */
  fcall(c: Client, ro: boolean): void {
    const argv = c.argv;
    const fn = this.functions.get(argv[1]);
    if (fn === undefined) return c.reply.error('ERR Function not found');
    const numkeys = parseNumkeys(c, argv[2], 'ERR Bad number of keys provided');
    if (numkeys === null) return;
    if (numkeys > argv.length - 3) return c.reply.error("ERR Number of keys can't be greater than number of args");
    if (numkeys < 0) return c.reply.error("ERR Number of keys can't be negative");
    const run = this.scripting.prepare(c, fn.name, fn.flags, ro, false);
    if (run === null) return;
    c.propagateAs = [];
    const keys = argv.slice(3, 3 + numkeys);
    const args = argv.slice(3 + numkeys);
    this.scripting.noteDeclaredSlot(run, keys);
    this.scripting.execute(c, run, this.state, (co) => {
      lua.lua_rawgeti(co, LUA_REGISTRYINDEX, fn.ref);
      pushArray(co, keys);
      pushArray(co, args);
      return 2;
    });
  }
}

/** luaL_ref in the registry for the value on top of the stack (popped). */
function refFunction(L: LuaState): number {
  return lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
}

/** luaRegisterFunctionReadFlags: the flags table's strings to bits; null for an unknown one. */
function readFlags(L: LuaState): number | null {
  let flags = 0;
  const n = Number(lua.lua_rawlen(L, -1));
  for (let j = 1; j <= n; j++) {
    lua.lua_rawgeti(L, -1, j);
    if (lua.lua_type(L, -1) !== LUA_TSTRING) {
      lua.lua_pop(L, 1);
      return null;
    }
    const text = (toByteString(L, -1) as string).toLowerCase();
    lua.lua_pop(L, 1);
    const known = SCRIPT_FLAG_NAMES.find(([name]) => name === text);
    if (known === undefined) return null;
    flags |= known[1];
  }
  return flags;
}

/** functionExtractLibMetaData: engine and name from the "#!<engine> name=<name>" first line. */
export function extractMetadata(code: string): { engine: string; name: string; body: string } | { error: string } {
  if (!code.startsWith('#!')) return { error: 'Missing library metadata' };
  const end = code.indexOf('\n');
  if (end < 0) return { error: 'Invalid library metadata' };
  const parts = code.slice(0, end).split(/[ \t]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return { error: 'Invalid library metadata' };
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { error: 'Invalid metadata value, name argument was given multiple times' };
      name = part.slice(5);
      continue;
    }
    return { error: `Invalid metadata value given: ${part}` };
  }
  if (name === null) return { error: 'Library name was not given' };
  return { engine, name, body: code.slice(end) };
}

