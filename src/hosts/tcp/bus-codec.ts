/**
 * The cluster bus over real TCP: how a BusMessage (plain data) becomes bytes and back.
 *
 * The lab does not speak Redis's binary bus format (cluster.h clusterMsg); cluster-lab-server processes talk to
 * each other only. A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON in which every
 * Uint8Array (the 2048-byte slot bitmaps) is an object `{"$u8": "<base64>"}`. Fields are carried generically, so
 * a field added to BusMessage travels without a change here (all but the engine's in-thread lookup numbers);
 * decoding then checks the fields the engine relies on, so a frame that does not come from a cluster-lab-server
 * (a port scanner, a real Redis node, a wrong port) is refused with an error instead of reaching the engine.
 */
import { Buffer } from 'node:buffer';
import type { BusMessage } from '../../engine/cluster/bus-message.ts';
import { MESSAGE_TYPES } from '../../engine/cluster/cluster-state.ts';
import { CLUSTER_SLOTS } from '../../engine/cluster/slots.ts';

/** Bytes of a slot bitmap. */
const SLOTS_BYTES = CLUSTER_SLOTS / 8;
/** The largest frame accepted: far above any real message (a 2 KB bitmap plus ~200 bytes per gossip entry). */
export const MAX_BUS_FRAME = 8 * 1024 * 1024;
const KNOWN_TYPES = new Set<string>(MESSAGE_TYPES);
const U8_TAG = '$u8';
/** The engine's in-thread lookup shortcuts (GossipEntry.realm): meaningless in another process, so not sent. */
const IN_THREAD_ONLY = new Set(['realm', 'num', 'senderNum']);

export class BusCodecError extends Error {}

/** One frame: length prefix plus JSON. */
export function encodeBusMessage(msg: BusMessage): Uint8Array {
  const json = Buffer.from(JSON.stringify(msg, (key, value: unknown) => (IN_THREAD_ONLY.has(key) ? undefined : value instanceof Uint8Array ? { [U8_TAG]: base64(value) } : value)), 'utf8');
  const frame = Buffer.allocUnsafe(4 + json.length);
  frame.writeUInt32BE(json.length, 0);
  json.copy(frame, 4);
  return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** The message in one frame's JSON body (without the length prefix). Throws BusCodecError if it is not one. */
export function decodeBusBody(body: Uint8Array): BusMessage {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'), (_key, value: unknown) => {
      if (typeof value !== 'object' || value === null || !(U8_TAG in value)) return value;
      const tagged = value as Record<string, unknown>;
      const b64 = tagged[U8_TAG];
      if (Object.keys(tagged).length !== 1 || typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new BusCodecError('bad byte array');
      return new Uint8Array(Buffer.from(b64, 'base64'));
    });
  } catch (e) {
    if (e instanceof BusCodecError) throw e;
    throw new BusCodecError(`not JSON: ${(e as Error).message}`);
  }
  const o = object(v, 'message');
  if (typeof o.type !== 'string' || !KNOWN_TYPES.has(o.type)) fail('type');
  str(o.sender, 'sender');
  for (const f of ['currentEpoch', 'configEpoch', 'offset', 'port', 'cport'] as const) num(o[f], f);
  slots(o.myslots, 'myslots');
  if (o.slaveof !== null) str(o.slaveof, 'slaveof');
  str(o.myip, 'myip');
  flags(o.flags, 'flags');
  if (o.state !== 'ok' && o.state !== 'fail') fail('state');
  if (o.gossip !== undefined) {
    if (!Array.isArray(o.gossip)) fail('gossip');
    (o.gossip as unknown[]).forEach((g, i) => gossipEntry(g, `gossip[${i}]`));
  }
  if (o.fail !== undefined) str(object(o.fail, 'fail').about, 'fail.about');
  if (o.update !== undefined) {
    const u = object(o.update, 'update');
    str(u.id, 'update.id');
    num(u.configEpoch, 'update.configEpoch');
    slots(u.slots, 'update.slots');
  }
  // Other fields (numbers, strings, byte arrays) travel as they are.
  return o as unknown as BusMessage;
}

/** Decode one whole frame (length prefix included), as encodeBusMessage made it. */
export function decodeBusMessage(frame: Uint8Array): BusMessage {
  const d = new BusFrameDecoder();
  const msgs = d.push(frame);
  if (msgs.length !== 1 || d.buffered !== 0) throw new BusCodecError('not exactly one frame');
  return msgs[0];
}

/**
 * Reassembles frames from a byte stream: chunks may hold part of a frame or several. After push() throws, the
 * stream is out of step and the decoder must not be used again (the connection is to be closed).
 */
export class BusFrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private broken = false;

  /** Bytes held that do not make a whole frame yet. */
  get buffered(): number {
    return this.size;
  }

  push(chunk: Uint8Array): BusMessage[] {
    if (this.broken) throw new BusCodecError('stream already failed');
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.size += chunk.length;
    }
    const out: BusMessage[] = [];
    try {
      for (;;) {
        if (this.size < 4) break;
        const head = this.peekHeader();
        const len = head.readUInt32BE(0);
        if (len > MAX_BUS_FRAME) throw new BusCodecError(`frame of ${len} bytes is too long`);
        if (this.size < 4 + len) break;
        const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
        out.push(decodeBusBody(all.subarray(4, 4 + len)));
        const rest = all.subarray(4 + len);
        // Copy a small remainder out of a big chunk so the big one can be freed.
        this.chunks = rest.length === 0 ? [] : [rest.length < 4096 && all.length > 65536 ? Buffer.from(rest) : rest];
        this.size = rest.length;
      }
    } catch (e) {
      this.broken = true;
      this.chunks = [];
      this.size = 0;
      throw e;
    }
    return out;
  }

  private peekHeader(): Buffer {
    if (this.chunks[0].length >= 4) return this.chunks[0];
    const merged = Buffer.concat(this.chunks, this.size);
    this.chunks = [merged];
    return merged;
  }
}

// --- field checks --------------------------------------------------------------------------------------------

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fail(field: string): never {
  throw new BusCodecError(`bad field ${field}`);
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field);
  return v as Record<string, unknown>;
}

function str(v: unknown, field: string): string {
  return typeof v === 'string' ? v : fail(field);
}

function num(v: unknown, field: string): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fail(field);
}

/** Node flags: a CLUSTER_NODE_* bit mask (or a list of flag names); the engine's type decides which. */
function flags(v: unknown, field: string): void {
  const ok = (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (Array.isArray(v) && v.every((f) => typeof f === 'string'));
  if (!ok) fail(field);
}

function slots(v: unknown, field: string): void {
  if (!(v instanceof Uint8Array) || v.length !== SLOTS_BYTES) fail(field);
}

function gossipEntry(v: unknown, field: string): void {
  const g = object(v, field);
  str(g.id, `${field}.id`);
  str(g.ip, `${field}.ip`);
  for (const f of ['pingSentS', 'pongReceivedS', 'port', 'cport'] as const) num(g[f], `${field}.${f}`);
  flags(g.flags, `${field}.flags`);
}
