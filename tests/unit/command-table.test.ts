import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { commandTable, implementedInfoRows } from '../../src/engine/commands/table.ts';

function call(args: string[]): Reply {
  const host = new SimHost({ seed: 1 });
  host.addNode({ address: 'n:1' });
  const c = new RespConnection(host.connect('cli', 'n:1'));
  let reply: Reply | null = null;
  c.call(args).then((r) => (reply = r.reply));
  host.runUntilCondition(() => c.pending === 0, 1_000_000);
  return new Promise<Reply>((resolve) => setTimeout(() => resolve(reply!), 0)) as unknown as Reply;
}

describe('the command table describes what the lab implements', () => {
  it('every implemented command has Redis metadata, a zh-CN summary and a cost', () => {
    expect(commandTable.size).toBeGreaterThan(120);
    for (const spec of commandTable.values()) {
      expect(spec.summary.en.length, spec.name).toBeGreaterThan(0);
      expect(spec.summary.zh, spec.name).toMatch(/[\u4e00-\u9fff]/);
      expect(typeof spec.cost(['x', 'y', 'z', 'w', 'v', 'u'])).toBe('number');
    }
  });

  it('COMMAND COUNT counts the implemented commands; containers list only implemented subcommands', async () => {
    const count = await call(['COMMAND', 'COUNT']);
    expect(count).toEqual({ type: 'integer', value: BigInt(implementedInfoRows().length) });
    const info = await call(['COMMAND', 'INFO', 'client']);
    const row = info.type === 'array' && info.value[0];
    expect(row && row.type === 'array' && row.value[0]).toEqual({ type: 'bulk', value: 'client' });
    const subs = row && row.type === 'array' ? row.value[9] : null;
    const names = subs && subs.type === 'array' ? subs.value.map((s) => (s.type === 'array' && s.value[0].type === 'bulk' ? s.value[0].value : '?')) : [];
    const implemented = [...commandTable.keys()].filter((n) => n.startsWith('client|')).sort();
    expect(names.sort()).toEqual(implemented);
    // A Redis subcommand the lab lacks is not listed.
    expect(names).not.toContain('client|tracking');
    const all = await call(['COMMAND']);
    expect(all.type === 'array' && all.value.length).toBe(implementedInfoRows().length);
  });
});
