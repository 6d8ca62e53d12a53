/**
 * Encodes a command as a RESP multibulk request, the way every real client sends commands (and a node sends
 * them to another, for MIGRATE). Client programs use it through src/clients/protocol/encode-command.ts.
 */
import type { ByteString } from '../types/bytes.ts';

export function encodeCommand(args: readonly ByteString[]): Uint8Array {
  let size = 1 + String(args.length).length + 2;
  for (const a of args) size += 1 + String(a.length).length + 2 + a.length + 2;
  const out = new Uint8Array(size);
  let at = 0;
  const put = (s: string) => {
    for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  };
  put(`*${args.length}\r\n`);
  for (const a of args) {
    put(`$${a.length}\r\n`);
    put(a);
    put('\r\n');
  }
  return out;
}

/** Several commands in one buffer: a pipeline. */
export function encodePipeline(commands: readonly (readonly ByteString[])[]): Uint8Array {
  const parts = commands.map(encodeCommand);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
