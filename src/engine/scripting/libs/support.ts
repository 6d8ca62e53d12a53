/**
 * Shared plumbing for the Lua libraries Redis loads (bit, cjson, cmsgpack, struct).
 *
 * Those libraries were written against the Lua 5.1 C API; fengari implements Lua 5.3. The helpers here give
 * the 5.1 behaviour where the two differ in ways a script can see:
 * - argument errors name the function as 5.1 does ("?" when the call site gives no name, where 5.3 would go
 *   looking through package.loaded);
 * - integer arguments are doubles truncated toward zero (5.1's lua_tointeger), where 5.3 rejects 1.5 with
 *   "number has no integer representation";
 * - a C function may hold at most 8000 stack slots (5.1's LUAI_MAXCSTACK), which is what makes
 *   lua_checkstack fail in the libraries' depth checks;
 * - every number pushed is a double (Redis's Lua has no integer subtype).
 */
import lua from 'fengari/src/lua.js';
import lauxlib from 'fengari/src/lauxlib.js';

/** fengari's state is untyped; the libraries only pass it back to fengari. */
export type LuaState = unknown;

/** A JS function callable from Lua: reads its arguments from the stack, returns how many results it pushed. */
export type LuaCFunction = (L: LuaState) => number;

/** Lua 5.1's LUAI_MAXCSTACK: the most slots a C function may use. */
const MAX_C_STACK = 8000;

/** Bytes of an ASCII (or byte) string, for names and messages: never UTF-8 encoded. */
export function lstr(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes back to a byte string (char codes 0..255). */
export function bstr(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Raises a Lua error "<where>msg", where <where> is the calling script's "chunk:line: ", as luaL_error does. */
export function raise(L: LuaState, msg: string | Uint8Array): never {
  // Room for the message even when the error is that the 5.1 stack limit was reached.
  lua.lua_checkstack(L, 4);
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, typeof msg === 'string' ? lstr(msg) : msg);
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable: lua_error returned');
}

/** Lua 5.1's luaL_argerror: "bad argument #n to 'name' (msg)", with "?" when the call gives no name. */
export function argError(L: LuaState, arg: number, msg: string | Uint8Array): never {
  const ar = new lua.lua_Debug();
  const text = typeof msg === 'string' ? msg : bstr(msg);
  if (!lua.lua_getstack(L, 0, ar)) raise(L, `bad argument #${arg} (${text})`);
  lua.lua_getinfo(L, lstr('n'), ar);
  let n = arg;
  if (ar.namewhat !== null && bstr(ar.namewhat) === 'method') {
    n--;
    if (n === 0) raise(L, `calling '${bstr(ar.name)}' on bad self (${text})`);
  }
  const name = ar.name === null ? '?' : bstr(ar.name);
  return raise(L, `bad argument #${n} to '${name}' (${text})`);
}

/** Lua 5.1's luaL_typerror: "<expected> expected, got <type name>". */
export function typeError(L: LuaState, arg: number, expected: string): never {
  const got = bstr(lua.lua_typename(L, lua.lua_type(L, arg)));
  return argError(L, arg, `${expected} expected, got ${got}`);
}

/** luaL_checknumber: a number or a numeric string. */
export function checkNumber(L: LuaState, arg: number): number {
  const d = lua.lua_tonumberx(L, arg);
  if (d === false) typeError(L, arg, 'number');
  return d as number;
}

/** luaL_checkinteger as in 5.1: any number, truncated toward zero (lua_Integer is 64-bit there). */
export function checkInteger(L: LuaState, arg: number): number {
  return Math.trunc(checkNumber(L, arg));
}

/** luaL_optinteger as in 5.1: the default when the argument is none or nil. */
export function optInteger(L: LuaState, arg: number, def: number): number {
  return lua.lua_isnoneornil(L, arg) ? def : checkInteger(L, arg);
}

/** luaL_checklstring: a string or a number (converted in place, as Lua does). */
export function checkBytes(L: LuaState, arg: number): Uint8Array {
  const s = lua.lua_tolstring(L, arg);
  if (s === null) typeError(L, arg, 'string');
  return s as Uint8Array;
}

/** lua_tonumber as in 5.1: 0 when the value is not a number nor a numeric string. */
export function toNumber(L: LuaState, idx: number): number {
  const d = lua.lua_tonumberx(L, idx);
  return d === false ? 0 : (d as number);
}

/**
 * lua_checkstack as in 5.1: false when the function would hold more than 8000 slots. Also grows fengari's
 * stack, which a C function must do before pushing past its first 20 slots.
 */
export function checkStack(L: LuaState, extra: number): boolean {
  if (lua.lua_gettop(L) + extra > MAX_C_STACK) return false;
  return lua.lua_checkstack(L, extra) as boolean;
}

/** luaL_checkstack as in 5.1: "stack overflow (msg)". */
export function needStack(L: LuaState, extra: number, msg: string): void {
  if (!checkStack(L, extra)) raise(L, `stack overflow (${msg})`);
}

/** Pushes a Lua string made of these bytes (fengari copies them). */
export function pushBytes(L: LuaState, b: Uint8Array): void {
  lua.lua_pushlstring(L, b, b.length);
}

/** Sets t[name] = fn on the table at the top of the stack. */
export function setFunctions(L: LuaState, fns: Record<string, LuaCFunction>): void {
  for (const [name, fn] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, lstr(name));
  }
}

