/**
 * DEBUG (debug.c): SLEEP, which blocks the whole event loop for a while in virtual time (the classic
 * demonstration that one slow command stalls every client), OBJECT, and the subcommands Redis's own test suite
 * leans on: DIGEST and DIGEST-VALUE (the same SHA1 mix as computeDatasetDigest, so a digest equals the real
 * server's for the same data), RELOAD, SET-ACTIVE-EXPIRE, CHANGE-REPL-ID, POPULATE, PROTOCOL, ERROR,
 * QUICKLIST-PACKED-THRESHOLD, LISTPACK/QUICKLIST. As in Redis 7.0, DEBUG is refused unless `enable-debug-command`
 * is "yes" (or "local" for loopback clients); processCommand checks that.
 */
import { replyHelp, subcommandSyntaxError } from './errors.ts';
import type { CommandDefinition } from './types.ts';
import type { Client } from '../server/client.ts';
import type { Server } from '../server/server.ts';
import { RdbWriter } from '../persistence/rdb-io.ts';
import { rdbSaveObject } from '../persistence/rdb-object.ts';
import { lpBytesFor } from '../persistence/listpack.ts';
import { splitIntoNodes } from '../persistence/quicklist.ts';
import { rdbSaveOptions } from './dump-restore.ts';
import { hashString } from '../random/prng.ts';
import { formatG17, formatDouble17g } from '../types/double.ts';
import { saveRdb, loadRdb } from '../persistence/rdb-file.ts';
import { rdbLoadOptions } from './dump-restore.ts';
import { Database } from '../keyspace/database.ts';
import { createPlainStringObject, type RedisObject } from '../keyspace/object.ts';
import { memtoull, string2ll } from '../config/validate.ts';
import { byteStringToBytes, type ByteString } from '../types/bytes.ts';

/**
 * Subcommands debug.c 7.0.15 has that the lab does not implement yet (an honest error, not "unknown"). Those
 * that crash or restart the process, read the AOF back, or report allocator and hash-table internals.
 */
const REAL_SUBCOMMANDS = new Set([
  'segfault', 'panic', 'restart', 'crash-and-recover', 'oom', 'assert', 'leak', 'loadaof', 'sdslen', 'set-skip-checksum-validation', 'aof-flush-sleep', 'replicate',
  'structsize', 'set-disable-deny-scripts', 'config-rewrite-force-all', 'pause-cron', 'replybuffer',
  'client-eviction', 'htstats', 'htstats-key', 'mallctl', 'mallctl-str', 'clusterlink',
]);

/** DEBUG HELP as 7.0.15 prints it (debug.c, with jemalloc's MALLCTL lines, as Debian's build has them). */
const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  '    Like HTSTATS but for the hash table stored at <key>\'s value.',
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
  'HELP',
  '    Prints this help.',
];

