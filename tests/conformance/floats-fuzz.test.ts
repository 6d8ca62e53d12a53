/** INCRBYFLOAT chains on seeded random decimals: replies compared byte for byte with redis-server (x86-64 long double). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectResp, startServers, type Servers } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { Prng } from '../../src/engine/random/prng.ts';

describe('INCRBYFLOAT matches redis-server on random inputs', () => {
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

  it('for 40 chains of 10 increments', async () => {
    const rng = new Prng(11).fork('floats');
    const digits = (n: number) => Array.from({ length: n }, () => String(rng.int(10))).join('');
    const number = () => {
      const sign = rng.int(3) === 0 ? '-' : '';
      const int = digits(1 + rng.int(6));
      const frac = rng.int(3) === 0 ? '' : '.' + digits(1 + rng.int(18));
      const exp = rng.int(4) === 0 ? `e${rng.int(2) ? '-' : ''}${rng.int(30)}` : '';
      return sign + int + frac + exp;
    };
    const mismatches: string[] = [];
    for (let chain = 0; chain < 40; chain++) {
      for (const conn of [real, lab]) await conn.call(['DEL', 'fz']);
      for (let k = 0; k < 10; k++) {
        const inc = number();
        const [r, l] = await Promise.all([real.call(['INCRBYFLOAT', 'fz', inc]), lab.call(['INCRBYFLOAT', 'fz', inc])]);
        const rb = Buffer.from(r.raw).toString('latin1');
        const lb = Buffer.from(l.raw).toString('latin1');
        if (rb !== lb) mismatches.push(`chain ${chain} + ${inc}: redis ${JSON.stringify(rb)} lab ${JSON.stringify(lb)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
