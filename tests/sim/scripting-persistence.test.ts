/**
 * Function libraries live with the data: they are in RDB snapshots (a restart keeps them), in the snapshot a
 * master sends for a full resync (a new replica has them, and its own are replaced), and in the AOF as the
 * FUNCTION LOAD commands that made them.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const MASTER = '127.0.0.1:6379';
const REPLICA = '127.0.0.1:6380';
const LIBRARY = "#!lua name=lib\nredis.register_function{function_name='greet', callback=function(keys, args) return 'hi ' .. args[1] end, flags={'no-writes'}}";

function setup(config: Record<string, string> = {}) {
  const host = new SimHost({ seed: 3, link: { latencyUs: 200 }, log: false });
  host.addNode({ address: MASTER, config });
  host.addNode({ address: REPLICA, config });
  let clients = 0;
  const connect = (addr: string) => new RespConnection(host.connect(`c${clients++}`, addr));
  const call = async (conn: RespConnection, ...args: string[]): Promise<Reply> => {
    const p = conn.call(args);
    expect(host.runUntilCondition(() => conn.pending === 0, host.nowUs + 30_000_000)).toBe(true);
    return (await p).reply;
  };
  return { host, connect, call };
}

describe('function libraries persist and replicate', () => {
  it('a SAVE keeps them across a restart', async () => {
    const { host, connect, call } = setup();
    const m = connect(MASTER);
    expect(await call(m, 'FUNCTION', 'LOAD', LIBRARY)).toEqual({ type: 'bulk', value: 'lib' });
    expect(await call(m, 'SAVE')).toEqual({ type: 'status', value: 'OK' });
    host.kill(MASTER);
    host.restart(MASTER);
    const again = connect(MASTER);
    expect(await call(again, 'FCALL', 'greet', '0', 'there')).toEqual({ type: 'bulk', value: 'hi there' });
  });

  it('the AOF replays FUNCTION LOAD after a restart', async () => {
    const { host, connect, call } = setup({ appendonly: 'yes', appendfsync: 'always' });
    const m = connect(MASTER);
    expect(await call(m, 'FUNCTION', 'LOAD', LIBRARY)).toEqual({ type: 'bulk', value: 'lib' });
    host.kill(MASTER);
    host.restart(MASTER);
    expect(await call(connect(MASTER), 'FCALL_RO', 'greet', '0', 'aof')).toEqual({ type: 'bulk', value: 'hi aof' });
  });

  it('a full resync gives the replica the master libraries, replacing its own', async () => {
    const { host, connect, call } = setup();
    const m = connect(MASTER);
    const r = connect(REPLICA);
    expect(await call(m, 'FUNCTION', 'LOAD', LIBRARY)).toEqual({ type: 'bulk', value: 'lib' });
    expect(await call(r, 'FUNCTION', 'LOAD', "#!lua name=mine\nredis.register_function('mine', function() return 1 end)")).toEqual({ type: 'bulk', value: 'mine' });
    expect(await call(r, 'REPLICAOF', '127.0.0.1', '6379')).toEqual({ type: 'status', value: 'OK' });
    host.runUntil(host.nowUs + 8_000_000);
    expect(await call(r, 'FCALL_RO', 'greet', '0', 'replica')).toEqual({ type: 'bulk', value: 'hi replica' });
    expect(await call(r, 'FCALL', 'mine', '0')).toEqual({ type: 'error', value: 'ERR Function not found' });
    const list = await call(r, 'FUNCTION', 'LIST');
    expect(list.type === 'array' && list.value.length).toBe(1);
  });
});