/** Sets t[name] = s on the table at the top of the stack. */
export function setStringField(L: LuaState, name: string, value: string): void {
  lua.lua_pushstring(L, lstr(value));
  lua.lua_setfield(L, -2, lstr(name));
}

/** Writes a double's IEEE 754 bytes, in either byte order. */
export function doubleBytes(d: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, d, littleEndian);
  return out;
}

/** Writes a float's IEEE 754 bytes (the double rounded to single precision first), in either byte order. */
export function floatBytes(d: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setFloat32(0, d, littleEndian);
  return out;
}

/**
 * The size Lua 5.1 gives a table's array part for these positive integer keys (ascending): the largest power
 * of two n such that more than n/2 of the keys 1..n are present (luaH's computesizes).
 */
function arrayPartSize(sortedKeys: number[]): number {
  let size = 0;
  let count = 0;
  let k = 0;
  for (let twoToI = 1; twoToI / 2 < sortedKeys.length; twoToI *= 2) {
    while (k < sortedKeys.length && sortedKeys[k] <= twoToI) (k++, count++);
    if (count > twoToI / 2) size = twoToI;
  }
  return size;
}

/**
 * Pushes a list (a table 1..n) of the keys of the table on top of the stack, in the order `lua_next` would
 * visit them in Lua 5.1 as far as we can tell, and returns n: first the keys that would sit in 5.1's array
 * part (1..size, ascending), then the others in fengari's order. fengari's own order differs for the array
 * part (a table constructor inserts its items last to first), and that is the part a script can most easily
 * see, e.g. in cjson.encode({1, 2, n = 2}); for the hash part we cannot do better than fengari's order.
 */
export function pushOrderedKeys(L: LuaState): number {
  const ints: number[] = [];
  let count = 0;
  lua.lua_createtable(L, 0, 0); // t, all: every key, in fengari's order
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -3)) {
    lua.lua_pop(L, 1);
    const n = positiveInteger(L, -1);
    if (n > 0) ints.push(n);
    lua.lua_pushvalue(L, -1);
    lua.lua_rawseti(L, -3, ++count);
  }
  ints.sort((a, b) => a - b);
  const arraySize = arrayPartSize(ints);
  lua.lua_createtable(L, count, 0); // t, all, ordered
  let n = 0;
  for (const k of ints) {
    if (k > arraySize) break;
    lua.lua_pushnumber(L, k);
    lua.lua_rawseti(L, -2, ++n);
  }
  for (let i = 1; i <= count; i++) {
    lua.lua_rawgeti(L, -2, i);
    const k = positiveInteger(L, -1);
    if (k > 0 && k <= arraySize) lua.lua_pop(L, 1);
    else lua.lua_rawseti(L, -2, ++n);
  }
  lua.lua_remove(L, -2); // t, ordered
  return n;
}

/**
 * Visits every pair of the table on top of the stack in the order of pushOrderedKeys. `visit` finds the key
 * at -2 and the value at -1 and must leave the stack as it found it. Uses 3 slots.
 */
export function forEachPair(L: LuaState, visit: () => void): void {
  const n = pushOrderedKeys(L);
  for (let i = 1; i <= n; i++) {
    lua.lua_rawgeti(L, -1, i); // t, keys, k
    lua.lua_pushvalue(L, -1);
    lua.lua_rawget(L, -4); // t, keys, k, v
    visit();
    lua.lua_pop(L, 2);
  }
  lua.lua_pop(L, 1);
}

/** The value at idx when it is a number with a positive integer value, else 0. */
function positiveInteger(L: LuaState, idx: number): number {
  if (lua.lua_type(L, idx) !== lua.LUA_TNUMBER) return 0;
  const n = lua.lua_tonumber(L, idx) as number;
  return n >= 1 && Number.isInteger(n) ? n : 0;
}
