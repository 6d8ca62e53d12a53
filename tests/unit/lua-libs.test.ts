/**
 * The Lua libraries Redis 7.0 loads (bit, cjson, cmsgpack, struct), run on a bare fengari state.
 *
 * Every expected value below was captured from a real redis-server 7.0.15: each snippet ran there as
 *   EVAL "<PRELUDE> return pack(pcall(function() <snippet> end))" 0
 * and the reply was recorded. `pack` turns every result into text (numbers with Lua 5.1's "%.14g" through
 * "..", strings with non-printable bytes as \xHH, tables with their pairs sorted, cjson.null as null), so a
 * case compares the exact values and error messages the libraries produce. Errors read "user_script:1: ..."
 * because Redis names the script chunk "@user_script"; we load ours under the same name.
 */
import { describe, expect, it } from 'vitest';
import lua from 'fengari/src/lua.js';
import lauxlib from 'fengari/src/lauxlib.js';
import lualib from 'fengari/src/lualib.js';
import '../../src/engine/scripting/lua51.ts';
import { openBit } from '../../src/engine/scripting/libs/bit.ts';
import { CJSON_NULL, openCjson } from '../../src/engine/scripting/libs/cjson.ts';
import { openCmsgpack } from '../../src/engine/scripting/libs/cmsgpack.ts';
import { openStruct } from '../../src/engine/scripting/libs/struct.ts';

type LuaState = unknown;

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

/** A state with the standard libraries the snippets use, then the four libraries as Redis loads them. */
function newState(): LuaState {
  const L = lauxlib.luaL_newstate();
  const libs: [string, unknown][] = [
    ['_G', lualib.luaopen_base],
    ['coroutine', lualib.luaopen_coroutine],
    ['string', lualib.luaopen_string],
    ['table', lualib.luaopen_table],
    ['math', lualib.luaopen_math],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, bytes(name), open, 1);
    lua.lua_pop(L, 1);
  }
  openCjson(L);
  openStruct(L);
  openCmsgpack(L);
  openBit(L);
  return L;
}

/** Lua helpers prepended to every snippet (kept on one line so errors report line 1, as in the captures). */
const PRELUDE = "local function dump(v, d) d = d or 0 local t = type(v) if t == 'string' then local o = {} for i = 1, #v do local b = v:byte(i) if b >= 32 and b <= 126 and b ~= 34 and b ~= 92 then o[#o+1] = string.char(b) else o[#o+1] = string.format('\\\\x%02x', b) end end return '\"' .. table.concat(o) .. '\"' elseif t == 'number' then return '' .. v elseif t == 'boolean' or t == 'nil' then return tostring(v) elseif v == cjson.null then return 'null' elseif t == 'table' then if d > 20 then return '...' end local ks = {} for k, x in pairs(v) do ks[#ks+1] = dump(k, d+1) .. '=' .. dump(x, d+1) end table.sort(ks) return '{' .. table.concat(ks, ',') .. '}' else return t end end local function pack(...) local out = {} for i = 1, select('#', ...) do out[i] = dump((select(i, ...))) end return table.concat(out, ' ') end local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end";

/** Runs a snippet as the body of a function under pcall and returns what `pack` made of its results. */
function run(L: LuaState, snippet: string): string {
  const script = `${PRELUDE} return pack(pcall(function() ${snippet} end))`;
  if (lauxlib.luaL_loadbuffer(L, bytes(script), null, bytes('@user_script')) !== lua.LUA_OK) {
    return `load error: ${text(lua.lua_tolstring(L, -1))}`;
  }
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) return `error: ${text(lua.lua_tolstring(L, -1))}`;
  const out = text(lua.lua_tolstring(L, -1));
  lua.lua_pop(L, 1);
  return out;
}

/** [snippet, what redis-server 7.0.15 answered]. */
type Case = [string, string];

const BIT_CASES: Case[] = [
  ["return bit.tobit(0xffffffff), bit.tobit(0xffffffff + 1), bit.tobit(2^40 + 5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(-2.5)", "true -1 0 5 -1 2 2 -2 -2"],
  ["return bit.tobit(2^52), bit.tobit(2^53+3), bit.tobit(2^60), bit.tobit(-2^51), bit.tobit(-2^52-7), bit.tobit(1e300), bit.tobit(-1e300)", "true 0 2 0 0 -28 -2013235812 -2013235812"],
  ["return bit.tobit(0/0), bit.tobit(1/0), bit.tobit(-1/0), bit.tobit('12'), bit.tobit('0x10'), bit.tobit(' 7 ')", "true 0 0 0 12 16 7"],
  ["return bit.tobit('x')", "false \"user_script:1: bad argument #1 to 'tobit' (number expected, got string)\""],
  ["return bit.tobit()", "false \"user_script:1: bad argument #1 to 'tobit' (number expected, got no value)\""],
  ["return bit.tobit(nil)", "false \"user_script:1: bad argument #1 to 'tobit' (number expected, got nil)\""],
  ["return bit.tobit({})", "false \"user_script:1: bad argument #1 to 'tobit' (number expected, got table)\""],
  ["return bit.tobit(true)", "false \"user_script:1: bad argument #1 to 'tobit' (number expected, got boolean)\""],
  ["return bit.bnot(0), bit.bnot(-1), bit.bnot(0x12345678), bit.bnot(2^32)", "true -1 0 -305419897 -1"],
  ["return bit.band(0xff, 0x0f), bit.band(-1, 0x7fffffff), bit.band(1, 3, 5, 7), bit.band(7), bit.band(-8, -3)", "true 15 2147483647 1 7 -8"],
  ["return bit.bor(1, 2, 4, 8), bit.bor(0x80000000, 0), bit.bor(-1, 0), bit.bor(5)", "true 15 -2147483648 -1 5"],
  ["return bit.bxor(1, 3), bit.bxor(-1, 0x0f0f0f0f), bit.bxor(1, 2, 4, 7), bit.bxor(0xffffffff, 1)", "true 2 -252645136 0 -2"],
  ["return bit.band(1, 'x')", "false \"user_script:1: bad argument #2 to 'band' (number expected, got string)\""],
  ["return bit.band()", "false \"user_script:1: bad argument #1 to 'band' (number expected, got no value)\""],
  ["return bit.bor(1, nil, 3)", "false \"user_script:1: bad argument #2 to 'bor' (number expected, got nil)\""],
  ["return bit.bxor('a', 'b')", "false \"user_script:1: bad argument #1 to 'bxor' (number expected, got string)\""],
  ["return bit.lshift(1, 0), bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(0xff, 28), bit.lshift(3, -1)", "true 1 -2147483648 1 2 -268435456 -2147483648"],
  ["return bit.rshift(-1, 1), bit.rshift(-1, 28), bit.rshift(0x80000000, 31), bit.rshift(256, 4), bit.rshift(1, 32)", "true 2147483647 15 1 16 1"],
  ["return bit.arshift(-1, 1), bit.arshift(-256, 4), bit.arshift(0x80000000, 31), bit.arshift(256, 4), bit.arshift(-1, 33)", "true -1 -16 -1 16 -1"],
  ["return bit.rol(0x12345678, 4), bit.rol(0x12345678, 0), bit.rol(-1, 7), bit.rol(1, 31), bit.rol(1, 32)", "true 591751041 305419896 -1 -2147483648 1"],
  ["return bit.ror(0x12345678, 4), bit.ror(0x12345678, 0), bit.ror(1, 1), bit.ror(1, 33)", "true -2128394905 305419896 -2147483648 -2147483648"],
  ["return bit.bswap(0x12345678), bit.bswap(-1), bit.bswap(0xff), bit.bswap(0x80)", "true 2018915346 -1 -16777216 -2147483648"],
  ["return bit.tohex(1), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -2), bit.tohex(0x12345678, 4), bit.tohex(0xabcdef, -8), bit.tohex(1, 9), bit.tohex(1, -9), bit.tohex(1, 0)", "true \"00000001\" \"ffffffff\" \"ff\" \"FF\" \"5678\" \"00ABCDEF\" \"00000001\" \"00000001\" \"\""],
  ["return bit.tohex(2^32 + 255), bit.tohex(-2^31), bit.tohex(65535, 3), bit.tohex(255, 1.6)", "true \"000000ff\" \"80000000\" \"fff\" \"ff\""],
  ["return bit.tohex(1, nil)", "false \"user_script:1: bad argument #2 to 'tohex' (number expected, got nil)\""],
  ["return bit.tohex(nil)", "false \"user_script:1: bad argument #1 to 'tohex' (number expected, got nil)\""],
  ["return bit.tohex('ff')", "false \"user_script:1: bad argument #1 to 'tohex' (number expected, got string)\""],
  ["return bit.lshift(1)", "false \"user_script:1: bad argument #2 to 'lshift' (number expected, got no value)\""],
  ["return bit.rshift(1, 'z')", "false \"user_script:1: bad argument #2 to 'rshift' (number expected, got string)\""],
  ["return bit.arshift()", "false \"user_script:1: bad argument #1 to 'arshift' (number expected, got no value)\""],
  ["return bit.rol({}, 1)", "false \"user_script:1: bad argument #1 to 'rol' (number expected, got table)\""],
  ["return bit.bswap('q')", "false \"user_script:1: bad argument #1 to 'bswap' (number expected, got string)\""],
  ["return bit.bnot(false)", "false \"user_script:1: bad argument #1 to 'bnot' (number expected, got boolean)\""],
  ["local f = bit.band; return f(1, 'x')", "false \"user_script:1: bad argument #2 to 'f' (number expected, got string)\""],
  ["return pcall(bit.band, 'x')", "true false \"bad argument #1 to '?' (number expected, got string)\""],
  ["return type(bit), type(bit.tobit), bit._VERSION, bit.bogus", "true \"table\" \"function\" nil nil"],
  ["return bit.band(2^31, 2^31), bit.bor(2^31), bit.tobit(2^31), bit.tobit(2^31 - 1), bit.tobit(-2^31 - 1)", "true -2147483648 -2147483648 -2147483648 2147483647 2147483647"],
  ["return bit.band(0xdeadbeef, 0xffff0000), bit.bxor(0xdeadbeef, 0xffffffff), bit.tohex(bit.bnot(0xdeadbeef))", "true -559087616 559038736 \"21524110\""],
  ["return bit.lshift(1.5, 1), bit.lshift(1, 1.5), bit.lshift(1, 2.5), bit.tobit('  0x1F  ')", "true 4 4 4 31"],
  ["return bit.tobit('1e3'), bit.tobit('-0'), bit.tobit(-0), bit.tobit(0.5), bit.tobit(-0.5), bit.tobit(0.50000001)", "true 1000 0 0 0 0 1"],
];

