/** nodes.conf: what a member saves is what it loads back after a restart (identity, view, epochs, open slots). */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import { RedisNode } from '../../src/engine/server/node.ts';
import { nodesConfText, clusterGenNodesDescription } from '../../src/engine/cluster/describe.ts';

describe('nodes.conf', () => {
  it('round-trips a converged member view', () => {
    const host = new SimHost({ seed: 9, log: false });
    const addrs = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
    const nodes = addrs.map((address) => host.addNode({ address, config: { 'cluster-enabled': 'yes' } }));
    const conns = addrs.map((a, i) => new RespConnection(host.connect(`c${i}`, a)));
    void conns[0].call(['CLUSTER', 'ADDSLOTSRANGE', '0', '5460']);
    void conns[1].call(['CLUSTER', 'ADDSLOTSRANGE', '5461', '10922']);
    void conns[2].call(['CLUSTER', 'ADDSLOTSRANGE', '10923', '16383']);
    void conns[0].call(['CLUSTER', 'MEET', '127.0.0.1', '7001']);
    void conns[0].call(['CLUSTER', 'MEET', '127.0.0.1', '7002']);
    host.runFor(10_000_000);
    void conns[0].call(['CLUSTER', 'SETSLOT', '100', 'MIGRATING', nodes[1].cluster!.myself.id]);
    host.runFor(100_000);
    const view = nodes[0].cluster!;
    const text = nodesConfText(view);
    expect(text.split('\n').filter((l) => l !== '')).toHaveLength(4);
    expect(text).toMatch(/^vars currentEpoch \d+ lastVoteEpoch \d+$/m);

    const restarted = new RedisNode({ address: addrs[0], seed: 123, startUs: 0, epochMs: 0, config: { 'cluster-enabled': 'yes', port: '7000' }, clusterConfig: text });
    const again = restarted.cluster!;
    expect(again.myself.id).toBe(view.myself.id);
    // Links are not saved: after a restart every other node shows disconnected until clusterCron reconnects.
    const expected = text
      .split('\n')
      .map((line) => (line.includes('myself') ? line : line.replace(' connected', ' disconnected')))
      .join('\n');
    expect(nodesConfText(again)).toBe(expected);
    expect(again.migratingTo.get(100)?.id).toBe(nodes[1].cluster!.myself.id);
    expect(clusterGenNodesDescription(again).split('\n').length).toBe(4);
  });

  it('refuses a corrupted file as redis-server does', () => {
    expect(() => new RedisNode({ address: 'x:1', seed: 1, startUs: 0, epochMs: 0, config: { 'cluster-enabled': 'yes' }, clusterConfig: 'garbage line\n' })).toThrow(
      /corrupted cluster config file/,
    );
  });
});
