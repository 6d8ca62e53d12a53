/**
 * Data types against plain models under random operation sequences (fast-check): whatever the sequence, the
 * engine's replies equal what a Map-based model predicts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';
import { flushReplies, runCommands } from './sim-node.ts';

const run = runCommands;

const flush = flushReplies;
const key = fc.constantFrom('k1', 'k2');
const field = fc.constantFrom('a', 'b', 'c', 'd');
const small = fc.integer({ min: -5, max: 5 }).map(String);

describe('model-based properties', () => {
  it('hashes behave like a Map of Maps', async () => {
    const op = fc.oneof(
      fc.tuple(fc.constant('HSET'), key, field, small),
      fc.tuple(fc.constant('HDEL'), key, field),
      fc.tuple(fc.constant('HGET'), key, field),
      fc.tuple(fc.constant('HLEN'), key),
      fc.tuple(fc.constant('HINCRBY'), key, field, small),
      fc.tuple(fc.constant('HEXISTS'), key, field),
      fc.tuple(fc.constant('EXISTS'), key),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const commands = ops.map((o) => [...o] as string[]);
        const replies = run(commands);
        await flush();
        const model = new Map<string, Map<string, string>>();
        commands.forEach((cmd, i) => {
          const [name, k, f, v] = cmd;
          const h = model.get(k);
          let expected: Reply;
          switch (name) {
            case 'HSET': {
              const m = h ?? new Map<string, string>();
              const isNew = !m.has(f);
              m.set(f, v);
              model.set(k, m);
              expected = { type: 'integer', value: isNew ? 1n : 0n };
              break;
            }
            case 'HDEL': {
              const had = h?.delete(f) ?? false;
              if (h && h.size === 0) model.delete(k);
              expected = { type: 'integer', value: had ? 1n : 0n };
              break;
            }
            case 'HGET':
              expected = h?.has(f) ? { type: 'bulk', value: h.get(f)! } : { type: 'nil', kind: 'bulk' };
              break;
            case 'HLEN':
              expected = { type: 'integer', value: BigInt(h?.size ?? 0) };
              break;
            case 'HEXISTS':
              expected = { type: 'integer', value: h?.has(f) ? 1n : 0n };
              break;
            case 'EXISTS':
              expected = { type: 'integer', value: h ? 1n : 0n };
              break;
            default: {
              const m = h ?? new Map<string, string>();
              const next = BigInt(m.get(f) ?? '0') + BigInt(v);
              m.set(f, next.toString());
              model.set(k, m);
              expected = { type: 'integer', value: next };
            }
          }
          expect(replies[i], `${cmd.join(' ')} (step ${i})`).toEqual(expected);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('strings and counters behave like a Map', async () => {
    const op = fc.oneof(
      fc.tuple(fc.constant('SET'), key, small),
      fc.tuple(fc.constant('GET'), key),
      fc.tuple(fc.constant('DEL'), key),
      fc.tuple(fc.constant('INCRBY'), key, small),
      fc.tuple(fc.constant('APPEND'), key, fc.constantFrom('x', '1')),
      fc.tuple(fc.constant('STRLEN'), key),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const commands = ops.map((o) => [...o] as string[]);
        const replies = run(commands);
        await flush();
        const model = new Map<string, string>();
        commands.forEach((cmd, i) => {
          const [name, k, v] = cmd;
          const cur = model.get(k);
          let expected: Reply;
          if (name === 'SET') {
            model.set(k, v);
            expected = { type: 'status', value: 'OK' };
          } else if (name === 'GET') expected = cur === undefined ? { type: 'nil', kind: 'bulk' } : { type: 'bulk', value: cur };
          else if (name === 'DEL') {
            expected = { type: 'integer', value: model.delete(k) ? 1n : 0n };
          } else if (name === 'APPEND') {
            model.set(k, (cur ?? '') + v);
            expected = { type: 'integer', value: BigInt(model.get(k)!.length) };
          } else if (name === 'STRLEN') expected = { type: 'integer', value: BigInt(cur?.length ?? 0) };
          else if (cur !== undefined && !/^(0|-?[1-9]\d*)$/.test(cur)) {
            expected = { type: 'error', value: 'ERR value is not an integer or out of range' };
          } else {
            const next = BigInt(cur ?? '0') + BigInt(v);
            model.set(k, next.toString());
            expected = { type: 'integer', value: next };
          }
          expect(replies[i], `${cmd.join(' ')} (step ${i})`).toEqual(expected);
        });
      }),
      { numRuns: 60 },
    );
  });
});
