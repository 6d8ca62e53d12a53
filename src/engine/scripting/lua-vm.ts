/**
 * A Lua state set up as Redis 7.0 sets up its own (script_lua.c, eval.c, function_lua.c): the libraries Redis
 * loads, the `redis` table, math.random on redisLrand48, the globals allow list, every reachable table made
 * read-only, and a globals metatable that turns a read of an unknown global into Redis's error.
 *
 * Two kinds exist, as in Redis: the EVAL state (scripts are compiled into it and share it until SCRIPT FLUSH)
 * and the functions state (libraries are loaded into it by FUNCTION LOAD; while one loads, the globals the
 * library sees are limited to what a library may use: redis.register_function and the logging helpers).
 */
import {
  lua, lauxlib, lualib, luaBytes, pushString, setField, getField, getGlobal, setGlobal, setFunction, setReadonly, isReadonly,
  toByteString, raise, raiseMessage, LUA_TTABLE, LUA_TNUMBER, LUA_TSTRING, LUA_OK, LUA_YIELD, type LuaState, type LuaCFunction,
} from './lua-api.ts';
import { adaptTo51 } from './lua51-libs.ts';
import { pushErrorTable } from './lua-reply.ts';
import { LRAND48_MAX, type Rand48 } from './rand48.ts';
import { openBit } from './libs/bit.ts';
import { openCjson } from './libs/cjson.ts';
import { openCmsgpack } from './libs/cmsgpack.ts';
import { openStruct } from './libs/struct.ts';
import { sha1hex } from './sha1.ts';

/** What the `redis` table's functions need from the node. */
export interface RedisLuaHost {
  /** Inside a script invocation (redis.call and friends refuse to run otherwise). */
  running(): boolean;
  /** redis.call (raise) and redis.pcall: arguments are on the stack; push one result. */
  call(L: LuaState, raise: boolean): number;
  setResp(resp: 2 | 3): void;
  setRepl(flags: number): void;
  log(level: number, text: string): void;
  readonly rand: Rand48;
}

/** Names a script may find in its globals (script_lua.c's allow lists); anything else is dropped at setup. */
const GLOBALS_ALLOWED = new Set([
  'string', 'cjson', 'bit', 'cmsgpack', 'math', 'table', 'struct',
  'redis', '__redis__err__handler',
  'xpcall', 'tostring', 'getfenv', 'setmetatable', 'next', 'assert', 'tonumber', 'rawequal', 'collectgarbage',
  'getmetatable', 'rawset', 'pcall', 'coroutine', 'type', '_G', 'select', 'unpack', 'gcinfo', 'pairs', 'rawget',
  'loadstring', 'ipairs', '_VERSION', 'setfenv', 'load', 'error',
]);

export const LOG_DEBUG = 0;
export const LOG_WARNING = 3;
/** PROPAGATE_AOF | PROPAGATE_REPL. */
export const REPL_ALL = 3;

function requireRunning(L: LuaState, host: RedisLuaHost, what: string): void {
  if (host.running()) return;
  pushErrorTable(L, `${what} can only be called inside a script invocation`);
  raise(L);
}

export function protectedGlobalError(L: LuaState): number {
  const name = toByteString(L, -1) ?? '';
  return raiseMessage(L, `Script attempted to access nonexistent global variable '${name}'`);
}

/** luaSetTableProtectionRecursively: the table at the top of the stack, what it holds, and its metatable. */
export function protectRecursively(L: LuaState): void {
  if (isReadonly(L, -1)) return;
  setReadonly(L, -1, true);
  lua.lua_checkstack(L, 2);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_type(L, -1) === LUA_TTABLE) protectRecursively(L);
    lua.lua_pop(L, 1);
  }
  if (lua.lua_getmetatable(L, -1)) {
    protectRecursively(L);
    lua.lua_pop(L, 1);
  }
}

