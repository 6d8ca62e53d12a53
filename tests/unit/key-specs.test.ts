import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { commandTable, implementedInfoRows } from '../../src/engine/commands/table.ts';
import { commandList } from '../../src/engine/commands/command-command.ts';
import { commandGetKeys, doesCommandHaveKeys, getKeysUsingKeySpecs, lookupKeyCommand } from '../../src/engine/commands/key-specs.ts';

/** Runs commands on one simulated node, in order, and returns their replies. */
function run(...commands: string[][]): Reply[] {
  const host = new SimHost({ seed: 1 });
  host.addNode({ address: 'n:1' });
  const c = new RespConnection(host.connect('cli', 'n:1'));
  const replies: Reply[] = [];
  for (const args of commands) c.call(args).then((r) => replies.push(r.reply));
  host.runUntilCondition(() => c.pending === 0, 1_000_000);
  return replies;
}

async function runAsync(...commands: string[][]): Promise<Reply[]> {
  const replies = run(...commands);
  await new Promise((r) => setTimeout(r, 0));
  return replies;
}

const bulks = (r: Reply): string[] => (r.type === 'array' ? r.value.map((v) => (v.type === 'bulk' ? v.value : `<${v.type}>`)) : [`<${r.type}>`]);

/** Full names: implemented commands, plus containers (CLIENT, CONFIG, ...) whose subcommands are implemented. */
const containers = new Set(implementedInfoRows().filter((r) => r[9].length > 0).map((r) => r[0]));

