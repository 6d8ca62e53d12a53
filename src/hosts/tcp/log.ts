/**
 * redis-server's log lines: `pid:role dd Mon yyyy hh:mm:ss.mmm <level> message`, where role is M (master),
 * S (replica), C (child) or X (sentinel), and the level mark is . (debug), - (verbose), * (notice) or # (warning).
 */
import { appendFileSync } from 'node:fs';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';
const MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function formatLogLine(pid: number, role: string, date: Date, level: LogLevel, message: string): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  const stamp = `${p2(date.getDate())} ${MONTHS[date.getMonth()]} ${date.getFullYear()} ${p2(date.getHours())}:${p2(date.getMinutes())}:${p2(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
  return `${pid}:${role} ${stamp} ${MARK[level]} ${message}`;
}

export class Logger {
  constructor(
    private readonly minLevel: LogLevel,
    /** "" logs to standard output, as redis-server does. */
    private readonly file: string,
    /** M for a master, S for a replica: the role letter changes when the node's role does. */
    public role = 'M',
  ) {}

  log(level: LogLevel, message: string): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    const line = formatLogLine(process.pid, this.role, new Date(), level, message) + '\n';
    if (this.file === '') process.stdout.write(line);
    else appendFileSync(this.file, line);
  }
}
