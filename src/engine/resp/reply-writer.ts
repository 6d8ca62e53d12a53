/**
 * Encodes replies into RESP2 or RESP3 bytes, the way Redis's addReply* family does (networking.c).
 *
 * One writer per client connection; command handlers call the typed methods and never build protocol text
 * themselves, so switching a client to RESP3 with HELLO 3 changes every reply in one place. Bytes accumulate
 * in one growable buffer and are handed to the connection as a single chunk per event-loop iteration
 * (`take()`), as Redis writes a client's reply buffer once in beforeSleep.
 */
import type { ByteString } from '../types/bytes.ts';

export type ProtocolVersion = 2 | 3;

const CRLF0 = 13;
const CRLF1 = 10;

export class ReplyWriter {
  /** 2 or 3; HELLO switches it. */
  resp: ProtocolVersion = 2;
  private buf: Uint8Array;
  private len = 0;

  /** Told of every error reply (the server's error statistics). */
  onError: ((message: string) => void) | null = null;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Bytes written and not yet taken. */
  get pendingBytes(): number {
    return this.len;
  }

  /** Drops what was written after `length` bytes (CLIENT REPLY OFF and SKIP discard a command's reply). */
  truncate(length: number): void {
    if (length < this.len) this.len = length;
  }

  /** Removes and returns everything written so far (a copy, so the writer can reuse its buffer). */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }

  /** `+OK` and other status replies. */
  status(text: string): void {
    this.byte(43);
    this.ascii(text);
    this.crlf();
  }

  ok(): void {
    this.raw(OK);
  }

  /**
   * An error reply. `message` carries its code ("ERR syntax error", "WRONGTYPE ..."). As in Redis, newlines
   * inside the message would break the protocol, so they become spaces.
   */
  error(message: string): void {
    this.onError?.(message);
    this.byte(45);
    this.bytes(message.indexOf('\n') >= 0 || message.indexOf('\r') >= 0 ? message.replace(/[\r\n]/g, ' ') : message);
    this.crlf();
  }

  integer(n: number | bigint): void {
    this.byte(58);
    this.ascii(typeof n === 'bigint' ? n.toString() : String(n));
    this.crlf();
  }

  /** A bulk string holding bytes (a byte string). */
  bulk(value: ByteString): void {
    const n = value.length;
    const header = n < BULK_HEADERS.length ? BULK_HEADERS[n] : encode(`$${n}\r\n`);
    this.reserve(header.length + n + 2);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < header.length; i++) buf[at++] = header[i];
    for (let i = 0; i < n; i++) buf[at++] = value.charCodeAt(i);
    buf[at++] = CRLF0;
    buf[at++] = CRLF1;
    this.len = at;
  }

  /** The null bulk string (`$-1` in RESP2, `_` in RESP3): GET of a missing key. */
  nullBulk(): void {
    this.raw(this.resp === 3 ? NULL3 : NULL_BULK2);
  }

  /** The null array (`*-1` in RESP2, `_` in RESP3): e.g. EXEC aborted by WATCH. */
  nullArray(): void {
    this.raw(this.resp === 3 ? NULL3 : NULL_ARRAY2);
  }

  arrayHeader(count: number): void {
    this.aggregate(42, count);
  }

  /** A map of `count` pairs: RESP3 `%`, RESP2 a flat array of 2*count items. */
  mapHeader(count: number): void {
    if (this.resp === 3) this.aggregate(37, count);
    else this.aggregate(42, count * 2);
  }

  /** A set: RESP3 `~`, RESP2 an array. */
  setHeader(count: number): void {
    this.aggregate(this.resp === 3 ? 126 : 42, count);
  }

  /** An out-of-band push (RESP3 `>`); in RESP2 pub/sub messages are plain arrays. */
  pushHeader(count: number): void {
    this.aggregate(this.resp === 3 ? 62 : 42, count);
  }

  /** A boolean: RESP3 `#t`/`#f`, RESP2 the integers 1 and 0. */
  boolean(value: boolean): void {
    if (this.resp === 3) this.raw(value ? TRUE3 : FALSE3);
    else this.raw(value ? ONE : ZERO);
  }

  /**
   * A double: RESP3 `,`, RESP2 a bulk string. `text` is the number already formatted as Redis formats it
   * (formatting rules differ between commands, so callers own them).
   */
  double(text: string): void {
    if (this.resp === 3) {
      this.byte(44);
      this.ascii(text);
      this.crlf();
    } else {
      this.bulk(text);
    }
  }

  /** A big number (RESP3 `(`); RESP2 sees a bulk string (addReplyBigNum). */
  bigNumber(text: ByteString): void {
    if (this.resp === 3) {
      this.byte(40);
      this.bytes(text);
      this.crlf();
    } else {
      this.bulk(text);
    }
  }

  /** A verbatim string (RESP3 `=`, format "txt"/"mkd"); RESP2 sees a bulk string. */
  verbatim(value: ByteString, format = 'txt'): void {
    if (this.resp === 3) {
      this.byte(61);
      this.ascii(String(value.length + 4));
      this.crlf();
      this.ascii(format);
      this.byte(58);
      this.bytes(value);
      this.crlf();
    } else {
      this.bulk(value);
    }
  }

  /** Pre-encoded protocol bytes (shared replies). */
  raw(encoded: Uint8Array): void {
    const n = encoded.length;
    this.reserve(n);
    if (n <= 32) {
      // A byte loop beats TypedArray.set for the short shared replies (+OK, :1, $-1).
      const buf = this.buf;
      let at = this.len;
      for (let i = 0; i < n; i++) buf[at++] = encoded[i];
      this.len = at;
    } else {
      this.buf.set(encoded, this.len);
      this.len += n;
    }
  }

  private aggregate(prefix: number, count: number): void {
    this.byte(prefix);
    this.ascii(String(count));
    this.crlf();
  }

  private byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }

  private crlf(): void {
    if (this.len + 2 > this.buf.length) this.grow(2);
    this.buf[this.len++] = CRLF0;
    this.buf[this.len++] = CRLF1;
  }

  /** ASCII text (numbers, status words). */
  private ascii(s: string): void {
    this.bytes(s);
  }

  private bytes(s: ByteString): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.len = at;
  }

  private reserve(extra: number): void {
    if (this.len + extra > this.buf.length) this.grow(extra);
  }

  private grow(extra: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

function encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const OK = encode('+OK\r\n');
const NULL3 = encode('_\r\n');
const NULL_BULK2 = encode('$-1\r\n');
const NULL_ARRAY2 = encode('*-1\r\n');
const TRUE3 = encode('#t\r\n');
const FALSE3 = encode('#f\r\n');
const ONE = encode(':1\r\n');
const ZERO = encode(':0\r\n');

/** `$<n>\r\n` for the bulk lengths most replies have, encoded once. */
const BULK_HEADERS: Uint8Array[] = Array.from({ length: 1024 }, (_, n) => encode(`$${n}\r\n`));
