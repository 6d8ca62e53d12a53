/**
 * The slice of fengari's C-like API the engine uses, with types. fengari mirrors Lua 5.3's C API name for name;
 * strings on the Lua side are Uint8Array. Importing this module also installs the Lua 5.1 number bridge.
 */
import './lua51.ts';
import lua from 'fengari/src/lua.js';
import lauxlib from 'fengari/src/lauxlib.js';
import lualib from 'fengari/src/lualib.js';
import ltable from 'fengari/src/ltable.js';
import ldebug from 'fengari/src/ldebug.js';
import type { ByteString } from '../types/bytes.ts';

/** An opaque lua_State. */
export type LuaState = { readonly __luaState: unique symbol };
export type LuaCFunction = (L: LuaState) => number;

export { lua, lauxlib, lualib };

export const LUA_TNIL = 0;
export const LUA_TBOOLEAN = 1;
export const LUA_TLIGHTUSERDATA = 2;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_TFUNCTION = 6;
export const LUA_OK = 0;
export const LUA_YIELD = 1;
export const LUA_REGISTRYINDEX: number = lua.LUA_REGISTRYINDEX;
export const LUA_RIDX_GLOBALS: number = lua.LUA_RIDX_GLOBALS;

const ASCII_CACHE = new Map<string, Uint8Array>();

/** A byte string as a Lua string (no UTF-8 re-encoding: Redis strings are bytes). */
export function luaBytes(s: ByteString): Uint8Array {
  if (s.length <= 32) {
    const hit = ASCII_CACHE.get(s);
    if (hit !== undefined) return hit;
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  if (s.length <= 32 && ASCII_CACHE.size < 4096) ASCII_CACHE.set(s, out);
  return out;
}

/** A Lua string as a byte string. */
export function byteString(u8: Uint8Array): ByteString {
  let s = '';
  const CHUNK = 0x2000;
  if (u8.length <= CHUNK) return String.fromCharCode.apply(null, u8 as unknown as number[]);
  for (let i = 0; i < u8.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, u8.subarray(i, Math.min(i + CHUNK, u8.length)) as unknown as number[]);
  }
  return s;
}

export function pushString(L: LuaState, s: ByteString): void {
  lua.lua_pushlstring(L, luaBytes(s), s.length);
}

/** The string at `idx` (numbers are converted as Lua does), or null. */
export function toByteString(L: LuaState, idx: number): ByteString | null {
  const u8 = lua.lua_tolstring(L, idx) as Uint8Array | null;
  return u8 === null || u8 === undefined ? null : byteString(u8);
}

export function setField(L: LuaState, idx: number, name: string): void {
  lua.lua_setfield(L, idx, luaBytes(name));
}

export function getField(L: LuaState, idx: number, name: string): number {
  return lua.lua_getfield(L, idx, luaBytes(name));
}

export function setGlobal(L: LuaState, name: string): void {
  lua.lua_setglobal(L, luaBytes(name));
}

export function getGlobal(L: LuaState, name: string): number {
  return lua.lua_getglobal(L, luaBytes(name));
}

/** Registers `fn` as field `name` of the table on top of the stack. */
export function setFunction(L: LuaState, name: string, fn: LuaCFunction): void {
  lua.lua_pushcfunction(L, fn);
  setField(L, -2, name);
}

/** lua_error with a value already pushed: throws, never returns. */
export function raise(L: LuaState): never {
  lua.lua_error(L);
  throw new Error('unreachable: lua_error returned');
}

/** luaL_error: the message gets the caller's position ("user_script:1: ") as in C Lua. */
export function raiseMessage(L: LuaState, message: ByteString): never {
  lauxlib.luaL_where(L, 1);
  pushString(L, message);
  lua.lua_concat(L, 2);
  return raise(L);
}

// --- Read-only tables --------------------------------------------------------------------------------------------

/**
 * Redis patches its Lua 5.1 so a table can be made read-only (lua_enablereadonlytable): any assignment to it,
 * from the VM or through rawset, raises "Attempt to modify a readonly table". fengari's VM and API both store
 * into tables through ltable.luaH_setfrom, called through the module object, so a check there covers both; the
 * error carries the script's position only when raised from Lua code, exactly as the VM's own errors do.
 */
interface FengariTable {
  readonly?: boolean;
}
let readonlyInstalled = false;
function installReadonlyTables(): void {
  if (readonlyInstalled) return;
  readonlyInstalled = true;
  const setfrom = ltable.luaH_setfrom as (L: unknown, h: FengariTable, key: unknown, val: unknown) => void;
  const message = luaBytes('Attempt to modify a readonly table');
  ltable.luaH_setfrom = (L: unknown, h: FengariTable, key: unknown, val: unknown): void => {
    if (h.readonly === true) ldebug.luaG_runerror(L, message);
    setfrom(L, h, key, val);
  };
}
installReadonlyTables();

/** lua_enablereadonlytable for the table at `idx`. */
export function setReadonly(L: LuaState, idx: number, readonly: boolean): void {
  const table = (lua.lua_topointer(L, idx) as FengariTable | null) ?? null;
  if (table !== null) table.readonly = readonly;
}

export function isReadonly(L: LuaState, idx: number): boolean {
  const table = lua.lua_topointer(L, idx) as FengariTable | null;
  return table?.readonly === true;
}
