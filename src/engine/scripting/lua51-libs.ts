/**
 * The standard library as Lua 5.1 (Redis's Lua) has it, on fengari's Lua 5.3 one: what 5.1 has and 5.3 dropped
 * comes back (unpack, loadstring, gcinfo, table.getn/maxn/foreach/foreachi, math.mod/pow/log10/ldexp/frexp/
 * cosh/sinh/tanh/atan2), what 5.3 added goes away (table.pack/unpack/move, string.pack/unpack/packsize,
 * math.tointeger/type/ult/maxinteger/mininteger, utf8), tostring and string.format print numbers as 5.1 does,
 * and table.sort is 5.1's quicksort (fengari's picks random pivots, which would make ties land differently).
 */
import { lua, lauxlib, luaBytes, pushString, setField, getField, getGlobal, setGlobal, setFunction, toByteString, raiseMessage, type LuaState } from './lua-api.ts';
import { lua51NumberText } from './lua51.ts';
import { LUA_TNUMBER, LUA_TNIL, LUA_TTABLE } from './lua-api.ts';

/** What collectgarbage("count") and gcinfo() report: a fresh Redis 7.0 Lua heap, in KiB (INFO's used_memory_lua 31744). */
export const LUA_HEAP_KB = 31;

/** Removes `names` from the table on top of the stack. */
function removeFields(L: LuaState, names: string[]): void {
  for (const n of names) {
    lua.lua_pushnil(L);
    setField(L, -2, n);
  }
}

function len(L: LuaState, idx: number): number {
  return Number(lua.lua_rawlen(L, idx));
}

/** tostring: numbers as "%.14g", everything else as fengari prints it. */
function tostring51(original: (L: LuaState) => number) {
  return (L: LuaState): number => {
    lauxlib.luaL_checkany(L, 1);
    if (lua.lua_type(L, 1) === LUA_TNUMBER) {
      pushString(L, lua51NumberText(lua.lua_tonumber(L, 1)));
      return 1;
    }
    return original(L);
  };
}

/**
 * string.format: 5.1 converts a number for %d/%i/%c/%o/%u/%x/%X by truncation (5.3 refuses non-integral
 * values) and %s prints numbers with "%.14g". The arguments are adjusted, then fengari's format does the rest.
 */
function format51(original: (L: LuaState) => number) {
  return (L: LuaState): number => {
    const fmt = toByteString(L, 1);
    if (fmt === null) return original(L);
    let arg = 1;
    for (let i = 0; i < fmt.length; i++) {
      if (fmt[i] !== '%') continue;
      i++;
      if (fmt[i] === '%') continue;
      while (i < fmt.length && '-+ #0'.includes(fmt[i])) i++;
      while (i < fmt.length && /[0-9.]/.test(fmt[i])) i++;
      arg++;
      const conv = fmt[i];
      if (arg > lua.lua_gettop(L)) break;
      if ('dicouxX'.includes(conv) && lua.lua_type(L, arg) === LUA_TNUMBER) {
        lua.lua_pushnumber(L, Math.trunc(lua.lua_tonumber(L, arg)));
        lua.lua_replace(L, arg);
      } else if (conv === 's' && lua.lua_type(L, arg) === LUA_TNUMBER) {
        pushString(L, lua51NumberText(lua.lua_tonumber(L, arg)));
        lua.lua_replace(L, arg);
      }
    }
    return original(L);
  };
}

// --- table.sort as Lua 5.1's auxsort ----------------------------------------------------------------------------

function sortLess(L: LuaState, a: number, b: number): boolean {
  if (lua.lua_type(L, 2) !== LUA_TNIL) {
    lua.lua_pushvalue(L, 2);
    lua.lua_pushvalue(L, a - 1);
    lua.lua_pushvalue(L, b - 2);
    lua.lua_call(L, 2, 1);
    const r = lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    return r;
  }
  return lua.lua_compare(L, a, b, lua.LUA_OPLT);
}

function set2(L: LuaState, i: number, j: number): void {
  lua.lua_rawseti(L, 1, i);
  lua.lua_rawseti(L, 1, j);
}

