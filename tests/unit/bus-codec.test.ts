/** The TCP cluster bus framing (src/hosts/tcp/bus-codec.ts): lossless round trips, stream reassembly, garbage refused. */
import { describe, expect, it } from 'vitest';
import { BusCodecError, BusFrameDecoder, decodeBusMessage, encodeBusMessage, MAX_BUS_FRAME } from '../../src/hosts/tcp/bus-codec.ts';
import type { BusMessage } from '../../src/engine/cluster/bus-message.ts';

function slots(...ranges: [number, number][]): Uint8Array {
  const b = new Uint8Array(2048);
  for (const [lo, hi] of ranges) for (let s = lo; s <= hi; s++) b[s >> 3] |= 1 << (s & 7);
  return b;
}

// Built with a cast, so the test does not depend on fields BusMessage may gain (they travel generically).
const ping = {
  type: 'ping',
  sender: 'a'.repeat(40),
  currentEpoch: 7,
  configEpoch: 3,
  offset: 123456789012,
  myslots: slots([0, 5460], [12182, 12182]),
  slaveof: null,
  myip: '',
  port: 7000,
  cport: 17000,
  flags: 1,
  state: 'ok',
  gossip: [
    { id: 'b'.repeat(40), pingSentS: 1700000000, pongReceivedS: 1700000001, ip: '127.0.0.1', port: 7001, cport: 17001, flags: 1 | 4 },
    { id: 'c'.repeat(40), pingSentS: 0, pongReceivedS: 0, ip: '::1', port: 7002, cport: 17002, flags: 2 | 512 },
  ],
  myslotsHash: 0x1234abcd,
} as unknown as BusMessage;

const update = {
  ...ping,
  type: 'update',
  gossip: undefined,
  slaveof: 'd'.repeat(40),
  flags: 2,
  state: 'fail',
  update: { id: 'e'.repeat(40), configEpoch: 9, slots: slots([100, 200], [16383, 16383]) },
} as unknown as BusMessage;

const fail = { ...ping, type: 'fail', gossip: undefined, fail: { about: 'f'.repeat(40) } } as unknown as BusMessage;

describe('bus codec', () => {
  it("leaves out the engine's in-thread lookup numbers, which mean nothing in another process", () => {
    const realm = {};
    const withNumbers = { ...ping, realm, senderNum: 4, gossip: ping.gossip!.map((g, i) => ({ ...g, realm, num: i })) } as BusMessage;
    const back = decodeBusMessage(encodeBusMessage(withNumbers));
    expect(back).toEqual(ping);
    expect('realm' in back || 'senderNum' in back || back.gossip!.some((g) => 'realm' in g || 'num' in g)).toBe(false);
  });

  it('round-trips messages with slots, gossip, fail and update, losslessly', () => {
    for (const m of [ping, update, fail]) {
      const frame = encodeBusMessage(m);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      expect(view.getUint32(0)).toBe(frame.length - 4);
      const back = decodeBusMessage(frame);
      expect(back.myslots).toBeInstanceOf(Uint8Array);
      expect(Array.from(back.myslots)).toEqual(Array.from(m.myslots));
      expect(back).toEqual(m);
    }
    const u = decodeBusMessage(encodeBusMessage(update));
    expect(u.update!.slots).toBeInstanceOf(Uint8Array);
    expect(Array.from(u.update!.slots)).toEqual(Array.from(update.update!.slots));
    // Fields the codec does not know about (numbers, strings, byte arrays, nested) travel unchanged.
    const extra = { ...ping, futureNumber: 42, futureText: 'x', futureBytes: new Uint8Array([0, 1, 255]), futureNested: { a: [1, 'b'] } };
    const back = decodeBusMessage(encodeBusMessage(extra as BusMessage)) as unknown as typeof extra;
    expect(back).toEqual(extra);
    expect(back.futureBytes).toBeInstanceOf(Uint8Array);
    expect((back as unknown as { myslotsHash: number }).myslotsHash).toBe(0x1234abcd);
    // A compact encoding: a 2 KB bitmap costs about 2.7 KB, not the ~8 KB of a JSON number array.
    expect(encodeBusMessage(fail).length).toBeLessThan(3200);
  });

  it('reassembles frames split anywhere and several frames in one chunk', () => {
    const stream = new Uint8Array([...encodeBusMessage(ping), ...encodeBusMessage(update), ...encodeBusMessage(fail)]);
    // One byte at a time.
    const d1 = new BusFrameDecoder();
    const got1: BusMessage[] = [];
    for (let i = 0; i < stream.length; i++) got1.push(...d1.push(stream.subarray(i, i + 1)));
    expect(got1).toEqual([ping, update, fail]);
    expect(d1.buffered).toBe(0);
    // All at once.
    expect(new BusFrameDecoder().push(stream)).toEqual([ping, update, fail]);
    // Random cuts.
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let round = 0; round < 50; round++) {
      const d = new BusFrameDecoder();
      const got: BusMessage[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = 1 + rand(4000);
        got.push(...d.push(stream.subarray(at, at + n)));
        at += n;
      }
      expect(got.map((m) => m.type)).toEqual(['ping', 'update', 'fail']);
      expect(d.buffered).toBe(0);
    }
    // A partial frame stays buffered until the rest arrives.
    const d2 = new BusFrameDecoder();
    const f = encodeBusMessage(fail);
    expect(d2.push(f.subarray(0, 3))).toEqual([]);
    expect(d2.push(f.subarray(3, 100))).toEqual([]);
    expect(d2.buffered).toBe(100);
    expect(d2.push(f.subarray(100))).toEqual([fail]);
  });

  it('refuses garbage with a BusCodecError, and stays failed', () => {
    const frameOf = (body: string) => {
      const b = new TextEncoder().encode(body);
      const f = new Uint8Array(4 + b.length);
      new DataView(f.buffer).setUint32(0, b.length);
      f.set(b, 4);
      return f;
    };
    const bad = [
      new TextEncoder().encode('PING\r\n'), // a length far above the limit
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      frameOf('hello'),
      frameOf('[]'),
      frameOf('null'),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), type: 'bogus' })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), myslots: 'AAAA' })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), port: '7000' })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), flags: -1 })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), gossip: [{ id: 1 }] })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), myslots: { $u8: 5 } })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), myslots: { $u8: '!!' } })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(ping).subarray(4))), myslots: [0, 1] })),
      frameOf(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(encodeBusMessage(update).subarray(4))), update: { id: 'x', configEpoch: 1 } })),
    ];
    for (const b of bad) {
      const d = new BusFrameDecoder();
      expect(() => d.push(b)).toThrow(BusCodecError);
      expect(() => d.push(encodeBusMessage(ping))).toThrow(BusCodecError);
    }
    expect(MAX_BUS_FRAME).toBeLessThan(0x50494e47);
    // Garbage after a good frame: the good one was delivered, then the stream fails (the host closes it).
    const d = new BusFrameDecoder();
    expect(d.push(encodeBusMessage(ping))).toEqual([ping]);
    expect(() => d.push(frameOf('{"type":"ping"}'))).toThrow(BusCodecError);
  });
});
