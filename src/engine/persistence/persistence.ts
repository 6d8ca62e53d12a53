/**
 * RDB snapshots and the append-only file (rdb.c, aof.c), on storage the host provides.
 *
 * The node never touches a disk: it asks its host to write, append and fsync named files, and is given the
 * files it finds at startup. The host keeps what was written apart from what was fsynced, so a killed process
 * (the kernel still has its writes) and a crashed machine (only fsynced bytes survive) lose different things:
 *
 * - SAVE writes dump.rdb synchronously (the loop is blocked); BGSAVE and the `save` points fork a child that
 *   writes a snapshot of the data as it was at the fork, in virtual time proportional to its size. Both write a
 *   temporary file, fsync it and rename it over dump.rdb, so a snapshot is either all there or not at all.
 * - With appendonly yes, every write the node propagates is also appended, in RESP, to the AOF: Redis 7.0's
 *   multi-part layout (appendonlydir/ with a base RDB, an incremental file and a manifest). The buffer is
 *   written in beforeSleep, before replies go out; appendfsync always fsyncs it there too, everysec once a
 *   second, no never (the kernel writes it back within about 30 s, which the host models).
 * - At startup a node with appendonly yes loads the AOF (and ignores dump.rdb, as Redis does); otherwise it
 *   loads dump.rdb.
 */
import type { Database } from '../keyspace/database.ts';
import { encodeCommand } from '../resp/encode-request.ts';
import { saveRdb, loadRdb } from './rdb-file.ts';
import type { RdbLoadOptions, RdbSaveOptions } from './rdb-object.ts';
import { COST_NS } from '../loop/cost-model.ts';
import { RequestParser } from '../resp/request-parser.ts';
import { bytesToByteString, byteStringToBytes } from '../types/bytes.ts';
import type { FileOp } from '../net/wire.ts';

export interface PersistenceHost {
  readonly dbs: Database[];
  config(name: string): string;
  nowMs(): number;
  spend(ns: number): void;
  /** File operations, carried out by the host in order. */
  file(op: FileOp): void;
  saveOptions(): RdbSaveOptions;
  loadOptions(): RdbLoadOptions;
  usedMemory(): number;
  /** Changes since the start (server.dirty before it is reset at a save). */
  dirty(): number;
  replInfo(): { replId: string; offset: number };
  log(level: 'notice' | 'warning', text: string): void;
  /** Apply one command read back from the AOF, without a reply (the loading fake client). */
  replay(argv: string[]): void;
  /** The function libraries' code (saved in snapshots) and loading them back. */
  functionCodes(): string[];
  loadFunctions(codes: readonly string[]): void;
}

export class Persistence {
  lastSaveMs: number;
  lastBgsaveOk = true;
  rdbSaves = 0;
  /** server.dirty at the last successful save: changes since then are what the save points count. */
  private dirtyAtSave = 0;
  private child: { endsAtMs: number; rdb: Uint8Array; dirtyAtFork: number; startedMs: number } | null = null;
  lastBgsaveSecs = -1;
  loadedKeys = 0;

  // AOF
  private aofOn = false;
  private aofBuf: Uint8Array[] = [];
  private aofSeldb = -1;
  private aofLastFsyncMs = 0;
  private aofSeq = 1;
  aofRewrites = 0;

  constructor(private readonly host: PersistenceHost) {
    this.lastSaveMs = host.nowMs();
  }

  get bgsaveInProgress(): boolean {
    return this.child !== null;
  }

  get aofEnabled(): boolean {
    return this.aofOn;
  }

  changesSinceSave(): number {
    return this.host.dirty() - this.dirtyAtSave;
  }

  private get dir(): string {
    return this.host.config('appenddirname');
  }

  private get aofBase(): string {
    return this.host.config('appendfilename');
  }

  private snapshot(): Uint8Array {
    const repl = this.host.replInfo();
    return saveRdb(this.host.dbs, {
      redisVer: '7.0.15',
      ctimeS: Math.floor(this.host.nowMs() / 1000),
      usedMem: this.host.usedMemory(),
      replStreamDb: 0,
      replId: repl.replId,
      replOffset: repl.offset,
    }, this.host.saveOptions(), this.host.functionCodes());
  }

  // --- startup ----------------------------------------------------------------------------------------------