/** C's strtod on a prefix: what it cannot parse is 0. */
function strtod(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

/**
 * DEBUG OBJECT: the value's address, refcount, encoding, RDB-serialized length, LRU clock and idle time, plus the
 * quicklist's shape for lists. The address is a stable made-up one (the lab has no pointers).
 */
function debugObject(c: Client, server: Server): void {
  const key = c.argv[2];
  const o = c.db.keys.get(key);
  if (o === undefined) return c.reply.error('ERR no such key');
  const w = new RdbWriter(64);
  const opts = rdbSaveOptions(server);
  rdbSaveObject(w, o, opts);
  const now = server.nowMs();
  const lfu = /lfu/.test(server.config.get('maxmemory-policy') ?? '');
  const stamp = o.shared ? server.startedAtMs() : o.lru;
  const lruField = lfu && stamp < 1 << 24 ? stamp : Math.floor(stamp / 1000) & 0xffffff;
  const idle = lfu && stamp < 1 << 24 ? 0 : Math.max(0, Math.floor((now - stamp) / 1000));
  const address = `0x7f${(hashString(`${c.db.id}\u0000${key}`) >>> 0).toString(16).padStart(8, '0')}40`;
  let extra = '';
  if (o.type === 'list') {
    const nodes = splitIntoNodes(o.value, opts.listMaxListpackSize);
    const size = nodes.reduce((n, g) => n + (g.plain ? g.elements[0].length : lpBytesFor(g.elements)), 0);
    const avg = nodes.length ? o.value.length / nodes.length : 0;
    extra =
      ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${Math.min(32767, Math.max(-5, opts.listMaxListpackSize))}` +
      ` ql_compressed:${opts.listCompressDepth !== 0 ? 1 : 0} ql_uncompressed_size:${size}`;
  }
  c.reply.status(
    `Value at:${address} refcount:${o.shared ? 2147483647 : 1} encoding:${o.enc} serializedlength:${w.length} ` +
      `lru:${lruField} lru_seconds_idle:${idle}${extra}`,
  );
}

// --- DIGEST (debug.c xorDigest, mixDigest, xorObjectDigest, computeDatasetDigest) -----------------------------

/**
 * SHA1 into `out` (20 bytes), of a byte string or of bytes. The digest runs two SHA1s per element, so this
 * one reuses its buffers instead of going through scripting's hex SHA1.
 */
const shaW = new Int32Array(80);
let shaBlock = new Uint8Array(128);
function sha1Into(data: ByteString | Uint8Array, out: Uint8Array): void {
  const len = data.length;
  const total = (((len + 8) >> 6) + 1) * 64;
  if (shaBlock.length < total) shaBlock = new Uint8Array(total * 2);
  const b = shaBlock;
  if (typeof data === 'string') for (let i = 0; i < len; i++) b[i] = data.charCodeAt(i);
  else b.set(data);
  b[len] = 0x80;
  b.fill(0, len + 1, total);
  const bitLen = len * 8;
  const hi = Math.floor(bitLen / 0x100000000);
  const lo = bitLen >>> 0;
  b[total - 8] = hi >>> 24; b[total - 7] = (hi >>> 16) & 255; b[total - 6] = (hi >>> 8) & 255; b[total - 5] = hi & 255;
  b[total - 4] = lo >>> 24; b[total - 3] = (lo >>> 16) & 255; b[total - 2] = (lo >>> 8) & 255; b[total - 1] = lo & 255;
  let h0 = 0x67452301, h1 = 0xefcdab89 | 0, h2 = 0x98badcfe | 0, h3 = 0x10325476, h4 = 0xc3d2e1f0 | 0;
  const w = shaW;
  for (let off = 0; off < total; off += 64) {
    for (let t = 0; t < 16; t++) {
      const o = off + t * 4;
      w[t] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16];
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number, k: number;
      if (t < 20) { f = (bb & c) | (~bb & d); k = 0x5a827999; }
      else if (t < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
      else if (t < 60) { f = (bb & c) | (bb & d) | (c & d); k = 0x8f1bbcdc | 0; }
      else { f = bb ^ c ^ d; k = 0xca62c1d6 | 0; }
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]) | 0;
      e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = tmp;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + bb) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0;
  }
  const hs = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    out[i * 4] = hs[i] >>> 24; out[i * 4 + 1] = (hs[i] >>> 16) & 255; out[i * 4 + 2] = (hs[i] >>> 8) & 255; out[i * 4 + 3] = hs[i] & 255;
  }
}

const shaOut = new Uint8Array(20);

/** digest ^= SHA1(data): order-independent, for unordered elements (set members, hash fields, keys). */
function xorDigest(digest: Uint8Array, data: ByteString | Uint8Array): void {
  sha1Into(data, shaOut);
  for (let j = 0; j < 20; j++) digest[j] ^= shaOut[j];
}

/** digest = SHA1(digest ^ SHA1(data)): order-dependent, for sequences (list elements, a key then its value). */
function mixDigest(digest: Uint8Array, data: ByteString): void {
  xorDigest(digest, data);
  sha1Into(digest, digest);
}

/** A 32-bit integer in network byte order (htonl), as the digest hashes types and database ids. */
const htonl = (n: number): ByteString => String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

/** server.h's OBJ_STRING .. OBJ_HASH. */
const OBJ_TYPE: Record<RedisObject['type'], number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4 };

/** xorObjectDigest: the value's type, its elements (mixed or xored by order), and whether the key expires. */
function xorObjectDigest(db: Database, key: ByteString, digest: Uint8Array, o: RedisObject): void {
  mixDigest(digest, htonl(OBJ_TYPE[o.type]));
  if (o.type === 'string') mixDigest(digest, o.value);
  else if (o.type === 'list') for (const e of o.value) mixDigest(digest, e);
  else if (o.type === 'set') for (const m of o.value) xorDigest(digest, m);
  else if (o.type === 'zset') {
    // The listpack and skiplist branches hash the same: the member's bytes (a listpack integer is printed
    // back in the canonical form it was parsed from), then the score as "%.17g".
    for (const [member, score] of o.dict) {
      const ele = new Uint8Array(20);
      mixDigest(ele, member);
      mixDigest(ele, formatG17(score));
      xorDigest(digest, ele);
    }
  } else {
    for (const [field, value] of o.value) {
      const ele = new Uint8Array(20);
      mixDigest(ele, field);
      mixDigest(ele, value);
      xorDigest(digest, ele);
    }
  }
  if (db.getExpire(key) !== undefined) xorDigest(digest, '!!expire!!');
}

const hex = (d: Uint8Array): string => Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * computeDatasetDigest: per non-empty database its id, then every key-value digest xored in (keys are
 * unordered). Logically expired keys not yet deleted count, as they are still in the dict.
 */
export function computeDatasetDigest(dbs: readonly Database[]): string {
  const final = new Uint8Array(20);
  for (const db of dbs) {
    if (db.keys.size === 0) continue;
    mixDigest(final, htonl(db.id));
    for (const [key, o] of db.keys) {
      const digest = new Uint8Array(20);
      mixDigest(digest, key);
      xorObjectDigest(db, key, digest, o);
      xorDigest(final, digest);
    }
  }
  return hex(final);
}

/** DEBUG DIGEST-VALUE key...: each value's digest without its key (all zeros for a missing key). */
function digestValue(c: Client): void {
  c.reply.arrayHeader(c.argv.length - 2);
  for (let j = 2; j < c.argv.length; j++) {
    const digest = new Uint8Array(20);
    // Not lookupKey: a debugging command sees logically expired keys too.
    const o = c.db.keys.get(c.argv[j]);
    if (o !== undefined) xorObjectDigest(c.db, c.argv[j], digest, o);
    c.reply.status(hex(digest));
  }
}

// --- RELOAD -------------------------------------------------------------------------------------------------

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the RDB (rdbSave writes dump.rdb), empty the data set and the
 * function libraries (emptyData), and load the file back. The lab loads the snapshot it just wrote; it cannot
 * read dump.rdb from disk while running, so NOSAVE is refused (and the file loaded always holds the data set as it
 * is). With NOFLUSH, MERGE replaces the keys present; without MERGE Redis panics on the first one ("Duplicated key
 * found in RDB file") and refuses existing libraries; the lab answers the load error for both and keeps its data.
 */
function debugReload(c: Client, server: Server): void {
  let merge = false;
  let flush = true;
  let save = true;
  for (let j = 2; j < c.argv.length; j++) {
    const opt = c.argv[j].toLowerCase();
    if (opt === 'merge') merge = true;
    else if (opt === 'noflush') flush = false;
    else if (opt === 'nosave') save = false;
    else return c.reply.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  if (!save) return c.reply.error("ERR DEBUG RELOAD NOSAVE: Cluster Lab cannot read dump.rdb back while the server runs");
  const functions = server.scripting.functions.codes();
  const rdb = saveRdb(server.dbs, {
    redisVer: '7.0.15',
    ctimeS: Math.floor(server.nowMs() / 1000),
    usedMem: server.memory.usedMemory(),
    replStreamDb: 0,
    replId: server.repl.replId,
    replOffset: server.repl.masterReplOffset,
  }, rdbSaveOptions(server), functions);
  server.persistence.save();
  // Loaded aside first, so that a refused NOFLUSH load leaves the data set as it was.
  const loaded = server.dbs.map((db) => new Database(db.id));
  const result = loadRdb(rdb, loaded, { ...rdbLoadOptions(server), isReplica: server.repl.isReplica });
  if (!flush) {
    const clash = !merge && (loaded.some((db, i) => [...db.keys.keys()].some((k) => server.dbs[i].keys.has(k))) || (functions.length > 0 && result.functions.length > 0));
    if (clash) return c.reply.error('ERR Error trying to load the RDB dump');
  } else {
    for (const db of server.dbs) db.clear();
  }
  loaded.forEach((src, i) => {
    const db = server.dbs[i];
    for (const [k, o] of src.keys) {
      db.set(k, o);
      const when = src.getExpire(k);
      if (when !== undefined) db.setExpire(k, when);
    }
  });
  // The snapshot was taken just now, so its libraries are the current ones: loading them replaces like for like.
  server.scripting.functions.loadCodes(result.functions);
  c.reply.ok();
}

// --- the smaller ones ---------------------------------------------------------------------------------------

/** C's atoi: optional spaces and sign, then digits; anything else ends the number (0 if none). */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) | 0 : 0;
}

/**
 * quicklistisSetPackedThreshold's accepted range (1 GB when 0); kept per server. The lab's quicklist layout
 * (OBJECT/MEMORY figures, RDB nodes) still splits at 1 GB: docs/fidelity.md.
 */
const packedThresholds = new WeakMap<Server, number>();

/** DEBUG POPULATE count [prefix] [size]: string keys prefix:N = "value:N" (padded with zero bytes or cut to size). */
function debugPopulate(c: Client, server: Server): void {
  // getPositiveLongFromObjectOrReply: one message for a non-number and a negative number alike.
  const positive = (s: string): number | { error: string } => {
    const ok = s === '0' || (/^[1-9]\d*$/.test(s) && BigInt(s) <= 9223372036854775807n);
    return ok ? Number(s) : { error: 'ERR value is out of range, must be positive' };
  };
  const keys = positive(c.argv[2]);
  if (typeof keys !== 'number') return c.reply.error(keys.error);
  let valsize = 0;
  if (c.argv.length === 5) {
    const v = positive(c.argv[4]);
    if (typeof v !== 'number') return c.reply.error(v.error);
    valsize = v;
  }
  const prefix = c.argv.length === 3 ? 'key' : c.argv[3];
  const now = server.nowMs();
  for (let j = 0; j < keys; j++) {
    const key = `${prefix}:${j}`;
    if (c.db.lookup(key, now) !== undefined) continue;
    const buf = `value:${j}`;
    const value = valsize === 0 ? buf : valsize <= buf.length ? buf.slice(0, valsize) : buf + '\0'.repeat(valsize - buf.length);
    // dbAdd of createStringObject: embstr or raw, never an integer; not propagated, not counted as a change.
    c.db.set(key, createPlainStringObject(value, now));
  }
  c.reply.ok();
}

/** DEBUG PROTOCOL type: one reply of each RESP type, for client tests. */
function debugProtocol(c: Client): void {
  const name = c.argv[2].toLowerCase();
  const r = c.reply;
  switch (name) {
    case 'string': return r.bulk('Hello World');
    case 'integer': return r.integer(12345);
    case 'double': return r.double(formatDouble17g(3.141));
    case 'bignum': return r.bigNumber('1234567999999999999999999999999999999');
    case 'null': return r.nullBulk();
    case 'array':
      r.arrayHeader(3);
      for (let j = 0; j < 3; j++) r.integer(j);
      return;
    case 'set':
      r.setHeader(3);
      for (let j = 0; j < 3; j++) r.integer(j);
      return;
    case 'map':
      r.mapHeader(3);
      for (let j = 0; j < 3; j++) {
        r.integer(j);
        r.boolean(j === 1);
      }
      return;
    case 'attrib':
      if (r.resp >= 3) {
        // addReplyAttributeLen: "|1", then the attribute's key and value.
        r.raw(new Uint8Array([124, 49, 13, 10]));
        r.bulk('key-popularity');
        r.arrayHeader(2);
        r.bulk('key:123');
        r.integer(90);
      }
      return r.bulk('Some real reply following the attribute');
    case 'push':
      if (r.resp < 3) return r.error('ERR RESP2 is not supported by this command');
      r.pushHeader(2);
      r.bulk('server-cpu-usage');
      r.integer(42);
      return r.bulk('Some real reply following the push reply');
    case 'true': return r.boolean(true);
    case 'false': return r.boolean(false);
    case 'verbatim': return r.verbatim('This is a verbatim\nstring', 'txt');
    default:
      return r.error('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

export const debugCommands: CommandDefinition[] = [
  {
    name: 'debug',
    summaryZh: '调试命令（实验室中支持 DEBUG SLEEP：让事件循环阻塞指定秒数）',
    cost: () => 0,
    handler: (c, server) => {
      const sub = c.argv[1].toLowerCase();
      if (sub === 'sleep' && c.argv.length === 3) {
        // The whole node stops: nanosleep in the only thread.
        const seconds = strtod(c.argv[2]);
        if (seconds > 0) server.spend(Math.floor(seconds * 1e6) * 1000);
        return c.reply.ok();
      }
      const argc = c.argv.length;
      if (sub === 'help' && argc === 2) return replyHelp(c, DEBUG_HELP);
      if (sub === 'object' && argc === 3) return debugObject(c, server);
      if (sub === 'digest' && argc === 2) return c.reply.status(computeDatasetDigest(server.dbs));
      if (sub === 'digest-value') return digestValue(c);
      if (sub === 'reload') return debugReload(c, server);
      if (sub === 'set-active-expire' && argc === 3) {
        server.expireState.enabled = atoi(c.argv[2]) !== 0;
        return c.reply.ok();
      }
      if (sub === 'change-repl-id' && argc === 2) {
        // changeReplicationId + clearReplicationId2: a new history, and no second id to continue from.
        server.repl.replId = server.rng.hex(40);
        server.repl.replId2 = '0'.repeat(40);
        server.repl.secondReplIdOffset = -1;
        return c.reply.ok();
      }
      if (sub === 'quicklist-packed-threshold' && argc === 3) {
        const sz = memtoull(c.argv[2]);
        if (sz === null || sz > (1n << 32n) - (1n << 20n)) return c.reply.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
        packedThresholds.set(server, sz === 0n ? 1 << 30 : Number(sz));
        return c.reply.ok();
      }
      if ((sub === 'listpack' && argc === 3) || (sub === 'quicklist' && (argc === 3 || argc === 4))) {
        const o = c.db.lookup(c.argv[2], server.nowMs(), false);
        if (o === undefined) return c.reply.error('ERR no such key');
        // lpRepr/quicklistRepr print the structure on the server's stdout, which the lab does not have.
        if (sub === 'listpack') return o.enc === 'listpack' ? c.reply.status('Listpack structure printed on stdout') : c.reply.error('ERR Not a listpack encoded object.');
        return o.enc === 'quicklist' ? c.reply.status('Quicklist structure printed on stdout') : c.reply.error('ERR Not a quicklist encoded object.');
      }
      if (sub === 'populate' && argc >= 3 && argc <= 5) return debugPopulate(c, server);
      if (sub === 'protocol' && argc === 3) return debugProtocol(c);
      // Written as is (addReplySds), so it is not counted in the error statistics.
      if (sub === 'error' && argc === 3) return c.reply.raw(byteStringToBytes(`-${c.argv[2].replace(/[\r\n]/g, ' ')}\r\n`));
      if (sub === 'log' && argc === 3) return c.reply.ok();
      if (sub === 'drop-cluster-packet-filter' && argc === 3) {
        // getLongFromObjectOrReply, then server.cluster_drop_packet_filter. -1 (drop nothing) is what the lab
        // always does, so Redis's cluster tests can reset it; dropping a packet type is not modelled yet.
        const v = string2ll(c.argv[2]);
        if (v === null) return c.reply.error('ERR value is not an integer or out of range');
        if (v >= 0n) return c.reply.error("ERR 'debug|drop-cluster-packet-filter' with a packet type is a Redis 7.0 command that Cluster Lab does not implement yet");
        return c.reply.ok();
      }
      if (sub === 'stringmatch-test' && argc === 2) return c.reply.status('Apparently Redis did not crash: test passed');
      if (sub !== 'sleep' && REAL_SUBCOMMANDS.has(sub)) {
        return c.reply.error(`ERR 'debug|${sub}' is a Redis 7.0 command that Cluster Lab does not implement yet`);
      }
      c.reply.error(subcommandSyntaxError(c.argv));
    },
  },
];
