/**
 * The `cjson` library (Lua CJSON 2.1.0, as bundled with Redis 7.0): encode, decode, the configuration
 * functions (encode_sparse_array, encode_max_depth, decode_max_depth, encode_number_precision,
 * encode_keep_buffer, encode_invalid_numbers, decode_invalid_numbers), new, null, _NAME and _VERSION.
 *
 * Encoding follows cjson's rules: numbers print with "%.14g" (the precision is configurable), NaN and
 * infinities are refused unless configured; strings are written byte for byte with only '"', '\', '/',
 * control characters and DEL escaped (no UTF-8 checking); a table whose keys are all positive integers is an
 * array (holes become null) unless it is "excessively sparse"; any other table is an object whose number
 * keys are written as strings. Decoding uses cjson's tokenizer and its error messages, including its
 * leniencies: numbers go through C's strtod, so with decode_invalid_numbers on (the default) hex, a leading
 * '+', leading zeros, "inf" and "nan" are accepted; a NUL byte ends the input.
 *
 * Each library table (the global one and every cjson.new()) has its own configuration, kept in the closures
 * of its functions, as cjson keeps it in an upvalue. In Redis that configuration lives as long as the Lua VM,
 * so a script that changes it changes it for the scripts that follow.
 *
 * Differs from Redis:
 * - an object's keys are written in Lua 5.1's order only in part: the keys 5.1 keeps in a table's array part
 *   come first, ascending, as in 5.1; the others follow in fengari's order, where 5.1 uses its hash order
 *   (so objects with one such key, or with keys 1..n and one other, come out the same; arrays always do);
 * - nesting is limited to 1000 levels even when encode_max_depth / decode_max_depth are raised (see
 *   JS_MAX_DEPTH); Redis goes on until Lua's stack runs out (about 4000 objects or 8000 arrays deep), so a
 *   script that raises the limits and nests deeper than 1000 gets "excessive nesting (1001)" / "Found too
 *   many nested data structures (1001) ..." here;
 * - hexadecimal numbers in JSON whose value is subnormal may round differently from glibc's strtod;
 * - encode_keep_buffer only changes the value it reports (there is no buffer to keep).
 */
import lua from 'fengari/src/lua.js';
import { formatG } from '../../types/double.ts';
import {
  argError,
  bstr,
  checkBytes,
  checkNumber,
  checkStack,
  pushOrderedKeys,
  lstr,
  pushBytes,
  raise,
  setStringField,
  toNumber,
  typeError,
  type LuaCFunction,
  type LuaState,
} from './support.ts';

export type { LuaState };

/** The pointer behind cjson.null: cjson uses a NULL light userdata; every cjson table shares this one. */
export const CJSON_NULL: object = Object.freeze({ cjsonNull: true });

const INT_MAX = 2147483647;

/**
 * The deepest nesting we encode or decode, whatever encode_max_depth / decode_max_depth say: cjson recurses
 * once per level, and so do we, and JS stacks (which differ between engines) run out long before the 8000
 * slots of Lua 5.1's stack that bound cjson in Redis. A fixed limit keeps the outcome the same everywhere.
 * It equals cjson's default depth, so only scripts that raise the depth see it.
 */
const JS_MAX_DEPTH = 1000;

/** One library table's settings, with cjson's defaults. */
interface Config {
  sparseConvert: number;
  sparseRatio: number;
  sparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  /** 0: refuse NaN/Inf, 1: write them ("nan", "inf"), 2: write null. */
  encodeInvalidNumbers: number;
  decodeInvalidNumbers: number;
  encodeKeepBuffer: number;
  encodeNumberPrecision: number;
}

function defaultConfig(): Config {
  return {
    sparseConvert: 0,
    sparseRatio: 2,
    sparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: 0,
    decodeInvalidNumbers: 1,
    encodeKeepBuffer: 1,
    encodeNumberPrecision: 14,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Configuration functions

/** cjson's json_arg_init: at most `args` arguments, missing ones read as nil. */
function argInit(L: LuaState, args: number): void {
  if (lua.lua_gettop(L) > args) argError(L, args + 1, 'found too many arguments');
  lua.lua_settop(L, args);
}

/** A double converted to lua_Integer then to a C int, as luaL_checkinteger's result is stored in cjson. */
function toCInt(n: number): number {
  if (!Number.isFinite(n) || Math.abs(n) >= 2 ** 63) return 0;
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(n))));
}

