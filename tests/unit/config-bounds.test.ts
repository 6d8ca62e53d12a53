/**
 * config.c's bounds over the whole table (types.json): every numeric parameter takes its bounds and refuses one
 * past them with numericBoundaryCheck's text, memory parameters refuse negatives, the parsers are util.c's, and
 * the table and the parameter list agree. tests/conformance/config-bounds.test.ts compares the same with the
 * real server.
 */
import { describe, expect, it } from 'vitest';
import { configRules, isHiddenConfig, memtoull, string2ll, validateConfigArgs } from '../../src/engine/config/validate.ts';
import { ServerConfig } from '../../src/engine/config/config.ts';
import { parseCommandLine } from '../../src/hosts/tcp/options.ts';

const INT64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;
const numeric = Object.entries(configRules()).flatMap(([name, r]) => (r.kind === 'int' ? [[name, r] as const] : []));

describe('config bounds (config.c static_configs)', () => {
  it('knows every numeric, bool and enum parameter of Redis 7.0.15, hidden ones included', () => {
    const rules = Object.entries(configRules());
    expect(rules.length).toBe(153);
    expect(numeric.length).toBe(81);
    for (const [name] of rules) expect(ServerConfig.isKnown(name), name).toBe(true);
    expect(Object.keys(configRules()).filter(isHiddenConfig).sort()).toEqual(
      ['key-load-delay', 'loading-process-events-interval-bytes', 'rdb-key-save-delay', 'use-exit-on-panic', 'watchdog-period'],
    );
    for (const n of ServerConfig.names()) expect(isHiddenConfig(n), n).toBe(false);
  });

  it.each(numeric.map(([n, r]) => [n, r]))('%s takes its bounds and refuses one past them', (name, rule) => {
    const min = BigInt(rule.min);
    const max = BigInt(rule.max);
    const unsigned = rule.type === 'ulonglong' || rule.type === 'uint' || rule.type === 'size_t';
    const shown = (b: bigint) => (rule.octal ? b.toString(8) : b.toString());
    const between = `argument must be between ${shown(min)} and ${shown(max)} inclusive`;
    // Percentages are held as negative numbers and written "N%"; octal ones in octal.
    const text = (b: bigint) => (rule.octal ? '0' + b.toString(8) : rule.percent && b < 0n ? `${-b}%` : b.toString());
    expect(validateConfigArgs(name, [text(min)]), 'min').not.toHaveProperty('error');
    if (name !== 'repl-backlog-size') expect(validateConfigArgs(name, [text(max)]), 'max').not.toHaveProperty('error');
    if (min > (unsigned ? 0n : INT64_MIN) && !(rule.memory && min === 0n)) {
      const below = validateConfigArgs(name, [text(min - 1n)]);
      if (rule.percent && min - 1n < 0n) expect(below).toEqual({ error: `percentage argument must be less or equal to ${-min}` });
      else expect(below).toEqual({ error: between });
    }
    if (max < (unsigned ? U64_MAX : (1n << 63n) - 1n)) {
      // Past 64 signed bits only memtoull reads a number at all.
      const past = validateConfigArgs(name, [text(max + 1n)]);
      if (max + 1n <= (1n << 63n) - 1n || rule.memory) expect(past).toEqual({ error: between });
      else expect(past).toEqual({ error: "argument couldn't be parsed into an integer" });
    }
    const junk = validateConfigArgs(name, ['abc']);
    expect(junk).toEqual({
      error: rule.memory && rule.percent
        ? 'argument must be a memory or percent value'
        : rule.memory ? 'argument must be a memory value' : rule.octal ? "argument couldn't be parsed as an octal number" : "argument couldn't be parsed into an integer",
    });
    if (rule.memory) expect(validateConfigArgs(name, ['-1']), 'negative memory').toHaveProperty('error');
  });

  it('refuses what issue 18 found accepted', () => {
    expect(validateConfigArgs('proto-max-bulk-len', ['0'])).toEqual({ error: 'argument must be between 1048576 and 9223372036854775807 inclusive' });
    expect(validateConfigArgs('maxmemory', ['-1'])).toEqual({ error: 'argument must be a memory value' });
    expect(validateConfigArgs('zset-max-listpack-value', ['-3'])).toEqual({ error: 'argument must be a memory value' });
    expect(validateConfigArgs('hash-max-listpack-entries', ['-1'])).toEqual({ error: 'argument must be between 0 and 9223372036854775807 inclusive' });
    expect(validateConfigArgs('maxmemory-clients', ['101%'])).toEqual({ error: 'percentage argument must be less or equal to 100' });
    expect(validateConfigArgs('maxmemory-clients', ['5%'])).toEqual({ value: '5%' });
    expect(validateConfigArgs('proto-max-bulk-len', ['1mb'])).toEqual({ value: '1048576' });
  });

  it('parses as util.c does', () => {
    expect(string2ll('007')).toBeNull();
    expect(string2ll('-0')).toBeNull();
    expect(string2ll('+5')).toBeNull();
    expect(string2ll('-9223372036854775808')).toBe(INT64_MIN);
    expect(string2ll('9223372036854775808')).toBeNull();
    expect(memtoull('')).toBe(0n);
    expect(memtoull('mb')).toBe(0n);
    expect(memtoull('1KB')).toBe(1024n);
    expect(memtoull('-1')).toBeNull();
    expect(memtoull('1 mb')).toBeNull();
    // strtoull saturates and the multiplication wraps, as redis-server shows (CONFIG GET maxmemory).
    expect(memtoull('99999999999999999999')).toBe(U64_MAX);
    expect(memtoull('99999999999999999999k')).toBe(18446744073709550616n);
  });

  it('enums: canonical names, flags in table order, SAVE with NOSAVE refused', () => {
    expect(validateConfigArgs('oom-score-adj', ['relative'])).toEqual({ value: 'yes' });
    expect(validateConfigArgs('shutdown-on-sigint', ['now save'])).toEqual({ value: 'save now' });
    expect(validateConfigArgs('shutdown-on-sigint', ['now', 'save'], true)).toEqual({ value: 'save now' });
    expect(validateConfigArgs('shutdown-on-sigint', ['save', '', 'now'], true)).toHaveProperty('error');
    expect(validateConfigArgs('shutdown-on-sigterm', ['save nosave'])).toEqual({ error: "shutdown options SAVE and NOSAVE can't be used simultaneously" });
    expect(validateConfigArgs('loglevel', ['WARNING'])).toEqual({ value: 'warning' });
  });

  it('applies at startup with the fatal block', () => {
    const last = (args: string[]) => {
      const r = parseCommandLine(args, () => '');
      return r.kind === 'fatal' ? r.message.trim().split('\n').slice(-2).join('|') : r;
    };
    expect(last(['--maxmemory', '-1'])).toBe(`>>> 'maxmemory "-1"'|argument must be a memory value`);
    expect(last(['--proto-max-bulk-len', '0'])).toBe(`>>> 'proto-max-bulk-len "0"'|argument must be between 1048576 and 9223372036854775807 inclusive`);
    expect(last(['--unixsocketperm', '999'])).toBe(`>>> 'unixsocketperm "999"'|argument couldn't be parsed as an octal number`);
    expect(last(['--key-load-delay', 'x'])).toBe(`>>> 'key-load-delay "x"'|argument couldn't be parsed into an integer`);
    expect(last(['--loading-process-events-interval-bytes', '1024'])).toMatchObject({ kind: 'run', config: { 'loading-process-events-interval-bytes': '1024' } });
  });

  it('special parameters: Redis\'s setters, values as CONFIG GET shows them, startup lines adding up', () => {
    expect(validateConfigArgs('save', ['100'], true)).toEqual({ error: 'Invalid save parameters' });
    expect(validateConfigArgs('save', ['0100', '01', '5', '-0'], true)).toEqual({ value: '100 1 5 0' });
    expect(validateConfigArgs('notify-keyspace-events', ['KEA'])).toEqual({ value: 'AKE' });
    expect(validateConfigArgs('notify-keyspace-events', ['xyz'])).toEqual({ error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." });
    expect(validateConfigArgs('client-output-buffer-limit', ['replica', '1k', '2kb', '3'], true, 'normal 0 0 0 slave 1 1 1 pubsub 5 5 5')).toEqual({ value: 'normal 0 0 0 slave 1000 2048 3 pubsub 5 5 5' });
    expect(validateConfigArgs('client-output-buffer-limit', ['master', '1', '1', '1'], true)).toEqual({ error: 'Invalid client class specified in buffer limit configuration.' });
    expect(validateConfigArgs('latency-tracking-info-percentiles', ['0.5', '1e1'], true)).toEqual({ value: '0.5 10' });
    expect(validateConfigArgs('oom-score-adj-values', ['0', '200', '3000'], true)).toEqual({ error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' });
    expect(validateConfigArgs('proc-title-template', ['{title}'], true)).toEqual({ error: 'template format is invalid or contains unknown variables' });
    expect(validateConfigArgs('cluster-announce-hostname', ['a_b'], true)).toEqual({ error: 'Hostnames may only contain alphanumeric characters, hyphens or dots' });
    const run = parseCommandLine(['--save', '900 1', '--save', '300 10', '--client-output-buffer-limit', 'pubsub 1 2 3', '--client-output-buffer-limit', 'normal 4 5 6'], () => '');
    expect(run).toMatchObject({
      kind: 'run',
      config: { save: '900 1 300 10', 'client-output-buffer-limit': 'normal 4 5 6 slave 268435456 67108864 60 pubsub 1 2 3' },
    });
  });
});
