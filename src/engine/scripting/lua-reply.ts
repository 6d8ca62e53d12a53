/**
 * The two conversions between Redis replies and Lua values (script_lua.c), with Redis 7.0's rules:
 *
 * - A command's reply, as RESP2 or RESP3 bytes (the script client's protocol, redis.setresp), becomes a Lua
 *   value: integers become numbers, bulk strings strings, RESP2 nulls `false`, RESP3's null `nil`, a status
 *   `{ok=...}`, an error `{err=...}`, and RESP3's map, set, double, big number and verbatim string become
 *   tables with one field naming the type.
 * - A script's return value becomes the caller's reply: numbers truncated to integers, strings as bulk, `true`
 *   as 1 and `false` as a null (or RESP3 booleans when the script chose RESP3), tables as arrays stopping at
 *   the first nil, unless they carry an `err`, `ok`, `double`, `big_number`, `verbatim_string`, `map` or `set`
 *   field.
 */
import { LAB_MAX_STRING_BYTES, LAB_STRING_LIMIT_ERROR } from '../keyspace/object.ts';
import { lua, luaBytes, pushString, toByteString, getField, LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, LUA_TNIL, type LuaState } from './lua-api.ts';
import type { Reply } from '../resp/reply-parser.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import { formatDouble17g } from '../types/double.ts';

/** luaPushErrorBuff: `{err="CODE message"}`, the code ERR when the text has none, CR and LF trimmed. */
export function pushErrorTable(L: LuaState, text: string): void {
  let code = 'ERR';
  let msg = text;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    if (space < 0) msg = text.slice(1);
    else {
      code = text.slice(1, space);
      msg = text.slice(space + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua.lua_createtable(L, 0, 1);
  pushString(L, `${code} ${msg}`);
  lua.lua_setfield(L, -2, luaBytes('err'));
}

/** redisProtocolToLuaType: one parsed reply onto the Lua stack. */
export function pushReply(L: LuaState, r: Reply): void {
  lua.lua_checkstack(L, 4);
  switch (r.type) {
    case 'integer':
      lua.lua_pushnumber(L, Number(r.value));
      return;
    case 'bulk':
      pushString(L, r.value);
      return;
    case 'nil':
      if (r.kind === 'null') lua.lua_pushnil(L);
      else lua.lua_pushboolean(L, false);
      return;
    case 'status':
      lua.lua_createtable(L, 0, 1);
      pushString(L, r.value);
      lua.lua_setfield(L, -2, luaBytes('ok'));
      return;
    case 'error':
      pushErrorTable(L, `-${r.value}`);
      lua.lua_pushboolean(L, true);
      lua.lua_setfield(L, -2, luaBytes('ignore_error_stats_update'));
      return;
    case 'array':
    case 'push':
      lua.lua_createtable(L, r.value.length, 0);
      for (let i = 0; i < r.value.length; i++) {
        lua.lua_pushnumber(L, i + 1);
        pushReply(L, r.value[i]);
        lua.lua_settable(L, -3);
      }
      return;
    case 'map':
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, r.value.length);
      for (const [k, v] of r.value) {
        pushReply(L, k);
        pushReply(L, v);
        lua.lua_settable(L, -3);
      }
      lua.lua_setfield(L, -2, luaBytes('map'));
      return;
    case 'set':
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, r.value.length);
      for (const v of r.value) {
        pushReply(L, v);
        lua.lua_pushboolean(L, true);
        lua.lua_settable(L, -3);
      }
      lua.lua_setfield(L, -2, luaBytes('set'));
      return;
    case 'double':
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushnumber(L, parseRespDouble(r.value));
      lua.lua_setfield(L, -2, luaBytes('double'));
      return;
    case 'bool':
      lua.lua_pushboolean(L, r.value);
      return;
    case 'bignum':
      lua.lua_createtable(L, 0, 1);
      pushString(L, r.value);
      lua.lua_setfield(L, -2, luaBytes('big_number'));
      return;
    case 'verbatim':
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, 2);
      pushString(L, r.value);
      lua.lua_setfield(L, -2, luaBytes('string'));
      pushString(L, r.format);
      lua.lua_setfield(L, -2, luaBytes('format'));
      lua.lua_setfield(L, -2, luaBytes('verbatim_string'));
      return;
    case 'attribute':
      pushReply(L, r.reply);
      return;
  }
}

function parseRespDouble(text: string): number {
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return NaN;
  return Number(text);
}

/** What a failed script's error table held (luaExtractErrorInformation). */
export interface ScriptErrorInfo {
  msg: string;
  source: string | null;
  line: string | null;
  ignoreStats: boolean;
}