  /** loadDataFromDisk: the AOF when appendonly is yes, else dump.rdb. Returns an error text for a corrupt file. */
  load(files: ReadonlyMap<string, Uint8Array>): string | null {
    const now = this.host.nowMs();
    if (this.host.config('appendonly') === 'yes') {
      const manifest = files.get(`${this.dir}/${this.aofBase}.manifest`);
      if (manifest !== undefined) {
        const entries = parseManifest(bytesToByteString(manifest));
        for (const e of entries) {
          const data = files.get(`${this.dir}/${e.file}`);
          if (data === undefined) return `Bad file format reading the append only file ${e.file}: the file is missing`;
          if (e.type === 'b') {
            const loaded = loadRdb(data, this.host.dbs, { ...this.host.loadOptions(), isReplica: false });
            this.loadedKeys += loaded.keys;
            this.host.loadFunctions(loaded.functions);
          }
          else this.replayAof(data);
          this.aofSeq = Math.max(this.aofSeq, e.seq);
        }
        this.host.log('notice', 'DB loaded from append only file');
      }
      this.startAof(files.has(`${this.dir}/${this.aofBase}.manifest`));
    } else {
      const rdb = files.get(this.host.config('dbfilename'));
      if (rdb !== undefined) {
        this.host.spend(rdb.length * COST_NS.rdbLoadPerByte);
        const loaded = loadRdb(rdb, this.host.dbs, { ...this.host.loadOptions(), isReplica: false });
        this.loadedKeys = loaded.keys;
        this.host.loadFunctions(loaded.functions);
        this.host.log('notice', `Done loading RDB, keys loaded: ${this.loadedKeys}, keys expired: 0.`);
        this.host.log('notice', 'DB loaded from disk');
      }
    }
    this.lastSaveMs = now;
    return null;
  }

