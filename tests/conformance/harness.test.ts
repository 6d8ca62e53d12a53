/** The harness itself: script parsing, and proof that a real difference is detected. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScript, runScript, startServers, type Servers } from './harness.ts';

describe('conformance harness', () => {
  it('parses commands, raw steps with escapes and frame counts, and reconnects', () => {
    const steps = parseScript('# comment\nSET k "a b"\n@raw:2 "PING\\r\\n\\x00"\n@reconnect\n');
    expect(steps.map((s) => s.kind)).toEqual(['command', 'raw', 'reconnect']);
    expect(Buffer.from(steps[0].bytes).toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n');
    expect(Array.from(steps[1].bytes)).toEqual([80, 73, 78, 71, 13, 10, 0]);
    expect(steps[1].frames).toBe(2);
  });

  describe('against live servers', () => {
    let servers: Servers;
    beforeAll(async () => {
      servers = await startServers();
    });
    afterAll(async () => {
      await servers?.stop();
    });

    it('reports a step whose replies differ (each server reports its own port)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'conf-'));
      const file = join(dir, 'diff.redis');
      writeFileSync(file, 'PING\nCONFIG GET port\n');
      const [ping, port] = await runScript(file, servers);
      expect(ping.real).toBe('+PONG\\r\\n');
      expect(ping.lab).toBe(ping.real);
      expect(port.real).toContain(String(servers.realPort));
      expect(port.lab).not.toBe(port.real);
    });
  });
});
