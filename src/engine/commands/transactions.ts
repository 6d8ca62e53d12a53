/**
 * Transactions (multi.c): MULTI queues commands, EXEC runs them back to back (nothing else runs in between, as
 * the event loop is single-threaded), DISCARD drops them, WATCH makes EXEC fail if a watched key changed.
 * Queuing itself happens in processCommand, which also poisons the transaction when it rejects a command.
 */
import type { CommandDefinition } from './types.ts';
import { call } from '../server/process-command.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';

export function unwatchAllKeys(c: Client): void {
  for (const { db, key } of c.watched) {
    const set = db.watchers.get(key);
    if (!set) continue;
    set.delete(c);
    if (set.size === 0) db.watchers.delete(key);
  }
  c.watched = [];
  c.dirtyCas = false;
}

export function discardTransaction(c: Client): void {
  c.inMulti = false;
  c.queued = [];
  c.dirtyExec = false;
  unwatchAllKeys(c);
}

/** isWatchedKeyExpired: a watched key whose deadline has passed counts as changed, even if nobody touched it. */
function watchedKeyExpired(c: Client, server: Server): boolean {
  const now = server.nowMs();
  return c.watched.some(({ db, key }) => {
    const when = db.expires.get(key);
    return when !== undefined && when <= now && db.keys.has(key);
  });
}

export const transactionCommands: CommandDefinition[] = [
  {
    name: 'multi',
    summaryZh: '开始一个事务：之后的命令进入队列，EXEC 时依次执行',
    cost: () => 0,
    handler: (c) => {
      if (c.inMulti) return c.reply.error('ERR MULTI calls can not be nested');
      c.inMulti = true;
      c.reply.ok();
    },
  },
  {
    name: 'exec',
    summaryZh: '执行事务队列中的所有命令',
    cost: () => 0,
    handler: (c, server) => {
      if (!c.inMulti) return c.reply.error('ERR EXEC without MULTI');
      if (watchedKeyExpired(c, server)) c.dirtyCas = true;
      if (c.dirtyExec || c.dirtyCas) {
        if (c.dirtyExec) c.reply.error('EXECABORT Transaction discarded because of previous errors.');
        else c.reply.nullArray();
        return discardTransaction(c);
      }
      const queued = c.queued;
      // Unwatch before running: the transaction's own writes must not count against it.
      discardTransaction(c);
      c.reply.arrayHeader(queued.length);
      const execArgv = c.argv;
      c.denyBlocking = true;
      c.executing = { queued, argv: execArgv };
      for (const q of queued) {
        c.argv = q.argv;
        call(c, server, q.spec, q.argv);
      }
      c.executing = null;
      c.denyBlocking = false;
      c.argv = execArgv;
    },
  },
  {
    name: 'discard',
    summaryZh: '放弃事务队列',
    cost: () => 0,
    handler: (c) => {
      if (!c.inMulti) return c.reply.error('ERR DISCARD without MULTI');
      discardTransaction(c);
      c.reply.ok();
    },
  },
  {
    name: 'watch',
    summaryZh: '监视键：若在 EXEC 前被修改，事务将失败（乐观锁）',
    cost: () => 0,
    handler: (c) => {
      if (c.inMulti) return c.reply.error('ERR WATCH inside MULTI is not allowed');
      for (let i = 1; i < c.argv.length; i++) {
        const key = c.argv[i];
        if (c.watched.some((w) => w.db === c.db && w.key === key)) continue;
        let set = c.db.watchers.get(key);
        if (!set) c.db.watchers.set(key, (set = new Set()));
        set.add(c);
        c.watched.push({ db: c.db, key });
      }
      c.reply.ok();
    },
  },
  {
    name: 'unwatch',
    summaryZh: '取消对所有键的监视',
    cost: () => 0,
    handler: (c) => {
      unwatchAllKeys(c);
      c.reply.ok();
    },
  },
];
