/**
 * A byte buffer that grows at the end and is consumed from the front, as a socket's unread input is. Both RESP
 * parsers keep their bytes in one, and rewind it when everything has been consumed so it does not creep forward.
 */
export class InputBuffer {
  buf = new Uint8Array(1024);
  /** First unconsumed byte. */
  pos = 0;
  /** One past the last byte received. */
  end = 0;

  get length(): number {
    return this.end - this.pos;
  }

  append(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.end + n > this.buf.length) {
      const live = this.end - this.pos;
      if (live + n <= this.buf.length) {
        this.buf.copyWithin(0, this.pos, this.end);
      } else {
        let cap = this.buf.length * 2;
        while (cap < live + n) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.pos, this.end));
        this.buf = next;
      }
      this.pos = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += n;
  }

  /** Called when everything has been consumed. */
  rewindIfEmpty(): void {
    if (this.pos === this.end) this.pos = this.end = 0;
  }
}

/** What both RESP parsers share: the input buffer and direct access to it for their scanning loops. */
export abstract class BufferedParser {
  protected readonly input = new InputBuffer();

  /** Bytes received and not yet consumed by a complete frame. */
  get bufferedBytes(): number {
    return this.input.length;
  }

  feed(chunk: Uint8Array): void {
    this.input.append(chunk);
  }

  protected get buf(): Uint8Array {
    return this.input.buf;
  }
  protected get pos(): number {
    return this.input.pos;
  }
  protected set pos(p: number) {
    this.input.pos = p;
  }
  protected get end(): number {
    return this.input.end;
  }
}
