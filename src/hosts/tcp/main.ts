/** cluster-lab-server: parse redis-server's options, start one node on a real TCP port, stop on signals. */
import { readFileSync } from 'node:fs';
import { parseCommandLine, usage, versionLine } from './options.ts';
import { TcpHost } from './tcp-host.ts';
import { Logger, type LogLevel } from './log.ts';

const parsed = parseCommandLine(process.argv.slice(2), (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : String(code));
  }
});

if (parsed.kind === 'version') {
  process.stdout.write(versionLine());
  process.exit(0);
}
if (parsed.kind === 'help') {
  process.stderr.write(usage());
  process.exit(1);
}
if (parsed.kind === 'fatal') {
  process.stderr.write(parsed.message);
  process.exit(1);
}

const logger = new Logger((parsed.config.loglevel as LogLevel) ?? 'notice', parsed.config.logfile ?? '');
logger.log('warning', 'oO0OoO0OoO0Oo Cluster Lab server is starting oO0OoO0OoO0Oo');
logger.log('warning', `Cluster Lab server, a TypeScript model of Redis 7.0.15, pid=${process.pid}, just started`);
if (parsed.configFile === null) logger.log('warning', 'Warning: no config file specified, using the default config.');
let host: TcpHost;
try {
  host = new TcpHost({
    config: parsed.config,
    logger,
    configFile: parsed.configFile,
    // SHUTDOWN: the node has saved what it had to and logged its goodbye; close the sockets and exit.
    onExit: () => void host.close().then(() => process.exit(0)),
  });
} catch (e) {
  // clusterLoadConfig refuses a broken nodes.conf, and redis-server exits on it.
  logger.log('warning', (e as Error).message);
  process.exit(1);
}
try {
  await host.listen();
} catch (e) {
  logger.log('warning', `Warning: Could not create server TCP listening socket *:${host.port}: ${(e as Error).message}`);
  logger.log('warning', 'Failed listening on port ' + host.port + ' (tcp), aborting.');
  process.exit(1);
}

const stop = async (signal: string) => {
  logger.log('warning', `Received ${signal} scheduling shutdown...`);
  await host.close();
  logger.log('warning', 'Cluster Lab server is now ready to exit, bye bye...');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
