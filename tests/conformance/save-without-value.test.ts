/**
 * `--save` with no value, against redis-server 7.0.15: followed by another `--option`, or last on the command line,
 * it means `save ""` (as before 7.0; scripts that build option lists from `${VAR:-...}` defaults produce it).
 * cluster-lab-server used to refuse it with "wrong number of arguments". Also the other rules of redis-server's
 * option loop: a value after a bare option may start with `--`, and a line it cannot use is refused with the same
 * fatal block.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePortPair, killAll, waitPort } from './harness.ts';

const BIN = join(ROOT, 'bin/cluster-lab-server');

/** Starts the server with `args` (a fresh dir first), reads the configs named, and stops it. */
async function configsAfterStart(cmd: string, args: string[], port: number, names: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-save-'));
  const child: ChildProcess = spawn(cmd, ['--dir', dir, ...args], { stdio: 'ignore' });
  try {
    await waitPort(port);
    return names.map((n) => execFileSync('redis-cli', ['-p', String(port), 'CONFIG', 'GET', n], { encoding: 'utf8' })).join('');
  } finally {
    await killAll([child]);
  }
}

describe('--save without a value', () => {
  it.each([
    ['--port P --save --appendonly no', (p: number) => ['--port', String(p), '--save', '--appendonly', 'no']],
    ['--port P --appendonly no --save', (p: number) => ['--port', String(p), '--appendonly', 'no', '--save']],
    ['--SAVE --port P', (p: number) => ['--SAVE', '--port', String(p)]],
    ['--port P --save 900 1', (p: number) => ['--port', String(p), '--save', '900', '1']],
    ['--dbfilename --odd.rdb --port P', (p: number) => ['--dbfilename', '--odd.rdb', '--port', String(p)]],
    ['"--port P" --hz 20', (p: number) => [`--port ${p}`, '--hz', '20']],
  ])('%s: the same configuration as redis-server', async (_shown, args) => {
    const [realPort, labPort] = freePortPair();
    const names = ['save', 'appendonly', 'dbfilename', 'hz', 'port'];
    const [real, lab] = await Promise.all([
      configsAfterStart('redis-server', args(realPort), realPort, names),
      configsAfterStart(BIN, args(labPort), labPort, names),
    ]);
    expect(real).toContain('save\n');
    expect(lab.replace(String(labPort), 'PORT')).toBe(real.replace(String(realPort), 'PORT'));
  }, 60_000);

  it.each([
    [['--port', '21999', '--bogus', '--save']],
    [['--port', '21999', '--save', '--', '--appendonly', 'no']],
    [['--port', '21999', '--appendonly', '--loglevel', 'notice']],
    [['-x']],
    [['--port', '21999', '-x']],
  ])('refuses %j exactly as redis-server does', (args) => {
    const real = spawnSync('redis-server', args, { encoding: 'utf8', cwd: ROOT });
    const lab = spawnSync(BIN, args, { encoding: 'utf8', cwd: ROOT });
    expect(real.status).toBe(1);
    expect(lab.status).toBe(1);
    expect(lab.stderr).toBe(real.stderr);
  });
});
