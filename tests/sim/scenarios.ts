/**
 * Scenario builders shared by simulation tests: a few standalone nodes and client programs sending a mix of
 * commands (pipelines, inline commands, errors, protocol errors, QUIT, early closes) at scheduled times.
 */
import type { BaseHost } from '../../src/hosts/network/base-host.ts';
import type { HostConnection, LogEntry } from '../../src/hosts/network/fabric.ts';
import { encodeCommand, encodePipeline } from '../../src/clients/protocol/encode-command.ts';
import { Prng } from '../../src/engine/random/prng.ts';

export const NODES = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** What each client received, as hex, in order: the client-visible history. */
export type Transcript = Record<string, string[]>;

/**
 * Schedules a deterministic workload on `host` (nodes must already exist). The workload itself is drawn from
 * `seed` up front, so it is identical for every host.
 */
export function scheduleWorkload(host: BaseHost, seed: number, clients = 6, commandsPerClient = 25): Transcript {
  const rng = new Prng(seed).fork('workload');
  const transcript: Transcript = {};
  for (let ci = 0; ci < clients; ci++) {
    const name = `client-${ci}`;
    const node = NODES[rng.int(NODES.length)];
    const startUs = 1_000 + rng.int(20_000);
    transcript[name] = [];
    let conn: HostConnection | null = null;
    host.at(startUs, () => {
      conn = host.connect(name, node);
      conn.onData((b) => transcript[name].push(Buffer.from(b).toString('hex')));
      conn.onClose(() => transcript[name].push('closed'));
    });
    let t = startUs;
    for (let k = 0; k < commandsPerClient; k++) {
      t += rng.int(5_000);
      const pick = rng.int(12);
      const key = `key:${rng.int(8)}`;
      let payload: Uint8Array;
      if (pick < 3) payload = encodeCommand(['SET', key, `v${rng.int(1000)}`]);
      else if (pick < 5) payload = encodeCommand(['GET', key]);
      else if (pick < 6) payload = encodeCommand(['DEL', key, `key:${rng.int(8)}`]);
      else if (pick < 7) payload = encodeCommand(['EXISTS', key, key]);
      else if (pick < 8) payload = encodePipeline(Array.from({ length: 1 + rng.int(20) }, (_, i) => ['SET', `p:${i}`, 'x'.repeat(rng.int(100))]));
      else if (pick < 9) payload = ascii(`PING inline${rng.int(9)}\r\n`);
      else if (pick < 10) payload = encodeCommand(['NOSUCHCMD', key]);
      else if (pick < 11) payload = encodeCommand(['SET', key, 'v', 'EX', String(1 + rng.int(3))]);
      else payload = encodeCommand(['PING']);
      // Split some writes in two, as TCP may deliver them.
      const cut = rng.int(3) === 0 ? rng.int(payload.length) : 0;
      const sendAt = t;
      host.at(sendAt, () => {
        if (!conn || conn.closed) return;
        if (cut > 0) {
          conn.send(payload.subarray(0, cut));
          conn.send(payload.subarray(cut));
        } else conn.send(payload);
      });
    }
    // Finish: most clients QUIT, one breaks the protocol, one just closes.
    t += 1_000;
    const ending = ci % 3;
    host.at(t, () => {
      if (!conn || conn.closed) return;
      if (ending === 0) conn.send(encodeCommand(['QUIT']));
      else if (ending === 1) conn.send(ascii('*1\r\n$x\r\n'));
      else conn.close();
    });
  }
  return transcript;
}

/** The history as comparable text: each node's own events in order, then every delivery in delivery order. */
export function canonicalHistory(log: readonly LogEntry[]): { perNode: Record<string, string[]>; deliveries: string[] } {
  const perNode: Record<string, string[]> = {};
  const deliveries: string[] = [];
  for (const e of log) {
    if (e.kind === 'node') (perNode[e.node] ??= []).push(JSON.stringify(e.event));
    else deliveries.push(JSON.stringify(e));
  }
  return { perNode, deliveries };
}
