/**
 * INFO against redis-server 7.0: the same sections in the same order with the same field names, and equal
 * values wherever a value does not depend on the machine or the clock (counts of keys, clients, calls, errors,
 * hits and misses, configuration echoes).
 */
import { describe, expect, it } from 'vitest';
import { useServerPair } from './harness.ts';
import type { RespConnection } from '../../src/clients/protocol/resp-connection.ts';

/** Fields whose values describe the machine, the build or the moment, not behaviour. */
const MACHINE_FIELDS = new Set([
  'redis_build_id', 'os', 'monotonic_clock', 'gcc_version', 'process_id', 'run_id', 'tcp_port', 'server_time_usec',
  'uptime_in_seconds', 'uptime_in_days', 'lru_clock', 'executable', 'config_file', 'client_recent_max_input_buffer',
  'client_recent_max_output_buffer', 'master_replid', 'rdb_last_save_time', 'total_net_input_bytes',
  'total_net_output_bytes', 'instantaneous_ops_per_sec', 'instantaneous_input_kbps', 'instantaneous_output_kbps',
  'total_reads_processed', 'total_writes_processed', 'total_connections_received', 'total_commands_processed',
]);

function parseInfo(text: string): { sections: string[]; fields: Map<string, string> } {
  const sections: string[] = [];
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.push(line.slice(2));
    else if (line.includes(':')) {
      const i = line.indexOf(':');
      fields.set(line.slice(0, i), line.slice(i + 1));
    }
  }
  return { sections, fields };
}

describe('INFO compared with redis-server', () => {
  const pair = useServerPair();

  const info = async (conn: RespConnection, ...args: string[]) => {
    const r = await conn.call(['INFO', ...args]);
    if (r.reply.type !== 'bulk' && r.reply.type !== 'verbatim') throw new Error(`INFO replied ${JSON.stringify(r.reply)}`);
    return r.reply.value;
  };

  it('has the same sections and field names, in order, for every section argument', async () => {
    for (const conn of [pair.real, pair.lab]) {
      await conn.call(['FLUSHALL']);
      await conn.call(['CONFIG', 'RESETSTAT']);
      await conn.call(['SET', 'a', '1']);
      await conn.call(['SET', 'b', '2', 'EX', '100']);
      await conn.call(['GET', 'a']);
      await conn.call(['GET', 'missing']);
      await conn.call(['HGET', 'a', 'f']);
      await conn.call(['NOSUCHCOMMAND']);
      await conn.call(['GET']);
      await conn.call(['SELECT', '2']);
      await conn.call(['SET', 'c', '3']);
      await conn.call(['SELECT', '0']);
    }
    for (const args of [[], ['default'], ['all'], ['everything'], ['server'], ['CLIENTS'], ['memory'], ['persistence'], ['stats'], ['replication'], ['cpu'], ['modules'], ['commandstats'], ['errorstats'], ['latencystats'], ['cluster'], ['keyspace'], ['cluster', 'keyspace'], ['keyspace', 'server'], ['nosuch']]) {
      const r = parseInfo(await info(pair.real, ...args));
      const l = parseInfo(await info(pair.lab, ...args));
      expect(l.sections, `INFO ${args.join(' ')}`).toEqual(r.sections);
      // Commands come out in Redis's hash-table order, which is its own: compare those as sets.
      const names = (m: Map<string, string>) => {
        const keys = [...m.keys()];
        const perCommand = keys.filter((k) => k.startsWith('cmdstat_') || k.startsWith('latency_percentiles_usec_')).sort();
        return [...keys.filter((k) => !perCommand.includes(k)), ...perCommand].join(' ');
      };
      expect(names(l.fields), `INFO ${args.join(' ')}`).toEqual(names(r.fields));
    }
  });

  it('reports the same values for what does not depend on the machine', async () => {
    for (const conn of [pair.real, pair.lab]) {
      await conn.call(['CONFIG', 'RESETSTAT']);
      await conn.call(['GET', 'a']);
      await conn.call(['GET', 'missing']);
      await conn.call(['EXISTS', 'a', 'missing']);
      await conn.call(['INCR', 'a']);
      await conn.call(['LPUSH', 'a', 'x']);
      await conn.call(['XADD']);
      await conn.call(['SUBSCRIBE_NOT']);
    }
    const r = parseInfo(await info(pair.real, 'everything'));
    const l = parseInfo(await info(pair.lab, 'everything'));
    const differing: string[] = [];
    for (const [k, v] of r.fields) {
      if (MACHINE_FIELDS.has(k) || k.startsWith('latency_percentiles_usec_') || /memory|mem_|allocator|rss|frag|cpu|lua|vm_|functions|scripts/.test(k)) continue;
      const ours = l.fields.get(k);
      // Command statistics: calls and error counts must agree, durations need not.
      if (k.startsWith('cmdstat_')) {
        const strip = (s: string | undefined) => s?.replace(/usec=\d+,usec_per_call=[\d.]+,/, '');
        if (strip(ours) !== strip(v)) differing.push(`${k}: redis ${v} lab ${ours}`);
        continue;
      }
      // avg_ttl is Redis's running estimate from active expiry samples: compare the counts only.
      if (/^db\d+$/.test(k)) {
        if (ours?.replace(/,avg_ttl=\d+/, '') !== v.replace(/,avg_ttl=\d+/, '')) differing.push(`${k}: redis ${v} lab ${ours}`);
        continue;
      }
      if (ours !== v) differing.push(`${k}: redis ${v} lab ${ours}`);
    }
    expect(differing).toEqual([]);
  });

  it('is a verbatim string under RESP3', async () => {
    for (const conn of [pair.real, pair.lab]) await conn.call(['HELLO', '3']);
    const [r, l] = await Promise.all([pair.real.call(['INFO', 'cluster']), pair.lab.call(['INFO', 'cluster'])]);
    expect(Buffer.from(l.raw).toString('latin1')).toBe(Buffer.from(r.raw).toString('latin1'));
    for (const conn of [pair.real, pair.lab]) await conn.call(['HELLO', '2']);
  });
});
