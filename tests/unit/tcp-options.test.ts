import { describe, expect, it } from 'vitest';
import { parseCommandLine, repr } from '../../src/hosts/tcp/options.ts';

const noFile = () => {
  throw new Error('No such file or directory');
};

describe('cluster-lab-server command line', () => {
  it('takes redis-server options, with multi-argument ones', () => {
    const r = parseCommandLine(['--port', '7000', '--bind', '127.0.0.1', '::1', '--save', '', '--appendonly', 'YES'], noFile);
    expect(r).toEqual({ kind: 'run', configFile: null, config: { port: '7000', bind: '127.0.0.1 ::1', save: '', appendonly: 'yes' } });
  });

  it('reads a config file first; options come after it and win', () => {
    const r = parseCommandLine(['/x.conf', '--port', '7001'], () => '# c\nport 7000\nhz 50\n');
    expect(r).toEqual({ kind: 'run', configFile: '/x.conf', config: { port: '7001', hz: '50' } });
  });

  it('numbers the lines as redis-server does: options follow the file', () => {
    const noFileErr = parseCommandLine(['--port', '1', '--foo', 'bar'], noFile);
    expect(noFileErr.kind === 'fatal' && noFileErr.message).toContain('at line 3\n>>> \'foo "bar"\'\nBad directive or wrong number of arguments\n');
    const withFile = parseCommandLine(['/x.conf', '--foo'], () => 'port 1\nhz 10');
    expect(withFile.kind === 'fatal' && withFile.message).toContain("at line 3\n>>> 'foo'\n");
  });

  it('validates values with Redis messages', () => {
    const msg = (args: string[]) => {
      const r = parseCommandLine(args, noFile);
      return r.kind === 'fatal' ? r.message.trim().split('\n').pop() : r.kind;
    };
    expect(msg(['--port', 'x'])).toBe("argument couldn't be parsed into an integer");
    expect(msg(['--port', '65536'])).toBe('argument must be between 0 and 65535 inclusive');
    expect(msg(['--cluster-enabled', 'maybe'])).toBe("argument must be 'yes' or 'no'");
    expect(msg(['--port', '1', '2'])).toBe('wrong number of arguments');
    expect(msg(['--include', 'x'])).toContain('does not support');
  });

  it('reports an unreadable config file as redis-server does', () => {
    const r = parseCommandLine(['/nope.conf'], noFile);
    expect(r).toEqual({ kind: 'fatal', message: "Fatal error, can't open config file '/nope.conf': No such file or directory\n" });
  });

  it('quotes arguments like sdscatrepr', () => {
    expect(repr('a b')).toBe('"a b"');
    expect(repr('q"\n\x01')).toBe('"q\\"\\n\\x01"');
  });
});
