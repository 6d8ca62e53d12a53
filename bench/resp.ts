/**
 * RESP throughput: parsing pipelined requests (the server's hot path) and encoding replies.
 * Run alone with `npx tsx bench/resp.ts`, or through `npm run bench`.
 */
import { RequestParser } from '../src/engine/resp/request-parser.ts';
import { ReplyWriter } from '../src/engine/resp/reply-writer.ts';
import { encodePipeline } from '../src/clients/protocol/encode-command.ts';
import type { BenchRow } from './run.ts';

/** Runs `fn` (which does `opsPerCall` operations) repeatedly for about `ms`, after a warm-up; returns ops/s. */
function measure(fn: () => void, opsPerCall: number, ms = 1000): number {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    ops += opsPerCall;
    now = performance.now();
  }
  return ops / ((now - start) / 1000);
}

export function benchResp(): BenchRow[] {
  // 1000 pipelined commands, half SET half GET, fed in 16 KiB reads as a server receives them.
  const commands = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? ['SET', `key:${i % 1000}`, 'xyz'] : ['GET', `key:${i % 1000}`]));
  const wire = encodePipeline(commands);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < wire.length; at += 16 * 1024) chunks.push(wire.subarray(at, at + 16 * 1024));
  const parser = new RequestParser();
  const parse = () => {
    let n = 0;
    for (const c of chunks) {
      parser.feed(c);
      for (let r = parser.next(); r !== null; r = parser.next()) n++;
    }
    if (n !== commands.length) throw new Error(`parsed ${n} of ${commands.length}`);
  };

  // Replies written in batches of 100 and taken once per batch, as a server writes once per loop iteration.
  const writer = new ReplyWriter();
  const value = 'v'.repeat(16);
  const encode = () => {
    for (let i = 0; i < 50; i++) {
      writer.ok();
      writer.bulk(value);
    }
    writer.take();
  };

  return [
    { name: 'RESP parse, pipelined SET/GET', value: measure(parse, commands.length), unit: 'commands/s', note: '16 KiB reads' },
    { name: 'RESP encode, +OK and bulk replies', value: measure(encode, 100), unit: 'replies/s', note: 'one take() per 100 replies' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of benchResp()) console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}`);
}
