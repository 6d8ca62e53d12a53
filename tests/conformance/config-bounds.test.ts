/**
 * Every bool, enum and numeric parameter of config.c's table (types.json), hidden ones included, set with values
 * at and beyond its bounds, negative, non-numeric, with units, as percentages and beyond 64 bits: the replies of
 * redis-server 7.0.15 and cluster-lab-server must be the same bytes, and so must CONFIG GET after every accepted
 * value (each server is then put back to its own previous value).
 *
 * Parameters whose change acts on the process itself (its port, TLS, the AOF, the OOM score, the cluster bus,
 * maxclients' file-descriptor limit) only get values both servers must refuse.
 */
import { describe, expect, it } from 'vitest';
import { useServerPair } from './harness.ts';
import { configRules } from '../../src/engine/config/validate.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

/** A reply as text (bigints included). */
const show = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

/** CONFIG GET's name/value pairs, sorted: with several matches the order is the server's hash table's. */
function pairs(r: Reply): string[] {
  if (r.type !== 'array') return [show(r)];
  const out: string[] = [];
  for (let i = 0; i + 1 < r.value.length; i += 2) out.push(`${(r.value[i] as { value: string }).value}=${(r.value[i + 1] as { value: string }).value}`);
  return out.sort();
}

/** Accepted values of these would rebind, reconfigure TLS, start writing files or touch /proc. */
const SIDE_EFFECTS = /^(port|tls-.*|maxclients|appendonly|oom-score-adj|cluster-announce-.*|watchdog-period|slave-announce-port|replica-announce-port)$/;

function candidates(name: string, rule: ReturnType<typeof configRules>[string]): string[] {
  const junk = ['abc', '', '1.5', '+5', ' 5', '5 ', '007', '-0', '99999999999999999999', '-99999999999999999999'];
  if (rule.kind === 'bool') return SIDE_EFFECTS.test(name) ? ['maybe', '', '1'] : ['yes', 'no', 'YES', 'No', 'maybe', '', '1'];
  if (rule.kind === 'enum') {
    const bad = ['nosuch', '', ' '];
    if (SIDE_EFFECTS.test(name)) return bad;
    const vals = rule.values.flatMap((v) => [v, v.toUpperCase()]);
    const multi = rule.multi ? ['save now', 'now save', 'save nosave', 'save  now', 'force now save', 'default now'] : [];
    return [...vals, ...multi, ...bad];
  }
  if (rule.kind !== 'int') return [];
  const min = BigInt(rule.min);
  const max = BigInt(rule.max);
  const out = [(min - 1n).toString(), (max + 1n).toString(), '-1', '-2147483649', '18446744073709551616', ...junk, '1kb', '-1kb', '5%', '-5%', '101%', '0%', '1x'];
  if (rule.octal) out.push('0777', '778', '0', '00', '-1', '0x1');
  if (!SIDE_EFFECTS.test(name)) {
    out.push(min.toString(), max.toString(), '0', '1', '1024', '2mb', '3GB', '1k', '1m', '1g', '1b', 'mb', '18446744073709551615', '50%', '100%');
  }
  return [...new Set(out)];
}

async function get(conn: RespConnection, name: string): Promise<string> {
  const r = (await conn.call(['CONFIG', 'GET', name])).reply;
  const v = r.type === 'array' ? r.value[1] : undefined;
  if (!v || v.type !== 'bulk') throw new Error(`CONFIG GET ${name}: ${show(r)}`);
  return v.value;
}

