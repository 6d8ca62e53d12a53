/**
 * The pieces that make fengari's Lua 5.3 behave as Redis's Lua 5.1, checked on their own: number printing,
 * the 5.3-only operators a 5.1 parser rejects, error wording, redisLrand48, SHA-1, and the sandboxed state.
 */
import { describe, expect, it } from 'vitest';
import { lua51NumberText } from '../../src/engine/scripting/lua51.ts';
import { mask53Operators, as51ErrorText, createLuaState, compileChunk } from '../../src/engine/scripting/lua-vm.ts';
import { Rand48, LRAND48_MAX } from '../../src/engine/scripting/rand48.ts';
import { sha1hex } from '../../src/engine/scripting/sha1.ts';
import { lua, toByteString, type LuaState } from '../../src/engine/scripting/lua-api.ts';

function evalIn(L: LuaState, src: string): { ok: boolean; text: string } {
  const error = compileChunk(L, src, '@user_script');
  if (error !== null) return { ok: false, text: error };
  const status = lua.lua_pcall(L, 0, 1, 0);
  const text = lua.lua_type(L, -1) === 0 ? 'nil' : (toByteString(L, -1) ?? `<${lua.lua_type(L, -1)}>`);
  lua.lua_pop(L, 1);
  return { ok: status === 0, text };
}

const host = { running: () => true, call: () => 0, setResp() {}, setRepl() {}, log() {}, rand: new Rand48() };

describe('Lua 5.1 numbers', () => {
  it('prints as "%.14g"', () => {
    expect(lua51NumberText(2)).toBe('2');
    expect(lua51NumberText(2 ** 53)).toBe('9.007199254741e+15');
    expect(lua51NumberText(1e15)).toBe('1e+15');
    expect(lua51NumberText(1 / 3)).toBe('0.33333333333333');
    expect(lua51NumberText(-0)).toBe('-0');
    expect(lua51NumberText(Infinity)).toBe('inf');
    expect(lua51NumberText(0.1)).toBe('0.1');
    expect(lua51NumberText(100000000000000)).toBe('1e+14');
  });

  it('has no integer subtype: numerals and converted strings are doubles that do not wrap', () => {
    const L = createLuaState(host);
    expect(evalIn(L, 'return 2147483647 + 1 .. ""').text).toBe('2147483648');
    expect(evalIn(L, 'return 4 / 2 .. ""').text).toBe('2');
    expect(evalIn(L, "return ('10' + 5) .. ''").text).toBe('15');
    expect(evalIn(L, 'return tostring(3000000000 * 3)').text).toBe('9000000000');
    expect(evalIn(L, 'return tostring(2^63)').text).toBe('9.2233720368548e+18');
  });
});

describe('5.3-only syntax', () => {
  it('marks the character a 5.1 lexer stops at, outside strings and comments', () => {
    expect(mask53Operators('return 1 // 2')).toEqual({ masked: 'return 1 /` 2', first: '/' });
    expect(mask53Operators('x = a & b')?.first).toBe('&');
    expect(mask53Operators('x = a ~= b')).toBeNull();
    expect(mask53Operators("return '//' .. \"a|b\" -- x // y\n")).toBeNull();
    expect(mask53Operators('return [[ 1 << 2 ]] --[==[ a & b ]==]')).toBeNull();
    expect(mask53Operators('::top:: goto top')?.masked).toBe('``top`` goto top');
  });

  it('reports them as Lua 5.1 does, with the parser state deciding the words', () => {
    const L = createLuaState(host);
    expect(evalIn(L, 'return 1 & 2')).toEqual({ ok: false, text: "user_script:1: '<eof>' expected near '&'" });
    expect(evalIn(L, 'x = 1 & 2')).toEqual({ ok: false, text: "user_script:1: unexpected symbol near '&'" });
    expect(evalIn(L, 'local a = 1\nreturn a // 2')).toEqual({ ok: false, text: "user_script:2: unexpected symbol near '/'" });
    expect(evalIn(L, 'return 1 +')).toEqual({ ok: false, text: "user_script:1: unexpected symbol near '<eof>'" });
  });

  it('words type errors the 5.1 way', () => {
    expect(as51ErrorText("user_script:1: attempt to call a nil value (global 'f')")).toBe("user_script:1: attempt to call global 'f' (a nil value)");
    expect(as51ErrorText("x: attempt to perform arithmetic on a nil value (local 'a')")).toBe("x: attempt to perform arithmetic on local 'a' (a nil value)");
    expect(as51ErrorText('attempt to compare two table values')).toBe('attempt to compare two table values');
  });
});

describe('the sandbox', () => {
  it('refuses new globals, unknown globals and changes to library tables', () => {
    const L = createLuaState(host);
    expect(evalIn(L, 'x = 1').text).toBe('user_script:1: Attempt to modify a readonly table');
    expect(evalIn(L, 'return y').text).toBe("user_script:1: Script attempted to access nonexistent global variable 'y'");
    expect(evalIn(L, 'string.len = nil').text).toBe('user_script:1: Attempt to modify a readonly table');
    expect(evalIn(L, "rawset(_G, 'z', 1)").text).toBe('Attempt to modify a readonly table');
    expect(evalIn(L, 'local t = {} t.a = 1 return t.a .. ""')).toEqual({ ok: true, text: '1' });
  });

  it('has the 5.1 globals Redis allows and none of the others', () => {
    const L = createLuaState(host);
    for (const name of ['unpack', 'loadstring', 'gcinfo', 'pcall', 'cjson', 'bit', 'struct', 'cmsgpack', 'redis']) {
      expect(evalIn(L, `return type(${name})`).ok, name).toBe(true);
    }
    for (const name of ['print', 'dofile', 'loadfile', 'os', 'io', 'require', 'debug', 'utf8', 'rawlen', 'package']) {
      expect(evalIn(L, `return ${name}`).text, name).toContain('nonexistent global variable');
    }
    expect(evalIn(L, 'return table.pack').text).toBe('nil');
    expect(evalIn(L, 'return table.getn({1, 2, 3}) .. ""').text).toBe('3');
  });
});

describe('redisLrand48', () => {
  it('draws what redis-server 7.0 draws from its start, and after math.randomseed(42)', () => {
    const r = new Rand48();
    const x = (r.next() % LRAND48_MAX) / LRAND48_MAX;
    expect(Math.floor(x * 10) + 1).toBe(4);
    r.seed(42);
    const draw = (u: number) => Math.floor(((r.next() % LRAND48_MAX) / LRAND48_MAX) * u) + 1;
    expect([draw(1000), draw(1000)]).toEqual([745, 343]);
    const third = Math.floor(((r.next() % LRAND48_MAX) / LRAND48_MAX) * 3) + 7;
    expect(third).toBe(7);
  });
});

describe('SHA-1', () => {
  it('names scripts as Redis does', () => {
    expect(sha1hex('')).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(sha1hex('x = 5')).toBe('818a330663e3c3e78469660421595218e5ab5c48');
    expect(sha1hex('\u00ff\u0000\u0080'.repeat(30))).toHaveLength(40);
    expect(sha1hex('a'.repeat(1000))).toBe('291e9a6c66994949b57ba5e650361e98fc36b1ba');
  });
});
