/**
 * Lua 5.1 numbers on a Lua 5.3 VM.
 *
 * Redis embeds Lua 5.1, where every number is a double and prints with "%.14g". fengari implements Lua 5.3,
 * which adds a second number type, a 32-bit integer in fengari (JS bit operations), that wraps on overflow and
 * prints differently ("4/2" gives "2.0", "2^53" gives "9007199254741000.0"). Scripts would show both.
 *
 * The bridge removes integers where they are born: numerals in the source and strings converted to numbers
 * both go through luaO_str2num, which we make produce doubles only; every number the engine pushes is a
 * double too. Numbers then print through luaO_tostring, which we make print "%.14g" for both kinds. What is
 * left (a few library functions such as `#` or string.len return fengari integers; two of them multiplied past
 * 2^31 wrap) is listed in docs/fidelity.md.
 *
 * fengari's modules call these two functions through their module objects, so replacing the exports is seen
 * by the lexer, the VM and the API alike. The patch is applied once, when this module is first imported.
 *
 * One error text is renamed the same way: past 200 nested C calls (a metamethod, a library callback or a
 * coroutine calling itself) fengari raises "JS stack overflow" where Lua 5.1 raises "C stack overflow".
 */
// lua.js first: fengari's modules require each other in a cycle that only resolves from its entry point. It is
// used below (not a bare import), because fengari declares itself free of side effects and a bundler would
// drop an import that only runs it.
import lua from 'fengari/src/lua.js';
import lobject from 'fengari/src/lobject.js';
import lstring from 'fengari/src/lstring.js';
import ldebug from 'fengari/src/ldebug.js';
import { formatG } from '../types/double.ts';
import { byteStringToBytes } from '../types/bytes.ts';

/** One number as Lua 5.1 prints it (tostring, "..", string.format's %s). */
export function lua51NumberText(n: number): string {
  // The common case, an integer-valued double below 1e14, prints as itself.
  if (Number.isInteger(n) && n > -1e14 && n < 1e14 && !Object.is(n, -0)) return String(n);
  return formatG(n, 14);
}

interface TValue {
  value: number;
  ttisinteger(): boolean;
  setfltvalue(n: number): void;
  setsvalue(ts: unknown): void;
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  if (lua.LUA_VERSION_NUM !== 503) throw new Error(`the Lua 5.1 bridge expects fengari's Lua 5.3, found ${String(lua.LUA_VERSION_NUM)}`);
  const str2num = lobject.luaO_str2num as (s: Uint8Array, o: TValue) => number;
  lobject.luaO_str2num = (s: Uint8Array, o: TValue): number => {
    const size = str2num(s, o);
    if (size !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
    return size;
  };
  // luaO_tostring turns the number in a stack slot into a string in place (luaS_bless makes it a VM string).
  const luaS_bless = lstring.luaS_bless as (L: unknown, bytes: Uint8Array) => unknown;
  lobject.luaO_tostring = (L: unknown, o: TValue): void => {
    o.setsvalue(luaS_bless(L, byteStringToBytes(lua51NumberText(o.value))));
  };
  const runerror = ldebug.luaG_runerror as (L: unknown, fmt: Uint8Array, ...args: unknown[]) => never;
  ldebug.luaG_runerror = (L: unknown, fmt: Uint8Array, ...args: unknown[]): never =>
    runerror(L, sameBytes(fmt, JS_STACK_OVERFLOW) ? C_STACK_OVERFLOW : fmt, ...args);
}

const JS_STACK_OVERFLOW = byteStringToBytes('JS stack overflow');
const C_STACK_OVERFLOW = byteStringToBytes('C stack overflow');

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

install();