/** Lua 5.1's quicksort (ltablib.c auxsort): median of three, then partition; recursion on the smaller half. */
function auxsort(L: LuaState, l: number, u: number): void {
  while (l < u) {
    lua.lua_rawgeti(L, 1, l);
    lua.lua_rawgeti(L, 1, u);
    if (sortLess(L, -1, -2)) set2(L, l, u);
    else lua.lua_pop(L, 2);
    if (u - l === 1) break;
    let i = Math.floor((l + u) / 2);
    lua.lua_rawgeti(L, 1, i);
    lua.lua_rawgeti(L, 1, l);
    if (sortLess(L, -2, -1)) set2(L, i, l);
    else {
      lua.lua_pop(L, 1);
      lua.lua_rawgeti(L, 1, u);
      if (sortLess(L, -1, -2)) set2(L, i, u);
      else lua.lua_pop(L, 2);
    }
    if (u - l === 2) break;
    lua.lua_rawgeti(L, 1, i);
    lua.lua_pushvalue(L, -1);
    lua.lua_rawgeti(L, 1, u - 1);
    set2(L, i, u - 1);
    i = l;
    let j = u - 1;
    for (;;) {
      for (;;) {
        lua.lua_rawgeti(L, 1, ++i);
        if (!sortLess(L, -1, -2)) break;
        if (i > u) raiseMessage(L, 'invalid order function for sorting');
        lua.lua_pop(L, 1);
      }
      for (;;) {
        lua.lua_rawgeti(L, 1, --j);
        if (!sortLess(L, -3, -1)) break;
        if (j < l) raiseMessage(L, 'invalid order function for sorting');
        lua.lua_pop(L, 1);
      }
      if (j < i) {
        lua.lua_pop(L, 3);
        break;
      }
      set2(L, i, j);
    }
    lua.lua_rawgeti(L, 1, u - 1);
    lua.lua_rawgeti(L, 1, i);
    set2(L, u - 1, i);
    if (i - l < u - i) {
      j = l;
      i = i - 1;
      l = i + 2;
    } else {
      j = i + 1;
      i = u;
      u = j - 2;
    }
    auxsort(L, j, i);
  }
}

function sort51(L: LuaState): number {
  lauxlib.luaL_checktype(L, 1, LUA_TTABLE);
  const n = len(L, 1);
  lauxlib.luaL_checkstack(L, 40, luaBytes(''));
  if (!lua.lua_isnoneornil(L, 2)) lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
  lua.lua_settop(L, 2);
  auxsort(L, 1, n);
  return 0;
}

// --- The rest -----------------------------------------------------------------------------------------------------

function mathFn(f: (x: number) => number) {
  return (L: LuaState): number => {
    lua.lua_pushnumber(L, f(lauxlib.luaL_checknumber(L, 1)));
    return 1;
  };
}

function math2(f: (x: number, y: number) => number) {
  return (L: LuaState): number => {
    lua.lua_pushnumber(L, f(lauxlib.luaL_checknumber(L, 1), lauxlib.luaL_checknumber(L, 2)));
    return 1;
  };
}

/** C's fmod: the result has the dividend's sign. */
function fmod(a: number, b: number): number {
  return a % b;
}

function frexp(L: LuaState): number {
  const x = lauxlib.luaL_checknumber(L, 1);
  if (x === 0 || !Number.isFinite(x)) {
    lua.lua_pushnumber(L, x);
    lua.lua_pushnumber(L, 0);
    return 2;
  }
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let m = x * 2 ** -e;
  while (Math.abs(m) < 0.5) {
    m *= 2;
    e--;
  }
  while (Math.abs(m) >= 1) {
    m /= 2;
    e++;
  }
  lua.lua_pushnumber(L, m);
  lua.lua_pushnumber(L, e);
  return 2;
}

