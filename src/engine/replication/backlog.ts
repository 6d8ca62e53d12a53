/**
 * The replication backlog (repl_backlog): the last `repl-backlog-size` bytes of the replication stream, so a
 * replica that lost its link for a moment asks for what it missed (PSYNC replid offset) instead of a whole new
 * snapshot. Offsets are stream offsets: the first byte ever written is offset 1, as in Redis.
 */
import { concatBytes } from '../types/bytes.ts';

export class ReplicationBacklog {
  private chunks: Uint8Array[] = [];
  /** Bytes held (repl_backlog_histlen). */
  histlen = 0;
  /** Stream offset of the first byte held (repl_backlog_first_byte_offset). */
  firstByteOffset: number;

  constructor(
    public size: number,
    /** master_repl_offset when the backlog was created: the next byte written is this plus one. */
    startOffset: number,
  ) {
    this.firstByteOffset = startOffset + 1;
  }

  append(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.histlen += bytes.length;
    // Drop whole chunks while what remains still covers the size (Redis trims whole replication buffer blocks too).
    while (this.chunks.length > 1 && this.histlen - this.chunks[0].length >= this.size) {
      const dropped = this.chunks.shift()!;
      this.histlen -= dropped.length;
      this.firstByteOffset += dropped.length;
    }
  }

  /** Whether the stream from `offset` on (the next byte a replica needs) is still held, given the stream's end. */
  covers(offset: number, masterOffset: number): boolean {
    return offset >= this.firstByteOffset && offset <= masterOffset + 1;
  }

  /** The bytes from stream offset `offset` to the end (addReplyReplicationBacklog). */
  from(offset: number): Uint8Array {
    let skip = offset - this.firstByteOffset;
    const parts: Uint8Array[] = [];
    for (const c of this.chunks) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      const part = skip > 0 ? c.subarray(skip) : c;
      skip = 0;
      parts.push(part);
    }
    return parts.length === 0 ? new Uint8Array(0) : concatBytes(parts);
  }
}
