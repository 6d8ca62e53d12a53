/**
 * The count argument of HRANDFIELD and ZRANDMEMBER (t_hash.c / t_zset.c), checked in Redis's order: the count
 * (getRangeLongFromObjectOrReply, -LONG_MAX to LONG_MAX), then extra or unknown arguments, then the tighter
 * bound when each pick takes two reply items (WITHVALUES, WITHSCORES).
 */
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { ERR } from './errors.ts';
import { isKeyword, outOfRange, parseInt64 } from './parse.ts';

const LONG_MAX = 9223372036854775807n;

/** `withOption` is the keyword that doubles the reply (WITHVALUES or WITHSCORES). null after replying. */
export function parseRandomCount(c: Client, withOption: string): { count: bigint; withPairs: boolean } | null {
  const count = parseInt64(c.argv[2]);
  if (count === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  if (count < -LONG_MAX) {
    c.reply.error(outOfRange(-LONG_MAX, LONG_MAX));
    return null;
  }
  if (c.argv.length > 4 || (c.argv.length === 4 && !isKeyword(c.argv[3], withOption))) {
    c.reply.error(ERR.syntax);
    return null;
  }
  const withPairs = c.argv.length === 4;
  if (withPairs && (count < -LONG_MAX / 2n || count > LONG_MAX / 2n)) {
    c.reply.error('ERR value is out of range');
    return null;
  }
  return { count, withPairs };
}

/** `k` distinct indexes below `size`, uniformly (a partial Fisher-Yates shuffle), in the order drawn. */
export function sampleIndexes(server: Server, size: number, k: number): number[] {
  const idx = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + server.rng.int(size - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  idx.length = k;
  return idx;
}
