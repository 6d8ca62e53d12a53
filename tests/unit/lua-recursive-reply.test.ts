/**
 * A script's return value nested thousands deep (a table that contains itself) is converted with Redis's depth
 * limit instead of overflowing the JS stack, in the engine itself (the browser's workers run this code too). The
 * expected bytes are redis-server 7.0.15's; tests/conformance/lua-recursive-reply.test.ts compares more cases
 * with a live server.
 */
import { describe, expect, it } from 'vitest';
import { createLuaState, compileChunk } from '../../src/engine/scripting/lua-vm.ts';
import { writeLuaValue } from '../../src/engine/scripting/lua-reply.ts';
import { Rand48 } from '../../src/engine/scripting/rand48.ts';
import { lua, toByteString, type LuaState } from '../../src/engine/scripting/lua-api.ts';
import { ReplyWriter } from '../../src/engine/resp/reply-writer.ts';

const host = { running: () => true, call: () => 0, setResp() {}, setRepl() {}, log() {}, rand: new Rand48() };

/** Runs the script and converts its result as luaCallFunction does; returns the reply bytes as text. */
function reply(L: LuaState, script: string, resp: 2 | 3 = 2): string {
  expect(compileChunk(L, script, '@user_script')).toBeNull();
  expect(lua.lua_pcall(L, 0, 1, 0)).toBe(0);
  const out = new ReplyWriter();
  out.resp = resp;
  writeLuaValue(L, out, resp, (info) => out.error(info.msg));
  expect(lua.lua_gettop(L)).toBe(0);
  return Buffer.from(out.take()).toString('latin1');
}

/** Runs the script; returns its result as a string, or the error text. */
function run(L: LuaState, script: string): string {
  expect(compileChunk(L, script, '@user_script')).toBeNull();
  lua.lua_pcall(L, 0, 1, 0);
  const text = toByteString(L, -1) ?? `<${lua.lua_type(L, -1)}>`;
  lua.lua_pop(L, 1);
  return text;
}

const ERR = '-ERR reached lua stack limit\r\n';

describe('a script returning a table that contains itself', () => {
  it('gets 7995 nested arrays and the stack-limit error, as from redis-server 7.0.15', () => {
    const L = createLuaState(host);
    expect(reply(L, 'local t = {} t[1] = t return t')).toBe(`${'*1\r\n'.repeat(7995)}${ERR}`);
    expect(reply(L, 'local a = {} local b = {a} a[1] = b return a')).toBe(`${'*1\r\n'.repeat(7995)}${ERR}`);
  });

  it('checks the limit for every value: the deepest level errs twice, the ones above it finish', () => {
    const L = createLuaState(host);
    expect(reply(L, 'local t = {} t[1] = t t[2] = 1 return t')).toBe(`${'*2\r\n'.repeat(7995)}${ERR}${ERR}${':1\r\n'.repeat(7994)}`);
  });

  it('counts the slots a map or a set keeps per level, as Redis does', () => {
    const L = createLuaState(host);
    // A map's key sits 4 slots above its table (field table, key, value, key copy): 1999 levels.
    expect(reply(L, 'local t = {} t.map = {} t.map[t] = 1 return t')).toBe(`${'*2\r\n'.repeat(1999)}${ERR}${ERR}${':1\r\n'.repeat(1998)}`);
    // A set's member 3 slots above (field table, member, copy): 2665 levels.
    expect(reply(L, 'local t = {} t.set = {} t.set[t] = true return t')).toBe(`${'*1\r\n'.repeat(2665)}${ERR}`);
  });

  it('leaves the state usable', () => {
    const L = createLuaState(host);
    reply(L, 'local t = {} t[1] = t return t');
    expect(reply(L, "return {1, 'a', {2}}")).toBe('*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n');
  });
});

describe('other recursion on user data in scripts', () => {
  it('cmsgpack.pack writes a self-referencing map 16 levels deep, then nil', () => {
    const L = createLuaState(host);
    expect(run(L, 'local t = {} t.x = t return cmsgpack.pack(t)')).toBe(`${'\x81\xa1x'.repeat(16)}\xc0`);
  });

  it('200 nested C calls raise Lua 5.1\'s "C stack overflow"', () => {
    const L = createLuaState(host);
    expect(run(L, 'local m = {} m.__tostring = function(t) return tostring(setmetatable({}, m)) end return select(2, pcall(tostring, setmetatable({}, m)))')).toBe('C stack overflow');
  });
});
