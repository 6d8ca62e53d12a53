/**
 * `npm run cluster` (scripts/cluster.ts): six processes become a ready cluster of three masters and three
 * replicas, which the real redis-cli --cluster check accepts, and Ctrl-C (SIGINT to the process group, as a
 * terminal sends it) stops every node.
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import { ROOT, freePortPair } from './harness.ts';

const portOpen = (port: number) =>
  new Promise<boolean>((res) => {
    const s = net.createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
  });

describe('npm run cluster', () => {
  it('starts a ready 3+3 cluster, and Ctrl-C stops it', async () => {
    const ports = [...freePortPair(), ...freePortPair(), ...freePortPair()];
    // The script takes six consecutive ports from CLUSTER_PORT.
    const base = ports[0];
    const child = spawn('node_modules/.bin/tsx', ['scripts/cluster.ts'], { cwd: ROOT, env: { ...process.env, CLUSTER_PORT: String(base) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 60_000;
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not ready:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out).toContain(`redis-cli -c -p ${base}`);
    const check = execFileSync('redis-cli', ['--cluster', 'check', `127.0.0.1:${base}`], { encoding: 'utf8' });
    expect(check).toContain('[OK] All 16384 slots covered.');
    expect(check.match(/ \| 1 slaves\./g)?.length).toBe(3);
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < 6; i++) expect(await portOpen(base + i), `port ${base + i}`).toBe(false);
  }, 90_000);
});