describe('COMMAND LIST', () => {
  it('lists exactly the implemented commands, subcommands as parent|sub, and containers COMMAND COUNT counts', async () => {
    const [list, count] = await runAsync(['COMMAND', 'LIST'], ['COMMAND', 'COUNT']);
    const names = bulks(list);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(commandTable.has(n) || containers.has(n), n).toBe(true);
    for (const n of commandTable.keys()) expect(names, n).toContain(n);
    for (const n of containers) expect(names, n).toContain(n);
    expect(names).toContain('client|setname');
    expect(names).toContain('command|list');
    expect(names).not.toContain('client|tracking');
    // COMMAND COUNT counts top-level commands, as Redis does.
    expect(count).toEqual({ type: 'integer', value: BigInt(names.filter((n) => !n.includes('|')).length) });
  });

  it('FILTERBY ACLCAT lists the commands of one category, named case-insensitively, without the @', async () => {
    const [strings, upper, withAt, bogus] = await runAsync(
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string'],
      ['command', 'list', 'filterby', 'aclcat', 'STRING'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', '@string'],
      ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'],
    );
    const names = bulks(strings);
    expect(names).toContain('get');
    expect(names).toContain('set');
    expect(names).not.toContain('hset');
    for (const n of names) expect(commandTable.get(n)?.aclCategories, n).toContain('@string');
    const expected = [...commandTable.values()].filter((s) => s.aclCategories.includes('@string')).map((s) => s.name);
    expect(names.sort()).toEqual(expected.sort());
    expect(bulks(upper).sort()).toEqual(names);
    expect(bulks(withAt)).toEqual([]);
    expect(bulks(bogus)).toEqual([]);
    // Containers are listed under their own categories too.
    expect(commandList(['command', 'list', 'filterby', 'aclcat', 'slow'])).toContain('client');
  });

  it('FILTERBY PATTERN globs the full name case-insensitively; MODULE lists nothing', () => {
    const clientSubs = [...commandTable.keys()].filter((n) => n.startsWith('client|')).sort();
    expect(clientSubs.length).toBeGreaterThan(3);
    expect((commandList(['command', 'list', 'FILTERBY', 'PATTERN', 'client|*']) as string[]).sort()).toEqual(clientSubs);
    expect((commandList(['command', 'list', 'FILTERBY', 'PATTERN', 'CLIENT|*']) as string[]).sort()).toEqual(clientSubs);
    expect(commandList(['command', 'list', 'FILTERBY', 'PATTERN', 'g?t'])).toEqual(['get']);
    expect(commandList(['command', 'list', 'FILTERBY', 'PATTERN', 'command*'])).toEqual(expect.arrayContaining(['command', 'command|getkeys', 'command|help']));
    expect(commandList(['command', 'list', 'FILTERBY', 'MODULE', 'x'])).toEqual([]);
  });

  it('rejects anything but one FILTERBY with a type and an argument', () => {
    const syntax = { error: 'ERR syntax error' };
    expect(commandList(['command', 'list', 'foo'])).toEqual(syntax);
    expect(commandList(['command', 'list', 'filterby', 'pattern'])).toEqual(syntax);
    expect(commandList(['command', 'list', 'filterby', 'nosuch', 'x'])).toEqual(syntax);
    expect(commandList(['command', 'list', 'filterby', 'pattern', 'a', 'b'])).toEqual(syntax);
  });
});

describe('key extraction (db.c)', () => {
  const keys = (...argv: string[]) => {
    const r = commandGetKeys(argv);
    return 'error' in r ? r.error : r.keys.map((k) => argv[k.pos]);
  };
  const flags = (...argv: string[]) => {
    const r = commandGetKeys(argv);
    return 'error' in r ? r.error : r.keys.map((k) => [argv[k.pos], k.flags]);
  };

  it('looks commands and subcommands up like lookupCommand', () => {
    expect(lookupKeyCommand(['GeT'])?.name).toBe('get');
    expect(lookupKeyCommand(['OBJECT', 'Encoding', 'k'])?.name).toBe('object|encoding');
    expect(lookupKeyCommand(['config'])?.name).toBe('config');
    expect(lookupKeyCommand(['config', 'nosuch'])).toBeUndefined();
    expect(doesCommandHaveKeys(lookupKeyCommand(['spublish'])!)).toBe(false);
    expect(doesCommandHaveKeys(lookupKeyCommand(['sort'])!)).toBe(true);
  });

  it('uses key specs: ranges, keywords and keynum', () => {
    expect(keys('MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(keys('XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0')).toEqual(['a', 'b']);
    expect(keys('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2')).toEqual(['d', 'a', 'b']);
    expect(flags('LMOVE', 'a', 'b', 'LEFT', 'RIGHT')).toEqual([['a', ['RW', 'access', 'delete']], ['b', ['RW', 'insert']]]);
    // An incomplete spec (MIGRATE ... KEYS) makes the whole extraction fail over to the command's proc.
    expect(getKeysUsingKeySpecs(lookupKeyCommand(['migrate'])!, ['MIGRATE', 'h', '1', '', '0', '10', 'KEYS', 'a'])).toBeNull();
    expect(keys('MIGRATE', 'h', '1', '', '0', '10', 'KEYS', 'a', 'b')).toEqual(['a', 'b']);
  });

  it('falls back to the getkeys procs, with their own flags and parsing', () => {
    expect(flags('SET', 'k', 'v', 'GET')).toEqual([['k', ['RW', 'access', 'update']]]);
    expect(flags('SET', 'k', 'v')).toEqual([['k', ['OW', 'update']]]);
    expect(flags('BITFIELD', 'k', 'GET', 'u8', '0')).toEqual([['k', ['RO', 'access']]]);
    expect(flags('SORT', 'k', 'LIMIT', '0', '1', 'STORE', 'd')).toEqual([['k', ['RO', 'access']], ['d', ['OW', 'update']]]);
    // string2ll rejects "2x", atoi in the proc takes 2; the proc reports no flags.
    expect(flags('ZUNIONSTORE', 'd', '2x', 'a', 'b')).toEqual([['a', []], ['b', []], ['d', []]]);
    expect(keys('EVAL', 's', '0')).toEqual([]);
    expect(keys('EVAL', 's', '4294967297', 'a', 'b')).toEqual(['a']);
  });

  it('reports the errors of getKeysSubcommandImpl', () => {
    expect(keys('nosuch', 'a')).toBe('ERR Invalid command specified');
    expect(keys('CONFIG', 'GET', 'x')).toBe('ERR The command has no key arguments');
    expect(keys('GET', 'a', 'b')).toBe('ERR Invalid number of arguments specified for command');
    expect(keys('ZUNIONSTORE', 'd', '3', 'a', 'b')).toBe('ERR Invalid arguments specified for command');
  });
});
