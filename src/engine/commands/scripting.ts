/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO and FUNCTION: thin entries over the node's
 * Scripting (src/engine/scripting), which holds the Lua states, the caches and the running script.
 */
import type { CommandDefinition } from './types.ts';
import { replyHelp } from './errors.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

export const scriptingCommands: CommandDefinition[] = [
  {
    name: 'eval',
    summaryZh: '在服务器端执行 Lua 脚本',
    cost: () => 0,
    handler: (c, server) => server.scripting.evalCommand(c, false, false),
  },
  {
    name: 'eval_ro',
    summaryZh: '执行只读的 Lua 脚本',
    cost: () => 0,
    handler: (c, server) => server.scripting.evalCommand(c, false, true),
  },
  {
    name: 'evalsha',
    summaryZh: '按 SHA1 执行脚本缓存中的 Lua 脚本',
    cost: () => 0,
    handler: (c, server) => server.scripting.evalCommand(c, true, false),
  },
  {
    name: 'evalsha_ro',
    summaryZh: '按 SHA1 执行只读的缓存脚本',
    cost: () => 0,
    handler: (c, server) => server.scripting.evalCommand(c, true, true),
  },
  {
    name: 'script|load',
    summaryZh: '把脚本加载进脚本缓存但不执行，返回 SHA1',
    cost: (argv) => COMMAND_COST_NS.o1 + argv[2].length * 50,
    handler: (c, server) => {
      const sha = server.scripting.createScript(c, c.argv[2]);
      if (sha !== null) c.reply.bulk(sha);
    },
  },
  {
    name: 'script|exists',
    summaryZh: '检查脚本是否在脚本缓存中',
    cost: (argv) => COMMAND_COST_NS.o1 * argv.length,
    handler: (c, server) => {
      c.reply.arrayHeader(c.argv.length - 2);
      for (let j = 2; j < c.argv.length; j++) c.reply.integer(server.scripting.scriptExists(c.argv[j]) ? 1 : 0);
    },
  },
  {
    name: 'script|flush',
    summaryZh: '清空脚本缓存',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const argv = c.argv;
      if (!(argv.length === 2 || (argv.length === 3 && ['sync', 'async'].includes(argv[2].toLowerCase())))) {
        return c.reply.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      }
      server.scripting.flushScripts();
      c.reply.ok();
    },
  },
  {
    name: 'script|kill',
    summaryZh: '终止正在运行、尚未写入数据的脚本',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => server.scripting.kill(c, true),
  },
  {
    name: 'script|debug',
    summaryZh: '设置脚本调试模式（实验室不支持 Lua 调试器）',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => {
      const mode = c.argv[2].toLowerCase();
      if (mode === 'no') return c.reply.ok();
      if (mode !== 'yes' && mode !== 'sync') return c.reply.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
      c.reply.error("ERR 'script|debug' with YES or SYNC (the Lua debugger) is a Redis 7.0 feature that Cluster Lab does not implement yet");
    },
  },
  {
    name: 'script|help',
    summaryZh: '显示 SCRIPT 子命令的帮助',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => replyHelp(c, SCRIPT_HELP),
  },
  {
    name: 'fcall',
    summaryZh: '调用一个已加载的函数',
    cost: () => 0,
    handler: (c, server) => server.scripting.functions.fcall(c, false),
  },
  {
    name: 'fcall_ro',
    summaryZh: '调用一个只读函数',
    cost: () => 0,
    handler: (c, server) => server.scripting.functions.fcall(c, true),
  },
  {
    name: 'function|load',
    summaryZh: '加载一个函数库（代码以 #!lua name=<库名> 开头）',
    cost: (argv) => COMMAND_COST_NS.o1 + argv[argv.length - 1].length * 50,
    handler: (c, server) => server.scripting.functions.load(c),
  },
  {
    name: 'function|delete',
    summaryZh: '删除一个函数库',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => server.scripting.functions.delete(c),
  },
  {
    name: 'function|list',
    summaryZh: '列出函数库及其函数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => server.scripting.functions.list(c),
  },
  {
    name: 'function|dump',
    summaryZh: '把所有函数库序列化为一个载荷',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => {
      const payload = server.scripting.functions.dump(server.config.get('rdbcompression') === 'yes');
      let s = '';
      for (let i = 0; i < payload.length; i++) s += String.fromCharCode(payload[i]);
      c.reply.bulk(s);
    },
  },
  {
    name: 'function|restore',
    summaryZh: '从 FUNCTION DUMP 的载荷恢复函数库',
    cost: (argv) => COMMAND_COST_NS.o1 + argv[2].length * 50,
    handler: (c, server) => server.scripting.functions.restore(c, c.argv[2]),
  },
  {
    name: 'function|flush',
    summaryZh: '删除所有函数库',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => server.scripting.functions.flush(c),
  },
  {
    name: 'function|stats',
    summaryZh: '显示正在运行的函数和引擎统计',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => server.scripting.functions.stats(c),
  },
  {
    name: 'function|kill',
    summaryZh: '终止正在运行、尚未写入数据的函数',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c, server) => server.scripting.kill(c, false),
  },
  {
    name: 'function|help',
    summaryZh: '显示 FUNCTION 子命令的帮助',
    cost: () => COMMAND_COST_NS.o1,
    handler: (c) => replyHelp(c, FUNCTION_HELP),
  },
];

