/** Error replies shared by many commands, with Redis 7.0's exact texts (server.c createSharedObjects). */
export const ERR = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  noAuth: 'NOAUTH Authentication required.',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
} as const;

/**
 * The name of the command running now (c->cmd->fullname): the queued command inside EXEC and the called one
 * inside a script, where CLIENT LIST's cmd= (lastCommand) still says exec or eval.
 */
export function runningCommandName(c: { cmd: { name: string } | undefined; lastCommand: string }): string {
  return c.cmd?.name ?? c.lastCommand;
}

export function arityError(fullname: string): string {
  return `ERR wrong number of arguments for '${fullname}' command`;
}

/**
 * addReplySubcommandSyntaxError: a container's subcommand with arguments it does not take. Redis quotes the
 * subcommand (at most 128 bytes of it) and names the container in capitals.
 */
export function subcommandSyntaxError(argv: readonly string[]): string {
  return `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`;
}

export function invalidExpireTime(fullname: string): string {
  return `ERR invalid expire time in '${fullname}' command`;
}

/**
 * The most elements the lab builds into one reply. A real server given SRANDMEMBER k -10000000000 builds the
 * reply until it runs out of memory (the default client-output-buffer-limit for normal clients is unlimited);
 * the lab answers an error instead, so a tab never freezes (docs/fidelity.md).
 */
export const MAX_REPLY_ELEMENTS = 4_000_000;

export function replyTooLarge(elements: bigint | number): string {
  return `ERR Cluster Lab builds at most ${MAX_REPLY_ELEMENTS} elements in one reply; this one would have ${elements} (a real server would try and run out of memory)`;
}

/** addReplyHelp: a subcommand container's HELP, one status line each. */
export function replyHelp(c: { reply: { arrayHeader(n: number): void; status(s: string): void } }, lines: readonly string[]): void {
  c.reply.arrayHeader(lines.length);
  for (const line of lines) c.reply.status(line);
}
