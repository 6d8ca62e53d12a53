/**
 * The `cmsgpack` library (lua-cmsgpack 0.4.0, as bundled with Redis 7.0): pack, unpack, unpack_one,
 * unpack_limit, plus _NAME, _VERSION, _COPYRIGHT and _DESCRIPTION.
 *
 * Encoding, per Lua type:
 * - a number whose value is a 64-bit integer becomes the smallest MessagePack integer that holds it; any
 *   other number becomes a float 32 when converting it to single precision loses nothing, else a float 64;
 * - a string becomes fixstr / str 8 / str 16 / str 32 (never bin);
 * - a table whose keys are exactly 1..n becomes an array (an empty table is an empty array), any other table
 *   a map; tables nested 16 deep are cut off and encoded as nil (that is how it survives cycles);
 * - booleans as themselves; nil and every other type (functions, cjson.null...) as nil.
 * Decoding accepts the types it can produce back; bin, ext and 0xc1 are "Bad data format in input.".
 * Integers decode as Lua numbers; a uint 64 at or above 2^63 comes back negative, as in Redis (it goes
 * through a signed lua_Integer).
 *
 * Differs from Redis: a map's entries follow Lua 5.1's order only in part: the keys 5.1 keeps in a table's
 * array part come first, ascending, as in 5.1; the others follow in fengari's order, where 5.1 uses its hash
 * order (maps with one such key, or with keys 1..n and one other, come out the same).
 */
import lua from 'fengari/src/lua.js';
import {
  argError,
  checkBytes,
  checkInteger,
  doubleBytes,
  floatBytes,
  forEachPair,
  lstr,
  needStack,
  optInteger,
  pushBytes,
  raise,
  setFunctions,
  setStringField,
  toNumber,
  type LuaState,
} from './support.ts';

export type { LuaState };

/** Tables nested deeper than this encode as nil. */
const MAX_NESTING = 16;
const INT_MAX = 2147483647;

/** A growing byte buffer. */
class Buf {
  private buf = new Uint8Array(64);
  length = 0;