describe('CONFIG SET bounds of every parameter compared with redis-server', () => {
  const pair = useServerPair();
  const rules = Object.entries(configRules());

  it('covers the whole table', () => {
    expect(rules.length).toBeGreaterThanOrEqual(150);
  });

  it.each(rules.map(([name]) => [name]))('%s', async (name) => {
    const rule = configRules()[name];
    const diffs: string[] = [];
    const before = await Promise.all([get(pair.real, name), get(pair.lab, name)]);
    for (const v of candidates(name, rule)) {
      const [r, l] = await Promise.all([pair.real.call(['CONFIG', 'SET', name, v]), pair.lab.call(['CONFIG', 'SET', name, v])]);
      if (show(l.reply) !== show(r.reply)) diffs.push(`SET ${JSON.stringify(v)}: real ${show(r.reply)} lab ${show(l.reply)}`);
      if (r.reply.type === 'status' || l.reply.type === 'status') {
        const after = await Promise.all([get(pair.real, name), get(pair.lab, name)]);
        if (after[0] !== after[1]) diffs.push(`GET after ${JSON.stringify(v)}: real ${after[0]} lab ${after[1]}`);
        await pair.real.call(['CONFIG', 'SET', name, before[0]]);
        await pair.lab.call(['CONFIG', 'SET', name, before[1]]);
      }
    }
    expect(diffs).toEqual([]);
  });

  const SPECIAL: [string, string[]][] = [
    ['save', ['100', '100 x', 'a b', '100  1', ' 100 1', '', '0100 01 5 -0', '3600 1 300 100 60 10000', '1 -1', '0 1', '+5 +6', '5 4294967297', '9999999999999999999999 1']],
    ['client-output-buffer-limit', ['normal 0 0', 'normal 1 2 3', 'foo 1 2 3', 'master 1 1 1', 'normal 1mb 2x 3', 'normal  0 0 0', 'pubsub 1k 2kb 3 normal 1 1 1', 'replica 1 1 1', 'REPLICA 2gb 1g 0', 'normal 1 1 -1', 'normal 1 1 4294967296', '']],
    ['oom-score-adj-values', ['0 200 3000', '0 200', '0  200 800', '-0 +5 0x1', '-2000 2000 0', '1 2 3 4', '']],
    ['notify-keyspace-events', ['xyz', 'KEA', 'lsE$gxK', 'A', 'Ag$lshzxeKEtmdn', 'm', 'AE', 'EK', '']],
    ['latency-tracking-info-percentiles', ['50 99', '50 101', 'x', '0.5 100 1e1 .5', '', '-1', '50  99', 'inf', '1e-400', '99.9999999', '0']],
    ['cluster-announce-hostname', ['a_b', 'abc', '', 'a.b-c', 'x'.repeat(255), 'x'.repeat(256), 'é']],
    ['proc-title-template', ['{x}', '{title}', '{title}{server-mode}', 'x{', '{{ }', 'plain', '{port}', '{unixsocket}', '  {title}  ', '{listen-addr', '}']],
    ['bind', [Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`).join(' ')]],
  ];

  it.each(SPECIAL)('special parameter %s', async (name, values) => {
    const diffs: string[] = [];
    const before = await Promise.all([get(pair.real, name), get(pair.lab, name)]);
    expect(before[1]).toBe(before[0]);
    for (const v of values) {
      const [r, l] = await Promise.all([pair.real.call(['CONFIG', 'SET', name, v]), pair.lab.call(['CONFIG', 'SET', name, v])]);
      if (show(l.reply) !== show(r.reply)) diffs.push(`SET ${JSON.stringify(v)}: real ${show(r.reply)} lab ${show(l.reply)}`);
      const after = await Promise.all([get(pair.real, name), get(pair.lab, name)]);
      if (after[0] !== after[1]) diffs.push(`GET after ${JSON.stringify(v)}: real ${after[0]} lab ${after[1]}`);
    }
    await pair.real.call(['CONFIG', 'SET', name, before[0]]);
    await pair.lab.call(['CONFIG', 'SET', name, before[1]]);
    expect(diffs).toEqual([]);
  });

  it('an uppercase name is reported in lower case in a value error, as typed in a name error', async () => {
    for (const args of [['MAXMEMORY', '-1'], ['Proto-Max-Bulk-Len', '0'], ['DATABASES', '4'], ['hz', 'x', 'NOSUCH', '1'], ['hz', '1', 'HZ', '2']]) {
      const [r, l] = await Promise.all([pair.real.call(['CONFIG', 'SET', ...args]), pair.lab.call(['CONFIG', 'SET', ...args])]);
      expect(l.reply, args.join(' ')).toEqual(r.reply);
    }
  });

  it('hidden parameters answer CONFIG GET by exact name only, as on redis-server', async () => {
    for (const args of [['loading-process-events-interval-bytes'], ['KEY-LOAD-DELAY'], ['*delay*'], ['*panic*'], ['loading-*'], ['watchdog-period', 'use-exit-on-panic'], ['rdb-key-save-delay', '*save*']]) {
      const [r, l] = await Promise.all([pair.real.call(['CONFIG', 'GET', ...args]), pair.lab.call(['CONFIG', 'GET', ...args])]);
      expect(pairs(l.reply), args.join(' ')).toEqual(pairs(r.reply));
    }
    const [r, l] = await Promise.all([pair.real.call(['CONFIG', 'GET', '*']), pair.lab.call(['CONFIG', 'GET', '*'])]);
    const names = (x: Reply) => pairs(x).map((p) => p.slice(0, p.indexOf('=')));
    expect(names(l.reply)).toEqual(names(r.reply));
    // Set by name, read back by name; still not listed.
    for (const conn of [pair.real, pair.lab]) {
      expect((await conn.call(['CONFIG', 'SET', 'loading-process-events-interval-bytes', '1024'])).reply).toEqual({ type: 'status', value: 'OK' });
      expect(await get(conn, 'loading-process-events-interval-bytes')).toBe('1024');
      expect(pairs((await conn.call(['CONFIG', 'GET', '*'])).reply).some((p) => p.startsWith('loading-process'))).toBe(false);
      await conn.call(['CONFIG', 'SET', 'loading-process-events-interval-bytes', '2097152']);
    }
  });
});