function redisApi(L: LuaState, host: RedisLuaHost): void {
  lua.lua_createtable(L, 0, 24);
  setFunction(L, 'call', (L2) => host.call(L2, true));
  setFunction(L, 'pcall', (L2) => host.call(L2, false));
  setFunction(L, 'log', (L2) => {
    const argc = lua.lua_gettop(L2);
    if (argc < 2) {
      pushErrorTable(L2, 'redis.log() requires two arguments or more.');
      return raise(L2);
    }
    if (!lua.lua_isnumber(L2, 1)) {
      pushErrorTable(L2, 'First argument must be a number (log level).');
      return raise(L2);
    }
    const level = Math.trunc(lua.lua_tonumber(L2, 1));
    if (level < LOG_DEBUG || level > LOG_WARNING) {
      pushErrorTable(L2, 'Invalid debug level.');
      return raise(L2);
    }
    const parts: string[] = [];
    for (let j = 2; j <= argc; j++) {
      const s = toByteString(L2, j);
      if (s !== null) parts.push(s);
    }
    host.log(level, parts.join(' '));
    return 0;
  });
  for (const [name, level] of [['LOG_DEBUG', 0], ['LOG_VERBOSE', 1], ['LOG_NOTICE', 2], ['LOG_WARNING', 3]] as const) {
    lua.lua_pushnumber(L, level);
    setField(L, -2, name);
  }
  lua.lua_pushnumber(L, 0x07000f);
  setField(L, -2, 'REDIS_VERSION_NUM');
  pushString(L, '7.0.15');
  setField(L, -2, 'REDIS_VERSION');
  setFunction(L, 'setresp', (L2) => {
    requireRunning(L2, host, 'redis.setresp');
    if (lua.lua_gettop(L2) !== 1) {
      pushErrorTable(L2, 'redis.setresp() requires one argument.');
      return raise(L2);
    }
    const resp = Math.trunc(lua.lua_tonumber(L2, 1));
    if (resp !== 2 && resp !== 3) {
      pushErrorTable(L2, 'RESP version must be 2 or 3.');
      return raise(L2);
    }
    host.setResp(resp);
    return 0;
  });
  setFunction(L, 'sha1hex', (L2) => {
    if (lua.lua_gettop(L2) !== 1) {
      pushErrorTable(L2, 'wrong number of arguments');
      return raise(L2);
    }
    pushString(L2, sha1hex(toByteString(L2, 1) ?? ''));
    return 1;
  });
  const singleField = (field: string, withDash: boolean): LuaCFunction => (L2) => {
    if (lua.lua_gettop(L2) !== 1 || lua.lua_type(L2, -1) !== LUA_TSTRING) {
      pushErrorTable(L2, 'wrong number or type of arguments');
      return 1;
    }
    if (withDash) {
      const text = toByteString(L2, -1) as string;
      pushErrorTable(L2, text.startsWith('-') ? text : `-${text}`);
      return 1;
    }
    lua.lua_createtable(L2, 0, 1);
    lua.lua_pushvalue(L2, -2);
    setField(L2, -2, field);
    return 1;
  };
  setFunction(L, 'error_reply', singleField('err', true));
  setFunction(L, 'status_reply', singleField('ok', false));
  setFunction(L, 'set_repl', (L2) => {
    requireRunning(L2, host, 'redis.set_repl');
    if (lua.lua_gettop(L2) !== 1) {
      pushErrorTable(L2, 'redis.set_repl() requires two arguments.');
      return raise(L2);
    }
    const flags = Math.trunc(lua.lua_tonumber(L2, -1));
    if ((flags & ~REPL_ALL) !== 0) {
      pushErrorTable(L2, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      return raise(L2);
    }
    host.setRepl(flags);
    return 0;
  });
  for (const [name, value] of [['REPL_NONE', 0], ['REPL_AOF', 1], ['REPL_SLAVE', 2], ['REPL_REPLICA', 2], ['REPL_ALL', 3]] as const) {
    lua.lua_pushnumber(L, value);
    setField(L, -2, name);
  }
  setFunction(L, 'acl_check_cmd', (L2) => {
    requireRunning(L2, host, 'redis.acl_check_cmd');
    // The lab has the default user only, who may run every command.
    lua.lua_pushboolean(L2, true);
    return 1;
  });
  // Redis 7.0 keeps these for old scripts: effects replication is always on, and the debugger is not running.
  setFunction(L, 'replicate_commands', (L2) => {
    lua.lua_pushboolean(L2, true);
    return 1;
  });
  setFunction(L, 'breakpoint', (L2) => {
    lua.lua_pushboolean(L2, false);
    return 1;
  });
  setFunction(L, 'debug', () => 0);
}

function mathRandom(host: RedisLuaHost): [LuaCFunction, LuaCFunction] {
  const random: LuaCFunction = (L) => {
    if (!host.running()) return raiseMessage(L, 'math.random can only be called inside a script invocation');
    const r = (host.rand.next() % LRAND48_MAX) / LRAND48_MAX;
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        break;
      case 1: {
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        if (!(u >= 1)) lauxlib.luaL_argerror(L, 1, luaBytes('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
        if (!(l <= u)) lauxlib.luaL_argerror(L, 2, luaBytes('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return raiseMessage(L, 'wrong number of arguments');
    }
    return 1;
  };
  const randomseed: LuaCFunction = (L) => {
    if (!host.running()) return raiseMessage(L, 'math.randomseed can only be called inside a script invocation');
    host.rand.seed(Math.trunc(lauxlib.luaL_checknumber(L, 1)));
    return 0;
  };
  return [random, randomseed];
}

/**
 * The error handler Redis defines in Lua (`__redis__err__handler`): a non-table error becomes {err="ERR ..."},
 * and the table gets the source and line of the function that raised it (skipping a C function such as
 * error() or redis.call). We run scripts on coroutines and read the same facts from the dead coroutine's stack
 * (`locateError`); this global is what a script itself may call.
 */
const errHandler: LuaCFunction = (L) => {
  lua.lua_settop(L, 1);
  if (lua.lua_type(L, 1) !== LUA_TTABLE) {
    const text = lua.lua_type(L, 1) === LUA_TSTRING || lua.lua_type(L, 1) === LUA_TNUMBER ? toByteString(L, 1) : lua.lua_typename(L, lua.lua_type(L, 1));
    lua.lua_pop(L, 1);
    lua.lua_createtable(L, 0, 1);
    pushString(L, `ERR ${typeof text === 'string' ? text : toByteString(L, -1)}`);
    setField(L, -2, 'err');
  }
  const where = locateError(L, 1);
  if (where !== null) {
    pushString(L, where.source);
    setField(L, -2, 'source');
    lua.lua_pushnumber(L, where.line);
    setField(L, -2, 'line');
  }
  return 1;
};

/** The source and current line of the Lua function at `level` (or the next level when that one is C code). */
export function locateError(L: LuaState, level: number): { source: string; line: number } | null {
  const ar = new lua.lua_Debug();
  if (!lua.lua_getstack(L, level, ar)) return null;
  lua.lua_getinfo(L, luaBytes('nSl'), ar);
  const what = String.fromCharCode(...(ar.what as Uint8Array));
  // fengari says "J" for a JavaScript function where C Lua says "C".
  if (what === 'C' || what === 'J') {
    const up = new lua.lua_Debug();
    if (!lua.lua_getstack(L, level + 1, up)) return null;
    lua.lua_getinfo(L, luaBytes('nSl'), up);
    return { source: String.fromCharCode(...(up.source as Uint8Array)), line: up.currentline };
  }
  return { source: String.fromCharCode(...(ar.source as Uint8Array)), line: ar.currentline };
}

/**
 * Redis's pcall (luaRedisPcall): Lua's pcall, except that an error table carrying an `err` string (what
 * redis.call raises) is handed to the script as that string. Written with a continuation so a script inside
 * pcall can still yield to the event loop.
 */
const redisPcall: LuaCFunction = (L) => {
  lauxlib.luaL_checkany(L, 1);
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 1);
  const status = lua.lua_pcallk(L, lua.lua_gettop(L) - 2, lua.LUA_MULTRET, 0, 0, finishPcall);
  return finishPcall(L, status, 0);
};

function finishPcall(L: LuaState, status: number, _ctx: number): number {
  if (status !== LUA_OK && status !== LUA_YIELD) {
    lua.lua_remove(L, 1);
    if (lua.lua_type(L, -1) === LUA_TTABLE) {
      getField(L, -1, 'err');
      if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
      else lua.lua_pop(L, 1);
    }
    lua.lua_pushboolean(L, false);
    lua.lua_insert(L, 1);
    return lua.lua_gettop(L);
  }
  return lua.lua_gettop(L);
}

/** Lua 5.1's error: a number message gets the position prefix too (5.3 only prefixes strings). */
const error51: LuaCFunction = (L) => {
  const level = lua.lua_isnoneornil(L, 2) ? 1 : Math.trunc(lauxlib.luaL_checknumber(L, 2));
  lua.lua_settop(L, 1);
  if (lua.lua_isstring(L, 1) && level > 0) {
    lauxlib.luaL_where(L, level);
    lua.lua_pushvalue(L, 1);
    lua.lua_concat(L, 2);
  }
  return raise(L);
};

/** Opens the libraries Redis loads, in its order, then adapts them to Lua 5.1. */
function openLibraries(L: LuaState): void {
  const open = (name: string, fn: LuaCFunction): void => {
    lauxlib.luaL_requiref(L, luaBytes(name), fn, 1);
    lua.lua_pop(L, 1);
  };
  open('_G', lualib.luaopen_base);
  open('table', lualib.luaopen_table);
  open('string', lualib.luaopen_string);
  open('math', lualib.luaopen_math);
  open('coroutine', lualib.luaopen_coroutine);
  adaptTo51(L);
  lua.lua_pushcfunction(L, redisPcall);
  setGlobal(L, 'pcall');
  lua.lua_pushcfunction(L, error51);
  setGlobal(L, 'error');
  getGlobal(L, 'setmetatable');
  const setmetatable = lua.lua_tocfunction(L, -1) as LuaCFunction;
  lua.lua_pop(L, 1);
  lua.lua_pushcfunction(L, (L2: LuaState) => {
    // Redis's patched lua_setmetatable refuses a read-only table.
    if (lua.lua_type(L2, 1) === LUA_TTABLE && isReadonly(L2, 1)) {
      pushString(L2, 'Attempt to modify a readonly table');
      return raise(L2);
    }
    return setmetatable(L2);
  });
  setGlobal(L, 'setmetatable');
  openCjson(L);
  openStruct(L);
  openCmsgpack(L);
  openBit(L);
  // 5.3's loaded-modules table is not a 5.1 global; luaL_requiref left it in the registry only.
}

/** Drops every global that is not on Redis's allow list (the globals __newindex filter at setup). */
function applyAllowList(L: LuaState): void {
  const drop: Uint8Array[] = [];
  lua.lua_pushglobaltable(L);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) === LUA_TSTRING && !GLOBALS_ALLOWED.has(toByteString(L, -1) as string)) {
      drop.push(lua.lua_tolstring(L, -1) as Uint8Array);
    }
  }
  for (const name of drop) {
    lua.lua_pushnil(L);
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_pop(L, 1);
}

/** The EVAL state, or (`functions`) the base of the functions state (see functions.ts). */
export function createLuaState(host: RedisLuaHost, functions = false): LuaState {
  const L = lauxlib.luaL_newstate() as LuaState;
  openLibraries(L);
  redisApi(L, host);
  setGlobal(L, 'redis');
  const [random, randomseed] = mathRandom(host);
  getGlobal(L, 'math');
  setFunction(L, 'random', random);
  setFunction(L, 'randomseed', randomseed);
  lua.lua_pop(L, 1);
  // setfenv/getfenv: Lua 5.3 has no function environments (docs/fidelity.md); getfenv answers the globals.
  lua.lua_pushcfunction(L, (L2: LuaState) => {
    lua.lua_pushglobaltable(L2);
    return 1;
  });
  setGlobal(L, 'getfenv');
  lua.lua_pushcfunction(L, (L2: LuaState) => raiseMessage(L2, "'setfenv' is not supported by the lab's Lua VM (Lua 5.3 has no function environments)"));
  setGlobal(L, 'setfenv');
  if (!functions) {
    lua.lua_pushcfunction(L, errHandler);
    setGlobal(L, '__redis__err__handler');
  }
  applyAllowList(L);
  // The globals: reading a missing one is an error, and the table and all it reaches are read-only.
  lua.lua_pushglobaltable(L);
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, protectedGlobalError);
  setField(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
  protectRecursively(L);
  lua.lua_pop(L, 1);
  // The string metatable too (it is reachable as getmetatable('').__index).
  pushString(L, '');
  if (lua.lua_getmetatable(L, -1)) {
    protectRecursively(L);
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  return L;
}

/** Set the global `name` on a read-only globals table (KEYS and ARGV before each EVAL). */
export function setProtectedGlobal(L: LuaState, name: string): void {
  lua.lua_pushglobaltable(L);
  setReadonly(L, -1, false);
  lua.lua_insert(L, -2);
  setField(L, -2, name);
  setReadonly(L, -1, true);
  lua.lua_pop(L, 1);
}

// --- Compiling ---------------------------------------------------------------------------------------------------

/**
 * Lua 5.3 knows operators Lua 5.1 does not (//, &, |, ~, <<, >>, ::). A 5.1 lexer reads them as single
 * characters its parser then stumbles on. To get 5.1's exact error (which depends on where the parser is:
 * "unexpected symbol near '&'", "'<eof>' expected near '&'", ...), each character 5.1 would stop at is
 * replaced by a backquote, which fengari's lexer also returns as a lone token no rule accepts; the error's
 * backquote is then turned back into the original character. Strings and comments are left alone.
 */
export function mask53Operators(src: string): { masked: string; first: string } | null {
  const n = src.length;
  let out: string[] | null = null;
  let first = '';
  const mark = (at: number): void => {
    out ??= src.split('');
    if (first === '') first = src[at];
    out[at] = '`';
  };
  const longBracket = (at: number): number => {
    if (src[at] !== '[') return -1;
    let j = at + 1;
    while (src[j] === '=') j++;
    return src[j] === '[' ? j - at - 1 : -1;
  };
  const skipLong = (at: number, level: number): number => {
    const close = `]${'='.repeat(level)}]`;
    const end = src.indexOf(close, at + 2 + level);
    return end < 0 ? n : end + close.length;
  };
  let i = 0;
  while (i < n) {
    const ch = src[i];
    const next = src[i + 1];
    if (ch === '-' && next === '-') {
      const level = longBracket(i + 2);
      if (level >= 0) i = skipLong(i + 2, level);
      else while (i < n && src[i] !== '\n') i++;
    } else if (ch === '"' || ch === "'") {
      i++;
      while (i < n && src[i] !== ch && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (ch === '[' && longBracket(i) >= 0) {
      i = skipLong(i, longBracket(i));
    } else if ((ch === '/' && next === '/') || (ch === '<' && next === '<') || (ch === '>' && next === '>')) {
      mark(i + 1);
      i += 2;
    } else if (ch === ':' && next === ':') {
      mark(i);
      mark(i + 1);
      i += 2;
    } else if (ch === '&' || ch === '|' || (ch === '~' && next !== '=')) {
      mark(i);
      i++;
    } else if ((ch === '<' || ch === '>' || ch === '=' || ch === '~') && next === '=') i += 2;
    else i++;
  }
  return out === null ? null : { masked: (out as string[]).join(''), first };
}

/**
 * luaL_loadbuffer under `chunkname` ("@user_script"): pushes the function, or returns the compile error text
 * as Lua 5.1 words it.
 */
export function compileChunk(L: LuaState, body: string, chunkname: string): string | null {
  const masked = mask53Operators(body);
  const source = masked === null ? body : masked.masked;
  const status = lauxlib.luaL_loadbuffer(L, luaBytes(source), source.length, luaBytes(chunkname));
  if (status !== 0) {
    let text = toByteString(L, -1) ?? '';
    lua.lua_pop(L, 1);
    if (masked !== null) text = text.replace("near '`'", `near '${masked.first}'`);
    return as51ErrorText(text);
  }
  return null;
}

/**
 * Lua 5.3 words a type error "attempt to call a nil value (global 'f')", Lua 5.1 "attempt to call global 'f'
 * (a nil value)": the same facts, reordered.
 */
export function as51ErrorText(text: string): string {
  return text.replace(/ near <eof>$/, " near '<eof>'").replace(/: <eof> expected/, ": '<eof>' expected").replace(
    /attempt to ([a-z ]+?) a ([a-z]+) value \((global|local|field|upvalue|method|constant) '([^']*)'\)/g,
    (_m, op: string, type: string, kind: string, name: string) => `attempt to ${op} ${kind === 'constant' ? 'field' : kind} '${name}' (a ${type} value)`,
  );
}

