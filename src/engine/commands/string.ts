/** String commands (t_string.c). This issue brings GET and SET with every option; the family grows later. */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { createStringObject } from '../keyspace/object.ts';
import { ERR, invalidExpireTime } from './errors.ts';
import { parseInt64 } from './parse.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

const INT64_MAX = 9223372036854775807n;

/** SET's options, parsed as parseExtendedStringArgumentsOrReply does. */
interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  /** Which expire option was given and its raw argument. */
  expire: { unit: 'EX' | 'PX' | 'EXAT' | 'PXAT'; arg: string } | null;
}

/**
 * Options may come in any order, each at most once in a compatible combination; a conflicting or unknown
 * option is a syntax error (NX with XX, two expire options, KEEPTTL with an expire, an option missing its value).
 */
function parseSetOptions(argv: string[]): SetOptions | null {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expire: null };
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toUpperCase();
    const hasNext = j < argv.length - 1;
    if (opt === 'NX' && !o.xx) o.nx = true;
    else if (opt === 'XX' && !o.nx) o.xx = true;
    else if (opt === 'GET') o.get = true;
    else if (opt === 'KEEPTTL' && !o.expire) o.keepTtl = true;
    else if ((opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') && !o.keepTtl && hasNext &&
      (!o.expire || o.expire.unit === opt)) {
      // Redis accepts a repeated option of the same kind (the last value wins) but not two different kinds.
      o.expire = { unit: opt, arg: argv[++j] };
    } else return null;
  }
  return o;
}

/** getExpireMillisecondsOrReply: the absolute deadline in unix ms, or an error already replied. */
function expireDeadlineMs(c: Client, server: Server, unit: 'EX' | 'PX' | 'EXAT' | 'PXAT', arg: string): number | null {
  let ms = parseInt64(arg);
  if (ms === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  const seconds = unit === 'EX' || unit === 'EXAT';
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) {
    c.reply.error(invalidExpireTime('set'));
    return null;
  }
  if (seconds) ms *= 1000n;
  if (unit === 'EX' || unit === 'PX') ms += BigInt(server.nowMs());
  // In C the addition wraps to a negative number; Redis reports that as an invalid expire time.
  if (ms > INT64_MAX) {
    c.reply.error(invalidExpireTime('set'));
    return null;
  }
  return Number(ms);
}

export const stringCommands: CommandDefinition[] = [
  {
    name: 'get',
    summaryZh: '获取键的字符串值，键不存在时返回 nil',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const o = c.db.lookup(c.argv[1], server.nowMs());
      if (o === undefined) c.reply.nullBulk();
      else if (o.type !== 'string') c.reply.error(ERR.wrongType);
      else c.reply.bulk(o.value);
    },
  },
  {
    name: 'set',
    summaryZh: '设置键的字符串值，可带 NX/XX、GET 与过期时间选项',
    cost: (argv) => COMMAND_COST_NS.o1 + argv[2].length * COMMAND_COST_NS.perByte,
    handler: (c, server) => {
      const opts = parseSetOptions(c.argv);
      if (opts === null) {
        c.reply.error(ERR.syntax);
        return;
      }
      let deadline: number | null = null;
      if (opts.expire) {
        deadline = expireDeadlineMs(c, server, opts.expire.unit, opts.expire.arg);
        if (deadline === null) return;
      }
      const key = c.argv[1];
      const existing = c.db.lookup(key, server.nowMs());
      if (opts.get) {
        // SET ... GET replies with the old value first; a non-string old value aborts the whole command.
        if (existing === undefined) c.reply.nullBulk();
        else if (existing.type !== 'string') {
          c.reply.error(ERR.wrongType);
          return;
        } else c.reply.bulk(existing.value);
      }
      if ((opts.nx && existing !== undefined) || (opts.xx && existing === undefined)) {
        if (!opts.get) c.reply.nullBulk();
        return;
      }
      c.db.set(key, createStringObject(c.argv[2]), opts.keepTtl);
      if (deadline !== null) c.db.setExpire(key, deadline);
      server.markDirty();
      if (!opts.get) c.reply.ok();
    },
  },
];
