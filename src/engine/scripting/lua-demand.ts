/**
 * Whether what reaches a node may make it run Lua, judged from the bytes before the node sees them, for a host
 * that loads the Lua runtime on demand (runtime.ts). A node needs Lua for EVAL, EVALSHA and their _RO forms,
 * FCALL and FCALL_RO, FUNCTION and SCRIPT, whether a client sends them or its master replicates them, and to load
 * function libraries from a snapshot (an RDB, a full sync, an AOF's base), where each library's code starts with
 * its "#!lua" header. So any data holding one of those names, in any case, counts; a key or a value that happens
 * to contain one only loads Lua a little early, which changes nothing the node does. A name may be split between
 * two deliveries of a connection, so each connection keeps its last few bytes until the next one.
 */
import type { ConnId, Delivery } from '../net/wire.ts';

const NEEDLES = ['eval', 'fcall', 'function', 'script', '#!lua'].map((n) => Uint8Array.from(n, (ch) => ch.charCodeAt(0)));
const CARRY = Math.max(...NEEDLES.map((n) => n.length)) - 1;

function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

/** One of the needles occurs in `bytes`, ignoring ASCII case. */
export function mentionsLua(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = lower(bytes[i]);
    for (const needle of NEEDLES) {
      if (c !== needle[0] || i + needle.length > bytes.length) continue;
      let k = 1;
      while (k < needle.length && lower(bytes[i + k]) === needle[k]) k++;
      if (k === needle.length) return true;
    }
  }
  return false;
}

export class LuaDemand {
  /** Each connection's last bytes, where a name split by the next delivery would begin. */
  private readonly tails = new Map<ConnId, Uint8Array>();

  /** The files a node starts with (a restart's dump.rdb and AOF) may hold function libraries. */
  files(files: ReadonlyMap<string, Uint8Array> | undefined): boolean {
    for (const bytes of files?.values() ?? []) if (mentionsLua(bytes)) return true;
    return false;
  }

  /** An advance's inbox may make the node run Lua. */
  inbox(inbox: readonly Delivery[]): boolean {
    let found = false;
    for (const d of inbox) {
      if (d.kind === 'close') this.tails.delete(d.conn);
      if (d.kind !== 'data' || found) continue;
      const bytes = d.bytes;
      const tail = this.tails.get(d.conn);
      // Where the last delivery's end meets this one's start.
      const seam = tail === undefined ? null : concat(tail, bytes.subarray(0, CARRY));
      found = (seam !== null && mentionsLua(seam)) || mentionsLua(bytes);
      const end = bytes.length >= CARRY || seam === null ? bytes : seam;
      this.tails.set(d.conn, end.slice(Math.max(0, end.length - CARRY)));
    }
    return found;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
