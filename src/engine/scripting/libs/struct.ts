/**
 * The `struct` library (Roberto Ierusalimschy's struct.c, as bundled with Redis 7.0): pack, unpack, size.
 *
 * A format is a string of options, read left to right:
 *   > < (big / little endian; little is the default, as on the x86-64 and arm64 machines Redis runs on)
 *   !n (maximum alignment n, a power of 2; '!' alone means 8), ' ' (ignored), x (one zero byte)
 *   b B (1-byte integer), h H (2), l L (8), T (8, size_t), i I / in In (4, or n bytes up to 32)
 *   f (float), d (double), cn (n bytes of a string; c0: the whole string when packing, the previous number
 *   when unpacking), s (a zero-terminated string)
 * Lower case integers are signed, upper case unsigned. Integers go through a 64-bit C `long`, so an integer
 * option wider than 8 bytes only carries 64 bits; we keep those 64 bits in a BigInt to get the same bytes.
 *
 * Differs from Redis: nothing known. (A number beyond the 64-bit range, or NaN, packed as an integer is
 * undefined behaviour in C; we give what Redis's x86-64 build gives.)
 */
import lua from 'fengari/src/lua.js';
import {
  argError,
  checkBytes,
  checkNumber,
  doubleBytes,
  floatBytes,
  lstr,
  optInteger,
  pushBytes,
  raise,
  setFunctions,
  type LuaState,
} from './support.ts';

export type { LuaState };

/** The largest integer option, in bytes. */
const MAX_INT_SIZE = 32;
/** '!' without a number: the alignment of a double on x86-64. */
const MAX_ALIGN = 8;
const INT_MAX = 2147483647;

/** Byte order and maximum alignment, changed by '<', '>' and '!' as the format is read. */
interface Header {
  little: boolean;
  align: number;
}

/** A format being read, one option at a time. */
class Format {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  done(): boolean {
    return this.pos >= this.bytes.length;
  }

  next(): number {
    return this.bytes[this.pos++];
  }

