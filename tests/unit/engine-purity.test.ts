/**
 * The engine is a pure state machine: it must not reach the wall clock, randomness, timers, the DOM, worker or
 * Node APIs. Its tsconfig already has no DOM/WebWorker/Node types (npm run check compiles it); this test also
 * catches what type-checking alone would not (globals typed by ES2022 itself, like Date and Math.random, and
 * imports that leave src/engine).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ENGINE = resolve(import.meta.dirname, '../../src/engine');

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\b/, 'Date (wall clock)'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask|requestAnimationFrame)\b/, 'timers'],
  [/\bperformance\b/, 'performance (clock)'],
  [/\b(self|window|document|navigator|globalThis|postMessage|importScripts|Worker|localStorage)\b/, 'browser/worker globals'],
  [/\b(process|Buffer|require|__dirname|__filename)\b/, 'Node globals'],
  [/\b(fetch|crypto|TextEncoder|TextDecoder|WebSocket|XMLHttpRequest)\b/, 'host APIs'],
];

const LUA_VM_MODULE = /^fengari\/src\/[a-z]+\.js$/;

/** Blanks out comments and string/template literal contents, keeping line structure. */
export function stripCommentsAndStrings(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      i += 2;
      while (i < src.length && !(src[i] === '*' && src[i + 1] === '/')) out += src[i++] === '\n' ? '\n' : '';
      i += 2;
    } else if (c === "'" || c === '"' || c === '`') {
      i++;
      out += c + c;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\') i++;
        else if (src[i] === '\n') out += '\n';
        i++;
      }
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function findViolations(file: string, src: string): string[] {
  const problems: string[] = [];
  const code = stripCommentsAndStrings(src);
  code.split('\n').forEach((line, idx) => {
    for (const [re, what] of FORBIDDEN) if (re.test(line)) problems.push(`${file}:${idx + 1}: uses ${what}`);
  });
  for (const m of src.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1];
    // The one dependency: the Lua VM, module by module, for scripting only. Its wall-clock and random paths
    // (os, io, math.random, table.sort's random pivot) are never opened or are replaced: see tests/unit/scripting-*.
    if (LUA_VM_MODULE.test(spec) && file.split(/[\\/]/)[0] === 'scripting') continue;
    if (!spec.startsWith('.')) {
      problems.push(`${file}: imports '${spec}' (the engine imports nothing outside src/engine)`);
      continue;
    }
    const target = resolve(dirname(join(ENGINE, file)), spec);
    if (relative(ENGINE, target).startsWith('..')) problems.push(`${file}: imports '${spec}', outside src/engine`);
  }
  return problems;
}

function engineFiles(dir = ENGINE): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return engineFiles(p);
    return p.endsWith('.ts') ? [relative(ENGINE, p)] : [];
  });
}

describe('engine purity', () => {
  it('has engine sources to check', () => {
    expect(engineFiles().length).toBeGreaterThan(10);
  });

  it('no engine file reaches the outside world', () => {
    const problems = engineFiles().flatMap((f) => findViolations(f, readFileSync(join(ENGINE, f), 'utf8')));
    expect(problems).toEqual([]);
  });

  it('the checker itself catches violations and ignores comments and strings', () => {
    expect(findViolations('x.ts', 'const t = Date.now();')).toHaveLength(1);
    expect(findViolations('x.ts', 'const r = Math.random();')).toHaveLength(1);
    expect(findViolations('x.ts', 'setTimeout(() => 1, 5);')).toHaveLength(1);
    expect(findViolations('x.ts', "import net from 'node:net';")).toHaveLength(1);
    expect(findViolations('server/x.ts', "import { a } from '../../hosts/sim/sim-host.ts';")).toHaveLength(1);
    expect(findViolations('x.ts', '// Date.now() is never called here\nconst s = "process";')).toEqual([]);
    expect(findViolations('server/x.ts', "import { a } from '../types/time.ts';")).toEqual([]);
  });
});