const STRUCT_CASES: Case[] = [
  ["return hex(struct.pack('b', -1)), hex(struct.pack('B', 255)), hex(struct.pack('h', -2)), hex(struct.pack('H', 65535)), hex(struct.pack('i', 1)), hex(struct.pack('I', 2^32-1)), hex(struct.pack('l', -1)), hex(struct.pack('L', 1)), hex(struct.pack('T', 258))", "true \"ff\" \"ff\" \"feff\" \"ffff\" \"01000000\" \"ffffffff\" \"ffffffffffffffff\" \"0100000000000000\" \"0201000000000000\""],
  ["return hex(struct.pack('>i', 1)), hex(struct.pack('<i', 1)), hex(struct.pack('>h<h', 1, 1)), hex(struct.pack('>I3', 0x010203)), hex(struct.pack('<I3', 0x010203)), hex(struct.pack('i1', 300)), hex(struct.pack('>i16', -1)), hex(struct.pack('<i16', -2))", "true \"00000001\" \"01000000\" \"00010100\" \"010203\" \"030201\" \"2c\" \"0000000000000000ffffffffffffffff\" \"feffffffffffffff0000000000000000\""],
  ["return hex(struct.pack('b', 128)), hex(struct.pack('B', -1)), hex(struct.pack('h', 70000)), hex(struct.pack('i', 2^31)), hex(struct.pack('i', -2^31 - 1)), hex(struct.pack('b', 1.9)), hex(struct.pack('b', -1.9))", "true \"80\" \"ff\" \"7011\" \"00000080\" \"ffffff7f\" \"01\" \"ff\""],
  ["return hex(struct.pack('l', 2^63)), hex(struct.pack('l', 2^64)), hex(struct.pack('L', 2^64 + 2^12)), hex(struct.pack('l', -2^63)), hex(struct.pack('l', -2^64)), hex(struct.pack('l', 0/0)), hex(struct.pack('l', 1/0)), hex(struct.pack('l', -1/0))", "true \"0000000000000080\" \"0000000000000000\" \"0000000000000000\" \"0000000000000080\" \"0000000000000080\" \"0000000000000080\" \"0000000000000000\" \"0000000000000080\""],
  ["return hex(struct.pack('>d', 1.5)), hex(struct.pack('<d', -0.1)), hex(struct.pack('>f', 1.5)), hex(struct.pack('<f', 0.1)), hex(struct.pack('f', 1e40)), hex(struct.pack('d', 0/0))", "true \"3ff8000000000000\" \"9a9999999999b9bf\" \"3fc00000\" \"cdcccc3d\" \"0000807f\" \"000000000000f8ff\""],
  ["return hex(struct.pack('c3', 'abcdef')), hex(struct.pack('c0', 'hello')), hex(struct.pack('c', 'xyz')), hex(struct.pack('s', 'hi')), hex(struct.pack('s', '')), hex(struct.pack('c0', ''))", "true \"616263\" \"68656c6c6f\" \"78\" \"686900\" \"00\" \"\""],
  ["return hex(struct.pack('x')), hex(struct.pack('xbx', 5)), hex(struct.pack('  b  ', 5)), hex(struct.pack('')), hex(struct.pack('b', '12')), hex(struct.pack('c2', 12))", "true \"00\" \"000500\" \"05\" \"\" \"0c\" \"3132\""],
  ["return hex(struct.pack('!bi', 1, 2)), hex(struct.pack('!4bi', 1, 2)), hex(struct.pack('!2bi', 1, 2)), hex(struct.pack('!bd', 1, 2)), hex(struct.pack('!bh', 1, 2)), hex(struct.pack('!8bl', 1, 2)), hex(struct.pack('!bc2', 1, 'ab')), hex(struct.pack('!bs', 1, 'ab')), hex(struct.pack('!bi3', 1, 2)), hex(struct.pack('!bxi', 1, 2))", "true \"0100000002000000\" \"0100000002000000\" \"010002000000\" \"01000000000000000000000000000040\" \"01000200\" \"01000000000000000200000000000000\" \"016162\" \"01616200\" \"010000020000\" \"0100000002000000\""],
  ["return struct.pack('c5', 'ab')", "false \"user_script:1: bad argument #3 to 'pack' (string too short)\""],
  ["return struct.pack('bc5', 1, 'ab')", "false \"user_script:1: bad argument #4 to 'pack' (string too short)\""],
  ["return struct.pack('z', 1)", "false \"user_script:1: bad argument #1 to 'pack' (invalid format option 'z')\""],
  ["return struct.pack('i33', 1)", "false \"user_script:1: integral size 33 is larger than limit of 32\""],
  ["return struct.pack('!3i', 1)", "false \"user_script:1: alignment 3 is not a power of 2\""],
  ["return struct.pack('!0i', 1)", "false \"user_script:1: alignment 0 is not a power of 2\""],
  ["return struct.pack('i', 'x')", "false \"user_script:1: bad argument #2 to 'pack' (number expected, got string)\""],
  ["return struct.pack('i')", "false \"user_script:1: bad argument #2 to 'pack' (number expected, got nil)\""],
  ["return struct.pack('bi', 1)", "false \"user_script:1: bad argument #3 to 'pack' (number expected, got nil)\""],
  ["return struct.pack('s', {})", "false \"user_script:1: bad argument #2 to 'pack' (string expected, got table)\""],
  ["return struct.pack('c', nil)", "false \"user_script:1: bad argument #2 to 'pack' (string expected, got nil)\""],
  ["return struct.pack(nil)", "false \"user_script:1: bad argument #1 to 'pack' (string expected, got nil)\""],
  ["return struct.pack({})", "false \"user_script:1: bad argument #1 to 'pack' (string expected, got table)\""],
  ["return struct.pack('i99999999999', 1)", "false \"user_script:1: integral size overflow\""],
  ["return struct.pack('c99999999999', 'a')", "false \"user_script:1: integral size overflow\""],
  ["return struct.pack('%')", "false \"user_script:1: bad argument #1 to 'pack' (invalid format option '%')\""],
  ["return struct.pack('\\1')", "false \"user_script:1: bad argument #1 to 'pack' (invalid format option '\\x01')\""],
  ["return struct.pack('5')", "false \"user_script:1: bad argument #1 to 'pack' (invalid format option '5')\""],
  ["return struct.unpack('b', '\\255'), struct.unpack('B', '\\255'), struct.unpack('>h', '\\255\\254'), struct.unpack('<H', '\\255\\254'), struct.unpack('i', '\\1\\0\\0\\0')", "true -1 255 -2 65279 1 5"],
  ["return struct.unpack('>i', '\\128\\0\\0\\0'), struct.unpack('<I', '\\0\\0\\0\\128'), struct.unpack('l', '\\255\\255\\255\\255\\255\\255\\255\\255'), struct.unpack('L', '\\255\\255\\255\\255\\255\\255\\255\\255'), struct.unpack('>I3', '\\1\\2\\3')", "true -2147483648 2147483648 -1 1.844674407371e+19 66051 4"],
  ["return struct.unpack('>i16', string.rep('\\255', 16)), struct.unpack('>I16', string.rep('\\1', 16)), struct.unpack('<i9', string.rep('\\255', 9)), struct.unpack('>i9', '\\0\\0\\0\\0\\0\\0\\0\\0\\200'), struct.unpack('>i12', '\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\200')", "true -1 7.2340172838077e+16 -1 -56 200 13"],
  ["return struct.unpack('<d', struct.pack('<d', 3.25)), struct.unpack('>f', struct.pack('>f', 0.1)), struct.unpack('f', struct.pack('f', 1/0))", "true 3.25 0.10000000149012 inf 5"],
  ["return struct.unpack('c3', 'abcdef'), struct.unpack('c3c2', 'abcdef'), struct.unpack('s', 'hi\\0there'), struct.unpack('ss', 'a\\0b\\0c'), struct.unpack('bc0', '\\3abcd')", "true \"abc\" \"abc\" \"hi\" \"a\" \"abc\" 5"],
  ["return struct.unpack('c1c0', '3abcd')", "true \"abc\" 5"],
  ["return struct.unpack('c0', 'abc')", "false \"user_script:1: format 'c0' needs a previous size\""],
  ["return struct.unpack('c1c0', 'xabc')", "false \"user_script:1: format 'c0' needs a previous size\""],
  ["return struct.unpack('bc0', '\\9abcd')", "false \"user_script:1: bad argument #2 to 'unpack' (data string too short)\""],
  ["return struct.unpack('s', 'abc')", "false \"user_script:1: unfinished string in data\""],
  ["return struct.unpack('i', 'abc')", "false \"user_script:1: bad argument #2 to 'unpack' (data string too short)\""],
  ["return struct.unpack('x', '')", "false \"user_script:1: bad argument #2 to 'unpack' (data string too short)\""],
  ["return struct.unpack('i', 'abcdefgh', 5), struct.unpack('i', 'abcdefgh', 2), struct.unpack('b', 'abc', 3)", "true 1751606885 1701077858 99 4"],
  ["return struct.unpack('i', 'abcdefgh', 6)", "false \"user_script:1: bad argument #2 to 'unpack' (data string too short)\""],
  ["return struct.unpack('b', 'abc', 0)", "false \"user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)\""],
  ["return struct.unpack('b', 'abc', -1)", "false \"user_script:1: bad argument #2 to 'unpack' (data string too short)\""],
  ["return struct.unpack('', 'abc', -1), struct.unpack('', 'abc', 99), struct.unpack('', ''), struct.unpack('b', 'abc', 1.9)", "true -1 99 1 97 2"],
  ["return struct.unpack('b', 'abc', 'x')", "false \"user_script:1: bad argument #3 to 'unpack' (number expected, got string)\""],
  ["return struct.unpack('b')", "false \"user_script:1: bad argument #2 to 'unpack' (string expected, got no value)\""],
  ["return struct.unpack(nil, 'x')", "false \"user_script:1: bad argument #1 to 'unpack' (string expected, got nil)\""],
  ["return struct.unpack('z', 'abc')", "false \"user_script:1: bad argument #1 to 'unpack' (invalid format option 'z')\""],
  ["return struct.unpack('!bi', '\\1\\0\\0\\0\\2\\0\\0\\0'), struct.unpack('!bd', struct.pack('!bd', 7, 2.5)), struct.unpack('!4bi', 'a', 1)", "false \"user_script:1: bad argument #2 to 'unpack' (data string too short)\""],
  ["return struct.unpack('!bi', '\\1\\0\\0\\0\\2\\0\\0\\0', 2)", "true 0 2 9"],
  ["return struct.size('i'), struct.size('bhilT'), struct.size('!bhilT'), struct.size('c10'), struct.size('i3i5'), struct.size(''), struct.size('z'), struct.size('!4bd'), struct.size('x'), struct.size('fd'), struct.size('  ')", "true 4 23 24 10 8 0 0 12 1 12 0"],
  ["return struct.size('s')", "false \"user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)\""],
  ["return struct.size('c0')", "false \"user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)\""],
  ["return struct.size('bc0')", "false \"user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)\""],
  ["return struct.size('%')", "false \"user_script:1: bad argument #1 to 'size' (invalid format option '%')\""],
  ["return struct.size('!3')", "false \"user_script:1: alignment 3 is not a power of 2\""],
  ["return struct.size()", "false \"user_script:1: bad argument #1 to 'size' (string expected, got no value)\""],
  ["return struct.size('i40')", "false \"user_script:1: integral size 40 is larger than limit of 32\""],
  ["return struct.unpack('>I2', struct.pack('>I2', 513)), struct.unpack('<i', struct.pack('<i', -123456))", "true 513 -123456 5"],
  ["return struct.pack('>I2c0', 5, 'hello')", "true \"\\x00\\x05hello\""],
  ["return hex(struct.pack('>I2c0', 5, 'hello'))", "true \"000568656c6c6f\""],
  ["return struct.unpack('>I2c0', struct.pack('>I2c0', 5, 'hello'))", "true \"hello\" 8"],
  ["return struct.pack('d', 'x')", "false \"user_script:1: bad argument #2 to 'pack' (number expected, got string)\""],
  ["return struct.pack('f')", "false \"user_script:1: bad argument #2 to 'pack' (number expected, got nil)\""],
  ["return hex(struct.pack('i0', 5)), struct.unpack('i0', ''), struct.unpack('I0b', '\\5')", "true \"\" 0 0 5 2"],
];

