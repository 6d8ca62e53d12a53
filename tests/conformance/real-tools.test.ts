/** The real redis-cli (Debian's redis-tools 7.0) against bin/cluster-lab-server, and redis-server's option errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startServers, type Servers } from './harness.ts';

const BIN = join(ROOT, 'bin/cluster-lab-server');
const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

describe('real tools against cluster-lab-server', () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers();
  });
  afterAll(async () => {
    await servers?.stop();
  });

  it('redis-cli PING answers PONG', () => {
    expect(cli(servers.labPort, 'PING')).toBe('PONG\n');
  });

  it('redis-cli SET then GET, and errors print as redis-cli prints them', () => {
    expect(cli(servers.labPort, 'SET', 'tool:k', 'v')).toBe('OK\n');
    expect(cli(servers.labPort, 'GET', 'tool:k')).toBe('v\n');
    expect(cli(servers.labPort, 'GET', 'tool:missing')).toBe(cli(servers.realPort, 'GET', 'tool:missing'));
    expect(cli(servers.labPort, 'GET')).toBe(cli(servers.realPort, 'GET'));
    expect(cli(servers.labPort, 'DEL', 'tool:k')).toBe('1\n');
  });

  it('redis-cli in a pipe (--pipe style input) gets the same replies as from redis-server', () => {
    const input = 'SET p:1 a\nGET p:1\nEXISTS p:1 p:2\nDEL p:1\nPING\n';
    const run = (port: number) => execFileSync('redis-cli', ['-p', String(port)], { input, encoding: 'utf8' });
    expect(run(servers.labPort)).toBe(run(servers.realPort));
  });
});

describe('cluster-lab-server options', () => {
  const fatal = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT });

  it.each([
    [['--port', '21999', '--foo', 'bar']],
    [['--port', 'notanumber']],
    [['--port', '70000']],
    [['--port']],
    [['--appendonly', 'maybe']],
    [['--loglevel', 'loud']],
    [['--maxmemory', 'abc']],
    [['--port', '21999', '--bind', '127.0.0.1', '::1', '--foo', 'a b']],
  ])('refuses %j exactly as redis-server does', (args) => {
    const real = fatal('redis-server', args);
    const lab = fatal(BIN, args);
    expect(real.status).toBe(1);
    expect(lab.status).toBe(1);
    expect(lab.stderr).toBe(real.stderr);
    expect(lab.stderr).toContain('*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***');
  });

  it('a config file with a bad line is refused with its line number', () => {
    const file = join(ROOT, 'tests/conformance/fixtures/bad.conf');
    const real = fatal('redis-server', [file]);
    const lab = fatal(BIN, [file]);
    expect(lab.status).toBe(1);
    expect(lab.stderr).toBe(real.stderr);
  });
});

describe('enable-debug-command at startup', () => {
  it('refuses an invalid value as redis-server does', () => {
    const real = spawnSync('redis-server', ['--enable-debug-command', 'maybe'], { encoding: 'utf8' });
    const lab = spawnSync(join(ROOT, 'bin/cluster-lab-server'), ['--enable-debug-command', 'maybe'], { encoding: 'utf8' });
    expect(lab.status).toBe(1);
    expect(lab.stderr).toBe(real.stderr);
  });
});
