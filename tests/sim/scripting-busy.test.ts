/**
 * A runaway script in virtual time: the node keeps its event loop turning (the script yields from its count
 * hook), other clients get BUSY once busy-reply-threshold has passed and not before, SCRIPT KILL ends a script
 * that has not written, a script that wrote is UNKILLABLE, and while the script runs the node's timers stop
 * (no serverCron) but its clients are still read and answered. Several seeds; the same seed gives the same
 * history.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

const ADDR = '127.0.0.1:6379';
const SEEDS = Number(process.env.SCRIPTING_SEEDS ?? 5);
const BUSY = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';

function setup(seed: number, thresholdMs: number) {
  const host = new SimHost({ seed, link: { latencyUs: 100 } });
  host.addNode({ address: ADDR, config: { 'busy-reply-threshold': String(thresholdMs) } });
  const runner = new RespConnection(host.connect('runner', ADDR));
  const other = new RespConnection(host.connect('other', ADDR));
  return { host, runner, other };
}

async function reply(host: SimHost, conn: RespConnection, argv: string[], withinUs = 30_000_000): Promise<{ reply: Reply; atUs: number }> {
  const p = conn.call(argv);
  const ok = host.runUntilCondition(() => conn.pending === 0, host.nowUs + withinUs);
  if (!ok) throw new Error(`no reply to ${argv.join(' ')} within ${withinUs} us`);
  const r = await p;
  return { reply: r.reply, atUs: host.nowUs };
}

const show = (r: Reply): string => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

describe('a runaway script', () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`answers BUSY after the threshold and stops on SCRIPT KILL (reproduce with seed=${seed})`, async () => {
      const { host, runner, other } = setup(seed, 200);
      const t0 = host.nowUs;
      const stuck = runner.call(['EVAL', 'local i = 0 while true do i = i + 1 end', '0']);
      // Before the threshold the node is inside the script: a PING sent at 10 ms waits (no reply at 150 ms).
      host.runUntil(t0 + 10_000);
      const ping = other.call(['PING']);
      host.runUntil(t0 + 150_000);
      expect(other.pending).toBe(1);
      // Past the threshold the node serves events between script steps: the waiting PING gets BUSY.
      expect(host.runUntilCondition(() => other.pending === 0, t0 + 2_000_000)).toBe(true);
      const busyAt = host.nowUs - t0;
      expect((await ping).reply).toEqual({ type: 'error', value: BUSY });
      expect(busyAt).toBeGreaterThanOrEqual(200_000);
      expect(busyAt).toBeLessThan(260_000);
      // Commands flagged allow-busy still run; the rest keep getting BUSY.
      expect((await reply(host, other, ['GET', 'k'])).reply).toEqual({ type: 'error', value: BUSY });
      // FUNCTION KILL may run, but an EVAL is not its to kill: it answers with the EVAL wording.
      expect((await reply(host, other, ['FUNCTION', 'KILL'])).reply).toEqual({ type: 'error', value: BUSY });
      expect(runner.pending).toBe(1);
      const kill = await reply(host, other, ['SCRIPT', 'KILL']);
      expect(kill.reply).toEqual({ type: 'status', value: 'OK' });
      expect(host.runUntilCondition(() => runner.pending === 0, host.nowUs + 1_000_000)).toBe(true);
      const killed = (await stuck).reply;
      expect(killed.type).toBe('error');
      expect((killed as { value: string }).value).toMatch(/^ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.$/);
      // The node is itself again.
      expect((await reply(host, other, ['PING'])).reply).toEqual({ type: 'status', value: 'PONG' });
      expect((await reply(host, runner, ['PING'])).reply).toEqual({ type: 'status', value: 'PONG' });
      expect((await reply(host, other, ['SCRIPT', 'KILL'])).reply).toEqual({ type: 'error', value: 'NOTBUSY No scripts in execution right now.' });
    });
  }

  it('a script that wrote cannot be killed; its writes stay', async () => {
    const { host, runner, other } = setup(7, 100);
    const t0 = host.nowUs;
    const stuck = runner.call(['EVAL', "redis.call('set', 'written', '1') local n = 0 for i = 1, 20000000 do n = n + i end return n", '0']);
    expect(host.runUntilCondition(() => other.pending === 0 && host.nowUs - t0 > 150_000, t0 + 2_000_000)).toBe(true);
    const kill = await reply(host, other, ['SCRIPT', 'KILL']);
    expect(kill.reply).toEqual({
      type: 'error',
      value: 'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
    });
    expect(host.runUntilCondition(() => runner.pending === 0, host.nowUs + 60_000_000)).toBe(true);
    // 20 million iterations of a two-instruction loop: about 400 ms of virtual CPU at 10 ns an instruction.
    const elapsedMs = (host.nowUs - t0) / 1000;
    expect(elapsedMs).toBeGreaterThan(300);
    expect(elapsedMs).toBeLessThan(800);
    expect((await stuck).reply).toEqual({ type: 'integer', value: 200000010000000n });
    expect((await reply(host, other, ['GET', 'written'])).reply).toEqual({ type: 'bulk', value: '1' });
  });

  it('runs the same way under the same seed', async () => {
    const history = async (): Promise<string[]> => {
      const { host, runner, other } = setup(11, 150);
      const out: string[] = [];
      const p = runner.call(['EVAL', "local t = {} for i = 1, 3000000 do t[i % 100] = math.random() end return redis.call('incr', 'c')", '0']);
      host.runUntil(host.nowUs + 10_000);
      for (let i = 0; i < 5; i++) {
        const r = await reply(host, other, ['INCR', 'c']);
        out.push(`${show(r.reply)}@${r.atUs}`);
      }
      host.runUntilCondition(() => runner.pending === 0, host.nowUs + 60_000_000);
      out.push(show((await p).reply) + `@${host.nowUs}`);
      return out;
    };
    const a = await history();
    const b = await history();
    expect(a).toEqual(b);
    // The script ran past the threshold, so the first INCRs were refused with BUSY, then served.
    expect(a[0]).toContain('BUSY');
    expect(a.some((line) => line.includes('"integer"'))).toBe(true);
  });

  it('only SHUTDOWN NOSAVE ends a server whose busy script wrote; the disk keeps the last snapshot', async () => {
    const { host, runner, other } = setup(13, 100);
    expect((await reply(host, other, ['SET', 'before', '1'])).reply).toEqual({ type: 'status', value: 'OK' });
    expect((await reply(host, other, ['SAVE'])).reply).toEqual({ type: 'status', value: 'OK' });
    const stuck = runner.call(['EVAL', "redis.call('set', 'during', '1') while true do end", '0']).then(() => 'replied', () => 'closed');
    host.runUntil(host.nowUs + 10_000);
    expect((await reply(host, other, ['SCRIPT', 'KILL'])).reply.type).toBe('error');
    expect((await reply(host, other, ['SHUTDOWN'])).reply).toEqual({ type: 'error', value: BUSY });
    expect((await reply(host, other, ['SHUTDOWN', 'SAVE'])).reply).toEqual({ type: 'error', value: BUSY });
    const bye = other.call(['SHUTDOWN', 'NOSAVE']);
    expect(host.runUntilCondition(() => other.pending === 0, host.nowUs + 5_000_000)).toBe(true);
    // No reply: the connection closes as the process exits.
    expect(await bye.then(() => 'replied', () => 'closed')).toBe('closed');
    expect(await stuck).toBe('closed');
    host.restart(ADDR);
    const again = new RespConnection(host.connect('again', ADDR));
    expect((await reply(host, again, ['GET', 'before'])).reply).toEqual({ type: 'bulk', value: '1' });
    expect((await reply(host, again, ['EXISTS', 'during'])).reply).toEqual({ type: 'integer', value: 0n });
  });

  it('a script inside MULTI/EXEC cannot yield; the lab stops it after ten thresholds instead of holding the node', async () => {
    const { host, runner } = setup(17, 100);
    expect((await reply(host, runner, ['MULTI'])).reply).toEqual({ type: 'status', value: 'OK' });
    expect((await reply(host, runner, ['EVAL', 'while true do end', '0'])).reply).toEqual({ type: 'status', value: 'QUEUED' });
    const t0 = host.nowUs;
    const exec = await reply(host, runner, ['EXEC'], 60_000_000);
    expect(exec.reply.type).toBe('array');
    const first = (exec.reply as { value: Reply[] }).value[0];
    expect(first.type).toBe('error');
    expect((first as { value: string }).value).toMatch(/^ERR Script stopped by Cluster Lab: it ran for 1000 ms where it could not yield/);
    expect(exec.atUs - t0).toBeGreaterThanOrEqual(1_000_000);
    expect((await reply(host, runner, ['PING'])).reply).toEqual({ type: 'status', value: 'PONG' });
  });
});
