/**
 * DUMP payloads (cluster.c createDumpPayload / verifyDumpPayload): an RDB object (type byte and body) followed by
 * a footer of the RDB version (2 bytes, little-endian) and the CRC-64 of everything before the CRC (8 bytes,
 * little-endian).
 */
import type { RedisObject } from '../keyspace/object.ts';
import { crc64Parts, writeCrc64LE } from './crc64.ts';
import { RdbFormatError, RdbReader, RdbWriter } from './rdb-io.ts';
import { RDB_VERSION, type RdbLoadOptions, type RdbSaveOptions, isObjectType, rdbLoadObject, rdbObjectType, rdbSaveObject } from './rdb-object.ts';

const FOOTER_SIZE = 10;

/** createDumpPayload. */
export function createDumpPayload(o: RedisObject, opts: RdbSaveOptions): Uint8Array {
  const w = new RdbWriter(64);
  w.byte(rdbObjectType(o));
  rdbSaveObject(w, o, opts);
  return finishDumpPayload(w);
}

/** The footer of every DUMP-style payload (DUMP, FUNCTION DUMP): the RDB version, then the CRC-64 of it all. */
export function finishDumpPayload(w: RdbWriter): Uint8Array {
  w.byte(RDB_VERSION & 0xff);
  w.byte((RDB_VERSION >> 8) & 0xff);
  const body = w.view();
  const out = new Uint8Array(body.length + 8);
  out.set(body);
  writeCrc64LE(crc64Parts(body), out, body.length);
  return out;
}

/** verifyDumpPayload: long enough, an RDB version this server reads (at most 10), and a matching CRC-64. */
export function verifyDumpPayload(p: Uint8Array): boolean {
  if (p.length < FOOTER_SIZE) return false;
  const footer = p.length - FOOTER_SIZE;
  const version = p[footer] | (p[footer + 1] << 8);
  if (version > RDB_VERSION) return false;
  const crc = new Uint8Array(8);
  writeCrc64LE(crc64Parts(p, 0, p.length - 8), crc, 0);
  for (let i = 0; i < 8; i++) if (crc[i] !== p[footer + 2 + i]) return false;
  return true;
}

/**
 * The value in a verified payload (rdbLoadObjectType + rdbLoadObject over the whole buffer, as RESTORE reads it:
 * bytes left between the object and the CRC are ignored), or null when it is not a valid object.
 */
export function loadDumpPayload(p: Uint8Array, opts: RdbLoadOptions): RedisObject | null {
  // The reader sees the footer too, as rioInitWithBuffer does: a truncated object may run into it.
  const r = new RdbReader(p);
  try {
    const type = r.byte();
    if (!isObjectType(type)) return null;
    return rdbLoadObject(type, r, opts);
  } catch (e) {
    // RangeError: a corrupt length asked for an impossible allocation.
    if (e instanceof RdbFormatError || e instanceof RangeError) return null;
    throw e;
  }
}
