/**
 * A whole RDB snapshot (rdb.c rdbSaveRio / rdbLoadRio): the "REDIS0010" magic, auxiliary fields, then per
 * database a SELECTDB and RESIZEDB opcode followed by its keys (each with its expire time when it has one), the
 * EOF opcode and the CRC-64 of everything before it. A full resynchronisation ships this to the replica; SAVE
 * and restarts will keep it in the host's storage.
 */
import type { Database } from '../keyspace/database.ts';
import type { ByteString } from '../types/bytes.ts';
import { bytesToByteString } from '../types/bytes.ts';
import { crc64Parts, writeCrc64LE } from './crc64.ts';
import { RdbFormatError, RdbReader, RdbWriter } from './rdb-io.ts';
import { RDB_VERSION, type RdbLoadOptions, type RdbSaveOptions, isObjectType, rdbLoadObject, rdbObjectType, rdbSaveObject } from './rdb-object.ts';

/** Opcodes (rdb.h RDB_OPCODE_*). */
const OPCODE_FUNCTION2 = 245;
const OPCODE_MODULE_AUX = 247;
const OPCODE_IDLE = 248;
const OPCODE_FREQ = 249;
const OPCODE_AUX = 250;
const OPCODE_RESIZEDB = 251;
const OPCODE_EXPIRETIME_MS = 252;
const OPCODE_EXPIRETIME = 253;
const OPCODE_SELECTDB = 254;
const OPCODE_EOF = 255;

/** The auxiliary fields rdbSaveInfoAuxFields writes, in its order. */
export interface RdbAux {
  redisVer: string;
  ctimeS: number;
  usedMem: number;
  /** The replication stream's database and position this snapshot corresponds to (rdbSaveInfo). */
  replStreamDb: number;
  replId: string;
  replOffset: number;
}

/** rdbSaveRio: aux fields, function libraries (their code), then each database. */
export function saveRdb(dbs: readonly Database[], aux: RdbAux, opts: RdbSaveOptions, functions: readonly string[] = []): Uint8Array {
  const w = new RdbWriter(1024);
  for (const ch of `REDIS${String(RDB_VERSION).padStart(4, '0')}`) w.byte(ch.charCodeAt(0));
  const auxField = (k: string, v: string) => {
    w.byte(OPCODE_AUX);
    w.rawString(k, false);
    w.rawString(v, false);
  };
  auxField('redis-ver', aux.redisVer);
  auxField('redis-bits', '64');
  auxField('ctime', String(aux.ctimeS));
  auxField('used-mem', String(aux.usedMem));
  auxField('repl-stream-db', String(aux.replStreamDb));
  auxField('repl-id', aux.replId);
  auxField('repl-offset', String(aux.replOffset));
  auxField('aof-base', '0');
  for (const code of functions) {
    w.byte(OPCODE_FUNCTION2);
    w.rawString(code, opts.compression);
  }
  for (const db of dbs) {
    if (db.size === 0) continue;
    w.byte(OPCODE_SELECTDB);
    w.saveLen(db.id);
    w.byte(OPCODE_RESIZEDB);
    w.saveLen(db.size);
    w.saveLen(db.expires.size);
    for (const [key, value] of db.keys) {
      const when = db.expires.get(key);
      if (when !== undefined) {
        w.byte(OPCODE_EXPIRETIME_MS);
        let ms = BigInt(when);
        for (let i = 0; i < 8; i++) {
          w.byte(Number(ms & 0xffn));
          ms >>= 8n;
        }
      }
      w.byte(rdbObjectType(value));
      w.rawString(key, opts.compression);
      rdbSaveObject(w, value, opts);
    }
  }
  w.byte(OPCODE_EOF);
  const body = w.view();
  const out = new Uint8Array(body.length + 8);
  out.set(body);
  writeCrc64LE(crc64Parts(body), out, body.length);
  return out;
}

export interface RdbLoadResult {
  keys: number;
  aux: Map<string, ByteString>;
  /** The function libraries' code, in file order, for the caller to load. */
  functions: string[];
}

/**
 * rdbLoad into `dbs` (which the caller has emptied). Keys whose deadline has passed are skipped when the loader
 * is a master, kept on a replica (its master will send their DEL), as rdbLoadRioWithLoadingCtx does. Throws
 * RdbFormatError on a malformed snapshot ("Bad file format reading the append only file" in spirit: Redis
 * refuses the whole load).
 */
export function loadRdb(bytes: Uint8Array, dbs: readonly Database[], opts: RdbLoadOptions & { isReplica: boolean }): RdbLoadResult {
  const r = new RdbReader(bytes);
  const magic = bytesToByteString(r.bytes(9));
  if (!magic.startsWith('REDIS')) throw new RdbFormatError('Wrong signature trying to load DB from file');
  const version = Number(magic.slice(5));
  if (!(version >= 1 && version <= RDB_VERSION)) throw new RdbFormatError(`Can't handle RDB format version ${version}`);
  const aux = new Map<string, ByteString>();
  const functions: string[] = [];
  let db = dbs[0];
  let expireMs: number | null = null;
  let keys = 0;
  for (;;) {
    const type = r.byte();
    if (type === OPCODE_EOF) break;
    if (type === OPCODE_EXPIRETIME_MS) {
      let ms = 0n;
      const b = r.bytes(8);
      for (let i = 7; i >= 0; i--) ms = (ms << 8n) | BigInt(b[i]);
      expireMs = Number(ms);
      continue;
    }
    if (type === OPCODE_EXPIRETIME) {
      const b = r.bytes(4);
      expireMs = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) * 1000;
      continue;
    }
    if (type === OPCODE_IDLE || type === OPCODE_FREQ) {
      if (type === OPCODE_IDLE) r.loadLen();
      else r.byte();
      continue;
    }
    if (type === OPCODE_SELECTDB) {
      const id = r.loadLen();
      if (id >= dbs.length) throw new RdbFormatError(`FATAL: Data file was created with a Redis server configured to handle more than ${dbs.length} databases. Exiting`);
      db = dbs[id];
      continue;
    }
    if (type === OPCODE_RESIZEDB) {
      r.loadLen();
      r.loadLen();
      continue;
    }
    if (type === OPCODE_AUX) {
      const k = bytesToByteString(r.string());
      aux.set(k, bytesToByteString(r.string()));
      continue;
    }
    if (type === OPCODE_FUNCTION2) {
      functions.push(bytesToByteString(r.string()));
      continue;
    }
    if (type === OPCODE_MODULE_AUX) throw new RdbFormatError('Module aux data in an RDB: modules are not supported');
    if (!isObjectType(type)) throw new RdbFormatError(`Unknown RDB encoding type ${type}`);
    const key = bytesToByteString(r.string());
    const value = rdbLoadObject(type, r, opts);
    const when = expireMs;
    expireMs = null;
    if (when !== null && when < opts.nowMs && !opts.isReplica) continue;
    db.set(key, value);
    if (when !== null) db.setExpire(key, when);
    keys++;
  }
  if (r.remaining >= 8 && version >= 5) {
    const body = r.pos - 0;
    const expected = new Uint8Array(8);
    writeCrc64LE(crc64Parts(bytes, 0, body), expected, 0);
    const got = r.bytes(8);
    // A zero checksum means rdbchecksum was off on the writer.
    if (got.some((b) => b !== 0) && got.some((b, i) => b !== expected[i])) throw new RdbFormatError('Wrong RDB checksum');
  }
  return { keys, aux, functions };
}