/** The error information of the table (or string) at the top of the stack; the value stays. */
export function errorInfo(L: LuaState): ScriptErrorInfo {
  const info: ScriptErrorInfo = { msg: '', source: null, line: null, ignoreStats: false };
  if (lua.lua_type(L, -1) === LUA_TSTRING || lua.lua_type(L, -1) === LUA_TNUMBER) info.msg = `ERR ${toByteString(L, -1)}`;
  if (lua.lua_type(L, -1) !== LUA_TTABLE) return info;
  if (fieldString(L, 'err') !== null) info.msg = fieldString(L, 'err') as string;
  info.source = fieldString(L, 'source');
  info.line = fieldString(L, 'line');
  getField(L, -1, 'ignore_error_stats_update');
  if (lua.lua_type(L, -1) === LUA_TBOOLEAN) info.ignoreStats = lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  return info;
}

function fieldString(L: LuaState, name: string): string | null {
  getField(L, -1, name);
  const t = lua.lua_type(L, -1);
  const s = t === LUA_TSTRING || t === LUA_TNUMBER ? toByteString(L, -1) : null;
  lua.lua_pop(L, 1);
  return s;
}

/** lua_rawget of a string field of the table at `idx` (pushed). */
function rawField(L: LuaState, idx: number, name: string): number {
  pushString(L, name);
  return lua.lua_rawget(L, idx < 0 ? idx - 1 : idx);
}

/**
 * LUAI_MAXCSTACK of Lua 5.1: lua_checkstack refuses to grow a C function's stack past 8000 slots above its base.
 * luaReplyToRedisReply asks for 4 slots before converting each value, so a table nested thousands deep (one that
 * contains itself, say) ends in "reached lua stack limit" errors inside the arrays already written.
 */
const LUAI_MAXCSTACK = 8000;
/** What luaCallFunction leaves below the result: its error handler. */
const SLOTS_BELOW_RESULT = 1;

/** A table being written whose elements are still to come; the table (or its map/set field) is on the Lua stack. */
type OpenTable =
  | { kind: 'array'; n: number; next: number }
  /** `valueNext`: the key was written, its value is at the top of the stack. */
  | { kind: 'map'; valueNext: boolean }
  | { kind: 'set' };

/**
 * luaReplyToRedisReply: the value at the top of the stack becomes the caller's reply, and is popped. `scriptResp`
 * is the protocol the script chose with redis.setresp (booleans depend on it).
 *
 * Redis recurses once per nesting level; here the open tables are kept in a list instead, because a JS stack runs
 * out long before Lua 5.1's 8000 slots do (a script returning a table that contains itself would otherwise kill
 * the process). The Lua stack sees the same pushes in the same order as in Redis, so Redis's depth check
 * (lua_checkstack(lua, 4) against LUAI_MAXCSTACK, counted from the base luaCallFunction runs on) stops the same
 * values at the same depth.
 */
export function writeLuaValue(L: LuaState, out: ReplyWriter, scriptResp: 2 | 3, onError: (info: ScriptErrorInfo) => void): void {
  // Slots from the base Redis's stack would have: the error handler, then the result.
  const base = lua.lua_gettop(L) - 1 - SLOTS_BELOW_RESULT;
  const open: OpenTable[] = [];
  for (;;) {
    const opened = writeOneValue(L, out, scriptResp, onError, base);
    if (opened !== null) open.push(opened);
    // The next value to write, if any, is put at the top of the stack; finished tables are popped.
    for (;;) {
      const top = open[open.length - 1];
      if (top === undefined) return;
      if (nextElement(L, top)) break;
      open.pop();
    }
  }
}

/**
 * Writes the value at the top of the stack. A scalar (or an error, status, double... table) is written whole and
 * popped; an array, map or set gets its header, stays on the stack, and is returned to have its elements written.
 */
