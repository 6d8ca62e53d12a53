/** Error replies shared by many commands, with Redis 7.0's exact texts (server.c createSharedObjects). */
export const ERR = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  noAuth: 'NOAUTH Authentication required.',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
} as const;

export function arityError(fullname: string): string {
  return `ERR wrong number of arguments for '${fullname}' command`;
}

export function invalidExpireTime(fullname: string): string {
  return `ERR invalid expire time in '${fullname}' command`;
}
