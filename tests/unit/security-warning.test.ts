/**
 * securityWarningCommand: "POST" and "Host:" as commands are an HTTP request sent to the Redis port (a
 * cross-protocol attack from a web page). Redis frees the client before writing the replies still pending for
 * it and logs a warning at most once a minute. The lab used to send those replies (PING's +PONG) first.
 */
import { describe, expect, it } from 'vitest';
import { SimHost } from '../../src/hosts/sim/sim-host.ts';

const WARNING =
  'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.';

function attack(host: SimHost, name: string, request: string) {
  const conn = host.connect(name, 'n:1');
  let received = '';
  let closed = false;
  conn.onData((b) => (received += String.fromCharCode(...b)));
  conn.onClose(() => (closed = true));
  conn.send(Uint8Array.from(request, (ch) => ch.charCodeAt(0)));
  host.runUntilCondition(() => closed, host.nowUs + 1_000_000);
  return { received, closed };
}

const warnings = (host: SimHost) =>
  host.fabric.log.filter((e) => e.kind === 'node' && e.event.type === 'log' && e.event.text === WARNING).length;

describe('cross-protocol scripting', () => {
  it('closes without the replies pending in the same read, and logs the warning once a minute', () => {
    const host = new SimHost({ seed: 1 });
    host.addNode({ address: 'n:1' });
    expect(attack(host, 'a', 'PING\r\nPOST / HTTP/1.1\r\n')).toEqual({ received: '', closed: true });
    expect(attack(host, 'b', '*1\r\n$4\r\nPING\r\n*2\r\n$5\r\nHost:\r\n$1\r\nx\r\n')).toEqual({ received: '', closed: true });
    expect(warnings(host)).toBe(1);
    host.runFor(61_000_000);
    attack(host, 'c', 'host: x\r\n');
    expect(warnings(host)).toBe(2);
  });
});