/** An integer setting: changed when the argument is not nil; the (new) value is returned. */
function integerOption(L: LuaState, idx: number, get: () => number, set: (v: number) => void, min: number, max: number): number {
  if (!lua.lua_isnil(L, idx)) {
    const value = toCInt(checkNumber(L, idx));
    // cjson reports a value out of range against argument 1 whichever argument it was.
    if (!(min <= value && value <= max)) argError(L, 1, `expected integer between ${min} and ${max}`);
    set(value);
  }
  lua.lua_pushnumber(L, get());
  return 1;
}

/** 5.1's luaL_checkoption: the index of the string argument among `options`. */
function checkOption(L: LuaState, idx: number, options: string[]): number {
  const s = lua.lua_tolstring(L, idx);
  if (s === null) typeError(L, idx, 'string');
  const name = bstr(s as Uint8Array);
  const i = options.indexOf(name);
  if (i < 0) {
    const shown = name.includes('\0') ? name.slice(0, name.indexOf('\0')) : name;
    argError(L, idx, lstr(`invalid option '${shown}'`));
  }
  return i;
}

/**
 * An on/off (or off/on/null) setting: a boolean or one of the option names; reported back as a boolean when
 * it is off or on, else as its name.
 */
function enumOption(L: LuaState, idx: number, get: () => number, set: (v: number) => void, options = ['off', 'on']): number {
  if (!lua.lua_isnil(L, idx)) {
    if (lua.lua_isboolean(L, idx)) set(lua.lua_toboolean(L, idx) ? 1 : 0);
    else set(checkOption(L, idx, options));
  }
  const v = get();
  if (v === 0 || v === 1) lua.lua_pushboolean(L, v === 1);
  else lua.lua_pushstring(L, lstr(options[v]));
  return 1;
}