function writeOneValue(L: LuaState, out: ReplyWriter, scriptResp: 2 | 3, onError: (info: ScriptErrorInfo) => void, base: number): OpenTable | null {
  if (lua.lua_gettop(L) - base + 4 > LUAI_MAXCSTACK || !lua.lua_checkstack(L, 4)) {
    out.error('ERR reached lua stack limit');
    lua.lua_pop(L, 1);
    return null;
  }
  const t = lua.lua_type(L, -1);
  switch (t) {
    case LUA_TSTRING:
      // A JavaScript string cannot hold what a Lua string can (see LAB_MAX_STRING_BYTES): refuse, never crash.
      if (lua.lua_rawlen(L, -1) > LAB_MAX_STRING_BYTES) out.error(LAB_STRING_LIMIT_ERROR);
      else out.bulk(toByteString(L, -1) as string);
      break;
    case LUA_TBOOLEAN:
      if (scriptResp === 2) {
        if (lua.lua_toboolean(L, -1)) out.integer(1);
        else out.nullBulk();
      } else out.boolean(lua.lua_toboolean(L, -1));
      break;
    case LUA_TNUMBER:
      out.integer(truncateToLongLong(lua.lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      return writeTable(L, out, onError);
    default:
      out.nullBulk();
  }
  lua.lua_pop(L, 1);
  return null;
}

/**
 * Puts the open table's next element at the top of the stack and returns true, or pops the table (with its map or
 * set field) and returns false when it has no more. The stack use is Redis's: an array pushes the element; a map
 * keeps its field table, the key, the value and a copy of the key (written first); a set its field table, the key
 * and a copy of it.
 */
function nextElement(L: LuaState, o: OpenTable): boolean {
  switch (o.kind) {
    case 'array':
      if (o.next > o.n) {
        lua.lua_pop(L, 1);
        return false;
      }
      lua.lua_pushnumber(L, o.next++);
      lua.lua_rawget(L, -2);
      return true;
    case 'map':
      if (o.valueNext) {
        o.valueNext = false;
        return true;
      }
      if (!lua.lua_next(L, -2)) {
        lua.lua_pop(L, 2);
        return false;
      }
      lua.lua_pushvalue(L, -2);
      o.valueNext = true;
      return true;
    case 'set':
      if (!lua.lua_next(L, -2)) {
        lua.lua_pop(L, 2);
        return false;
      }
      lua.lua_pop(L, 1);
      lua.lua_pushvalue(L, -1);
      return true;
  }
}

/** C's (long long) cast of a double, for the values a script can return (NaN and out-of-range go to LLONG_MIN as on x86-64). */
function truncateToLongLong(n: number): number | bigint {
  if (Number.isNaN(n) || n >= 9223372036854775807 || n < -9223372036854775808) return -9223372036854775808n;
  const t = Math.trunc(n);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

/**
 * The table at the top of the stack: an error, status, double, big number or verbatim string is written and popped
 * (null returned); a map, set or array gets its header and is returned open, its iteration ready to start.
 */
function writeTable(L: LuaState, out: ReplyWriter, onError: (info: ScriptErrorInfo) => void): OpenTable | null {
  if (rawField(L, -1, 'err') === LUA_TSTRING) {
    lua.lua_pop(L, 1);
    onError(errorInfo(L));
    lua.lua_pop(L, 1);
    return null;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'ok') === LUA_TSTRING) {
    out.status((toByteString(L, -1) as string).replace(/[\r\n]/g, ' '));
    lua.lua_pop(L, 2);
    return null;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'double') === LUA_TNUMBER) {
    out.double(formatDouble17g(lua.lua_tonumber(L, -1)));
    lua.lua_pop(L, 2);
    return null;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'big_number') === LUA_TSTRING) {
    out.bigNumber((toByteString(L, -1) as string).replace(/[\r\n]/g, ' '));
    lua.lua_pop(L, 2);
    return null;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'verbatim_string') === LUA_TTABLE) {
    if (rawField(L, -1, 'format') === LUA_TSTRING) {
      const format = toByteString(L, -1) as string;
      if (rawField(L, -2, 'string') === LUA_TSTRING) {
        out.verbatim(toByteString(L, -1) as string, format.slice(0, 3));
        lua.lua_pop(L, 4);
        return null;
      }
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'map') === LUA_TTABLE) {
    out.mapHeader(countPairs(L));
    lua.lua_pushnil(L);
    return { kind: 'map', valueNext: false };
  }
  lua.lua_pop(L, 1);
  if (rawField(L, -1, 'set') === LUA_TTABLE) {
    out.setHeader(countPairs(L));
    lua.lua_pushnil(L);
    return { kind: 'set' };
  }
  lua.lua_pop(L, 1);
  // An array: elements 1, 2, ... up to the first nil.
  let n = 0;
  for (;;) {
    lua.lua_pushnumber(L, n + 1);
    const ty = lua.lua_rawget(L, -2);
    lua.lua_pop(L, 1);
    if (ty === LUA_TNIL) break;
    n++;
  }
  out.arrayHeader(n);
  return { kind: 'array', n, next: 1 };
}

/** The number of pairs in the table at the top of the stack. */
function countPairs(L: LuaState): number {
  let n = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    n++;
    lua.lua_pop(L, 1);
  }
  return n;
}
