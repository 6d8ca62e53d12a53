/**
 * A node creates its Lua side (the Lua VM, its states) only when a command needs it: what the rest of the engine
 * reads about scripting (INFO, snapshots, a full sync, a restart from files) is answered without it. A browser
 * worker relies on that to fetch the Lua VM only when its node first needs it (src/engine/scripting/runtime.ts):
 * there, any of these paths creating the Lua side would fail, as the runtime is not loaded yet.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const MASTER = '127.0.0.1:6379';
const REPLICA = '127.0.0.1:6380';
const LIBRARY = "#!lua name=lib\nredis.register_function('f', function() return 1 end)";

function setup() {
  const host = new SimHost({ seed: 5, link: { latencyUs: 200 }, log: false });
  host.addNode({ address: MASTER, config: { appendonly: 'yes' } });
  host.addNode({ address: REPLICA });
  let clients = 0;
  const connect = (addr: string) => new RespConnection(host.connect(`c${clients++}`, addr));
  const call = async (conn: RespConnection, ...args: string[]): Promise<Reply> => {
    const p = conn.call(args);
    expect(host.runUntilCondition(() => conn.pending === 0, host.nowUs + 30_000_000)).toBe(true);
    return (await p).reply;
  };
  const luaCreated = (addr: string) => host.node(addr).scripting.loaded !== null;
  return { host, connect, call, luaCreated };
}

const ok = { type: 'status', value: 'OK' };

describe('the Lua side is created on demand', () => {
  it('INFO, snapshots, the AOF, a full sync and a restart need no Lua; EVAL does, and its effects replicate without it', async () => {
    const { host, connect, call, luaCreated } = setup();
    const m = connect(MASTER);
    expect(await call(m, 'SET', 'k', 'v')).toEqual(ok);
    const info = await call(m, 'INFO', 'everything');
    expect(info.type === 'bulk' && info.value).toMatch(/number_of_cached_scripts:0\r\nnumber_of_functions:0\r\nnumber_of_libraries:0/);
    expect(await call(m, 'SAVE')).toEqual(ok);
    expect((await call(m, 'BGREWRITEAOF')).type).toBe('status');
    host.runFor(2_000_000);
    expect(await call(connect(REPLICA), 'REPLICAOF', '127.0.0.1', '6379')).toEqual(ok);
    host.runFor(10_000_000); // the diskless sync waits 5 s for more replicas (repl-diskless-sync-delay)
    expect(await call(connect(REPLICA), 'GET', 'k')).toEqual({ type: 'bulk', value: 'v' });
    host.kill(MASTER);
    host.restart(MASTER);
    const again = connect(MASTER);
    expect(await call(again, 'GET', 'k')).toEqual({ type: 'bulk', value: 'v' });
    expect([luaCreated(MASTER), luaCreated(REPLICA)]).toEqual([false, false]);

    host.runFor(5_000_000);
    expect(await call(again, 'EVAL', "return redis.call('SET', KEYS[1], 'w')", '1', 'k')).toEqual(ok);
    host.runFor(1_000_000);
    expect(await call(connect(REPLICA), 'GET', 'k')).toEqual({ type: 'bulk', value: 'w' });
    expect([luaCreated(MASTER), luaCreated(REPLICA)]).toEqual([true, false]);
  });

  it("a replicated FUNCTION LOAD, and a restart with libraries in its files, create it", async () => {
    const { host, connect, call, luaCreated } = setup();
    expect(await call(connect(REPLICA), 'REPLICAOF', '127.0.0.1', '6379')).toEqual(ok);
    host.runFor(10_000_000);
    expect(await call(connect(MASTER), 'FUNCTION', 'LOAD', LIBRARY)).toEqual({ type: 'bulk', value: 'lib' });
    host.runFor(1_000_000);
    expect(luaCreated(REPLICA)).toBe(true);
    host.kill(MASTER);
    host.restart(MASTER);
    expect(luaCreated(MASTER)).toBe(true);
    expect(await call(connect(MASTER), 'FCALL', 'f', '0')).toEqual({ type: 'integer', value: 1n });
  });
});
