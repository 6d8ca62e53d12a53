/**
 * DUMP and RESTORE (cluster.c dumpCommand/restoreCommand): a value serialized in Redis 7.0's RDB object format
 * with a version and CRC-64 footer, byte for byte what redis-server 7.0 produces where its encoding is
 * deterministic, and back. The format itself lives in src/engine/persistence.
 */
import type { CommandDefinition } from './types.ts';
import { LfuTracker } from '../memory/lfu.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { COMMAND_COST_NS } from '../loop/cost-model.ts';
import { ERR } from './errors.ts';
import { exactMs, parseInt64 } from './parse.ts';
import { parseBool } from '../config/config.ts';
import { SkipList } from '../keyspace/skiplist.ts';
import { byteStringToBytes, bytesToByteString } from '../types/bytes.ts';
import { createDumpPayload, loadDumpPayload, verifyDumpPayload } from '../persistence/dump-payload.ts';
import type { RdbLoadOptions, RdbSaveOptions } from '../persistence/rdb-object.ts';

const INT64_MAX = 9223372036854775807n;
/** The LRU clock: seconds, 24 bits (LRU_BITS), wrapping. */
const LRU_CLOCK_MAX = (1 << 24) - 1;

const intConfig = (server: Server, name: string) => Number(server.config.get(name));

export function rdbSaveOptions(server: Server): RdbSaveOptions {
  return {
    compression: parseBool(server.config.get('rdbcompression') ?? 'yes') !== false,
    listMaxListpackSize: intConfig(server, 'list-max-listpack-size'),
    listCompressDepth: intConfig(server, 'list-compress-depth'),
  };
}

export function rdbLoadOptions(server: Server): RdbLoadOptions {
  return {
    hashMaxListpackEntries: intConfig(server, 'hash-max-listpack-entries'),
    hashMaxListpackValue: intConfig(server, 'hash-max-listpack-value'),
    zsetMaxListpackEntries: intConfig(server, 'zset-max-listpack-entries'),
    zsetMaxListpackValue: intConfig(server, 'zset-max-listpack-value'),
    setMaxIntsetEntries: intConfig(server, 'set-max-intset-entries'),
    sharedIntegers: server.config.sharedIntegers,
    nowMs: server.nowMs(),
    newSkipList: () => new SkipList(server.rng),
  };
}

/**
 * objectSetLRUOrLFU with an IDLETIME: the access time Redis records (a 24-bit clock of seconds, wrapping) and
 * the idle time it then reports (estimateObjectIdleTime), in seconds.
 */
function restoredIdleSeconds(nowMs: number, idle: bigint): number {
  const clock = Math.floor(nowMs / 1000) & LRU_CLOCK_MAX;
  // lru_idle*1000/LRU_CLOCK_RESOLUTION in 64-bit arithmetic.
  const scaled = BigInt.asIntN(64, idle * 1000n) / 1000n;
  let abs = BigInt(clock) - scaled;
  if (abs < 0n) abs += BigInt(LRU_CLOCK_MAX);
  const stored = Number(BigInt.asUintN(24, abs));
  return clock >= stored ? clock - stored : clock + (LRU_CLOCK_MAX - stored);
}

function dump(c: Client, server: Server): void {
  const o = c.db.lookup(c.argv[1], server.nowMs());
  if (o === undefined) return c.reply.nullBulk();
  const payload = createDumpPayload(o, rdbSaveOptions(server));
  server.spend(payload.length * COMMAND_COST_NS.perByte);
  c.reply.bulk(bytesToByteString(payload));
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restore(c: Client, server: Server): void {
  const argv = c.argv;
  let replace = false;
  let absttl = false;
  let lruIdle = -1n;
  let lfuFreq = -1n;
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const additional = argv.length - j - 1;
    if (opt === 'replace') replace = true;
    else if (opt === 'absttl') absttl = true;
    else if (opt === 'idletime' && additional >= 1 && lfuFreq === -1n) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) return c.reply.error(ERR.notInteger);
      if (v < 0n) return c.reply.error('ERR Invalid IDLETIME value, must be >= 0');
      lruIdle = v;
      j++;
    } else if (opt === 'freq' && additional >= 1 && lruIdle === -1n) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) return c.reply.error(ERR.notInteger);
      if (v < 0n || v > 255n) return c.reply.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
      lfuFreq = v;
      j++;
    } else {
      return c.reply.error(ERR.syntax);
    }
  }

  const key = argv[1];
  const now = server.nowMs();
  if (!replace && c.db.lookup(key, now) !== undefined) return c.reply.error('BUSYKEY Target key name already exists.');

  let ttl = parseInt64(argv[2]);
  if (ttl === null) return c.reply.error(ERR.notInteger);
  if (ttl < 0n) return c.reply.error('ERR Invalid TTL value, must be >= 0');

  const payload = byteStringToBytes(argv[3]);
  server.spend(payload.length * COMMAND_COST_NS.perByte);
  if (!verifyDumpPayload(payload)) return c.reply.error('ERR DUMP payload version or checksum are wrong');
  const obj = loadDumpPayload(payload, rdbLoadOptions(server));
  if (obj === null) return c.reply.error('ERR Bad data format');

  const deleted = replace && c.db.delete(key);

  // A relative TTL becomes a deadline (in C's 64-bit arithmetic); one already past means no key at all.
  if (ttl !== 0n && !absttl) ttl = BigInt.asIntN(64, ttl + BigInt(now));
  if (ttl !== 0n && ttl <= BigInt(now)) {
    if (deleted) server.markDirty();
    return c.reply.ok();
  }

  c.db.set(key, obj);
  if (ttl !== 0n && ttl <= INT64_MAX) c.db.setExpire(key, exactMs(ttl));
  const lfu = /lfu/.test(server.config.get('maxmemory-policy') ?? '');
  // objectSetLRUOrLFU: IDLETIME applies under LRU policies, FREQ under LFU ones (the counter, stamped now).
  if (!lfu && lruIdle >= 0n && !obj.shared) obj.lru = now - restoredIdleSeconds(now, lruIdle) * 1000;
  if (lfu && lfuFreq >= 0n && !obj.shared) obj.lru = (LfuTracker.minutes(now) << 8) | Number(lfuFreq);
  if (obj.type === 'list' || obj.type === 'zset') server.signalKeyAsReady(c.db.id, key);
  server.markDirty();
  c.reply.ok();
}

export const dumpRestoreCommands: CommandDefinition[] = [
  {
    name: 'dump',
    summaryZh: '把键的值序列化为 Redis RDB 格式（带版本号与 CRC64 校验），可用 RESTORE 还原',
    cost: () => COMMAND_COST_NS.o1,
    handler: dump,
  },
  {
    name: 'restore',
    summaryZh: '用 DUMP 得到的序列化值创建键（可选 REPLACE、ABSTTL、IDLETIME、FREQ）',
    cost: () => COMMAND_COST_NS.o1,
    handler: restore,
  },
  {
    name: 'restore-asking',
    summaryZh: 'MIGRATE 在集群中使用的 RESTORE（带 ASKING 语义，可写入正在导入的槽）',
    cost: () => COMMAND_COST_NS.o1,
    handler: restore,
  },
];
