/**
 * MIGRATE (cluster.c migrateCommand): move keys to another server. Redis does this with blocking socket I/O:
 * it connects (or reuses a cached connection), writes AUTH/SELECT and one RESTORE (RESTORE-ASKING in cluster
 * mode) per key with its DUMP payload and remaining TTL, then reads the replies, the whole server waiting
 * meanwhile. The lab blocks its event loop the same way, in virtual time, until the replies arrive or the
 * timeout passes; keys the target accepted are deleted here unless COPY.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { Reply } from '../resp/reply-parser.ts';
import { ERR } from './errors.ts';
import { isKeyword, parseInt64 } from './parse.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { encodePipeline } from '../resp/encode-request.ts';
import { createDumpPayload } from '../persistence/dump-payload.ts';
import { rdbSaveOptions } from './dump-restore.ts';
import { bytesToByteString } from '../types/bytes.ts';

interface MigratePlan {
  to: string;
  dbid: number;
  timeoutMs: number;
  copy: boolean;
  replace: boolean;
  auth: [string | null, string] | null;
  keys: string[];
}

function parse(c: Client): MigratePlan | null {
  let copy = false;
  let replace = false;
  let auth: [string | null, string] | null = null;
  let firstKey = 3;
  let numKeys = 1;
  for (let j = 6; j < c.argv.length; j++) {
    const more = c.argv.length - 1 - j;
    const opt = c.argv[j];
    if (isKeyword(opt, 'COPY')) copy = true;
    else if (isKeyword(opt, 'REPLACE')) replace = true;
    else if (isKeyword(opt, 'AUTH')) {
      if (more < 1) return syntax(c);
      auth = [null, c.argv[++j]];
    } else if (isKeyword(opt, 'AUTH2')) {
      if (more < 2) return syntax(c);
      auth = [c.argv[j + 1], c.argv[j + 2]];
      j += 2;
    } else if (isKeyword(opt, 'KEYS')) {
      if (c.argv[3].length !== 0) {
        c.reply.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
        return null;
      }
      firstKey = j + 1;
      numKeys = c.argv.length - j - 1;
      break;
    } else return syntax(c);
  }
  const timeout = parseInt64(c.argv[5]);
  if (timeout === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  const dbid = parseInt64(c.argv[4]);
  if (dbid === null) {
    c.reply.error(ERR.notInteger);
    return null;
  }
  return {
    to: `${c.argv[1]}:${c.argv[2]}`,
    dbid: Number(dbid),
    timeoutMs: timeout <= 0n ? 1000 : Number(timeout),
    copy,
    replace,
    auth,
    keys: c.argv.slice(firstKey, firstKey + numKeys),
  };
}

function syntax(c: Client): null {
  c.reply.error(ERR.syntax);
  return null;
}

function migrate(c: Client, server: Server): void {
  const plan = parse(c);
  if (plan === null) return;
  // The keys that are here; none at all is not an error.
  const present = plan.keys.filter((k) => c.db.lookup(k, server.nowMs()) !== undefined);
  if (present.length === 0) return c.reply.status('NOKEY');
  attempt(c, server, plan, present, true);
}

/** One try: send everything on the (cached or new) connection, then block the loop for the replies. */
function attempt(c: Client, server: Server, plan: MigratePlan, present: string[], mayRetry: boolean): void {
  const now = server.nowMs();
  const cs = server.outbound.get(plan.to);
  const commands: string[][] = [];
  if (plan.auth) commands.push(plan.auth[0] === null ? ['AUTH', plan.auth[1]] : ['AUTH', plan.auth[0], plan.auth[1]]);
  const select = cs.lastDbid !== plan.dbid;
  if (select) commands.push(['SELECT', String(plan.dbid)]);
  const sent: string[] = [];
  const opts = rdbSaveOptions(server);
  for (const key of present) {
    const o = c.db.keys.get(key);
    if (o === undefined) continue;
    const when = c.db.getExpire(key);
    let ttl = 0;
    if (when !== undefined) {
      ttl = Number(when) - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    const payload = createDumpPayload(o, opts);
    server.spend(payload.length * COMMAND_COST_NS.perByte * 4);
    const cmd = [server.cluster ? 'RESTORE-ASKING' : 'RESTORE', key, String(ttl), bytesToByteString(payload)];
    if (plan.replace) cmd.push('REPLACE');
    commands.push(cmd);
    sent.push(key);
  }
  server.outbound.write(cs, encodePipeline(commands));
  const expected = commands.length;
  const replies: Reply[] = [];
  const timeoutUs = plan.timeoutMs * 1000;
  server.blockOnConnection(c, cs.conn, server.nowUs() + timeoutUs, (timedOut) => {
    const got = server.outbound.read(cs);
    replies.push(...got.replies);
    if (replies.length < expected && !got.closed && !timedOut) return false;
    if (got.refused) {
      // A refused connect surfaces in Redis as the first write failing (the non-blocking connect "succeeds");
      // it retries once on a new connection, then reports the write.
      server.outbound.close(plan.to);
      if (mayRetry) {
        attempt(c, server, plan, present, false);
        return true;
      }
      c.reply.error('IOERR error or timeout writing to target instance');
      return true;
    }
    const socketError = replies.length < expected;
    // A cached connection the peer had closed fails before the first reply: retry once on a new one.
    if (socketError && replies.length === 0 && !timedOut && mayRetry) {
      server.outbound.close(plan.to);
      attempt(c, server, plan, present, false);
      return true;
    }
    finish(c, server, plan, cs, select, sent, replies, socketError);
    return true;
  });
}

/** The second half of migrateCommand: read the replies, delete what moved, reply. */
function finish(
  c: Client,
  server: Server,
  plan: MigratePlan,
  cs: { lastDbid: number },
  select: boolean,
  sent: string[],
  replies: Reply[],
  socketError: boolean,
): void {
  const auth = plan.auth ? replies[0] : undefined;
  const sel = select ? replies[plan.auth ? 1 : 0] : undefined;
  const first = (plan.auth ? 1 : 0) + (select ? 1 : 0);
  let errorFromTarget = false;
  let moved = 0;
  for (let j = 0; j < sent.length; j++) {
    const r = replies[first + j];
    if (r === undefined) break;
    const failure = auth?.type === 'error' ? auth : sel?.type === 'error' ? sel : r.type === 'error' ? r : null;
    if (failure !== null) {
      if (!errorFromTarget) {
        cs.lastDbid = -1;
        errorFromTarget = true;
        c.reply.error(`ERR Target instance replied with error: ${failure.type === 'error' ? failure.value : ''}`);
      }
    } else if (!plan.copy) {
      c.db.delete(sent[j]);
      c.db.touchWatched(sent[j]);
      moved++;
    }
  }
  if (moved > 0) server.markDirty(moved);
  if (socketError) server.outbound.close(plan.to);
  if (!errorFromTarget && socketError) {
    c.reply.error('IOERR error or timeout reading to target instance');
    return;
  }
  if (!errorFromTarget) {
    cs.lastDbid = plan.dbid;
    c.reply.ok();
  }
}

export const migrateCommands: CommandDefinition[] = [
  {
    name: 'migrate',
    summaryZh: '把键原子地迁移到另一个 Redis 实例（集群重新分片用），迁移期间服务器阻塞',
    cost: (argv) => COMMAND_COST_NS.o1 + argv.length * COMMAND_COST_NS.perKey,
    handler: migrate,
  },
];