const CMSGPACK_CASES: Case[] = [
  ["return hex(cmsgpack.pack(0)), hex(cmsgpack.pack(127)), hex(cmsgpack.pack(128)), hex(cmsgpack.pack(255)), hex(cmsgpack.pack(256)), hex(cmsgpack.pack(65535)), hex(cmsgpack.pack(65536)), hex(cmsgpack.pack(2^32-1)), hex(cmsgpack.pack(2^32)), hex(cmsgpack.pack(2^53))", "true \"00\" \"7f\" \"cc80\" \"ccff\" \"cd0100\" \"cdffff\" \"ce00010000\" \"ceffffffff\" \"cf0000000100000000\" \"cf0020000000000000\""],
  ["return hex(cmsgpack.pack(-1)), hex(cmsgpack.pack(-32)), hex(cmsgpack.pack(-33)), hex(cmsgpack.pack(-128)), hex(cmsgpack.pack(-129)), hex(cmsgpack.pack(-32768)), hex(cmsgpack.pack(-32769)), hex(cmsgpack.pack(-2^31)), hex(cmsgpack.pack(-2^31-1)), hex(cmsgpack.pack(-2^63))", "true \"ff\" \"e0\" \"d0df\" \"d080\" \"d1ff7f\" \"d18000\" \"d2ffff7fff\" \"d280000000\" \"d3ffffffff7fffffff\" \"d38000000000000000\""],
  ["return hex(cmsgpack.pack(2^63)), hex(cmsgpack.pack(2^64)), hex(cmsgpack.pack(-2^64)), hex(cmsgpack.pack(0.5)), hex(cmsgpack.pack(0.1)), hex(cmsgpack.pack(-1.5)), hex(cmsgpack.pack(1/0)), hex(cmsgpack.pack(-1/0)), hex(cmsgpack.pack(0/0)), hex(cmsgpack.pack(-0)), hex(cmsgpack.pack(1e300))", "true \"ca5f000000\" \"ca5f800000\" \"cadf800000\" \"ca3f000000\" \"cb3fb999999999999a\" \"cabfc00000\" \"ca7f800000\" \"caff800000\" \"cbfff8000000000000\" \"00\" \"cb7e37e43c8800759c\""],
  ["return hex(cmsgpack.pack('')), hex(cmsgpack.pack('abc')), hex(cmsgpack.pack(string.rep('x', 31))):sub(1, 6), hex(cmsgpack.pack(string.rep('x', 32))):sub(1, 6), hex(cmsgpack.pack(string.rep('x', 255))):sub(1, 6), hex(cmsgpack.pack(string.rep('x', 256))):sub(1, 8), hex(cmsgpack.pack(string.rep('x', 65536))):sub(1, 12)", "true \"a0\" \"a3616263\" \"bf7878\" \"d92078\" \"d9ff78\" \"da010078\" \"db0001000078\""],
  ["return hex(cmsgpack.pack(true)), hex(cmsgpack.pack(false)), hex(cmsgpack.pack(nil)), hex(cmsgpack.pack(function() end)), hex(cmsgpack.pack(cjson.null)), hex(cmsgpack.pack(1, 'a', true))", "true \"c3\" \"c2\" \"c0\" \"c0\" \"c0\" \"01a161c3\""],
  ["return hex(cmsgpack.pack({})), hex(cmsgpack.pack({1,2,3})), hex(cmsgpack.pack({a=1})), hex(cmsgpack.pack({[1]=1,[3]=3})), hex(cmsgpack.pack({[2]=2})), hex(cmsgpack.pack({[1.5]=1})), hex(cmsgpack.pack({[0]=1})), hex(cmsgpack.pack({{1},{2,{3}}}))", "true \"90\" \"93010203\" \"81a16101\" \"8201010303\" \"810202\" \"81ca3fc0000001\" \"810001\" \"92910192029103\""],
  ["return hex(cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15})), hex(cmsgpack.pack({1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16})):sub(1,8)", "true \"9f0102030405060708090a0b0c0d0e0f\" \"dc001001\""],
  ["local t = {} for i = 1, 16 do t['k' .. i] = i end return hex(cmsgpack.pack(t)):sub(1, 6)", "true \"de0010\""],
  ["local t = {} for i = 1, 70000 do t[i] = 1 end return hex(cmsgpack.pack(t)):sub(1, 12)", "true \"dd0001117001\""],
  ["local t = {} t[1] = t return hex(cmsgpack.pack(t))", "true \"91919191919191919191919191919191c0\""],
  ["local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))", "true \"91919191919191919191919191919191c0\""],
  ["return cmsgpack.pack()", "false \"user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)\""],
  ["return cmsgpack.unpack(cmsgpack.pack(1, -1, 300, -300, 70000, -70000, 2^40, -2^40, 0.5, 0.1, 'x', true, false))", "true 1 -1 300 -300 70000 -70000 1099511627776 -1099511627776 0.5 0.1 \"x\" true false"],
  ["return cmsgpack.unpack(cmsgpack.pack({1, {2, 'three'}, {a={b={c='d'}}}}))", "true {1=1,2={1=2,2=\"three\"},3={\"a\"={\"b\"={\"c\"=\"d\"}}}}"],
  ["return cmsgpack.unpack(cmsgpack.pack({[1]=1,[3]=3}))", "true {1=1,3=3}"],
  ["return cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255'), cmsgpack.unpack('\\207\\128\\0\\0\\0\\0\\0\\0\\0'), cmsgpack.unpack('\\207\\0\\0\\0\\0\\0\\0\\0\\5'), cmsgpack.unpack('\\211\\255\\255\\255\\255\\255\\255\\255\\254')", "true -1 -9.2233720368548e+18 5 -2"],
  ["return cmsgpack.unpack('\\204\\200'), cmsgpack.unpack('\\205\\1\\0'), cmsgpack.unpack('\\206\\255\\255\\255\\255'), cmsgpack.unpack('\\208\\128'), cmsgpack.unpack('\\209\\128\\0'), cmsgpack.unpack('\\210\\128\\0\\0\\0'), cmsgpack.unpack('\\255'), cmsgpack.unpack('\\224')", "true 200 256 4294967295 -128 -32768 -2147483648 -1 -32"],
  ["return cmsgpack.unpack('\\202\\63\\128\\0\\0'), cmsgpack.unpack('\\203\\63\\240\\0\\0\\0\\0\\0\\0'), cmsgpack.unpack('\\202\\127\\192\\0\\0') ~= cmsgpack.unpack('\\202\\127\\192\\0\\0')", "true 1 1 true"],
  ["return cmsgpack.unpack('\\192'), cmsgpack.unpack('\\192\\192\\1')", "true nil nil nil 1"],
  ["return cmsgpack.unpack('\\217\\3abc'), cmsgpack.unpack('\\218\\0\\2ab'), cmsgpack.unpack('\\219\\0\\0\\0\\1a'), cmsgpack.unpack('\\144'), cmsgpack.unpack('\\128'), cmsgpack.unpack('\\220\\0\\1\\5'), cmsgpack.unpack('\\222\\0\\1\\1\\2'), cmsgpack.unpack('\\221\\0\\0\\0\\1\\5'), cmsgpack.unpack('\\223\\0\\0\\0\\1\\1\\2')", "true \"abc\" \"ab\" \"a\" {} {} {1=5} {1=2} {1=5} {1=2}"],
  ["return cmsgpack.unpack('')", "true"],
  ["return cmsgpack.unpack('\\193')", "false \"user_script:1: Bad data format in input.\""],
  ["return cmsgpack.unpack('\\196\\1a')", "false \"user_script:1: Bad data format in input.\""],
  ["return cmsgpack.unpack('\\212\\1\\1')", "false \"user_script:1: Bad data format in input.\""],
  ["return cmsgpack.unpack('\\205\\1')", "false \"user_script:1: Missing bytes in input.\""],
  ["return cmsgpack.unpack('\\163ab')", "false \"user_script:1: Missing bytes in input.\""],
  ["return cmsgpack.unpack('\\146\\1')", "false \"user_script:1: Missing bytes in input.\""],
  ["return cmsgpack.unpack('\\129\\1')", "false \"user_script:1: Missing bytes in input.\""],
  ["return cmsgpack.unpack('\\129\\192\\1')", "false \"table index is nil\""],
  ["return cmsgpack.unpack('\\129\\203\\127\\248\\0\\0\\0\\0\\0\\0\\1')", "false \"table index is NaN\""],
  ["return cmsgpack.unpack('\\146\\1\\193')", "false \"user_script:1: Bad data format in input.\""],
  ["return cmsgpack.unpack('\\219\\0\\0\\0\\9ab')", "false \"user_script:1: Missing bytes in input.\""],
  ["return cmsgpack.unpack(nil)", "false \"user_script:1: bad argument #1 to 'unpack' (string expected, got nil)\""],
  ["return cmsgpack.unpack({})", "false \"user_script:1: bad argument #1 to 'unpack' (string expected, got table)\""],
  ["return cmsgpack.unpack(12)", "true 49 50"],
  ["return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3)), cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1), cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2), cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 3)", "true 1 2 -1 -1"],
  ["return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 4)", "false \"user_script:1: Start offset 4 greater than input length 3.\""],
  ["return cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), -1)", "false \"user_script:1: Invalid request to unpack with offset of -1 and limit of 3.\""],
  ["return cmsgpack.unpack_one('', 0)", "true -1"],
  ["return cmsgpack.unpack_one('abc', 'x')", "false \"user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)\""],
  ["return cmsgpack.unpack_one(cmsgpack.pack('a', 'b'), 1.9)", "true 2 97"],
  ["return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2), cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 2), cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5)", "true 2 -1 -1 1 2 3"],
  ["return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0), cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1)", "true 1 1"],
  ["return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1)", "false \"user_script:1: Invalid request to unpack with offset of 0 and limit of 3.\""],
  ["return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3))", "false \"user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)\""],
  ["return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, 10)", "false \"user_script:1: Start offset 10 greater than input length 3.\""],
  ["return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 'a')", "false \"user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string)\""],
  ["return cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION", "true \"cmsgpack\" \"lua-cmsgpack 0.4.0\" \"Copyright (C) 2012, Salvatore Sanfilippo\" \"MessagePack C implementation for Lua\""],
  ["local s = string.rep(cmsgpack.pack(1), 9000) return select('#', cmsgpack.unpack(s))", "false \"user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)\""],
  ["local s = string.rep(cmsgpack.pack(1), 7990) return select('#', cmsgpack.unpack(s))", "true 7990"],
  ["local s = string.rep(cmsgpack.pack(1), 8000) return select('#', cmsgpack.unpack(s))", "false \"user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)\""],
  ["return hex(cmsgpack.pack({1, nil, 3})), hex(cmsgpack.pack({nil, 2})), hex(cmsgpack.pack({[-1]=1})), hex(cmsgpack.pack({[2^31]=1})), hex(cmsgpack.pack({true}))", "true \"8201010303\" \"810202\" \"81ff01\" \"81ce8000000001\" \"91c3\""],
  ["return cmsgpack.unpack(cmsgpack.pack({x={1,2,{y=cjson.null}}}))", "true {\"x\"={1=1,2=2,3={}}}"],
  ["return hex(cmsgpack.pack('a\\0b')), cmsgpack.unpack(cmsgpack.pack('a\\0b'))", "true \"a3610062\" \"a\\x00b\""],
  ["return cmsgpack.pack({[true]=1}) == '\\129\\195\\1', cmsgpack.unpack('\\129\\195\\1')", "true true {true=1}"],
  ["return hex(cmsgpack.pack({1,2,3,a=1})), hex(cmsgpack.pack({10,20,nil,40,x='y'}))", "true \"84010102020303a16101\" \"84010a02140428a178a179\""],
  ["local t = {} t.z = 1 t[2]=2 t[1]=1 return hex(cmsgpack.pack(t))", "true \"8301010202a17a01\""],
  ["local t = {} for i=20,1,-1 do t[i]=i end t.a=1 return hex(cmsgpack.pack(t))", "true \"de00150101020203030404050506060707080809090a0a0b0b0c0c0d0d0e0e0f0f10101111121213131414a16101\""],
  ["local s = string.rep('\\145', 3000) .. '\\1' local t = cmsgpack.unpack(s) return type(t)", "true \"table\""],
  ["local s = string.rep('\\145', 5000) .. '\\1' local t = cmsgpack.unpack(s) return type(t)", "false \"user_script:1: stack overflow (in function mp_decode_to_lua_array)\""],
  ["local s = string.rep('\\145', 100000) .. '\\1' local t = cmsgpack.unpack(s) return type(t)", "false \"user_script:1: stack overflow (in function mp_decode_to_lua_array)\""],
  ["local s = string.rep('\\129\\1', 3000) .. '\\1' local t = cmsgpack.unpack(s) return type(t)", "true \"table\""],
];

