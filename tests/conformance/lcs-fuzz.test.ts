/** LCS on 150 seeded random string pairs: every reply form compared byte for byte with redis-server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectResp, startServers, type Servers } from './harness.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { Prng } from '../../src/engine/random/prng.ts';


describe('LCS matches redis-server on random inputs', () => {
  let servers: Servers;
  let real: RespConnection;
  let lab: RespConnection;
  beforeAll(async () => {
    servers = await startServers();
    real = await connectResp(servers.realPort);
    lab = await connectResp(servers.labPort);
  });
  afterAll(async () => {
    real?.close();
    lab?.close();
    await servers?.stop();
  });

  it('for 150 pairs', async () => {
    const rng = new Prng(7).fork('lcs');
    const word = () => Array.from({ length: rng.int(14) }, () => 'abcx'[rng.int(4)]).join('');
    const mismatches: string[] = [];
    for (let n = 0; n < 150; n++) {
      const [x, y] = [word(), word()];
      for (const conn of [real, lab]) await conn.call(['MSET', 'lcs:a', x, 'lcs:b', y]);
      for (const opts of [[], ['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '2']]) {
        const args = ['LCS', 'lcs:a', 'lcs:b', ...opts];
        const [r, l] = await Promise.all([real.call(args), lab.call(args)]);
        const rb = Buffer.from(r.raw).toString('latin1');
        const lb = Buffer.from(l.raw).toString('latin1');
        if (rb !== lb) mismatches.push(`${JSON.stringify([x, y, opts])}: redis ${JSON.stringify(rb)} lab ${JSON.stringify(lb)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
