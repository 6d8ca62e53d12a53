/**
 * The `bit` library (LuaBitOp 1.0.2) that Redis 7.0 loads into its Lua VM: tobit, tohex, bnot, band, bor, bxor,
 * lshift, rshift, arshift, rol, ror, bswap.
 *
 * Every operation works on 32-bit integers and returns a signed 32-bit result as a Lua number. Arguments are
 * turned into bits the way LuaBitOp does on a double-number Lua: add 2^52 + 2^51 and keep the low 32 bits of
 * the sum's IEEE 754 pattern. That rounds fractions to nearest-even and wraps large values modulo 2^32, and it
 * is what makes odd inputs (NaN, infinities, numbers beyond 2^51) give the same answers as in Redis.
 *
 * Differs from Redis: nothing known.
 */
import lua from 'fengari/src/lua.js';
import { lstr, pushBytes, setFunctions, toNumber, typeError, type LuaState } from './support.ts';

export type { LuaState };

/** 2^52 + 2^51: adding it moves a double's integer part into the low bits of its mantissa. */
const MAGIC = 6755399441055744.0;

const scratch = new DataView(new ArrayBuffer(8));

/** Argument `idx` as 32 unsigned bits; a value that is not a number (nor a numeric string) is an error. */
function bitArg(L: LuaState, idx: number): number {
  const n = toNumber(L, idx);
  scratch.setFloat64(0, n + MAGIC, true);
  const b = scratch.getUint32(0, true);
  // LuaBitOp only looks at the type when the bits came out zero (5.1's lua_tonumber gives 0 for non-numbers).
  if (b === 0 && !lua.lua_isnumber(L, idx)) typeError(L, idx, 'number');
  return b;
}

/** Pushes 32 bits as the signed number LuaBitOp returns. */
function ret(L: LuaState, b: number): number {
  lua.lua_pushnumber(L, b | 0);
  return 1;
}

/** band/bor/bxor fold every argument (at least the first) with the operator. */
function fold(op: (a: number, b: number) => number) {
  return (L: LuaState): number => {
    let b = bitArg(L, 1);
    // LuaBitOp reads the arguments from the last to the second, so a bad one is reported from the right.
    for (let i = lua.lua_gettop(L); i > 1; i--) b = op(b, bitArg(L, i));
    return ret(L, b);
  };
}

/** Shifts and rotations take the count modulo 32. */
function shift(op: (b: number, n: number) => number) {
  return (L: LuaState): number => {
    const b = bitArg(L, 1);
    const n = bitArg(L, 2) & 31;
    return ret(L, op(b, n));
  };
}

/** tohex(x [, n]): |n| hex digits (at most 8), upper case when n is negative; 8 lower-case digits by default. */
function tohex(L: LuaState): number {
  let b = bitArg(L, 1);
  let n = lua.lua_isnone(L, 2) ? 8 : bitArg(L, 2) | 0;
  let digits = '0123456789abcdef';
  if (n < 0) {
    n = -n;
    digits = '0123456789ABCDEF';
  }
  if (n > 8) n = 8;
  const out = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = digits.charCodeAt(b & 15);
    b >>>= 4;
  }
  pushBytes(L, out);
  return 1;
}

function bswap(b: number): number {
  return ((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)) >>> 0;
}

/** Creates the `bit` table and makes it the global `bit`. */
export function openBit(L: LuaState): void {
  lua.lua_createtable(L, 0, 12);
  setFunctions(L, {
    tobit: (l) => ret(l, bitArg(l, 1)),
    bnot: (l) => ret(l, ~bitArg(l, 1)),
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: shift((b, n) => b << n),
    rshift: shift((b, n) => b >>> n),
    arshift: shift((b, n) => (b | 0) >> n),
    // A rotation by 0 shifts by 32 on the other side; JS (like x86) takes shift counts modulo 32, so b | b = b.
    rol: shift((b, n) => (b << n) | (b >>> (32 - n))),
    ror: shift((b, n) => (b << (32 - n)) | (b >>> n)),
    bswap: (l) => ret(l, bswap(bitArg(l, 1))),
    tohex,
  });
  lua.lua_setglobal(L, lstr('bit'));
}