/** Installs the 5.1 surface on a state whose base, table, string, math and coroutine libraries are open. */
export function adaptTo51(L: LuaState): void {
  // Base library.
  getGlobal(L, 'tostring');
  const originalTostring = lua.lua_tocfunction(L, -1) as (L: LuaState) => number;
  lua.lua_pop(L, 1);
  lua.lua_pushcfunction(L, tostring51(originalTostring));
  setGlobal(L, 'tostring');
  getGlobal(L, 'table');
  getField(L, -1, 'unpack');
  setGlobal(L, 'unpack');
  lua.lua_pop(L, 1);
  getGlobal(L, 'load');
  const load = lua.lua_tocfunction(L, -1) as (L: LuaState) => number;
  lua.lua_pop(L, 1);
  // loadstring(s [, chunkname]): load restricted to strings, as 5.1's.
  lua.lua_pushcfunction(L, (L2: LuaState) => {
    lauxlib.luaL_checklstring(L2, 1);
    lua.lua_settop(L2, 2);
    return load(L2);
  });
  setGlobal(L, 'loadstring');
  // fengari leaves memory to the JavaScript collector: the Lua heap figures are the lab's model (docs/fidelity.md).
  lua.lua_pushcfunction(L, (L2: LuaState) => {
    lua.lua_pushnumber(L2, LUA_HEAP_KB);
    return 1;
  });
  setGlobal(L, 'gcinfo');
  lua.lua_pushcfunction(L, (L2: LuaState) => {
    const opt = lua.lua_isnoneornil(L2, 1) ? 'collect' : toByteString(L2, 1);
    if (opt === 'count') lua.lua_pushnumber(L2, LUA_HEAP_KB);
    else if (opt === 'collect' || opt === 'step' || opt === 'stop' || opt === 'restart' || opt === 'setpause' || opt === 'setstepmul') lua.lua_pushnumber(L2, 0);
    else return lauxlib.luaL_argerror(L2, 1, luaBytes(`invalid option '${opt ?? ''}'`));
    return 1;
  });
  setGlobal(L, 'collectgarbage');
  lua.lua_pushstring(L, luaBytes('Lua 5.1'));
  setGlobal(L, '_VERSION');

  // table: 5.1's getn/maxn/foreach/foreachi and sort; no pack/unpack/move.
  getGlobal(L, 'table');
  removeFields(L, ['pack', 'unpack', 'move']);
  setFunction(L, 'sort', sort51);
  setFunction(L, 'getn', (L2) => {
    lauxlib.luaL_checktype(L2, 1, LUA_TTABLE);
    lua.lua_pushnumber(L2, len(L2, 1));
    return 1;
  });
  setFunction(L, 'setn', (L2) => raiseMessage(L2, "'setn' is obsolete"));
  setFunction(L, 'maxn', (L2) => {
    lauxlib.luaL_checktype(L2, 1, LUA_TTABLE);
    let max = 0;
    lua.lua_pushnil(L2);
    while (lua.lua_next(L2, 1)) {
      lua.lua_pop(L2, 1);
      if (lua.lua_type(L2, -1) === LUA_TNUMBER) max = Math.max(max, lua.lua_tonumber(L2, -1));
    }
    lua.lua_pushnumber(L2, max);
    return 1;
  });
  setFunction(L, 'foreachi', (L2) => {
    lauxlib.luaL_checktype(L2, 1, LUA_TTABLE);
    lauxlib.luaL_checktype(L2, 2, lua.LUA_TFUNCTION);
    const n = len(L2, 1);
    for (let i = 1; i <= n; i++) {
      lua.lua_pushvalue(L2, 2);
      lua.lua_pushnumber(L2, i);
      lua.lua_rawgeti(L2, 1, i);
      lua.lua_call(L2, 2, 1);
      if (!lua.lua_isnil(L2, -1)) return 1;
      lua.lua_pop(L2, 1);
    }
    return 0;
  });
  setFunction(L, 'foreach', (L2) => {
    lauxlib.luaL_checktype(L2, 1, LUA_TTABLE);
    lauxlib.luaL_checktype(L2, 2, lua.LUA_TFUNCTION);
    lua.lua_pushnil(L2);
    while (lua.lua_next(L2, 1)) {
      lua.lua_pushvalue(L2, 2);
      lua.lua_pushvalue(L2, -3);
      lua.lua_pushvalue(L2, -3);
      lua.lua_call(L2, 2, 1);
      if (!lua.lua_isnil(L2, -1)) return 1;
      lua.lua_pop(L2, 2);
    }
    return 0;
  });
  lua.lua_pop(L, 1);

  // string: 5.1's format; no pack/unpack/packsize.
  getGlobal(L, 'string');
  removeFields(L, ['pack', 'unpack', 'packsize']);
  getField(L, -1, 'format');
  const format = lua.lua_tocfunction(L, -1) as (L: LuaState) => number;
  lua.lua_pop(L, 1);
  setFunction(L, 'format', format51(format));
  getField(L, -1, 'gmatch');
  setField(L, -2, 'gfind');
  lua.lua_pop(L, 1);

  // math: 5.1's functions; no integer helpers.
  getGlobal(L, 'math');
  removeFields(L, ['tointeger', 'type', 'ult', 'maxinteger', 'mininteger']);
  setFunction(L, 'mod', math2(fmod));
  setFunction(L, 'fmod', math2(fmod));
  setFunction(L, 'pow', math2((a, b) => a ** b));
  setFunction(L, 'atan2', math2(Math.atan2));
  setFunction(L, 'log10', mathFn(Math.log10));
  setFunction(L, 'cosh', mathFn(Math.cosh));
  setFunction(L, 'sinh', mathFn(Math.sinh));
  setFunction(L, 'tanh', mathFn(Math.tanh));
  setFunction(L, 'floor', mathFn(Math.floor));
  setFunction(L, 'ceil', mathFn(Math.ceil));
  setFunction(L, 'log', mathFn(Math.log));
  setFunction(L, 'ldexp', math2((m, e) => m * 2 ** Math.trunc(e)));
  setFunction(L, 'frexp', frexp);
  setFunction(L, 'modf', (L2) => {
    const x = lauxlib.luaL_checknumber(L2, 1);
    const ip = x >= 0 ? Math.floor(x) : Math.ceil(x);
    lua.lua_pushnumber(L2, ip);
    lua.lua_pushnumber(L2, Number.isFinite(x) ? x - ip : 0);
    return 2;
  });
  lua.lua_pop(L, 1);
}