  /** The decimal number that follows an option, or `def` when none does. */
  number(L: LuaState, def: number): number {
    if (!isDigit(this.bytes[this.pos])) return def;
    let a = 0;
    while (isDigit(this.bytes[this.pos])) {
      const d = this.bytes[this.pos] - 48;
      if (a > INT_MAX / 10 || a * 10 > INT_MAX - d) raise(L, 'integral size overflow');
      a = a * 10 + d;
      this.pos++;
    }
    return a;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

const ch = (c: string): number => c.charCodeAt(0);

/** The size in bytes of one option (0 for the ones that take no room or need no alignment). */
function optionSize(L: LuaState, opt: number, fmt: Format): number {
  switch (String.fromCharCode(opt)) {
    case 'b':
    case 'B':
    case 'x':
      return 1;
    case 'h':
    case 'H':
      return 2;
    case 'f':
      return 4;
    case 'l':
    case 'L':
    case 'T':
    case 'd':
      return 8;
    case 'c':
      return fmt.number(L, 1);
    case 'i':
    case 'I': {
      const size = fmt.number(L, 4);
      if (size > MAX_INT_SIZE) raise(L, `integral size ${size} is larger than limit of ${MAX_INT_SIZE}`);
      return size;
    }
    default:
      return 0;
  }
}

/** Padding needed before an item of `size` bytes at offset `len`, capped by the header's alignment. */
function paddingFor(len: number, h: Header, opt: number, size: number): number {
  if (size === 0 || opt === ch('c')) return 0;
  if (size > h.align) size = h.align;
  // The same bit trick as struct.c, kept as is because it is also what odd sizes like i3 get.
  return (size - (len & (size - 1))) & (size - 1);
}

/** The options that only change the header; anything else here is an invalid option (argument 1). */
function controlOption(L: LuaState, opt: number, fmt: Format, h: Header): void {
  switch (String.fromCharCode(opt)) {
    case ' ':
      return;
    case '>':
      h.little = false;
      return;
    case '<':
      h.little = true;
      return;
    case '!': {
      const a = fmt.number(L, MAX_ALIGN);
      if (!(a > 0 && (a & (a - 1)) === 0)) raise(L, `alignment ${a} is not a power of 2`);
      h.align = a;
      return;
    }
    default:
      // The option byte goes into the message as is (5.1's "%c" does not escape it).
      argError(L, 1, lstr(`invalid format option '${String.fromCharCode(opt)}'`));
  }
}

/** Bytes being built by pack. */
class Out {
  private buf = new Uint8Array(64);
  length = 0;

  push(bytes: Uint8Array | number[]): void {
    if (this.length + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  zeros(n: number): void {
    for (let i = 0; i < n; i++) this.push([0]);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const U64 = (1n << 64n) - 1n;
const INDEFINITE = 1n << 63n;

/**
 * A double converted to a C `long` (when negative) or `unsigned long`, as 64 bits, the way gcc's x86-64 code
 * does it: out of range, the signed conversion gives 0x8000000000000000 ("integer indefinite"), and the
 * unsigned one, which converts n - 2^63 at or above 2^63 and flips the top bit back, gives 0.
 */
function toUint64(n: number): bigint {
  if (Number.isNaN(n)) return INDEFINITE;
  if (n < 0) {
    if (n < -9223372036854775808) return INDEFINITE;
    return BigInt.asUintN(64, BigInt(Math.trunc(n)));
  }
  if (n >= 18446744073709551616) return 0n;
  return BigInt(Math.trunc(n));
}

/** An integer option: the number's low 64 bits, `size` bytes long (bytes past the 8th are zero). */
function integerBytes(n: number, size: number, little: boolean): Uint8Array {
  let value = toUint64(n);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    out[little ? i : size - 1 - i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** struct.pack(fmt, ...): the values packed into a string. */
function pack(L: LuaState): number {
  const fmt = new Format(checkBytes(L, 1));
  const h: Header = { little: true, align: 1 };
  const out = new Out();
  let arg = 2;
  let total = 0;
  // struct.c pushes a nil after the arguments; a missing argument right after the last reads as that nil.
  lua.lua_pushnil(L);
  while (!fmt.done()) {
    const opt = fmt.next();
    let size = optionSize(L, opt, fmt);
    const pad = paddingFor(total, h, opt, size);
    total += pad;
    out.zeros(pad);
    switch (String.fromCharCode(opt)) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        out.push(integerBytes(checkNumber(L, arg++), size, h.little));
        break;
      case 'x':
        out.push([0]);
        break;
      case 'f':
        out.push(floatBytes(checkNumber(L, arg++), h.little));
        break;
      case 'd':
        out.push(doubleBytes(checkNumber(L, arg++), h.little));
        break;
      case 'c':
      case 's': {
        const s = checkBytes(L, arg++);
        if (size === 0) size = s.length;
        // struct.c has already moved past the string's argument when it checks, so it names the next one.
        if (s.length < size) argError(L, arg, 'string too short');
        out.push(s.subarray(0, size));
        if (opt === ch('s')) {
          out.push([0]);
          size++;
        }
        break;
      }
      default:
        controlOption(L, opt, fmt, h);
    }
    total += size;
  }
  pushBytes(L, out.bytes());
  return 1;
}

/** An integer read from `size` bytes; only the last 8 bytes read count (a 64-bit accumulator). */
function readInteger(data: Uint8Array, at: number, size: number, little: boolean, signed: boolean): number {
  let l = 0n;
  for (let k = 0; k < size; k++) {
    const i = little ? at + size - 1 - k : at + k;
    l = ((l << 8n) | BigInt(data[i])) & U64;
  }
  if (!signed) return Number(l);
  // The sign mask is ~0 << (size*8 - 1) with the shift count taken modulo 64, as x86-64 does for wide sizes.
  const mask = (U64 << BigInt((size * 8 - 1) & 63)) & U64;
  if (l & mask) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

/** Reads a float or double's bytes in the header's order. */
function readFloat(data: Uint8Array, at: number, size: number, little: boolean): number {
  const view = new DataView(data.buffer, data.byteOffset + at, size);
  return size === 4 ? view.getFloat32(0, little) : view.getFloat64(0, little);
}

/** struct.unpack(fmt, data [, pos]): the values read, then the position after them. */
function unpack(L: LuaState): number {
  const fmt = new Format(checkBytes(L, 1));
  const data = checkBytes(L, 2);
  const ld = data.length;
  const start = optInteger(L, 3, 1);
  if (start === 0) argError(L, 3, 'offset must be 1 or greater');
  // struct.c holds the position in a size_t: a negative one wraps to a huge offset that fits no item.
  let pos = start < 0 ? Infinity : start - 1;
  const h: Header = { little: true, align: 1 };
  let n = 0;
  while (!fmt.done()) {
    const opt = fmt.next();
    let size = optionSize(L, opt, fmt);
    pos += paddingFor(pos, h, opt, size);
    if (!(size <= ld && pos <= ld - size)) argError(L, 2, 'data string too short');
    if (lua.lua_gettop(L) + 2 > 8000 || !lua.lua_checkstack(L, 2)) raise(L, 'stack overflow (too many results)');
    switch (String.fromCharCode(opt)) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
        const signed = opt >= ch('a');
        lua.lua_pushnumber(L, readInteger(data, pos, size, h.little, signed));
        n++;
        break;
      }
      case 'x':
        break;
      case 'f':
      case 'd':
        lua.lua_pushnumber(L, readFloat(data, pos, size, h.little));
        n++;
        break;
      case 'c': {
        if (size === 0) {
          // c0 takes its length from the value just read (popping it), which may be a numeric string.
          if (n === 0 || !lua.lua_isnumber(L, -1)) raise(L, "format 'c0' needs a previous size");
          const want = Math.trunc(lua.lua_tonumber(L, -1) as number);
          lua.lua_pop(L, 1);
          n--;
          size = want < 0 ? Infinity : want;
          if (!(size <= ld && pos <= ld - size)) argError(L, 2, 'data string too short');
        }
        pushBytes(L, data.subarray(pos, pos + size));
        n++;
        break;
      }
      case 's': {
        const end = data.indexOf(0, pos);
        if (end < 0) raise(L, 'unfinished string in data');
        size = end - pos + 1;
        pushBytes(L, data.subarray(pos, end));
        n++;
        break;
      }
      default:
        controlOption(L, opt, fmt, h);
    }
    pos += size;
  }
  lua.lua_pushnumber(L, start < 0 ? start : pos + 1);
  return n + 1;
}

/** struct.size(fmt): the bytes a format takes; 's' and 'c0' have no fixed size. */
function size(L: LuaState): number {
  const fmt = new Format(checkBytes(L, 1));
  const h: Header = { little: true, align: 1 };
  let pos = 0;
  while (!fmt.done()) {
    const opt = fmt.next();
    const sz = optionSize(L, opt, fmt);
    pos += paddingFor(pos, h, opt, sz);
    if (opt === ch('s')) argError(L, 1, "option 's' has no fixed size");
    else if (opt === ch('c') && sz === 0) argError(L, 1, "option 'c0' has no fixed size");
    // Only punctuation goes through the control options here: an unknown letter simply counts 0 bytes.
    if (!isAlnum(opt)) controlOption(L, opt, fmt, h);
    pos += sz;
  }
  lua.lua_pushnumber(L, pos);
  return 1;
}

/** Creates the `struct` table and makes it the global `struct`. */
export function openStruct(L: LuaState): void {
  lua.lua_createtable(L, 0, 3);
  setFunctions(L, { pack, unpack, size });
  lua.lua_setglobal(L, lstr('struct'));
}