const CJSON_CASES: Case[] = [
  ["return cjson.encode({1,2,3}), cjson.encode({}), cjson.encode({a=1}), cjson.encode({{}}), cjson.encode({a={b={c={}}}}), cjson.encode('x'), cjson.encode(1), cjson.encode(true), cjson.encode(false), cjson.encode(nil), cjson.encode(cjson.null)", "true \"[1,2,3]\" \"{}\" \"{\\x22a\\x22:1}\" \"[{}]\" \"{\\x22a\\x22:{\\x22b\\x22:{\\x22c\\x22:{}}}}\" \"\\x22x\\x22\" \"1\" \"true\" \"false\" \"null\" \"null\""],
  ["return cjson.encode(0.1), cjson.encode(1/3), cjson.encode(-0), cjson.encode(1e14), cjson.encode(1e15), cjson.encode(123456789012345), cjson.encode(2^53), cjson.encode(1e-5), cjson.encode(-1.5e-7), cjson.encode(3.14159265358979)", "true \"0.1\" \"0.33333333333333\" \"-0\" \"1e+14\" \"1e+15\" \"1.2345678901234e+14\" \"9.007199254741e+15\" \"1e-05\" \"-1.5e-07\" \"3.1415926535898\""],
  ["return cjson.encode(1/0)", "false \"user_script:1: Cannot serialise number: must not be NaN or Inf\""],
  ["return cjson.encode(-1/0)", "false \"user_script:1: Cannot serialise number: must not be NaN or Inf\""],
  ["return cjson.encode(0/0)", "false \"user_script:1: Cannot serialise number: must not be NaN or Inf\""],
  ["return cjson.encode({1, 0/0})", "false \"user_script:1: Cannot serialise number: must not be NaN or Inf\""],
  ["return cjson.encode({[0/0 == 0/0 and 1 or 1/0]=1})", "false \"user_script:1: Cannot serialise number: must not be NaN or Inf\""],
  ["return cjson.encode('a\"b\\\\c/d\\n\\r\\t\\b\\f\\0\\1\\31\\127\\128\\255 z')", "true \"\\x22a\\x5c\\x22b\\x5c\\x5cc\\x5c/d\\x5cn\\x5cr\\x5ct\\x5cb\\x5cf\\x5cu0000\\x5cu0001\\x5cu001f\\x5cu007f\\x80\\xff z\\x22\""],
  ["return cjson.encode({'\\226\\130\\172'}), cjson.encode('\\239\\187\\191x')", "true \"[\\x22\\xe2\\x82\\xac\\x22]\" \"\\x22\\xef\\xbb\\xbfx\\x22\""],
  ["return cjson.encode({1, nil, 3}), cjson.encode({[1]=1,[3]=3}), cjson.encode({[10]=1}), cjson.encode({[2]=1, [4]=2})", "true \"[1,null,3]\" \"[1,null,3]\" \"[null,null,null,null,null,null,null,null,null,1]\" \"[null,1,null,2]\""],
  ["return cjson.encode({[11]=1})", "false \"user_script:1: Cannot serialise table: excessively sparse array\""],
  ["return cjson.encode({[1]=1, [30]=2})", "false \"user_script:1: Cannot serialise table: excessively sparse array\""],
  ["return cjson.encode({[0]=1}), cjson.encode({[-1]=1}), cjson.encode({[1.5]=1}), cjson.encode({[2^40]=1})", "true \"{\\x220\\x22:1}\" \"{\\x22-1\\x22:1}\" \"{\\x221.5\\x22:1}\" \"{\\x221099511627776\\x22:1}\""],
  ["return cjson.encode({[true]=1})", "false \"user_script:1: Cannot serialise boolean: table key must be a number or string\""],
  ["return cjson.encode({[{}]=1})", "false \"user_script:1: Cannot serialise table: table key must be a number or string\""],
  ["return cjson.encode(function() end)", "false \"user_script:1: Cannot serialise function: type not supported\""],
  ["return cjson.encode({f=function() end})", "false \"user_script:1: Cannot serialise function: type not supported\""],
  ["return cjson.encode(coroutine.create(function() end))", "false \"user_script:1: Cannot serialise thread: type not supported\""],
  ["return cjson.encode()", "false \"user_script:1: bad argument #1 to 'encode' (expected 1 argument)\""],
  ["return cjson.encode(1, 2)", "false \"user_script:1: bad argument #1 to 'encode' (expected 1 argument)\""],
  ["return cjson.encode({1,2,3,a=1}), cjson.encode({10,20,nil,40,x='y'})", "true \"{\\x221\\x22:1,\\x222\\x22:2,\\x223\\x22:3,\\x22a\\x22:1}\" \"{\\x221\\x22:10,\\x222\\x22:20,\\x224\\x22:40,\\x22x\\x22:\\x22y\\x22}\""],
  ["local t = {} t.z = 1 t[2]=2 t[1]=1 return cjson.encode(t)", "true \"{\\x221\\x22:1,\\x222\\x22:2,\\x22z\\x22:1}\""],
  ["local t = {} for i=20,1,-1 do t[i]=i end t.a=1 return cjson.encode(t)", "true \"{\\x221\\x22:1,\\x222\\x22:2,\\x223\\x22:3,\\x224\\x22:4,\\x225\\x22:5,\\x226\\x22:6,\\x227\\x22:7,\\x228\\x22:8,\\x229\\x22:9,\\x2210\\x22:10,\\x2211\\x22:11,\\x2212\\x22:12,\\x2213\\x22:13,\\x2214\\x22:14,\\x2215\\x22:15,\\x2216\\x22:16,\\x2217\\x22:17,\\x2218\\x22:18,\\x2219\\x22:19,\\x2220\\x22:20,\\x22a\\x22:1}\""],
  ["local t = {} t[1] = t return cjson.encode(t)", "false \"user_script:1: Cannot serialise, excessive nesting (1001)\""],
  ["local t = {} t.a = t return cjson.encode(t)", "false \"user_script:1: Cannot serialise, excessive nesting (1001)\""],
  ["local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return #cjson.encode(t)", "true 2000"],
  ["local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return cjson.encode(t)", "false \"user_script:1: Cannot serialise, excessive nesting (1001)\""],
  ["return cjson.decode('[1,2,3]'), cjson.decode('{\"a\":1}'), cjson.decode('\"x\"'), cjson.decode('1.5'), cjson.decode('true'), cjson.decode('false'), cjson.decode('null'), cjson.decode('[]'), cjson.decode('{}')", "true {1=1,2=2,3=3} {\"a\"=1} \"x\" 1.5 true false null {} {}"],
  ["return cjson.decode(' \\t\\r\\n [ 1 , {\"a\" : [ null , true ] } ] \\n ')", "true {1=1,2={\"a\"={1=null,2=true}}}"],
  ["return cjson.decode('\"\\\\u0041\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\\\\n\\\\t\\\\\"\\\\\\\\\\\\/\\\\b\\\\f\\\\r\"')", "true \"A\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\x0a\\x09\\x22\\x5c/\\x08\\x0c\\x0d\""],
  ["return cjson.decode('\"\\\\u0000\"')", "true \"\\x00\""],
  ["return cjson.decode('\"a\\0b\"')", "false \"user_script:1: Expected value but found unexpected end of string at character 3\""],
  ["return cjson.decode('\"\\\\ud800\"')", "false \"user_script:1: Expected value but found invalid unicode escape code at character 2\""],
  ["return cjson.decode('\"\\\\udc00\"')", "false \"user_script:1: Expected value but found invalid unicode escape code at character 2\""],
  ["return cjson.decode('\"\\\\ud800\\\\u0041\"')", "false \"user_script:1: Expected value but found invalid unicode escape code at character 2\""],
  ["return cjson.decode('\"\\\\u12\"')", "false \"user_script:1: Expected value but found invalid unicode escape code at character 2\""],
  ["return cjson.decode('\"\\\\x\"')", "false \"user_script:1: Expected value but found invalid escape code at character 2\""],
  ["return cjson.decode('\"abc')", "false \"user_script:1: Expected value but found unexpected end of string at character 5\""],
  ["return cjson.decode('\"abc\\\\')", "false \"user_script:1: Expected value but found invalid escape code at character 5\""],
  ["return cjson.decode('')", "false \"user_script:1: Expected value but found T_END at character 1\""],
  ["return cjson.decode('   ')", "false \"user_script:1: Expected value but found T_END at character 4\""],
  ["return cjson.decode('x')", "false \"user_script:1: Expected value but found invalid token at character 1\""],
  ["return cjson.decode('[1,]')", "false \"user_script:1: Expected value but found T_ARR_END at character 4\""],
  ["return cjson.decode('[1 2]')", "false \"user_script:1: Expected comma or array end but found T_NUMBER at character 4\""],
  ["return cjson.decode('{\"a\" 1}')", "false \"user_script:1: Expected colon but found T_NUMBER at character 6\""],
  ["return cjson.decode('{\"a\":1,}')", "false \"user_script:1: Expected object key string but found T_OBJ_END at character 8\""],
  ["return cjson.decode('{1:2}')", "false \"user_script:1: Expected object key string but found T_NUMBER at character 2\""],
  ["return cjson.decode('{\"a\":1 \"b\":2}')", "false \"user_script:1: Expected comma or object end but found T_STRING at character 8\""],
  ["return cjson.decode('[1,2')", "false \"user_script:1: Expected comma or array end but found T_END at character 5\""],
  ["return cjson.decode('{')", "false \"user_script:1: Expected object key string but found T_END at character 2\""],
  ["return cjson.decode('1 2')", "false \"user_script:1: Expected the end but found T_NUMBER at character 3\""],
  ["return cjson.decode('1,2')", "false \"user_script:1: Expected the end but found T_COMMA at character 2\""],
  ["return cjson.decode('nul')", "false \"user_script:1: Expected value but found invalid token at character 1\""],
  ["return cjson.decode('tru')", "false \"user_script:1: Expected value but found invalid token at character 1\""],
  ["return cjson.decode('-')", "false \"user_script:1: Expected value but found invalid number at character 1\""],
  ["return cjson.decode('.5')", "false \"user_script:1: Expected value but found invalid token at character 1\""],
  ["return cjson.decode('1abc')", "false \"user_script:1: Expected the end but found invalid token at character 2\""],
  ["return cjson.decode(']')", "false \"user_script:1: Expected value but found T_ARR_END at character 1\""],
  ["return cjson.decode('}')", "false \"user_script:1: Expected value but found T_OBJ_END at character 1\""],
  ["return cjson.decode(':')", "false \"user_script:1: Expected value but found T_COLON at character 1\""],
  ["return cjson.decode('\\0\\1')", "false \"user_script:1: JSON parser does not support UTF-16 or UTF-32\""],
  ["return cjson.decode('a\\0')", "false \"user_script:1: JSON parser does not support UTF-16 or UTF-32\""],
  ["return cjson.decode('12\\0xyz'), cjson.decode('1\\0')", "false \"user_script:1: JSON parser does not support UTF-16 or UTF-32\""],
  ["return cjson.decode('0x10'), cjson.decode('+1'), cjson.decode('007'), cjson.decode('1.'), cjson.decode('1e2'), cjson.decode('1E+2'), cjson.decode('1e'), cjson.decode('-0'), cjson.decode('2e400'), cjson.decode('-2e400'), cjson.decode('1e-400')", "false \"user_script:1: Expected the end but found invalid token at character 2\""],
  ["return cjson.decode('inf'), cjson.decode('-inf'), cjson.decode('Infinity'), cjson.decode('-Infinity'), cjson.decode('INF'), cjson.decode('[nan]')[1] ~= cjson.decode('[nan]')[1], cjson.decode('[NaN]')[1] ~= 0", "true inf -inf inf -inf inf true true"],
  ["return cjson.decode('0x1p4')", "true 16"],
  ["return cjson.decode('0x.8')", "true 0.5"],
  ["return cjson.decode('0x')", "false \"user_script:1: Expected the end but found invalid token at character 2\""],
  ["return cjson.decode('-0x10')", "true -16"],
  ["return cjson.decode('0xg')", "false \"user_script:1: Expected the end but found invalid token at character 2\""],
  ["return cjson.decode('0x1P-2')", "true 0.25"],
  ["return cjson.decode('0X1f')", "true 31"],
  ["return cjson.decode('0x1.8p1')", "true 3"],
  ["return cjson.decode('0x10p')", "false \"user_script:1: Expected the end but found invalid token at character 5\""],
  ["return cjson.decode('[0x]')", "false \"user_script:1: Expected comma or array end but found invalid token at character 3\""],
  ["return cjson.decode('[1e]')", "false \"user_script:1: Expected comma or array end but found invalid token at character 3\""],
  ["return cjson.decode('infinit')", "false \"user_script:1: Expected the end but found invalid token at character 4\""],
  ["return cjson.decode('nan(abc)') ~= 0, cjson.decode('[nan(abc)]')[1] ~= 0, cjson.decode('[nan()]')[1] ~= 0", "true true true true"],
  ["return cjson.decode('[nan(abc]')", "false \"user_script:1: Expected comma or array end but found invalid token at character 5\""],
  ["return cjson.decode('123456789012345678901234567890'), cjson.decode('0.1'), cjson.decode('-12.5e-3')", "true 1.2345678901235e+29 0.1 -0.0125"],
  ["return cjson.decode({})", "false \"user_script:1: bad argument #1 to 'decode' (string expected, got table)\""],
  ["return cjson.decode(nil)", "false \"user_script:1: bad argument #1 to 'decode' (string expected, got nil)\""],
  ["return cjson.decode()", "false \"user_script:1: bad argument #1 to 'decode' (expected 1 argument)\""],
  ["return cjson.decode('1', 2)", "false \"user_script:1: bad argument #1 to 'decode' (expected 1 argument)\""],
  ["return cjson.decode(123), cjson.decode(1.5)", "true 123 1.5"],
  ["return cjson.decode('{\"a\":1,\"a\":2}')", "true {\"a\"=2}"],
  ["return cjson.decode('[' .. string.rep('[', 998) .. string.rep(']', 999))", "true {1={1={1={1={1={1={1={1={1={1={1={1={1={1={1={1={1={1={1={1={1=...}}}}}}}}}}}}}}}}}}}}}"],
  ["return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))", "false \"user_script:1: Found too many nested data structures (1001) at character 1001\""],
  ["return cjson.decode(string.rep('{\"a\":', 1001))", "false \"user_script:1: Found too many nested data structures (1001) at character 5001\""],
  ["return cjson.decode('\"\\1\\31\\127\\200\"')", "true \"\\x01\\x1f\\x7f\\xc8\""],
  ["return cjson.decode('[1,2,3]')[2], cjson.decode('{\"x\":{\"y\":[10,20]}}').x.y[2], cjson.decode('[null]')[1] == cjson.null, #cjson.decode('[1,null,3]')", "true 2 20 true 3"],
  ["return cjson.null, type(cjson.null), cjson.null == cjson.new().null, cjson._NAME, cjson._VERSION", "true null \"userdata\" true \"cjson\" \"2.1.0\""],
  ["return cjson.encode_sparse_array(), cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_keep_buffer(), cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers()", "true false 1000 1000 14 true false true"],
  ["local c = cjson.new() return c.encode_number_precision(3), c.encode(3.14159), c.encode_number_precision(1), c.encode(15), c.encode(0.25)", "true 3 \"3.14\" 1 \"2e+01\" \"0.2\""],
  ["local c = cjson.new() return c.encode_number_precision(0)", "false \"user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)\""],
  ["local c = cjson.new() return c.encode_number_precision(15)", "false \"user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)\""],
  ["local c = cjson.new() return c.encode_number_precision('x')", "false \"user_script:1: bad argument #1 to 'encode_number_precision' (number expected, got string)\""],
  ["local c = cjson.new() return c.encode_number_precision(5.9), c.encode(1/3)", "true 5 \"0.33333\""],
  ["local c = cjson.new() return c.encode_number_precision(1, 2)", "false \"user_script:1: bad argument #2 to 'encode_number_precision' (found too many arguments)\""],
  ["local c = cjson.new() return c.encode_invalid_numbers(true), c.encode(1/0), c.encode(-1/0), c.encode(0/0), c.encode_invalid_numbers('null'), c.encode({1/0, 0/0}), c.encode_invalid_numbers('off'), c.encode_invalid_numbers('on')", "true true \"inf\" \"-inf\" \"nan\" \"null\" \"[null,null]\" false true"],
  ["local c = cjson.new() return c.encode_invalid_numbers('maybe')", "false \"user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'maybe')\""],
  ["local c = cjson.new() return c.encode_invalid_numbers({})", "false \"user_script:1: bad argument #1 to 'encode_invalid_numbers' (string expected, got table)\""],
  ["local c = cjson.new() return c.encode_invalid_numbers(1)", "false \"user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option '1')\""],
  ["local c = cjson.new() return c.decode_invalid_numbers(false), pcall(c.decode, '0x10'), pcall(c.decode, '+1'), pcall(c.decode, '01'), pcall(c.decode, 'inf'), pcall(c.decode, '-inf'), pcall(c.decode, 'nan'), pcall(c.decode, '-0'), pcall(c.decode, '0.5'), pcall(c.decode, '-01')", "true false false false false false false false true true false \"Expected value but found invalid number at character 1\""],
  ["local c = cjson.new() return c.decode_invalid_numbers(false), pcall(c.decode, 'Infinity'), pcall(c.decode, 'nul'), pcall(c.decode, '[-]')", "true false false false false \"Expected value but found invalid number at character 2\""],
  ["local c = cjson.new() return c.encode_sparse_array(true), c.encode({[1]=1, [30]=2})", "true true \"{\\x221\\x22:1,\\x2230\\x22:2}\""],
  ["local c = cjson.new() return c.encode_sparse_array(false, 1), c.encode({[1]=1, [3]=2})", "true false \"[1,null,2]\""],
  ["local c = cjson.new() return c.encode_sparse_array(true, 1), c.encode({[1]=1, [3]=2})", "true true \"[1,null,2]\""],
  ["local c = cjson.new() return c.encode_sparse_array(false, 0), c.encode({[1]=1, [50]=2}):len()", "true false 245"],
  ["local c = cjson.new() return c.encode_sparse_array(nil, nil, 100), c.encode({[1]=1, [50]=2}):len()", "true false 245"],
  ["local c = cjson.new() return c.encode_sparse_array(true, -1)", "false \"user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)\""],
  ["local c = cjson.new() return c.encode_sparse_array(true, 2, -1)", "false \"user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)\""],
  ["local c = cjson.new() return c.encode_sparse_array('on', 2, 10, 4)", "false \"user_script:1: bad argument #4 to 'encode_sparse_array' (found too many arguments)\""],
  ["local c = cjson.new() return c.encode_sparse_array('yes')", "false \"user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option 'yes')\""],
  ["local c = cjson.new() return c.encode_max_depth(2), c.encode({{1}}), pcall(c.encode, {{{1}}})", "true 2 \"[[1]]\" false \"Cannot serialise, excessive nesting (3)\""],
  ["local c = cjson.new() return c.encode_max_depth(0)", "false \"user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)\""],
  ["local c = cjson.new() return c.decode_max_depth(2), c.decode('[[1]]'), pcall(c.decode, '[[[1]]]'), pcall(c.decode, '{\"a\":{\"b\":{}}}')", "true 2 {1={1=1}} false false \"Found too many nested data structures (3) at character 11\""],
  ["local c = cjson.new() return c.encode_keep_buffer(false), c.encode_keep_buffer('on'), c.encode_keep_buffer(), c.encode({1})", "true false true true \"[1]\""],
  ["local c = cjson.new() return c.encode_max_depth(2^32 + 5), c.encode_max_depth(-2^32 + 7)", "true 5 7"],
  ["return pcall(cjson.encode), pcall(cjson.decode, 1, 2)", "true false false \"bad argument #1 to '?' (expected 1 argument)\""],
  ["return cjson.encode({[1]=cjson.null, [2]=false})", "true \"[null,false]\""],
  ["return cjson.encode({a={1,{b=2}}})", "true \"{\\x22a\\x22:[1,{\\x22b\\x22:2}]}\""],
  ["return cjson.encode(cjson.decode('{\"k\":[1,2,{\"z\":null}]}'))", "true \"{\\x22k\\x22:[1,2,{\\x22z\\x22:null}]}\""],
  ["return cjson.encode({'a', 'b', {c='d'}, 4.5, true, false})", "true \"[\\x22a\\x22,\\x22b\\x22,{\\x22c\\x22:\\x22d\\x22},4.5,true,false]\""],
  ["return cjson.encode(12345678901234567890), cjson.encode(-123.456), cjson.encode(100), cjson.encode(1e100), cjson.encode(5e-324)", "true \"1.2345678901235e+19\" \"-123.456\" \"100\" \"1e+100\" \"4.9406564584125e-324\""],
  ["return cjson.encode({[1]=1, ['1']=2}) == '{\"1\":1,\"1\":2}' or cjson.encode({[1]=1, ['1']=2}) == '{\"1\":2,\"1\":1}'", "true true"],
  ["return cjson.decode('[1,2,3]', nil)", "false \"user_script:1: bad argument #1 to 'decode' (expected 1 argument)\""],
  ["return cjson.decode('\"\\\\u00zz\"')", "false \"user_script:1: Expected value but found invalid unicode escape code at character 2\""],
  ["return cjson.decode('[\"a\",\"\\\\q\"]')", "false \"user_script:1: Expected value but found invalid escape code at character 7\""],
  ["return cjson.decode('{\"a\":[1,{\"b\":tru}]}')", "false \"user_script:1: Expected value but found invalid token at character 14\""],
  ["return cjson.decode('[1,2,3]     x')", "false \"user_script:1: Expected the end but found invalid token at character 13\""],
  ["return cjson.decode('  \"abc\"  ')", "true \"abc\""],
  ["return cjson.decode('\"\\\\uD83D\\\\uDE00\"'), cjson.decode('\"\\\\u00E9\"')", "true \"\\xf0\\x9f\\x98\\x80\" \"\\xc3\\xa9\""],
  ["return cjson.decode('\"\\\\ud83d\\\\ud83d\"')", "false \"user_script:1: Expected value but found invalid unicode escape code at character 2\""],
  ["local c = cjson.new() c.decode_invalid_numbers(false) return c.decode('[-0.5e+2, 10, 0]')", "true {1=-50,2=10,3=0}"],
  ["return cjson.encode(cjson.decode('[1.5, -2, 3e3, \"s\", false, null, {}]'))", "true \"[1.5,-2,3000,\\x22s\\x22,false,null,{}]\""],
  ["return cjson.encode({[1]=1, [2]=2, [3]=3, [5]=5})", "true \"[1,2,3,null,5]\""],
  ["return cjson.encode({a={}}), cjson.encode({{{}}})", "true \"{\\x22a\\x22:{}}\" \"[[{}]]\""],
  ["return cjson.encode(string.rep('x', 3) .. '\\194\\160')", "true \"\\x22xxx\\xc2\\xa0\\x22\""],
  ["return cjson.encode_number_precision(), cjson.encode(0.1 + 0.2)", "true 14 \"0.3\""],
  ["local c = cjson.new() return c.encode_invalid_numbers('null'), c.encode({[1]=1/0})", "true \"null\" \"[null]\""],
  ["local c = cjson.new() c.encode_invalid_numbers(true) return c.encode({[1/0]=1})", "true \"{\\x22inf\\x22:1}\""],
  ["local c = cjson.new() return c.encode_number_precision(nil), c.decode_max_depth(nil)", "true 14 1000"],
  ["return cjson.new().encode({1}), cjson.new ~= nil, cjson.new().new().decode('[2]')[1]", "true \"[1]\" true 2"],
];