  push(bytes: ArrayLike<number>): void {
    if (this.length + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** `n` as `width` big-endian bytes (n below 2^32 here). */
function be(n: number, width: number): number[] {
  const out: number[] = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}

/** A 64-bit value as 8 big-endian bytes. */
function be64(n: bigint): number[] {
  const v = BigInt.asUintN(64, n);
  const out: number[] = [];
  for (let i = 7; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** A string's header (fixstr, str 8, str 16, str 32) and bytes. */
function encodeBytes(buf: Buf, s: Uint8Array): void {
  const len = s.length;
  if (len < 32) buf.push([0xa0 | len]);
  else if (len <= 0xff) buf.push([0xd9, len]);
  else if (len <= 0xffff) buf.push([0xda, ...be(len, 2)]);
  else buf.push([0xdb, ...be(len, 4)]);
  buf.push(s);
}

/** The smallest MessagePack integer holding n (an integral double in the int64 range). */
function encodeInt(buf: Buf, n: number): void {
  if (n >= 0) {
    if (n <= 127) buf.push([n]);
    else if (n <= 0xff) buf.push([0xcc, n]);
    else if (n <= 0xffff) buf.push([0xcd, ...be(n, 2)]);
    else if (n <= 0xffffffff) buf.push([0xce, ...be(n, 4)]);
    else buf.push([0xcf, ...be64(BigInt(n))]);
  } else {
    if (n >= -32) buf.push([n & 0xff]);
    else if (n >= -128) buf.push([0xd0, n & 0xff]);
    else if (n >= -32768) buf.push([0xd1, ...be(n & 0xffff, 2)]);
    else if (n >= -2147483648) buf.push([0xd2, ...be(n >>> 0, 4)]);
    else buf.push([0xd3, ...be64(BigInt(n))]);
  }
}

/** A number: an integer when the double converts to int64 and back unchanged, else float 32 or 64. */
function encodeNumber(buf: Buf, n: number): void {
  if (Number.isFinite(n) && Number.isInteger(n) && n >= -9223372036854775808 && n < 9223372036854775808) {
    // -0 passes C's check ((int64_t)-0.0 == -0.0) and is written as the integer 0.
    encodeInt(buf, n === 0 ? 0 : n);
  } else if (Math.fround(n) === n) {
    buf.push([0xca, ...floatBytes(n, false)]);
  } else {
    buf.push([0xcb, ...doubleBytes(n, false)]);
  }
}

/** True when the table on top of the stack has exactly the keys 1..n (n >= 0), each fitting a C int. */
function isArray(L: LuaState): boolean {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    const n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? toNumber(L, -1) : 0;
    if (!(n > 0 && Number.isInteger(n) && n <= INT_MAX)) {
      lua.lua_pop(L, 1);
      return false;
    }
    if (n > max) max = n;
    count++;
  }
  return max === count;
}

/** Encodes the value on top of the stack and pops it. */
function encodeValue(L: LuaState, buf: Buf, level: number): void {
  let t = lua.lua_type(L, -1);
  if (t === lua.LUA_TTABLE && level === MAX_NESTING) t = lua.LUA_TNIL;
  switch (t) {
    case lua.LUA_TSTRING:
      encodeBytes(buf, lua.lua_tolstring(L, -1));
      break;
    case lua.LUA_TBOOLEAN:
      buf.push([lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2]);
      break;
    case lua.LUA_TNUMBER:
      encodeNumber(buf, toNumber(L, -1));
      break;
    case lua.LUA_TTABLE:
      encodeTable(L, buf, level);
      break;
    default:
      buf.push([0xc0]);
  }
  lua.lua_pop(L, 1);
}

/** The table on top of the stack as an array or a map (left on the stack). */
function encodeTable(L: LuaState, buf: Buf, level: number): void {
  // A map's pairs take 4 slots here (forEachPair's key list, key and value, and the copy being encoded) where
  // lua-cmsgpack's lua_next loop takes 3. With 3, maps nested 16 deep (a map containing itself) overran the stack.
  needStack(L, 4, 'in function mp_encode_lua_table');
  if (isArray(L)) {
    const len = lua.lua_rawlen(L, -1) as number;
    encodeHeader(buf, len, 0x90, 0xdc, 0xdd);
    for (let j = 1; j <= len; j++) {
      lua.lua_pushnumber(L, j);
      lua.lua_gettable(L, -2);
      encodeValue(L, buf, level + 1);
    }
    return;
  }
  let count = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    count++;
  }
  encodeHeader(buf, count, 0x80, 0xde, 0xdf);
  forEachPair(L, () => {
    lua.lua_pushvalue(L, -2);
    encodeValue(L, buf, level + 1); // the key (encodeValue pops the copy)
    lua.lua_pushvalue(L, -1);
    encodeValue(L, buf, level + 1); // the value
  });
}

/** An array or map header: the fix form up to 15 entries, then 16-bit, then 32-bit counts. */
function encodeHeader(buf: Buf, n: number, fix: number, c16: number, c32: number): void {
  if (n <= 15) buf.push([fix | n]);
  else if (n <= 0xffff) buf.push([c16, ...be(n, 2)]);
  else buf.push([c32, ...be(n, 4)]);
}

/** cmsgpack.pack(...): every argument encoded, concatenated. */
function pack(L: LuaState): number {
  const nargs = lua.lua_gettop(L) as number;
  if (nargs === 0) argError(L, 0, 'MessagePack pack needs input.');
  const buf = new Buf();
  for (let i = 1; i <= nargs; i++) {
    needStack(L, 1, 'in function mp_check');
    lua.lua_pushvalue(L, i);
    encodeValue(L, buf, 0);
  }
  pushBytes(L, buf.bytes());
  return 1;
}

/** Why decoding stopped early. */
const EOF = 1;
const BADFMT = 2;

/** A read position in the input; `err` is set (and decoding unwinds) when the data runs out or is invalid. */
class Cursor {
  err = 0;
  constructor(
    readonly data: Uint8Array,
    public p: number,
  ) {}

  get left(): number {
    return this.data.length - this.p;
  }

  /** True when `n` more bytes are there; else marks the cursor EOF. */
  need(n: number): boolean {
    if (this.left < n) {
      this.err = EOF;
      return false;
    }
    return true;
  }

  /** Big-endian unsigned integer of `n` bytes at offset `at` from the cursor. */
  uint(at: number, n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.data[this.p + at + i];
    return v;
  }

  /** Big-endian 64-bit integer at offset 1 from the cursor (as a signed lua_Integer). */
  int64(): number {
    let v = 0n;
    for (let i = 1; i <= 8; i++) v = (v << 8n) | BigInt(this.data[this.p + i]);
    return Number(BigInt.asIntN(64, v));
  }
}

/** A string of `len` bytes starting `skip` bytes past the cursor. */
function decodeString(L: LuaState, c: Cursor, skip: number, len: number): null {
  if (!c.need(skip + len)) return null;
  pushBytes(L, c.data.subarray(c.p + skip, c.p + skip + len));
  c.p += skip + len;
  return null;
}

/** An array or map being filled: `left` items (arrays) or pairs (maps) still to come. */
interface Open {
  array: boolean;
  left: number;
  index: number;
  /** A map whose key is on the stack, waiting for its value. */
  haveKey: boolean;
}

const TOO_MANY = 'too many return values at once; use unpack_one or unpack_limit instead.';

/**
 * Decodes one value at the cursor and pushes it (or sets c.err). lua-cmsgpack recurses into arrays and maps;
 * we keep the open containers in a list instead, because JS stack frames run out long before the Lua stack
 * does. The Lua stack sees the same pushes in the same order (table, index, value; or table, key, value),
 * so the 5.1 stack limit stops the same inputs ("stack overflow (...)").
 */
function decodeValue(L: LuaState, c: Cursor): void {
  const open: Open[] = [];
  for (;;) {
    if (!c.need(1)) return;
    needStack(L, 1, TOO_MANY);
    const container = decodeItem(L, c);
    if (c.err) return;
    if (container) open.push({ ...container, index: 1, haveKey: false });
    let complete = container === null;
    // Attach finished values to their containers until the next item is wanted, or the value is whole.
    for (;;) {
      const top = open[open.length - 1];
      if (complete) {
        if (top === undefined) return;
        complete = false;
        if (!top.array && !top.haveKey) {
          top.haveKey = true;
          break; // the key is in place: its value comes next
        }
        lua.lua_settable(L, -3);
        top.haveKey = false;
      }
      if (top.left === 0) {
        open.pop();
        complete = true;
        continue;
      }
      top.left--;
      if (top.array) lua.lua_pushnumber(L, top.index++);
      break;
    }
  }
}

/**
 * The item at the cursor: a scalar is pushed (null returned); an array or map header pushes a new table and
 * returns its size for the caller to fill. Sets c.err when the data is short or invalid.
 */
function decodeItem(L: LuaState, c: Cursor): { array: boolean; left: number } | null {
  const b = c.data[c.p];
  /** Pushes an integer read from `n` bytes after the type byte, signed or not. */
  const fixed = (n: number, signed: boolean): null => {
    if (!c.need(1 + n)) return null;
    let v = c.uint(1, n);
    if (signed && v >= 2 ** (8 * n - 1)) v -= 2 ** (8 * n);
    lua.lua_pushnumber(L, v);
    c.p += 1 + n;
    return null;
  };
  switch (b) {
    case 0xcc: return fixed(1, false);
    case 0xcd: return fixed(2, false);
    case 0xce: return fixed(4, false);
    case 0xd0: return fixed(1, true);
    case 0xd1: return fixed(2, true);
    case 0xd2: return fixed(4, true);
    case 0xcf: // uint 64 goes through a signed lua_Integer, so values from 2^63 up come out negative
    case 0xd3:
      if (!c.need(9)) return null;
      lua.lua_pushnumber(L, c.int64());
      c.p += 9;
      return null;
    case 0xc0:
      lua.lua_pushnil(L);
      c.p += 1;
      return null;
    case 0xc2:
    case 0xc3:
      lua.lua_pushboolean(L, b === 0xc3);
      c.p += 1;
      return null;
    case 0xca:
    case 0xcb: {
      const n = b === 0xca ? 4 : 8;
      if (!c.need(1 + n)) return null;
      const view = new DataView(c.data.buffer, c.data.byteOffset + c.p + 1, n);
      lua.lua_pushnumber(L, n === 4 ? view.getFloat32(0, false) : view.getFloat64(0, false));
      c.p += 1 + n;
      return null;
    }
    case 0xd9:
      if (!c.need(2)) return null;
      return decodeString(L, c, 2, c.uint(1, 1));
    case 0xda:
      if (!c.need(3)) return null;
      return decodeString(L, c, 3, c.uint(1, 2));
    case 0xdb:
      if (!c.need(5)) return null;
      return decodeString(L, c, 5, c.uint(1, 4));
    case 0xdc:
    case 0xde:
      if (!c.need(3)) return null;
      return startContainer(L, c, b === 0xdc, 3, c.uint(1, 2));
    case 0xdd:
    case 0xdf:
      if (!c.need(5)) return null;
      return startContainer(L, c, b === 0xdd, 5, c.uint(1, 4));
  }
  if ((b & 0x80) === 0) {
    lua.lua_pushnumber(L, b);
    c.p += 1;
  } else if ((b & 0xe0) === 0xe0) {
    lua.lua_pushnumber(L, b - 256);
    c.p += 1;
  } else if ((b & 0xe0) === 0xa0) {
    decodeString(L, c, 1, b & 0x1f);
  } else if ((b & 0xf0) === 0x90) {
    return startContainer(L, c, true, 1, b & 0x0f);
  } else if ((b & 0xf0) === 0x80) {
    return startContainer(L, c, false, 1, b & 0x0f);
  } else {
    c.err = BADFMT;
  }
  return null;
}

/** Skips a container header and pushes its (empty) table. */
function startContainer(L: LuaState, c: Cursor, array: boolean, skip: number, len: number): { array: boolean; left: number } {
  c.p += skip;
  lua.lua_newtable(L);
  if (array) needStack(L, 1, 'in function mp_decode_to_lua_array');
  return { array, left: len };
}

/**
 * The unpack family: decodes up to `limit` values from byte `offset` (both 0: every value, and no offset in
 * the results); otherwise the first result is the offset to continue from, or -1 at the end of the input.
 */
function unpackFull(L: LuaState, limit: number, offset: number): number {
  const s = checkBytes(L, 1);
  const len = s.length;
  const all = limit === 0 && offset === 0;
  // Redis's message shows the input length where it means the limit.
  if (offset < 0 || limit < 0) raise(L, `Invalid request to unpack with offset of ${offset | 0} and limit of ${len | 0}.`);
  if (offset > len) raise(L, `Start offset ${offset | 0} greater than input length ${len | 0}.`);
  const max = all ? INT_MAX : limit;
  const c = new Cursor(s, offset);
  let cnt = 0;
  for (; c.left > 0 && cnt < max; cnt++) {
    decodeValue(L, c);
    if (c.err === EOF) raise(L, 'Missing bytes in input.');
    if (c.err === BADFMT) raise(L, 'Bad data format in input.');
  }
  if (all) return cnt;
  needStack(L, 1, 'in function mp_unpack_full');
  lua.lua_pushnumber(L, c.left === 0 ? -1 : c.p);
  lua.lua_insert(L, 2);
  return cnt + 1;
}

/** cmsgpack.unpack(s): every value in s. */
function unpack(L: LuaState): number {
  return unpackFull(L, 0, 0);
}

/** cmsgpack.unpack_one(s [, offset]): the next offset, then one value. */
function unpackOne(L: LuaState): number {
  const offset = optInteger(L, 2, 0);
  lua.lua_settop(L, 1);
  return unpackFull(L, 1, offset);
}

/** cmsgpack.unpack_limit(s, limit [, offset]): the next offset, then up to `limit` values. */
function unpackLimit(L: LuaState): number {
  const limit = checkInteger(L, 2);
  const offset = optInteger(L, 3, 0);
  lua.lua_settop(L, 1);
  return unpackFull(L, limit, offset);
}

/** Creates the `cmsgpack` table and makes it the global `cmsgpack`. */
export function openCmsgpack(L: LuaState): void {
  lua.lua_createtable(L, 0, 8);
  setFunctions(L, { pack, unpack, unpack_one: unpackOne, unpack_limit: unpackLimit });
  setStringField(L, '_NAME', 'cmsgpack');
  setStringField(L, '_VERSION', 'lua-cmsgpack 0.4.0');
  setStringField(L, '_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  setStringField(L, '_DESCRIPTION', 'MessagePack C implementation for Lua');
  lua.lua_setglobal(L, lstr('cmsgpack'));
}
