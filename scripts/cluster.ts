/**
 * npm run cluster: a ready Cluster Lab cluster on real TCP ports, for redis-cli, redis-benchmark and your own
 * client libraries. Six cluster-lab-server processes (ports 7000-7005 unless CLUSTER_PORT says otherwise), three
 * masters and three replicas, each with its own directory for nodes.conf and data; Ctrl-C stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RespConnection } from '../src/clients/protocol/resp-connection.ts';
import { createCluster } from '../src/clients/cluster/create-cluster.ts';
import { waitPort } from '../src/hosts/tcp/wait-port.ts';
import { preset } from '../src/scenarios/scenario.ts';
import { planNodes } from '../src/scenarios/build.ts';

const ROOT = resolve(import.meta.dirname, '..');
// The lab's default scenario (3 masters, a replica each), on real ports: the same plan the browser lab starts from.
const scenario = preset('cluster-3x2');
const topology = scenario.topology;
if (topology.kind !== 'cluster') throw new Error('the default preset is a cluster');
topology.basePort = Number(process.env.CLUSTER_PORT ?? topology.basePort);
const replicasPerMaster = topology.replicasPerMaster;
const plan = planNodes(topology, scenario.seed);
const ports = plan.map((n) => n.port);
const nodeTimeout = scenario.config['cluster-node-timeout'] ?? '5000';
const home = mkdtempSync(join(tmpdir(), 'cluster-lab-'));
const procs: ChildProcess[] = [];
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const p of procs) p.kill('SIGTERM');
  console.log('\nStopped the six nodes.');
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

function connect(port: number): Promise<RespConnection> {
  return new Promise((res, rej) => {
    const socket = net.createConnection({ host: '127.0.0.1', port }, () =>
      res(new RespConnection({ send: (b) => socket.write(b), onData: (cb) => socket.on('data', (d) => cb(new Uint8Array(d))), onClose: (cb) => socket.on('close', cb), close: () => socket.destroy() })),
    );
    socket.on('error', rej);
  });
}

async function main(): Promise<void> {
  for (const port of ports) {
    const dir = join(home, String(port));
    mkdirSync(dir);
    const child = spawn(resolve(ROOT, 'bin/cluster-lab-server'), ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-node-timeout', nodeTimeout, '--dir', dir, '--logfile', join(dir, 'log.txt')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`The node on port ${port} exited (${code}); stopping the others.`);
        stop(1);
      }
    });
    procs.push(child);
  }
  await Promise.all(ports.map((p) => waitPort(p)));
  const conns = await Promise.all(ports.map(connect));
  await createCluster({
    conns,
    addresses: ports.map((p) => `127.0.0.1:${p}`),
    replicasPerMaster,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: (line) => console.log(line),
  });
  for (const c of conns) c.close();
  console.log(`
Cluster Lab cluster ready: 3 masters (ports ${ports[0]}-${ports[2]}) and 3 replicas (ports ${ports[3]}-${ports[5]}).
  redis-cli -c -p ${ports[0]}
  redis-cli --cluster check 127.0.0.1:${ports[0]}
  redis-benchmark -p ${ports[0]} --cluster -q
Node directories (nodes.conf, logs): ${home}
Press Ctrl-C to stop.`);
}

main().catch((e) => {
  console.error(`npm run cluster failed: ${(e as Error).message}`);
  stop(1);
});
