/**
 * Glob-style matching as Redis does it for KEYS, SCAN MATCH and PUBSUB patterns (util.c stringmatchlen):
 * `*` any run, `?` one byte, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges allowed), `\` escapes. An unterminated
 * `[` set ends where the pattern ends. Works on byte strings.
 */
import type { ByteString } from '../types/bytes.ts';

export function globMatch(pattern: ByteString, s: ByteString, nocase = false): boolean {
  const state = { skipLonger: false };
  return matchFrom(pattern, 0, s, 0, nocase, state);
}

const lower = (c: string) => (c >= 'A' && c <= 'Z' ? String.fromCharCode(c.charCodeAt(0) + 32) : c);

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, state: { skipLonger: boolean }): boolean {
  const eq = (a: string, b: string) => (nocase ? lower(a) === lower(b) : a === b);
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === '*') {
      while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
      if (pi === p.length - 1) return true;
      while (si < s.length) {
        if (matchFrom(p, pi + 1, s, si, nocase, state)) return true;
        // The rest of the pattern matched nowhere later: an earlier '*' cannot help either.
        if (state.skipLonger) return false;
        si++;
      }
      state.skipLonger = true;
      return false;
    } else if (c === '?') {
      si++;
    } else if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let match = false;
      for (;;) {
        if (p[pi] === '\\' && p.length - pi >= 2) {
          pi++;
          if (p[pi] === s[si]) match = true;
        } else if (p[pi] === ']') {
          break;
        } else if (pi >= p.length) {
          pi--;
          break;
        } else if (p.length - pi >= 3 && p[pi + 1] === '-') {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          let ch = s.charCodeAt(si);
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(String.fromCharCode(start)).charCodeAt(0);
            end = lower(String.fromCharCode(end)).charCodeAt(0);
            ch = lower(s[si]).charCodeAt(0);
          }
          pi += 2;
          if (ch >= start && ch <= end) match = true;
        } else if (eq(p[pi], s[si])) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      si++;
    } else {
      if (c === '\\' && p.length - pi >= 2) pi++;
      if (!eq(p[pi], s[si])) return false;
      si++;
    }
    pi++;
    if (si === s.length) {
      while (p[pi] === '*') pi++;
      break;
    }
  }
  return pi >= p.length && si === s.length;
}