function configFunctions(cfg: Config): Record<string, LuaCFunction> {
  return {
    encode_sparse_array: (L) => {
      argInit(L, 3);
      enumOption(L, 1, () => cfg.sparseConvert, (v) => (cfg.sparseConvert = v));
      integerOption(L, 2, () => cfg.sparseRatio, (v) => (cfg.sparseRatio = v), 0, INT_MAX);
      integerOption(L, 3, () => cfg.sparseSafe, (v) => (cfg.sparseSafe = v), 0, INT_MAX);
      return 3;
    },
    encode_max_depth: (L) => {
      argInit(L, 1);
      return integerOption(L, 1, () => cfg.encodeMaxDepth, (v) => (cfg.encodeMaxDepth = v), 1, INT_MAX);
    },
    decode_max_depth: (L) => {
      argInit(L, 1);
      return integerOption(L, 1, () => cfg.decodeMaxDepth, (v) => (cfg.decodeMaxDepth = v), 1, INT_MAX);
    },
    encode_number_precision: (L) => {
      argInit(L, 1);
      return integerOption(L, 1, () => cfg.encodeNumberPrecision, (v) => (cfg.encodeNumberPrecision = v), 1, 14);
    },
    encode_keep_buffer: (L) => {
      argInit(L, 1);
      return enumOption(L, 1, () => cfg.encodeKeepBuffer, (v) => (cfg.encodeKeepBuffer = v));
    },
    encode_invalid_numbers: (L) => {
      argInit(L, 1);
      const options = ['off', 'on', 'null'];
      return enumOption(L, 1, () => cfg.encodeInvalidNumbers, (v) => (cfg.encodeInvalidNumbers = v), options);
    },
    decode_invalid_numbers: (L) => {
      argInit(L, 1);
      return enumOption(L, 1, () => cfg.decodeInvalidNumbers, (v) => (cfg.decodeInvalidNumbers = v));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

/** The escape for each byte that needs one ('"', '\', '/', control characters, DEL); others go out as is. */
const ESCAPES: (Uint8Array | null)[] = (() => {
  const table: (Uint8Array | null)[] = new Array(256).fill(null);
  for (let c = 0; c < 32; c++) table[c] = lstr(`\\u${c.toString(16).padStart(4, '0')}`);
  table[8] = lstr('\\b');
  table[9] = lstr('\\t');
  table[10] = lstr('\\n');
  table[12] = lstr('\\f');
  table[13] = lstr('\\r');
  table[34] = lstr('\\"');
  table[47] = lstr('\\/');
  table[92] = lstr('\\\\');
  table[127] = lstr('\\u007f');
  return table;
})();

/** The JSON text being built. */
class Out {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.length++] = c;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  text(s: string): void {
    this.bytes(lstr(s));
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Everything one encode call needs. */
interface Encoder {
  L: LuaState;
  cfg: Config;
  out: Out;
}

/** "Cannot serialise <type of the value at idx>: <reason>". */
function encodeError(e: Encoder, idx: number, reason: string): never {
  const type = bstr(lua.lua_typename(e.L, lua.lua_type(e.L, idx)));
  return raise(e.L, `Cannot serialise ${type}: ${reason}`);
}

function appendString(e: Encoder, s: Uint8Array): void {
  e.out.byte(34);
  for (let i = 0; i < s.length; i++) {
    const esc = ESCAPES[s[i]];
    if (esc) e.out.bytes(esc);
    else e.out.byte(s[i]);
  }
  e.out.byte(34);
}

function appendNumber(e: Encoder, idx: number): void {
  const num = toNumber(e.L, idx);
  const invalid = !Number.isFinite(num);
  if (e.cfg.encodeInvalidNumbers === 0) {
    if (invalid) encodeError(e, idx, 'must not be NaN or Inf');
  } else if (e.cfg.encodeInvalidNumbers === 1) {
    // cjson writes NaN itself: printf could give "-nan" on some platforms.
    if (Number.isNaN(num)) return e.out.text('nan');
  } else if (invalid) {
    return e.out.text('null');
  }
  e.out.text(formatG(num, e.cfg.encodeNumberPrecision));
}

/** A double stored in a C int, as cjson keeps the largest array index (x86-64 gives INT_MIN when it overflows). */
function storeInt(k: number): number {
  return k >= -2147483648 && k <= INT_MAX ? Math.trunc(k) : -2147483648;
}

/**
 * The array length of the table on top of the stack: the largest key when every key is a positive integer,
 * -1 when it must be an object. An excessively sparse array is an error, or an object when so configured.
 */
function arrayLength(e: Encoder): number {
  const { L, cfg } = e;
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    const k = lua.lua_type(L, -2) === lua.LUA_TNUMBER ? toNumber(L, -2) : 0;
    if (k !== 0 && Math.floor(k) === k && k >= 1) {
      if (k > max) max = storeInt(k);
      items++;
      lua.lua_pop(L, 1);
      continue;
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  if (cfg.sparseRatio > 0 && max > Math.imul(items, cfg.sparseRatio) && max > cfg.sparseSafe) {
    if (!cfg.sparseConvert) encodeError(e, -1, 'excessively sparse array');
    return -1;
  }
  return max;
}

function appendArray(e: Encoder, depth: number, length: number): void {
  e.out.byte(91);
  for (let i = 1; i <= length; i++) {
    if (i > 1) e.out.byte(44);
    lua.lua_rawgeti(e.L, -1, i);
    appendValue(e, depth);
    lua.lua_pop(e.L, 1);
  }
  e.out.byte(93);
}

function appendObject(e: Encoder, depth: number): void {
  const { L } = e;
  e.out.byte(123);
  // The pairs are visited here rather than through a callback: each nesting level costs JS stack frames.
  const n = pushOrderedKeys(L);
  for (let i = 1; i <= n; i++) {
    if (i > 1) e.out.byte(44);
    lua.lua_rawgeti(L, -1, i);
    lua.lua_pushvalue(L, -1);
    lua.lua_rawget(L, -4); // table, keys, key, value
    const keyType = lua.lua_type(L, -2);
    if (keyType === lua.LUA_TNUMBER) {
      e.out.byte(34);
      appendNumber(e, -2);
      e.out.text('":');
    } else if (keyType === lua.LUA_TSTRING) {
      appendString(e, lua.lua_tolstring(L, -2));
      e.out.byte(58);
    } else {
      encodeError(e, -2, 'table key must be a number or string');
    }
    appendValue(e, depth);
    lua.lua_pop(L, 2);
  }
  lua.lua_pop(L, 1);
  e.out.byte(125);
}

/** Appends the value on top of the stack (left there). */
function appendValue(e: Encoder, depth: number): void {
  const { L } = e;
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
      return appendString(e, lua.lua_tolstring(L, -1));
    case lua.LUA_TNUMBER:
      return appendNumber(e, -1);
    case lua.LUA_TBOOLEAN:
      return e.out.text(lua.lua_toboolean(L, -1) ? 'true' : 'false');
    case lua.LUA_TTABLE: {
      const d = depth + 1;
      const max = Math.min(e.cfg.encodeMaxDepth, JS_MAX_DEPTH);
      if (!(d <= max && checkStack(L, 3))) raise(L, `Cannot serialise, excessive nesting (${d})`);
      const len = arrayLength(e);
      if (len > 0) appendArray(e, d, len);
      else appendObject(e, d);
      return;
    }
    case lua.LUA_TNIL:
      return e.out.text('null');
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, -1) === CJSON_NULL) return e.out.text('null');
      return encodeError(e, -1, 'type not supported');
    default:
      return encodeError(e, -1, 'type not supported');
  }
}

function encode(cfg: Config): LuaCFunction {
  return (L) => {
    if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
    const e: Encoder = { L, cfg, out: new Out() };
    appendValue(e, 0);
    pushBytes(L, e.out.result());
    return 1;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

/** Token types, named in parse errors as cjson names them. */
const enum T {
  ObjBegin,
  ObjEnd,
  ArrBegin,
  ArrEnd,
  String,
  Number,
  Boolean,
  Null,
  Colon,
  Comma,
  End,
  Whitespace,
  Error,
  Unknown,
}

const TOKEN_NAMES = [
  'T_OBJ_BEGIN',
  'T_OBJ_END',
  'T_ARR_BEGIN',
  'T_ARR_END',
  'T_STRING',
  'T_NUMBER',
  'T_BOOLEAN',
  'T_NULL',
  'T_COLON',
  'T_COMMA',
  'T_END',
  'T_WHITESPACE',
  'T_ERROR',
  'T_UNKNOWN',
];

/** What each byte starts: a one-character token, whitespace, something to look at further, or an error. */
const CHAR_TOKENS: T[] = (() => {
  const table: T[] = new Array(256).fill(T.Error);
  const set = (chars: string, t: T): void => {
    for (const c of chars) table[c.charCodeAt(0)] = t;
  };
  set('{', T.ObjBegin);
  set('}', T.ObjEnd);
  set('[', T.ArrBegin);
  set(']', T.ArrEnd);
  set(',', T.Comma);
  set(':', T.Colon);
  table[0] = T.End;
  set(' \t\n\r', T.Whitespace);
  set('fiInNt"+-0123456789', T.Unknown);
  return table;
})();

/** The byte each single-character escape stands for ('u' means a \uXXXX escape; absent: invalid). */
const ESCAPED: Record<number, number> = { 34: 34, 92: 92, 47: 47, 98: 8, 116: 9, 110: 10, 102: 12, 114: 13, 117: 117 };

interface Token {
  type: T;
  /** Where the token starts (0-based); for an error, where it was found. */
  index: number;
  /** The error text for T.Error. */
  error?: string;
  str?: Uint8Array;
  num?: number;
  bool?: boolean;
}

/** The input and position of one decode call. */
class Parser {
  ptr = 0;
  depth = 0;
  constructor(
    readonly L: LuaState,
    readonly cfg: Config,
    readonly data: Uint8Array,
  ) {}

  /** The byte at `i`; past the end reads as the NUL that terminates a C string. */
  at(i: number): number {
    return i < this.data.length ? this.data[i] : 0;
  }

  startsWith(word: string): boolean {
    for (let i = 0; i < word.length; i++) if (this.at(this.ptr + i) !== word.charCodeAt(i)) return false;
    return true;
  }
}

/** An error token at the current position. */
function errorToken(p: Parser, text: string): Token {
  return { type: T.Error, index: p.ptr, error: text };
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Four hex digits at `i`, or -1. */
function hex4(p: Parser, i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const d = hexDigit(p.at(i + k));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** UTF-8 bytes of a code point (cjson accepts up to 0x1FFFFF). */
function utf8(cp: number): number[] {
  if (cp <= 0x7f) return [cp];
  if (cp <= 0x7ff) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp <= 0xffff) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

/** A \uXXXX escape (or a surrogate pair of them) at p.ptr, appended as UTF-8; false when invalid. */
function unicodeEscape(p: Parser, out: number[]): boolean {
  let cp = hex4(p, p.ptr + 2);
  if (cp < 0) return false;
  let len = 6;
  if ((cp & 0xf800) === 0xd800) {
    // A surrogate: it must be a high one, followed by an escaped low one.
    if (cp & 0x400) return false;
    if (p.at(p.ptr + 6) !== 92 || p.at(p.ptr + 7) !== 117) return false;
    const low = hex4(p, p.ptr + 8);
    if (low < 0 || (low & 0xfc00) !== 0xdc00) return false;
    cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
    len = 12;
  }
  out.push(...utf8(cp));
  p.ptr += len;
  return true;
}

function stringToken(p: Parser): Token {
  const index = p.ptr;
  p.ptr++; // the opening quote
  const out: number[] = [];
  for (;;) {
    let c = p.at(p.ptr);
    if (c === 34) break;
    if (c === 0) return errorToken(p, 'unexpected end of string');
    if (c === 92) {
      const esc = ESCAPED[p.at(p.ptr + 1)];
      if (esc === 117) {
        if (unicodeEscape(p, out)) continue;
        return errorToken(p, 'invalid unicode escape code');
      }
      if (esc === undefined) return errorToken(p, 'invalid escape code');
      c = esc;
      p.ptr++;
    }
    out.push(c);
    p.ptr++;
  }
  p.ptr++; // the closing quote
  return { type: T.String, index, str: Uint8Array.from(out) };
}

/**
 * Numbers cjson rejects when decode_invalid_numbers is off (strict JSON): a leading '+', hex, leading zeros,
 * inf and nan. Anything else that strtod cannot read is caught by strtod itself.
 */
function isInvalidNumber(p: Parser): boolean {
  let i = p.ptr;
  if (p.at(i) === 43) return true;
  if (p.at(i) === 45) i++;
  const c = p.at(i);
  if (c === 48) {
    const c2 = p.at(i + 1);
    return (c2 | 0x20) === 120 || (c2 >= 48 && c2 <= 57);
  }
  if (c <= 57) return false;
  const word = String.fromCharCode(p.at(i), p.at(i + 1), p.at(i + 2)).toLowerCase();
  return word === 'inf' || word === 'nan';
}

function numberToken(p: Parser): Token {
  const index = p.ptr;
  const { value, end } = strtod(p, p.ptr);
  if (end === p.ptr) return errorToken(p, 'invalid number');
  p.ptr = end;
  return { type: T.Number, index, num: value };
}

/** The next token, after any whitespace. */
function nextToken(p: Parser): Token {
  let c = p.at(p.ptr);
  while (CHAR_TOKENS[c] === T.Whitespace) c = p.at(++p.ptr);
  const type = CHAR_TOKENS[c];
  const index = p.ptr;
  if (type === T.Error) return errorToken(p, 'invalid token');
  if (type === T.End) return { type, index };
  if (type !== T.Unknown) {
    p.ptr++;
    return { type, index };
  }
  if (c === 34) return stringToken(p);
  if (c === 45 || (c >= 48 && c <= 57)) {
    if (!p.cfg.decodeInvalidNumbers && isInvalidNumber(p)) return errorToken(p, 'invalid number');
    return numberToken(p);
  }
  for (const [word, t, bool] of [['true', T.Boolean, true], ['false', T.Boolean, false], ['null', T.Null, false]] as const) {
    if (p.startsWith(word)) {
      p.ptr += word.length;
      return { type: t, index, bool };
    }
  }
  // With invalid numbers allowed, "+1", "inf", "NaN"... are numbers; other words starting t/f/n/i are errors.
  if (p.cfg.decodeInvalidNumbers && isInvalidNumber(p)) return numberToken(p);
  return errorToken(p, 'invalid token');
}

function parseError(p: Parser, expected: string, token: Token): never {
  const found = token.type === T.Error ? (token.error as string) : TOKEN_NAMES[token.type];
  return raise(p.L, `Expected ${expected} but found ${found} at character ${token.index + 1}`);
}

/** Entering an object or array: within the depth limit and with `slots` stack slots to spare. */
function descend(p: Parser, slots: number): void {
  p.depth++;
  if (p.depth <= Math.min(p.cfg.decodeMaxDepth, JS_MAX_DEPTH) && checkStack(p.L, slots)) return;
  raise(p.L, `Found too many nested data structures (${p.depth}) at character ${p.ptr}`);
}

function parseObject(p: Parser): void {
  const { L } = p;
  descend(p, 3);
  lua.lua_newtable(L);
  let token = nextToken(p);
  if (token.type === T.ObjEnd) {
    p.depth--;
    return;
  }
  for (;;) {
    if (token.type !== T.String) parseError(p, 'object key string', token);
    pushBytes(L, token.str as Uint8Array);
    token = nextToken(p);
    if (token.type !== T.Colon) parseError(p, 'colon', token);
    token = nextToken(p);
    processValue(p, token);
    lua.lua_rawset(L, -3);
    token = nextToken(p);
    if (token.type === T.ObjEnd) {
      p.depth--;
      return;
    }
    if (token.type !== T.Comma) parseError(p, 'comma or object end', token);
    token = nextToken(p);
  }
}

function parseArray(p: Parser): void {
  const { L } = p;
  descend(p, 2);
  lua.lua_newtable(L);
  let token = nextToken(p);
  if (token.type === T.ArrEnd) {
    p.depth--;
    return;
  }
  for (let i = 1; ; i++) {
    processValue(p, token);
    lua.lua_rawseti(L, -2, i);
    token = nextToken(p);
    if (token.type === T.ArrEnd) {
      p.depth--;
      return;
    }
    if (token.type !== T.Comma) parseError(p, 'comma or array end', token);
    token = nextToken(p);
  }
}

/** Pushes the value that starts with `token`. */
function processValue(p: Parser, token: Token): void {
  const { L } = p;
  switch (token.type) {
    case T.String:
      return pushBytes(L, token.str as Uint8Array);
    case T.Number:
      return lua.lua_pushnumber(L, token.num as number);
    case T.Boolean:
      return lua.lua_pushboolean(L, token.bool as boolean);
    case T.ObjBegin:
      return parseObject(p);
    case T.ArrBegin:
      return parseArray(p);
    case T.Null:
      return lua.lua_pushlightuserdata(L, CJSON_NULL);
    default:
      parseError(p, 'value', token);
  }
}

function decode(cfg: Config): LuaCFunction {
  return (L) => {
    if (lua.lua_gettop(L) !== 1) argError(L, 1, 'expected 1 argument');
    const data = checkBytes(L, 1);
    // JSON text must be ASCII-compatible: a NUL among the first two bytes means UTF-16 or UTF-32.
    if (data.length >= 2 && (data[0] === 0 || data[1] === 0)) raise(L, 'JSON parser does not support UTF-16 or UTF-32');
    const p = new Parser(L, cfg, data);
    processValue(p, nextToken(p));
    const last = nextToken(p);
    if (last.type !== T.End) parseError(p, 'the end', last);
    return 1;
  };
}

// ---------------------------------------------------------------------------------------------------------
// strtod

function isDigitAt(p: Parser, i: number): boolean {
  const c = p.at(i);
  return c >= 48 && c <= 57;
}

function lowerAt(p: Parser, i: number): number {
  return p.at(i) | 0x20;
}

/** Whether the letters of `word` (lower case) start at i, in any case. */
function wordAt(p: Parser, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (lowerAt(p, i + k) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * C's strtod on the bytes at `start` (never whitespace here): a decimal or hexadecimal number with optional
 * sign, fraction and exponent, or inf / infinity / nan / nan(chars). `end` is `start` when nothing was read.
 */
function strtod(p: Parser, start: number): { value: number; end: number } {
  let i = start;
  let negative = false;
  if (p.at(i) === 43 || p.at(i) === 45) {
    negative = p.at(i) === 45;
    i++;
  }
  const sign = (v: number): number => (negative ? -v : v);
  if (wordAt(p, i, 'inf')) return { value: sign(Infinity), end: i + (wordAt(p, i, 'infinity') ? 8 : 3) };
  if (wordAt(p, i, 'nan')) {
    let end = i + 3;
    if (p.at(end) === 40) {
      let k = end + 1;
      while (isNanChar(p.at(k))) k++;
      if (p.at(k) === 41) end = k + 1;
    }
    return { value: NaN, end };
  }
  if (p.at(i) === 48 && lowerAt(p, i + 1) === 120) {
    const hex = hexFloat(p, i + 2);
    if (hex) return { value: sign(hex.value), end: hex.end };
  }
  return decimal(p, start, i);
}

function isNanChar(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95;
}

/** A decimal number whose digits start at i (start includes the sign); JS's Number() rounds as strtod does. */
function decimal(p: Parser, start: number, i: number): { value: number; end: number } {
  let digits = 0;
  while (isDigitAt(p, i)) (i++, digits++);
  if (p.at(i) === 46) {
    i++;
    while (isDigitAt(p, i)) (i++, digits++);
  }
  if (digits === 0) return { value: 0, end: start };
  if (lowerAt(p, i) === 101) {
    let k = i + 1;
    if (p.at(k) === 43 || p.at(k) === 45) k++;
    if (isDigitAt(p, k)) {
      while (isDigitAt(p, k)) k++;
      i = k;
    }
  }
  return { value: Number(bstr(p.data.subarray(start, i))), end: i };
}

/** Hex digits (with an optional '.' and binary exponent) after "0x"; null when no digit follows. */
function hexFloat(p: Parser, i: number): { value: number; end: number } | null {
  let mantissa = 0n;
  let digits = 0;
  let scale = 0;
  while (hexDigit(p.at(i)) >= 0) {
    mantissa = mantissa * 16n + BigInt(hexDigit(p.at(i++)));
    digits++;
  }
  if (p.at(i) === 46) {
    i++;
    while (hexDigit(p.at(i)) >= 0) {
      mantissa = mantissa * 16n + BigInt(hexDigit(p.at(i++)));
      digits++;
      scale -= 4;
    }
  }
  if (digits === 0) return null;
  if (lowerAt(p, i) === 112) {
    let k = i + 1;
    let expNegative = false;
    if (p.at(k) === 43 || p.at(k) === 45) expNegative = p.at(k++) === 45;
    if (isDigitAt(p, k)) {
      let e = 0;
      while (isDigitAt(p, k)) e = Math.min(e * 10 + (p.at(k++) - 48), 1e6);
      scale += expNegative ? -e : e;
      i = k;
    }
  }
  // Scale in two steps so that a large mantissa with a very negative exponent does not underflow early.
  const half = Math.trunc(scale / 2);
  return { value: Number(mantissa) * 2 ** half * 2 ** (scale - half), end: i };
}

// ---------------------------------------------------------------------------------------------------------
// Library table

/** Pushes a new cjson table with a fresh configuration (what cjson.new returns). */
function pushLibrary(L: LuaState): void {
  const cfg = defaultConfig();
  lua.lua_createtable(L, 0, 13);
  const fns: Record<string, LuaCFunction> = {
    encode: encode(cfg),
    decode: decode(cfg),
    ...configFunctions(cfg),
    new: (l) => {
      pushLibrary(l);
      return 1;
    },
  };
  for (const [name, fn] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, lstr(name));
  }
  lua.lua_pushlightuserdata(L, CJSON_NULL);
  lua.lua_setfield(L, -2, lstr('null'));
  setStringField(L, '_NAME', 'cjson');
  setStringField(L, '_VERSION', '2.1.0');
}

/** Creates the `cjson` table and makes it the global `cjson`. */
export function openCjson(L: LuaState): void {
  pushLibrary(L);
  lua.lua_setglobal(L, lstr('cjson'));
}