  private replayAof(data: Uint8Array): void {
    const parser = new RequestParser({});
    parser.feed(data);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) {
      // A command cut short by a crash ends the file: aof-load-truncated loads everything before it.
      if (!Array.isArray(argv)) break;
      if (argv.length === 0) continue;
      const name = argv[0].toLowerCase();
      if (name === 'multi' || name === 'exec') continue;
      this.host.replay(argv);
    }
    if (parser.bufferedBytes > 0) this.host.log('warning', '!!! Warning: short read while loading the AOF file !!! ... AOF loaded anyway because aof-load-truncated is enabled');
  }

  // --- RDB --------------------------------------------------------------------------------------------------

  /** SAVE: a snapshot now, blocking the loop while it is written. */
  save(): boolean {
    const rdb = this.snapshot();
    this.host.spend(rdb.length * COST_NS.rdbSavePerByte);
    this.writeRdb(rdb, this.host.dirty());
    this.host.log('notice', 'DB saved on disk');
    return true;
  }

  /** BGSAVE: fork a child that writes the data as of now. */
  bgsave(): 'started' | 'in-progress' {
    if (this.child !== null) return 'in-progress';
    this.host.spend(COST_NS.fork);
    const rdb = this.snapshot();
    const now = this.host.nowMs();
    this.child = { endsAtMs: now + Math.ceil((COST_NS.fork + rdb.length * COST_NS.rdbSavePerByte) / 1e6), rdb, dirtyAtFork: this.host.dirty(), startedMs: now };
    this.host.log('notice', `Background saving started by pid ${1000 + (this.rdbSaves % 30000)}`);
    return 'started';
  }

  private writeRdb(rdb: Uint8Array, dirtyAtSnapshot: number): void {
    const name = this.host.config('dbfilename');
    // rdbSave: a temporary file, fsynced, renamed over the old one.
    this.host.file({ op: 'write', name, bytes: rdb, durable: true });
    this.dirtyAtSave = dirtyAtSnapshot;
    this.lastSaveMs = this.host.nowMs();
    this.rdbSaves++;
  }

  /** serverCron's part: a finished child, then the save points. */
  serverCron(): void {
    const now = this.host.nowMs();
    if (this.child !== null && now >= this.child.endsAtMs) {
      const c = this.child;
      this.child = null;
      this.writeRdb(c.rdb, c.dirtyAtFork);
      this.lastBgsaveOk = true;
      this.lastBgsaveSecs = Math.floor((now - c.startedMs) / 1000);
      this.host.log('notice', 'Background saving terminated with success');
    }
    if (this.child !== null) return;
    const points = this.savePoints();
    const changes = this.changesSinceSave();
    for (let i = 0; i + 1 < points.length; i += 2) {
      const seconds = points[i];
      const needed = points[i + 1];
      if (changes >= needed && now - this.lastSaveMs > seconds * 1000) {
        this.host.log('notice', `${needed} changes in ${seconds} seconds. Saving...`);
        this.bgsave();
        break;
      }
    }
  }

  /** The save points ("3600 1 300 100 60 10000"), parsed once per value of the parameter. */
  private savePoints(): number[] {
    const text = this.host.config('save');
    if (text !== this.savePointsText) {
      this.savePointsText = text;
      this.savePointsParsed = text.trim().split(/\s+/).filter((x) => x !== '').map(Number);
    }
    return this.savePointsParsed;
  }

  private savePointsText = '';
  private savePointsParsed: number[] = [];

  // --- AOF --------------------------------------------------------------------------------------------------

  /** Begin appending: a base snapshot of the data now, a fresh incremental file, a manifest naming both. */
  private startAof(existing: boolean): void {
    this.aofOn = true;
    this.aofSeldb = -1;
    this.aofLastFsyncMs = this.host.nowMs();
    if (existing) return;
    this.rewriteAof();
  }

  /** BGREWRITEAOF (done at once here): a new base from the data, a new empty incremental file, a new manifest. */
  rewriteAof(): void {
    const seq = this.aofRewrites === 0 && !this.aofOn ? this.aofSeq : this.aofSeq + 1;
    this.aofSeq = seq;
    const base = `${this.aofBase}.${seq}.base.rdb`;
    const incr = `${this.aofBase}.${seq}.incr.aof`;
    this.host.file({ op: 'write', name: `${this.dir}/${base}`, bytes: this.snapshot(), durable: true });
    this.host.file({ op: 'write', name: `${this.dir}/${incr}`, bytes: new Uint8Array(0), durable: true });
    const manifest = `file ${base} seq ${seq} type b\nfile ${incr} seq ${seq} type i\n`;
    this.host.file({ op: 'write', name: `${this.dir}/${this.aofBase}.manifest`, bytes: byteStringToBytes(manifest), durable: true });
    this.aofBuf = [];
    this.aofSeldb = -1;
    this.aofRewrites++;
  }

  /** CONFIG SET appendonly: turn the AOF on (with a rewrite) or off. */
  setAppendonly(on: boolean): void {
    if (on && !this.aofOn) this.startAof(false);
    if (!on && this.aofOn) {
      this.flushAof(true);
      this.aofOn = false;
    }
  }

  /** feedAppendOnlyFile: the command as propagated, with a SELECT when the database changes. */
  feed(dbid: number, argv: readonly string[]): void {
    if (!this.aofOn) return;
    if (dbid >= 0 && dbid !== this.aofSeldb) {
      this.aofBuf.push(encodeCommand(['SELECT', String(dbid)]));
      this.aofSeldb = dbid;
    }
    this.aofBuf.push(encodeCommand(argv));
  }

  private get incrName(): string {
    return `${this.dir}/${this.aofBase}.${this.aofSeq}.incr.aof`;
  }

  /** flushAppendOnlyFile, from beforeSleep (before replies are written) and serverCron (everysec's fsync). */
  flushAof(force = false): void {
    if (!this.aofOn) return;
    const policy = this.host.config('appendfsync');
    const now = this.host.nowMs();
    if (this.aofBuf.length > 0) {
      let n = 0;
      for (const b of this.aofBuf) n += b.length;
      const bytes = new Uint8Array(n);
      let at = 0;
      for (const b of this.aofBuf) {
        bytes.set(b, at);
        at += b.length;
      }
      this.aofBuf = [];
      this.host.spend(COST_NS.writeSyscall);
      this.host.file({ op: 'append', name: this.incrName, bytes });
      if (policy === 'always') {
        this.host.file({ op: 'fsync', name: this.incrName });
        this.aofLastFsyncMs = now;
        return;
      }
    }
    // everysec: a background fsync at most once a second.
    if ((policy === 'everysec' && now - this.aofLastFsyncMs >= 1000) || force) {
      this.host.file({ op: 'fsync', name: this.incrName });
      this.aofLastFsyncMs = now;
    }
  }
}

function parseManifest(text: string): { file: string; seq: number; type: string }[] {
  const out: { file: string; seq: number; type: string }[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[0] !== 'file') continue;
    out.push({ file: f[1], seq: Number(f[3]), type: f[5] });
  }
  // Base first, then the incremental files in sequence order.
  return out.sort((a, b) => (a.type === b.type ? a.seq - b.seq : a.type === 'b' ? -1 : 1));
}
