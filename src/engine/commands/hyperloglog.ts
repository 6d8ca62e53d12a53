/**
 * HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE and PFDEBUG. PFSELFTEST is not provided (it
 * adds ten million elements to two sketches, far too much work for a lab node).
 *
 * An HLL is a plain string whose bytes follow Redis's format (keyspace/hll.ts), so GET, DUMP and friends see
 * exactly what a real server would store. Like Redis, the commands modify the value in place: the key keeps
 * its TTL and the object becomes "raw" (dbUnshareStringValue) even when nothing changes. PFCOUNT on one key
 * writes the cached cardinality back into the header.
 */
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import type { StringObject } from '../keyspace/object.ts';
import type { ByteString } from '../types/bytes.ts';
import { createRawStringObject } from '../keyspace/object.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBuffer,
  type SdsAlloc,
  countRegisters,
  decodeSparse,
  denseGet,
  hllAdd,
  hllCount,
  hllMerge,
  hllSet,
  isValidHll,
  newSds,
  sdsOfSize,
  sparseToDense,
} from '../keyspace/hll.ts';

const NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPTED = 'INVALIDOBJ Corrupted HLL object detected';

/** The key's HLL string; undefined when missing; null after replying an error (isHLLObjectOrReply). */
function lookupHll(c: Client, server: Server, key: string): StringObject | undefined | null {
  const o = c.db.lookup(key, server.nowMs());
  if (o === undefined) return undefined;
  if (o.type !== 'string') {
    c.reply.error(ERR.wrongType);
    return null;
  }
  if (!isValidHll(o.value)) {
    c.reply.error(NOT_HLL);
    return null;
  }
  return o;
}

/**
 * What a string object does not show but Redis's sds keeps: the byte just past the end (a NUL, except that a
 * sparse update of a corrupted string ending in half an XZERO opcode writes one byte past the new end, which
 * later reads of that half opcode see) and the exact allocation (MEMORY USAGE). Remembered per object for as
 * long as its value stays the one they belong to.
 */
const hidden = new WeakMap<StringObject, { value: ByteString; tail: number; sds: SdsAlloc }>();

/** The object's bytes and allocation as a working buffer (reading only: no unsharing). */
function bufferOf(o: StringObject): HllBuffer {
  const known = hidden.get(o);
  if (known !== undefined && known.value === o.value) {
    const h = HllBuffer.from(o.value, known.sds);
    h.bytes[h.len] = known.tail;
    return h;
  }
  return HllBuffer.from(o.value, o.enc === 'raw' ? sdsOfSize(o.value.length, o.sdsAlloc) : newSds(o.value.length));
}

/** A change the memory accounting must see, without signalModifiedKey (no WATCH effect). */
function noteResized(c: Client, key: ByteString): void {
  if (c.db.changed !== null) c.db.changed.add(key);
}

/**
 * dbUnshareStringValue: the value becomes a raw string of its own (an embstr is copied into a new sds of
 * exactly its length), then the working buffer over it.
 */
function unshare(c: Client, key: ByteString, o: StringObject): HllBuffer {
  if (o.enc !== 'raw') {
    const sds = newSds(o.value.length);
    o.enc = 'raw';
    o.sdsAlloc = sds.size;
    hidden.set(o, { value: o.value, tail: 0, sds });
    noteResized(c, key);
  }
  return bufferOf(o);
}

/** Writes the buffer back into the object in place (the key keeps its TTL); `signal` is signalModifiedKey. */
function store(c: Client, key: ByteString, o: StringObject, h: HllBuffer, signal: boolean): void {
  o.value = h.toByteString();
  o.enc = 'raw';
  o.sdsAlloc = h.sds.size;
  hidden.set(o, { value: o.value, tail: h.bytes[h.len], sds: h.sds });
  if (signal) c.db.touchWatched(key);
  else noteResized(c, key);
}

/** A new key holding the buffer (dbAdd). */
function add(c: Client, server: Server, key: ByteString, h: HllBuffer): StringObject {
  const o = createRawStringObject(h.toByteString(), server.nowMs());
  o.sdsAlloc = h.sds.size;
  hidden.set(o, { value: o.value, tail: h.bytes[h.len], sds: h.sds });
  c.db.set(key, o);
  return o;
}

function sparseMaxBytes(server: Server): number {
  const v = Number(server.config.get('hll-sparse-max-bytes'));
  return Number.isFinite(v) ? v : 3000;
}

/** Work proportional to the bytes of the HLL strings a command walks through. */
const spendBytes = (server: Server, bytes: number) => server.spend(bytes * COMMAND_COST_NS.perByte);

function pfadd(c: Client, server: Server): void {
  const key = c.argv[1];
  const maxBytes = sparseMaxBytes(server);
  const o = lookupHll(c, server, key);
  if (o === null) return;
  let updated = 0;
  let h: HllBuffer;
  if (o === undefined) {
    h = HllBuffer.create();
    updated++;
  } else {
    h = unshare(c, key, o);
  }
  const sds = h.sds;
  for (let j = 2; j < c.argv.length; j++) {
    const r = hllAdd(h, c.argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      // What was added before the corruption showed stays, as in Redis.
      if (o !== undefined) store(c, key, o, h, false);
      return c.reply.error(CORRUPTED);
    }
  }
  spendBytes(server, h.len);
  if (updated) {
    h.invalidateCache();
    if (o === undefined) add(c, server, key, h);
    else store(c, key, o, h, true);
    server.markDirty(updated);
  } else if (o !== undefined && h.sds !== sds) {
    // sdsMakeRoomFor ran before finding that no register needed raising: the string grew its buffer.
    store(c, key, o, h, false);
  }
  c.reply.integer(updated ? 1 : 0);
}

