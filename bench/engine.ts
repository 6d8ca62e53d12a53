/**
 * In-process engine throughput: GET and SET through the whole node (RESP parse, dispatch, execute, reply
 * encoding, the event loop), with pipelined requests delivered in 16 KiB chunks on one connection, as
 * redis-benchmark -P would send them. Wall-clock ops/s on one core. Run alone with `npx tsx bench/engine.ts`.
 */
import { RedisNode } from '../src/engine/server/node.ts';
import { encodePipeline } from '../src/clients/protocol/encode-command.ts';
import { createStringObject } from '../src/engine/keyspace/object.ts';
import type { BenchRow } from './run.ts';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Workload = 'GET' | 'SET' | 'MIXED' | 'EVALSHA';

/** The one-call script of the EVALSHA workload: a GET through redis.call. */
export const ONE_CALL_SCRIPT = "return redis.call('GET', KEYS[1])";

function throughput(keyCount: number, command: Workload): number {
  const node = new RedisNode({ address: '127.0.0.1:6379', seed: 1, startUs: 0, epochMs: 0 });
  for (let i = 0; i < keyCount; i++) node.dbs[0].set(`key:${i}`, createStringObject('xxx'));
  let t = 1000;
  node.advance(t, [{ kind: 'open', at: t, conn: 'c', peer: '127.0.0.1:1' }]);
  const sha = command === 'EVALSHA' ? (node.scripting.createScript(null, ONE_CALL_SCRIPT) as string) : '';
  const batch = command === 'EVALSHA' ? 2_000 : 10_000;
  let k = 0;
  const makeChunks = () => {
    const cmds = Array.from({ length: batch }, () => {
      const key = `key:${k % keyCount}`;
      const get = command === 'GET' || (command === 'MIXED' && k % 2 === 0);
      k++;
      if (command === 'EVALSHA') return ['EVALSHA', sha, '1', key];
      return get ? ['GET', key] : ['SET', key, 'xxx'];
    });
    const wire = encodePipeline(cmds);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < wire.length; at += 16 * 1024) chunks.push(wire.subarray(at, at + 16 * 1024));
    return chunks;
  };
  // Pre-build the traffic so the benchmark measures the node, not the encoder.
  const rounds = Array.from({ length: 80 }, makeChunks);
  const runRound = (chunks: Uint8Array[]) => {
    for (const bytes of chunks) {
      t += 10;
      node.advance(t, [{ kind: 'data', at: t, conn: 'c', bytes }]);
    }
    // Let the node finish whatever is left in its buffers.
    t += 1_000_000;
    node.advance(t, []);
  };
  // Steady state, as a server that has been up for a while: the first half of the traffic warms the JIT and
  // the heap, the second half is measured.
  const warm = rounds.length / 2;
  for (let i = 0; i < warm; i++) runRound(rounds[i]);
  const before = node.stats.totalCommandsProcessed;
  const start = performance.now();
  for (let i = warm; i < rounds.length; i++) runRound(rounds[i]);
  const seconds = (performance.now() - start) / 1000;
  return (node.stats.totalCommandsProcessed - before) / seconds;
}

/**
 * Each workload runs in a fresh process (as benchmark harnesses fork per measurement): a JIT that has only seen
 * one workload is the state of a server serving it, and one workload's type feedback does not slow the next.
 * The mixed row shows a server doing both at once.
 */
function inFreshProcess(keyCount: number, command: Workload): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(keyCount), command], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

export function benchEngine(): BenchRow[] {
  return [
    { name: 'engine GET, 1,000 keys, pipelined', value: inFreshProcess(1000, 'GET'), unit: 'ops/s', note: 'target >= 1.5 M' },
    { name: 'engine SET, 1,000 keys, pipelined', value: inFreshProcess(1000, 'SET'), unit: 'ops/s', note: 'target >= 1.5 M' },
    { name: 'engine GET+SET 50/50, 1,000 keys, pipelined', value: inFreshProcess(1000, 'MIXED'), unit: 'ops/s', note: 'one process doing both' },
    { name: 'engine EVALSHA of a one-call script, 1,000 keys, pipelined', value: inFreshProcess(1000, 'EVALSHA'), unit: 'ops/s', note: "return redis.call('GET', KEYS[1])" },
    { name: 'engine GET, 1,000,000 keys, pipelined', value: inFreshProcess(1_000_000, 'GET'), unit: 'ops/s', note: 'target >= 0.5 M' },
    { name: 'engine SET, 1,000,000 keys, pipelined', value: inFreshProcess(1_000_000, 'SET'), unit: 'ops/s', note: 'target >= 0.5 M' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [keys, command] = process.argv.slice(2);
  if (keys !== undefined) console.log(Math.round(throughput(Number(keys), command as Workload)));
  else for (const r of benchEngine()) console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit} (${r.note})`);
}
