/**
 * processCommand and call (server.c): from a parsed argv to an executed command, with Redis's checks in Redis's
 * order. Each rejection uses Redis's exact error text. Later issues insert their checks at the places Redis has
 * them (cluster redirection, OOM, replica read-only, MULTI queueing, ...).
 */
import type { Client } from './client.ts';
import type { Server } from './server.ts';
import { lookupCommand } from '../commands/table.ts';
import { ERR, arityError } from '../commands/errors.ts';
import { COST_NS } from '../loop/cost-model.ts';
import type { CommandSpec } from '../commands/types.ts';
import { getNodeByQuery, redirectError } from '../cluster/routing.ts';
import { discardTransaction } from '../commands/transactions.ts';

export function processCommand(c: Client, server: Server): void {
  const argv = c.argv;
  const name = argv[0];

  // "host:" and "POST" start HTTP requests sent to the Redis port (a cross-protocol attack): Redis logs a
  // security warning and drops the connection without a reply.
  const lower = name.length <= 5 ? name.toLowerCase() : '';
  if (lower === 'host:' || lower === 'post') {
    server.closeAfterReply(c, 'security');
    return;
  }

  server.spend(COST_NS.commandBase);
  const found = lookupCommand(argv);
  if (found.kind !== 'command') {
    flagTransaction(c);
    c.cmd = undefined;
    c.lastCommand = name.toLowerCase();
    if (found.kind === 'container') c.reply.error(arityError(found.fullname));
    else if (found.kind === 'unknown-subcommand') {
      c.reply.error(`ERR unknown subcommand '${cString(argv[1]).slice(0, 128)}'. Try ${found.container.toUpperCase()} HELP.`);
    } else if (found.kind === 'unimplemented') {
      // Arity is checked first, as for any command Redis knows, and counted as a rejected call.
      if ((found.arity > 0 && found.arity !== argv.length) || argv.length < -found.arity) {
        server.stats.command(found.fullname).rejected++;
        c.reply.error(arityError(found.fullname));
      } else c.reply.error(`ERR '${found.fullname}' is a Redis 7.0 command that Cluster Lab does not implement yet`);
    } else c.reply.error(unknownCommandError(argv));
    return;
  }
  const cmd = found.spec;
  c.cmd = cmd;
  c.lastCommand = cmd.name;
  if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
    return reject(c, server, cmd, arityError(cmd.name));
  }
  if (cmd.name === 'debug' && !debugAllowed(c, server)) {
    return reject(
      c,
      server,
      cmd,
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
  }
  if (!c.authenticated && !cmd.noAuth) return reject(c, server, cmd, ERR.noAuth);
  // The master's stream is applied as it comes: no redirection, no memory or replica checks (obey_client).
  if (c.isMaster) return call(c, server, cmd, argv);
  if (c.inMulti && cmd.flags.has('no_multi')) return reject(c, server, cmd, 'ERR Command not allowed inside a transaction');
  // EVAL and FCALL take their write, denyoom and stale flags from the script's own flags (evalGetCommandFlags).
  const flags = SCRIPT_COMMANDS.has(cmd.name) ? server.scripting.commandFlags(cmd, argv) : cmd;
  // Cluster mode: a command with keys (or EXEC) must be served by the node that owns their slot.
  const cluster = server.cluster;
  if (cluster !== null && (cmd.hasKeys || cmd.name === 'exec')) {
    const commands = cmd.name === 'exec' ? (c.inMulti ? c.queued.map((q) => ({ argv: q.argv, isWrite: q.spec.isWrite, name: q.spec.name })) : []) : [{ argv, isWrite: flags.isWrite, name: cmd.name }];
    const allowReads = server.config.get('cluster-allow-reads-when-down') === 'yes';
    const redirect = commands.length === 0 ? null : getNodeByQuery(cluster, c, server.dbs[0], commands, server.nowMs(), allowReads);
    if (redirect !== null) {
      if (cmd.name === 'exec') discardTransaction(c);
      else flagTransaction(c);
      server.stats.forSpec(cmd).rejected++;
      c.reply.error(redirectError(redirect));
      return;
    }
  }
  // Under maxmemory: evict first; if memory still does not fit, refuse what may grow it (and anything queued
  // into a transaction, whose queue grows too).
  if (server.config.maxmemory > 0) {
    const outOfMemory = server.performEvictions() === 'fail';
    const mayGrow =
      flags.denyOom ||
      (c.inMulti && cmd.name === 'exec' && c.queued.some((q) => q.spec.denyOom)) ||
      (c.inMulti && cmd.name !== 'exec' && cmd.name !== 'discard' && cmd.name !== 'quit' && cmd.name !== 'reset');
    if (outOfMemory && mayGrow) return reject(c, server, cmd, ERR.oom);
  }
  const repl = server.repl;
  const isWrite = flags.isWrite || (cmd.name === 'exec' && c.inMulti && c.queued.some((q) => q.spec.isWrite));
  // min-replicas-to-write: a master without enough recent replica ACKs refuses writes.
  if (isWrite && repl.tooFewReplicas()) return reject(c, server, cmd, 'NOREPLICAS Not enough good replicas to write.');
  // A read-only replica (the default) refuses writes from its own clients.
  if (repl.isReplica && isWrite && server.config.get('replica-read-only') === 'yes') {
    return reject(c, server, cmd, "READONLY You can't write against a read only replica.");
  }
  // A RESP2 subscriber's connection carries messages as plain arrays, so it may only manage subscriptions.
  if ((c.channels.size > 0 || c.patterns.size > 0) && c.reply.resp === 2 && !ALLOWED_WHILE_SUBSCRIBED.has(cmd.name)) {
    return reject(c, server, cmd, `ERR Can't execute '${cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
  }
  // replica-serve-stale-data no: while the master link is down, only commands flagged stale run.
  if (repl.isReplica && repl.state !== 'connected' && server.config.get('replica-serve-stale-data') === 'no' && !('stale' in flags ? flags.stale : cmd.flags.has('stale'))) {
    return reject(c, server, cmd, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  }
  // A script past its busy threshold: only commands flagged allow-busy run (SCRIPT KILL, FUNCTION KILL, ...).
  if (server.scripting.busy && !cmd.flags.has('allow_busy')) {
    return reject(c, server, cmd, server.scripting.busyError());
  }
  // CLIENT PAUSE: the command waits, unexecuted, until the pause ends (replicas would not be paused).
  if (server.pauseActive) {
    const mayWrite = flags.mayReplicate || (cmd.name === 'exec' && c.queued.some((q) => q.spec.mayReplicate));
    if (server.isPaused(mayWrite)) {
      server.postpone(c);
      return;
    }
  }
  if (c.inMulti) {
    if (!RUN_INSIDE_MULTI.has(cmd.name)) {
      c.queued.push({ spec: cmd, argv });
      c.reply.status('QUEUED');
      return;
    }
  }
  call(c, server, cmd, argv);
  // processCommand records the stream's end after every executed command, write or not: WAIT waits for it.
  if (c.suspended !== null) c.suspended.push(() => (c.woff = server.repl.masterReplOffset));
  else c.woff = server.repl.masterReplOffset;
}

/**
 * call(): run a command and account for it (calls, virtual time, whether it replied with an error). EXEC
 * runs its queued commands through here too, so each appears in commandstats as in Redis.
 */
export function call(c: Client, server: Server, cmd: CommandSpec, argv: string[]): void {
  const startNs = server.cpuNs();
  const errors = server.stats.totalErrorReplies;
  server.spend(cmd.cost(argv));
  const counting = server.stats.lookups.counting;
  server.stats.lookups.counting = !cmd.isWrite;
  const dirtyBefore = server.dirtyCount();
  c.propagateAs = null;
  const isExec = cmd.name === 'exec';
  if (isExec) server.execBegin();
  // c->cmd is the command running now: EXEC's queued commands and a script's calls report errors in their own
  // name ('hset', not 'exec').
  const outer = c.cmd;
  c.cmd = cmd;
  cmd.handler(c, server);
  c.cmd = outer;
  if (isExec) server.execEnd(c);
  server.stats.lookups.counting = counting;
  // A long script yielded to the event loop: the rest of call() runs when it ends.
  if (c.suspended !== null) {
    c.suspended.push(() => finishCall(c, server, cmd, argv, startNs, errors, dirtyBefore, isExec));
    return;
  }
  finishCall(c, server, cmd, argv, startNs, errors, dirtyBefore, isExec);
}

/** The end of call(): propagation, statistics, the slow log, latency, MONITOR. */
function finishCall(c: Client, server: Server, cmd: CommandSpec, argv: string[], startNs: number, errors: number, dirtyBefore: number, isExec: boolean): void {
  // What changed the data goes to replicas; FLUSHALL/FLUSHDB always do (forceCommandPropagation), and so
  // does PUBLISH outside cluster mode (in a cluster it travels over the bus instead).
  if (!isExec && (server.dirtyCount() > dirtyBefore || FORCE_PROPAGATE.has(cmd.name) || (cmd.name === 'publish' && server.cluster === null))) {
    server.propagateCommand(c, cmd.name, argv);
  }
  c.propagateAs = null;
  const durationNs = server.cpuNs() - startNs;
  server.stats.recordCall(server.stats.forSpec(cmd), durationNs, server.stats.totalErrorReplies > errors);
  const durationUs = Math.floor(durationNs / 1000);
  const config = server.config;
  if (config.slowlogLogSlowerThan >= 0 && durationUs >= config.slowlogLogSlowerThan && cmd.slowlogged) {
    server.slowlog.push(argv, durationUs, server.nowMs(), c.peer, c.name, config.slowlogLogSlowerThan, config.slowlogMaxLen);
  }
  if (config.latencyMonitorThreshold > 0) {
    server.latency.addIfNeeded(cmd.isFast ? 'fast-command' : 'command', Math.floor(durationUs / 1000), server.nowMs(), config.latencyMonitorThreshold);
  }
  // Administrative commands (and those flagged skip_monitor) are not shown to MONITOR clients.
  if (server.monitoring && cmd.monitored) server.feedMonitors(c, argv);
}

const FORCE_PROPAGATE = new Set(['flushall', 'flushdb']);

const SCRIPT_COMMANDS = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * rejectCommand: the command was refused before it ran. A refused EXEC (even outside MULTI) ends the
 * transaction with EXECABORT and the reason (execCommandAbort), e.g. "EXECABORT Transaction discarded because
 * of: wrong number of arguments for 'exec' command": Redis formats its own reasons without the "ERR " code.
 */
function reject(c: Client, server: Server, cmd: CommandSpec, message: string): void {
  flagTransaction(c);
  server.stats.command(cmd.name).rejected++;
  if (cmd.name === 'exec') {
    discardTransaction(c);
    c.reply.error(`EXECABORT Transaction discarded because of: ${message.startsWith('ERR ') ? message.slice(4) : message}`);
    // MONITOR saw MULTI and nothing queued; EXEC tells it the transaction is over.
    if (server.monitoring) server.feedMonitors(c, c.argv);
    return;
  }
  c.reply.error(message);
}

/** allowProtectedAction: enable-debug-command "yes", or "local" for a loopback client. */
function debugAllowed(c: Client, server: Server): boolean {
  const setting = server.config.get('enable-debug-command');
  if (setting === 'yes') return true;
  return setting === 'local' && (c.peer.startsWith('127.') || c.peer.startsWith('[::1]') || c.peer.startsWith('::1'));
}

const ALLOWED_WHILE_SUBSCRIBED = new Set([
  'ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset',
]);

/** Commands that run at once even inside MULTI (everything else is queued). */
const RUN_INSIDE_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** flagTransaction: a command rejected while queuing makes the coming EXEC fail with EXECABORT. */
function flagTransaction(c: Client): void {
  if (c.inMulti) c.dirtyExec = true;
}

/**
 * commandCheckExistence's message: the name (first 128 bytes) and the first arguments, each quoted and
 * followed by a space, until 128 bytes of argument text have been written.
 */
function unknownCommandError(argv: string[]): string {
  const name = argv[0];
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cString(argv[i]).slice(0, 128 - args.length)}' `;
  }
  return `ERR unknown command '${cString(name).slice(0, 128)}', with args beginning with: ${args}`;
}

/** Redis formats these with printf's %s, which stops at the first NUL byte. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}
