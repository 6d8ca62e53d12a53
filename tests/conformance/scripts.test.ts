/**
 * Every script in tests/conformance/scripts runs against a real redis-server 7.0 and against
 * cluster-lab-server; replies must match byte for byte unless listed in known-differences.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, normalizeCluster, runScript, startServers, type Servers } from './harness.ts';
import { knownDifference } from './known-differences.ts';

const DIR = join(ROOT, 'tests/conformance/scripts');
const scripts = readdirSync(DIR).filter((f) => f.endsWith('.redis')).sort();

describe('conformance with redis-server 7.0', () => {
  let servers: Servers;
  beforeAll(async () => {
    servers = await startServers();
  });
  afterAll(async () => {
    await servers?.stop();
  });

  it('has scripts', () => {
    expect(scripts.length).toBeGreaterThan(0);
  });

  it.each(scripts)('%s', async (script) => {
    // A script may ask for servers of its own: a first line "# @server --requirepass secret".
    const own = /^# @server (.*)$/m.exec(readFileSync(join(DIR, script), 'utf8'));
    const pair = own ? await startServers(own[1].split(' ')) : servers;
    let results;
    try {
      results = await runScript(join(DIR, script), pair);
    } finally {
      if (own) await pair.stop();
    }
    expect(results.length).toBeGreaterThan(0);
    if (own && own[1].includes('--cluster-enabled yes')) {
      for (const r of results) {
        r.real = normalizeCluster(r.real, pair.realPort);
        r.lab = normalizeCluster(r.lab, pair.labPort);
      }
    }
    const failures: string[] = [];
    for (const r of results) {
      if (r.real.endsWith('<timeout>')) failures.push(`${script}:${r.step.line}: the real server did not answer: ${r.step.text}`);
      if (r.real === r.lab) continue;
      const known = knownDifference(script, r.step.text);
      if (known) {
        console.info(`known difference ${script}:${r.step.line} (${known.reason})`);
        continue;
      }
      failures.push(`${script}:${r.step.line}: ${r.step.text}\n    redis: ${r.real}\n    lab:   ${r.lab}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
