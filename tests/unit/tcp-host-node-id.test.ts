/**
 * Two cluster-lab-server processes never share a node id: the TCP host seeds each node from the OS random source,
 * not from the pid and the clock (which repeated for processes started in the same millisecond, and gave two
 * nodes of one cluster the same 40-hex id).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TcpHost, osRandomSeed } from '../../src/hosts/tcp/tcp-host.ts';

const dirs: string[] = [];

/** A cluster-enabled host as cluster-lab-server builds it (not listening), in a fresh directory. */
function clusterHost(port: number): TcpHost {
  const dir = mkdtempSync(join(tmpdir(), 'lab-node-id-'));
  dirs.push(dir);
  return new TcpHost({ config: { port: String(port), 'cluster-enabled': 'yes', dir, save: '', appendonly: 'no' } });
}

/** What must differ between two nodes: the cluster node id, the run id and the replication id. */
function ids(h: TcpHost): string[] {
  return [h.node.cluster?.myself.id ?? '', h.node.runId, h.node.repl.replId];
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the TCP host seed', () => {
  it('does not come from the pid and the clock: hosts made in one millisecond, one pid, get different ids', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const a = clusterHost(7001);
    const b = clusterHost(7002);
    expect(ids(a)[0]).toMatch(/^[0-9a-f]{40}$/);
    for (let i = 0; i < 3; i++) expect(ids(a)[i], ['node id', 'run id', 'replication id'][i]).not.toBe(ids(b)[i]);
  });

  it('gives every node of a quickly started cluster its own node id and run id', () => {
    const hosts = Array.from({ length: 24 }, (_, i) => clusterHost(7100 + i));
    expect(new Set(hosts.map((h) => ids(h)[0])).size).toBe(hosts.length);
    expect(new Set(hosts.map((h) => ids(h)[1])).size).toBe(hosts.length);
  });

  it('draws 128 random bits each time', () => {
    const seeds = Array.from({ length: 1000 }, () => osRandomSeed());
    for (const s of seeds) expect(s).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('still honours a seed given by a test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-node-id-'));
    dirs.push(dir);
    const make = () => new TcpHost({ config: { port: '7200', 'cluster-enabled': 'yes', dir }, seed: 42 });
    expect(ids(make())).toEqual(ids(make()));
  });
});
