/** Test helper: commands run one by one through a fresh simulated node. */
import { SimHost } from '../../src/hosts/sim/sim-host.ts';
import { RespConnection } from '../../src/clients/protocol/resp-connection.ts';
import type { Reply } from '../../src/engine/resp/reply-parser.ts';

/**
 * The replies to `commands`, in order. The array fills as the promises settle: await `flushReplies()` (or a
 * timer tick) before reading it.
 */
export function runCommands(commands: string[][]): Reply[] {
  const host = new SimHost({ seed: 1 });
  host.addNode({ address: 'n:1' });
  const c = new RespConnection(host.connect('cli', 'n:1'));
  const replies: Reply[] = [];
  for (const cmd of commands) {
    c.call(cmd).then((r) => replies.push(r.reply));
    host.runUntilCondition(() => c.pending === 0, host.nowUs + 1_000_000);
  }
  return replies;
}

/** Lets reply promises settle. */
export const flushReplies = () => new Promise((r) => setTimeout(r, 0));
