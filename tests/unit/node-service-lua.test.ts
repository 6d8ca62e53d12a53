/**
 * The browser's node worker loads the Lua runtime on demand (src/hosts/lockstep/node-service.ts). Here the
 * engine's eager load is replaced by nothing, as the browser build does, and the service must load the runtime
 * before the advance that runs the first script, run everything else without it, and give the same output as a
 * node that had Lua from the start.
 */
import { describe, expect, it, vi } from 'vitest';
import { createNodeService } from '../../src/hosts/lockstep/node-service.ts';
import { luaRuntimeLoaded } from '../../src/engine/scripting/runtime.ts';
import { encodeCommand } from '../../src/clients/protocol/encode-command.ts';
import type { AdvanceResult } from '../../src/engine/server/node.ts';
import type { Delivery } from '../../src/engine/net/wire.ts';

vi.mock('../../src/engine/scripting/lua-eager.ts', () => ({}));

const OPTS = { address: '127.0.0.1:6379', seed: 1, startUs: 0, epochMs: 1_700_000_000_000 };
const STEPS: [number, Delivery[]][] = [
  [1_000, [{ kind: 'open', at: 500, conn: 'cli#1', peer: '127.0.0.1:50000' }, { kind: 'data', at: 600, conn: 'cli#1', bytes: encodeCommand(['PING']) }]],
  [2_000, [{ kind: 'data', at: 1_500, conn: 'cli#1', bytes: encodeCommand(['EVAL', "return redis.call('INCR', KEYS[1])", '1', 'k']) }]],
  [3_000, [{ kind: 'data', at: 2_500, conn: 'cli#1', bytes: encodeCommand(['GET', 'k']) }]],
];

const text = (r: AdvanceResult) => r.outbox.map((e) => (e.kind === 'data' ? String.fromCharCode(...e.bytes) : e.kind)).join('');

describe('node service without Lua loaded', () => {
  it('runs commands without Lua, loads it before the first script, and answers as a node that had it', async () => {
    expect(luaRuntimeLoaded()).toBe(false);
    const lazy = createNodeService((v) => v);
    expect(lazy.create(OPTS)).toBeUndefined();
    const first = lazy.advance(...STEPS[0]);
    expect(first).not.toBeInstanceOf(Promise);
    expect(text(first as AdvanceResult)).toBe('+PONG\r\n');
    expect(luaRuntimeLoaded()).toBe(false);
    const second = lazy.advance(...STEPS[1]);
    expect(second).toBeInstanceOf(Promise);
    const lazyResults = [first as AdvanceResult, await second, await lazy.advance(...STEPS[2])];
    expect(luaRuntimeLoaded()).toBe(true);
    expect(lazyResults.map(text)).toEqual(['+PONG\r\n', ':1\r\n', '$1\r\n1\r\n']);

    // The same inputs to a node created with Lua already loaded: the same replies, events and virtual times.
    const eager = createNodeService((v) => v);
    eager.create(OPTS);
    const eagerResults: AdvanceResult[] = [];
    for (const [until, inbox] of STEPS) eagerResults.push(await eager.advance(until, inbox));
    expect(eagerResults).toEqual(lazyResults);
  });
});