describe('Lua libraries match redis-server 7.0.15', () => {
  // One state per library, shared by its cases as scripts share Redis's VM (the cases that change cjson's
  // settings do it on cjson.new() copies).
  const groups: [string, Case[]][] = [
    ['bit', BIT_CASES],
    ['struct', STRUCT_CASES],
    ['cmsgpack', CMSGPACK_CASES],
    ['cjson', CJSON_CASES],
  ];
  for (const [name, cases] of groups) {
    describe(name, () => {
      const L = newState();
      it.each(cases)('%s', (snippet, expected) => {
        expect(run(L, snippet)).toBe(expected);
      });
    });
  }
});

describe('Lua libraries as the engine needs them', () => {
  it('registers the four globals', () => {
    const L = newState();
    const snippet = 'return type(bit.band), type(cjson.encode), type(cmsgpack.pack), type(struct.pack)';
    expect(run(L, snippet)).toBe('true "function" "function" "function" "function"');
  });

  it('pushes only float numbers (Lua 5.1 has no integer subtype)', () => {
    const L = newState();
    const calls = [
      'bit.band(3, 1)',
      'bit.tobit(5)',
      "struct.unpack('b', '\\1')",
      "select(2, struct.unpack('b', '\\1'))",
      "struct.size('i')",
      "cmsgpack.unpack('\\1')",
      "cmsgpack.unpack_one(cmsgpack.pack(1))",
      "cjson.decode('7')",
      "cjson.decode('[1]')[1]",
      'cjson.encode_max_depth()',
    ];
    const snippet = `return ${calls.map((c) => `math.type(${c})`).join(', ')}`;
    expect(run(L, snippet)).toBe(`true ${calls.map(() => '"float"').join(' ')}`);
  });

  it('makes cjson.null a light userdata the engine can recognise', () => {
    const L = newState();
    lua.lua_getglobal(L, bytes('cjson'));
    lua.lua_getfield(L, -1, bytes('null'));
    expect(lua.lua_type(L, -1)).toBe(lua.LUA_TLIGHTUSERDATA);
    expect(lua.lua_touserdata(L, -1)).toBe(CJSON_NULL);
    lua.lua_pop(L, 2);
    expect(run(L, "return cjson.decode('null') == cjson.null, cjson.new().null == cjson.null")).toBe('true true true');
  });

  it('keeps binary strings byte for byte', () => {
    const L = newState();
    const snippet =
      "local s = '' for i = 0, 255 do s = s .. string.char(i) end " +
      "return cmsgpack.unpack(cmsgpack.pack(s)) == s, struct.unpack('c256', struct.pack('c0', s)) == s, " +
      '#cjson.decode(cjson.encode(s)) == 256';
    expect(run(L, snippet)).toBe('true true true true');
  });
});