function pfcount(c: Client, server: Server): void {
  if (c.argv.length > 2) {
    // The union of several sketches, computed in a scratch array: nothing is written.
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < c.argv.length; j++) {
      const o = lookupHll(c, server, c.argv[j]);
      if (o === null) return;
      if (o === undefined) continue;
      spendBytes(server, o.value.length);
      if (!hllMerge(max, bufferOf(o))) return c.reply.error(CORRUPTED);
    }
    spendBytes(server, HLL_REGISTERS);
    return c.reply.integer(countRegisters(max));
  }
  const key = c.argv[1];
  const o = lookupHll(c, server, key);
  if (o === null) return;
  if (o === undefined) return c.reply.integer(0);
  const h = unshare(c, key, o);
  if (h.cacheValid) return c.reply.integer(h.cachedCard);
  spendBytes(server, h.len);
  const card = hllCount(h);
  if (card === null) return c.reply.error(CORRUPTED);
  h.setCachedCard(card);
  store(c, key, o, h, true);
  server.markDirty();
  c.reply.integer(card);
}

function pfmerge(c: Client, server: Server): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // The destination is the first source: its registers are part of the union. Sources are read with
  // lookupKeyRead, which counts keyspace hits and misses even in this write command.
  const lookups = server.stats.lookups;
  const counting = lookups.counting;
  lookups.counting = true;
  try {
    for (let j = 1; j < c.argv.length; j++) {
      const o = lookupHll(c, server, c.argv[j]);
      if (o === null) return;
      if (o === undefined) continue;
      const h = bufferOf(o);
      if (h.encoding === HLL_DENSE) useDense = true;
      spendBytes(server, h.len);
      if (!hllMerge(max, h)) return c.reply.error(CORRUPTED);
    }
  } finally {
    lookups.counting = counting;
  }
  const key = c.argv[1];
  const maxBytes = sparseMaxBytes(server);
  const existing = c.db.lookup(key, server.nowMs()) as StringObject | undefined;
  let h: HllBuffer;
  let target: StringObject;
  if (existing === undefined) {
    h = HllBuffer.create();
    target = add(c, server, key, h);
  } else {
    target = existing;
    h = unshare(c, key, target);
  }
  if (useDense && !sparseToDense(h)) return c.reply.error(CORRUPTED);
  for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) hllSet(h, j, max[j], maxBytes);
  spendBytes(server, HLL_DENSE_SIZE);
  h.invalidateCache();
  store(c, key, target, h, true);
  server.markDirty();
  c.reply.ok();
}

function pfdebug(c: Client, server: Server): void {
  // strcasecmp and %s stop at a NUL byte.
  const nul = c.argv[1].indexOf('\0');
  const sub = nul >= 0 ? c.argv[1].slice(0, nul) : c.argv[1];
  const key = c.argv[2];
  const hll = lookupHll(c, server, key);
  if (hll === undefined) return c.reply.error('ERR The specified key does not exist');
  if (hll === null) return;
  const h = unshare(c, key, hll);
  switch (sub.toLowerCase()) {
    case 'getreg': {
      if (h.encoding === HLL_SPARSE) {
        if (!sparseToDense(h)) return c.reply.error(CORRUPTED);
        store(c, key, hll, h, false);
        server.markDirty();
      }
      spendBytes(server, HLL_DENSE_SIZE);
      c.reply.arrayHeader(HLL_REGISTERS);
      for (let j = 0; j < HLL_REGISTERS; j++) c.reply.integer(denseGet(h.bytes, 16, j));
      return;
    }
    case 'decode':
      if (h.encoding !== HLL_SPARSE) return c.reply.error('ERR HLL encoding is not sparse');
      return c.reply.bulk(decodeSparse(h));
    case 'encoding':
      return c.reply.status(h.encoding === HLL_DENSE ? 'dense' : 'sparse');
    case 'todense': {
      let converted = 0;
      if (h.encoding === HLL_SPARSE) {
        if (!sparseToDense(h)) return c.reply.error(CORRUPTED);
        store(c, key, hll, h, false);
        converted = 1;
        server.markDirty();
      }
      return c.reply.integer(converted);
    }
    default:
      return c.reply.error(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

const perElement = (argv: string[]) => COMMAND_COST_NS.o1 + Math.max(0, argv.length - 2) * COMMAND_COST_NS.perKey;
const perKey = (argv: string[]) => COMMAND_COST_NS.o1 + (argv.length - 1) * COMMAND_COST_NS.perKey;

export const hyperloglogCommands: CommandDefinition[] = [
  { name: 'pfadd', summaryZh: '向 HyperLogLog 添加元素，基数估计值改变时返回 1', cost: perElement, handler: pfadd },
  { name: 'pfcount', summaryZh: '返回一个或多个 HyperLogLog 并集的近似基数', cost: perKey, handler: pfcount },
  { name: 'pfmerge', summaryZh: '把多个 HyperLogLog 合并到目标键', cost: perKey, handler: pfmerge },
  { name: 'pfdebug', summaryZh: 'HyperLogLog 内部调试命令：查看寄存器、编码或转为稠密编码', cost: () => COMMAND_COST_NS.o1, handler: pfdebug },
];
