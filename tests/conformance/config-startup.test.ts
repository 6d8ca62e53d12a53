/**
 * Out-of-range and malformed values on the command line: cluster-lab-server refuses each with redis-server
 * 7.0.15's fatal block, byte for byte (config.c's bounds apply at startup as they do to CONFIG SET).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './harness.ts';

const BAD: string[][] = [
  ['--proto-max-bulk-len', '0'],
  ['--maxmemory', '-1'],
  ['--zset-max-listpack-value', '-3'],
  ['--hash-max-listpack-entries', '-1'],
  ['--databases', '0'],
  ['--port', '65536'],
  ['--hz', '007'],
  ['--maxmemory-clients', '101%'],
  ['--unixsocketperm', '999'],
  ['--unixsocketperm', '1777'],
  ['--key-load-delay', 'x'],
  ['--loading-process-events-interval-bytes', '1023'],
  ['--watchdog-period', '-1'],
  ['--use-exit-on-panic', 'maybe'],
  ['--shutdown-on-sigint', 'save nosave'],
  ['--save', '100'],
  ['--client-output-buffer-limit', 'master 1 1 1'],
  ['--notify-keyspace-events', 'xyz'],
  ['--oom-score-adj-values', '0 200 3000'],
  ['--appendfilename', 'a/b'],
  ['--activedefrag', 'yes'],
];

describe('startup values checked as redis-server checks them', () => {
  it.each(BAD)('refuses %s %j', (...args) => {
    const real = spawnSync('redis-server', ['--port', '0', ...args], { encoding: 'utf8', timeout: 5000 });
    const lab = spawnSync(join(ROOT, 'bin/cluster-lab-server'), ['--port', '0', ...args], { encoding: 'utf8', timeout: 10000 });
    expect(real.stderr).toContain('FATAL CONFIG FILE ERROR');
    expect(lab.stderr).toBe(real.stderr);
    expect(lab.status).toBe(real.status);
  });
});
