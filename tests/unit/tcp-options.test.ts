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

  it('reads --save followed by another option, or last, as save "" (as redis-server 7.0.15 does)', () => {
    const run = (args: string[], readFile: (path: string) => string = noFile) => parseCommandLine(args, readFile);
    expect(run(['--save', '--appendonly', 'no'])).toEqual({ kind: 'run', configFile: null, config: { save: '', appendonly: 'no' } });
    expect(run(['--port', '7000', '--save'])).toEqual({ kind: 'run', configFile: null, config: { port: '7000', save: '' } });
    expect(run(['--SAVE', '--port', '7000'])).toEqual({ kind: 'run', configFile: null, config: { save: '', port: '7000' } });
    expect(run(['/x.conf', '--save'], () => 'save 900 1\n')).toEqual({ kind: 'run', configFile: '/x.conf', config: { save: '' } });
    // With a value it is an ordinary option.
    expect(run(['--save', '900', '1', '--port', '7000'])).toEqual({ kind: 'run', configFile: null, config: { save: '900 1', port: '7000' } });
  });

  it('builds option lines as redis-server does: values after a bare option, even "--x"; "--name value" in one argument', () => {
    const run = (args: string[]) => parseCommandLine(args, noFile);
    expect(run(['--dbfilename', '--foo', '--port', '7000'])).toEqual({ kind: 'run', configFile: null, config: { dbfilename: '--foo', port: '7000' } });
    expect(run(['--port 7000', '--hz', '20'])).toEqual({ kind: 'run', configFile: null, config: { port: '7000', hz: '20' } });
    // What redis-server 7.0.15 printed for each (stderr's fatal block).
    const fatal = (args: string[]) => {
      const r = run(args);
      return r.kind === 'fatal' ? r.message : r.kind;
    };
    expect(fatal(['-x'])).toContain(`at line 2\n>>> '"-x"'\nBad directive or wrong number of arguments\n`);
    expect(fatal(['--port', '6396', '-x'])).toContain(`at line 2\n>>> 'port "6396" "-x"'\nwrong number of arguments\n`);
    expect(fatal(['--port', '6396', '--save', '--', '--appendonly', 'no'])).toContain(`at line 4\n>>> '"--appendonly" "no"'\nBad directive or wrong number of arguments\n`);
    expect(fatal(['--port', '6396', '--bogus', '--save'])).toContain(`at line 3\n>>> 'bogus "--save"'\nBad directive or wrong number of arguments\n`);
    expect(fatal(['--port', '6396', '--appendonly', '--daemonize', 'no'])).toContain(`at line 3\n>>> 'appendonly "--daemonize" "no"'\nwrong number of arguments\n`);
    expect(fatal(['--port', '1', '-'])).toContain('standard input');
  });

  it('quotes arguments like sdscatrepr', () => {
    expect(repr('a b')).toBe('"a b"');
    expect(repr('q"\n\x01')).toBe('"q\\"\\n\\x01"');
  });
});
