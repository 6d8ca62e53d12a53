/**
 * The real redis-cli --cluster (Debian's redis-tools 7.0) against three cluster-lab-server processes:
 * `--cluster create` joins and configures them, `--cluster check` finds all 16384 slots covered, and
 * `redis-cli -c` follows MOVED across them. (Replicas arrive with replication: `--cluster-replicas 0` here.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, freePortPair, killAll, waitPort } from './harness.ts';

describe('redis-cli --cluster against cluster-lab-server', () => {
  const ports: number[] = [];
  const procs: ChildProcess[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) ports.push(freePortPair()[0]);
    for (const port of ports) {
      const dir = mkdtempSync(join(tmpdir(), 'lab-tools-'));
      procs.push(spawn(resolve(ROOT, 'bin/cluster-lab-server'), ['--port', String(port), '--cluster-enabled', 'yes', '--dir', dir, '--cluster-node-timeout', '3000'], { cwd: ROOT, stdio: 'ignore' }));
    }
    await Promise.all(ports.map((p) => waitPort(p)));
  });
  afterAll(async () => {
    await killAll(procs);
  });

  it('creates a cluster, checks it and routes through it', () => {
    const create = execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(create).toContain('>>> Performing hash slots allocation on 3 nodes...');
    expect(create).toContain('[OK] All nodes agree about slots configuration.');
    expect(create).toContain('[OK] All 16384 slots covered.');
    const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 30_000 });
    expect(check).toContain('[OK] All nodes agree about slots configuration.');
    expect(check).toContain('[OK] All 16384 slots covered.');
    expect(check).toMatch(/3 masters\.|0\.00 keys per slot on average/);
    // A fresh master accepts writes only once clusterUpdateState lets it (the rejoin delay), as on real Redis.
    const deadline = Date.now() + 15_000;
    while (!ports.every((p) => execFileSync('redis-cli', ['-p', String(p), 'CLUSTER', 'INFO'], { encoding: 'utf8' }).includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('cluster_state never became ok');
      execFileSync('sleep', ['0.2']);
    }
    // -c follows MOVED: write through every node, read back through another.
    for (let i = 0; i < 20; i++) {
      const via = ports[i % 3];
      expect(execFileSync('redis-cli', ['-c', '-p', String(via), 'SET', `key:${i}`, `v${i}`], { encoding: 'utf8' })).toBe('OK\n');
    }
    for (let i = 0; i < 20; i++) {
      const via = ports[(i + 1) % 3];
      expect(execFileSync('redis-cli', ['-c', '-p', String(via), 'GET', `key:${i}`], { encoding: 'utf8' })).toBe(`v${i}\n`);
    }
    const info = execFileSync('redis-cli', ['--cluster', 'info', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 30_000 });
    expect(info).toMatch(/\[OK\] 20 keys in 3 masters\./);
  }, 90_000);

  it('reshards 1,000 slots holding keys with MIGRATE, then rebalances, without losing a key', () => {
    for (let i = 0; i < 500; i++) execFileSync('redis-cli', ['-c', '-p', String(ports[i % 3]), 'SET', `r:${i}`, `value-${i}`], { encoding: 'utf8' });
    const target = execFileSync('redis-cli', ['-p', String(ports[1]), 'CLUSTER', 'MYID'], { encoding: 'utf8' }).trim();
    const reshard = execFileSync(
      'redis-cli',
      ['--cluster', 'reshard', `127.0.0.1:${ports[0]}`, '--cluster-from', 'all', '--cluster-to', target, '--cluster-slots', '1000', '--cluster-yes'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(reshard).toContain('Moving slot');
    const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 30_000 });
    expect(check).toContain('[OK] All nodes agree about slots configuration.');
    expect(check).toContain('[OK] All 16384 slots covered.');
    expect(check).toMatch(/6462 slots\) master/);
    const rebalance = execFileSync('redis-cli', ['--cluster', 'rebalance', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 120_000 });
    expect(rebalance).toContain('Rebalancing across 3 nodes');
    const info = execFileSync('redis-cli', ['--cluster', 'info', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 30_000 });
    expect(info).toMatch(/\[OK\] 520 keys in 3 masters\./);
    for (let i = 0; i < 500; i += 7) {
      expect(execFileSync('redis-cli', ['-c', '-p', String(ports[(i + 2) % 3]), 'GET', `r:${i}`], { encoding: 'utf8' })).toBe(`value-${i}\n`);
    }
  }, 240_000);

  it('--cluster call runs a command on every node; --cluster fix closes a slot left half migrated', () => {
    // redis-cli colours its headings; the text is what counts here.
    const plain = (out: string) => out.replace(/\x1b\[[0-9;]*m/g, '');
    const call = plain(execFileSync('redis-cli', ['--cluster', 'call', `127.0.0.1:${ports[0]}`, 'DBSIZE'], { encoding: 'utf8', timeout: 30_000 }));
    expect(call).toContain('>>> Calling DBSIZE');
    for (const port of ports) expect(call).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}: \\d+`));
    const idOf = (port: number) => execFileSync('redis-cli', ['-p', String(port), 'CLUSTER', 'MYID'], { encoding: 'utf8' }).trim();
    // A slot owned by the first node, left MIGRATING there and IMPORTING on the second, as an interrupted reshard leaves it.
    // The first slot of the first node's first range, from its own CLUSTER NODES line.
    const slot = execFileSync('redis-cli', ['-p', String(ports[0]), 'CLUSTER', 'NODES'], { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.includes('myself'))!
      .split(' ')[8]
      .split('-')[0];
    expect(execFileSync('redis-cli', ['-p', String(ports[0]), 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', idOf(ports[1])], { encoding: 'utf8' }).trim()).toBe('OK');
    expect(execFileSync('redis-cli', ['-p', String(ports[1]), 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', idOf(ports[0])], { encoding: 'utf8' }).trim()).toBe('OK');
    const check = spawnSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 30_000 });
    expect(plain(check.stdout)).toContain(`[WARNING] The following slots are open: ${slot}.`);
    const fix = plain(execFileSync('redis-cli', ['--cluster', 'fix', `127.0.0.1:${ports[0]}`, '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 }));
    expect(fix).toContain(`>>> Fixing open slot ${slot}`);
    const after = plain(execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${ports[0]}`], { encoding: 'utf8', timeout: 30_000 }));
    expect(after).toContain('[OK] All nodes agree about slots configuration.');
    expect(after).toContain('[OK] All 16384 slots covered.');
    expect(after).not.toContain('slots are open');
  }, 120_000);
});
