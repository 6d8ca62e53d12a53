import { describe, expect, it } from 'vitest';
import { ClusterNode, ID_REALM, NodeTable, idNumber } from '../../src/engine/cluster/cluster-node.ts';
import type { GossipEntry } from '../../src/engine/cluster/bus-message.ts';

const id = (c: string) => c.repeat(40);

function entry(nodeId: string): GossipEntry {
  return { id: nodeId, pingSentS: 0, pongReceivedS: 0, ip: '127.0.0.1', port: 7000, cport: 17000, flags: 1, realm: ID_REALM, num: idNumber(nodeId) };
}

describe("a member's node table", () => {
  it('finds the node a gossip entry is about, by number in this thread and by id for a copy', () => {
    const table = new NodeTable();
    const a = new ClusterNode(id('a'), '127.0.0.1', 7000, 17000);
    table.set(a.id, a);
    expect(table.forEntry(entry(id('a')))).toBe(a);
    // A copy (another worker's message, a socket's) carries a copy of the realm: looked up by id.
    const copy = structuredClone(entry(id('a')));
    expect(copy.realm).not.toBe(ID_REALM);
    expect(table.forEntry(copy)).toBe(a);
    expect(table.forEntry(entry(id('b')))).toBeUndefined();
  });

  it('forgets a deleted or renamed node under its old number, and clears', () => {
    const table = new NodeTable();
    const a = new ClusterNode(id('c'), '127.0.0.1', 7000, 17000);
    table.set(a.id, a);
    // A handshake entry renamed to the node's real id (delete, then set under the new id).
    table.delete(a.id);
    a.id = id('d');
    table.set(a.id, a);
    expect(table.forEntry(entry(id('c')))).toBeUndefined();
    expect(table.forEntry(entry(id('d')))).toBe(a);
    expect(table.delete(id('c'))).toBe(false);
    table.clear();
    expect(table.forEntry(entry(id('d')))).toBeUndefined();
    expect(table.size).toBe(0);
  });
});
