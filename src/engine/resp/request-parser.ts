/**
 * The server side of RESP: a client's query buffer and the parsing Redis does on it (networking.c
 * processInputBuffer, processMultibulkBuffer, processInlineBuffer).
 *
 * A request starting with '*' is a multibulk array of bulk strings; anything else is an inline command, one
 * line split like sdssplitargs. Frames may arrive in any pieces. Protocol errors carry Redis's exact texts;
 * after one the server replies and closes the connection, so the parser stops there.
 *
 * Quirks kept on purpose, because Redis has them: lines are searched with C's strchr, so a NUL byte ends the
 * search (and the line never completes); the byte after a count line's '\r' is skipped without being checked
 * for '\n'; `*0` and `*-1` are empty requests that are silently skipped, as are blank inline lines.
 */
import type { ByteString } from '../types/bytes.ts';
import { bytesToByteString } from '../types/bytes.ts';
import { BufferedParser } from './input-buffer.ts';
import { LAB_MAX_STRING_BYTES } from '../keyspace/object.ts';

/** Largest inline request, and largest count line, Redis buffers while waiting for its end (PROTO_INLINE_MAX_SIZE). */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
const INT_MAX = 2147483647;
/** Before AUTH, Redis refuses larger arrays and bulks than these (a cheap defence against memory abuse). */
const UNAUTH_MAX_MULTIBULK = 10;
const UNAUTH_MAX_BULK = 16384;

export interface ParserLimits {
  /** proto-max-bulk-len, default 512 MB. */
  protoMaxBulkLen: number;
  /** Whether the client is authenticated (or no password is required). */
  authenticated: boolean;
}

export interface ProtocolError {
  /** The full error text as the client sees it, e.g. "ERR Protocol error: invalid multibulk length". */
  protocolError: string;
}

/** A command's arguments, null when more bytes are needed, or a protocol error. */
export type ParseResult = ByteString[] | null | ProtocolError;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

export class RequestParser extends BufferedParser {
  limits: ParserLimits;
  /** Multibulk state: arguments still to read (0 = between requests), the current bulk's length (-1 = unknown). */
  private multibulkLen = 0;
  private bulkLen = -1;
  private argv: ByteString[] = [];
  /** Bytes of the arguments of a request still being received. */
  private argvBytes = 0;

  /**
   * What Redis's query buffer would hold for this client: unparsed input plus the arguments of a request not
   * yet complete (client-query-buffer-limit applies to it).
   */
  get queryBufferBytes(): number {
    return this.bufferedBytes + this.argvBytes;
  }
  private failed: ProtocolError | null = null;

  constructor(limits: Partial<ParserLimits> = {}) {
    super();
    this.limits = { protoMaxBulkLen: 512 * 1024 * 1024, authenticated: true, ...limits };
  }



  next(): ParseResult {
    if (this.failed) return this.failed;
    for (;;) {
      if (this.pos === this.end) {
        this.input.rewindIfEmpty();
        return null;
      }
      const r = this.multibulkLen > 0 || this.buf[this.pos] === STAR ? this.multibulk() : this.inline();
      if (r === null) return null;
      if (Array.isArray(r) && r.length === 0) continue; // empty request: *0, *-1, a blank line
      return r;
    }
  }

  private fail(message: string): ProtocolError {
    this.failed = { protocolError: `ERR Protocol error: ${message}` };
    return this.failed;
  }

  /** strchr from `from`: index of byte `b`, or -1 if the data (or a NUL byte) ends first. */
  private find(b: number, from: number): number {
    const buf = this.buf;
    const end = this.end;
    for (let i = from; i < end; i++) {
      const c = buf[i];
      if (c === b) return i;
      if (c === 0) return -1;
    }
    return -1;
  }

  private multibulk(): ParseResult {
    const buf = this.buf;
    if (this.multibulkLen === 0) {
      const cr = this.find(CR, this.pos);
      if (cr < 0) {
        if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) return this.fail('too big mbulk count string');
        return null;
      }
      if (cr > this.end - 2) return null; // the '\n' has not arrived
      const ll = parseLongLong(buf, this.pos + 1, cr);
      if (ll === null || ll > INT_MAX) return this.fail('invalid multibulk length');
      if (ll > UNAUTH_MAX_MULTIBULK && !this.limits.authenticated) return this.fail('unauthenticated multibulk length');
      this.pos = cr + 2;
      if (ll <= 0) return [];
      this.multibulkLen = ll;
      this.argv = [];
      this.argvBytes = 0;
    }
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        const cr = this.find(CR, this.pos);
        if (cr < 0) {
          if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) return this.fail('too big bulk count string');
          return null;
        }
        if (cr > this.end - 2) return null;
        if (buf[this.pos] !== DOLLAR) return this.fail(`expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
        const ll = parseLongLong(buf, this.pos + 1, cr);
        if (ll === null || ll < 0 || ll > this.limits.protoMaxBulkLen) return this.fail('invalid bulk length');
        if (ll > UNAUTH_MAX_BULK && !this.limits.authenticated) return this.fail('unauthenticated bulk length');
        // Redis would read it; the lab cannot hold a string this long, so it refuses before buffering any of it.
        if (ll > LAB_MAX_STRING_BYTES) return this.fail(`bulk length exceeds Cluster Lab's limit of ${LAB_MAX_STRING_BYTES} bytes (a JavaScript string's maximum length)`);
        this.pos = cr + 2;
        this.bulkLen = ll;
      }
      if (this.end - this.pos < this.bulkLen + 2) return null;
      this.argv.push(bytesToByteString(buf, this.pos, this.pos + this.bulkLen));
      this.argvBytes += this.bulkLen;
      this.pos += this.bulkLen + 2;
      this.bulkLen = -1;
      this.multibulkLen--;
    }
    const argv = this.argv;
    this.argv = [];
    this.argvBytes = 0;
    return argv;
  }

  private inline(): ParseResult {
    const lf = this.find(LF, this.pos);
    if (lf < 0) {
      if (this.end - this.pos > PROTO_INLINE_MAX_SIZE) return this.fail('too big inline request');
      return null;
    }
    const lineEnd = lf > this.pos && this.buf[lf - 1] === CR ? lf - 1 : lf;
    const argv = splitArgs(bytesToByteString(this.buf, this.pos, lineEnd));
    if (argv === null) return this.fail('unbalanced quotes in request');
    this.pos = lf + 1;
    return argv;
  }
}

/** Redis's string2ll over buf[from, to): a canonical signed 64-bit integer (no '+', no leading zeros). */
function parseLongLong(buf: Uint8Array, from: number, to: number): number | null {
  const len = to - from;
  if (len === 0 || len > 20) return null;
  if (len === 1 && buf[from] === 48) return 0;
  let i = from;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
    if (i === to) return null;
  }
  if (buf[i] < 49 || buf[i] > 57) return null;
  let v = 0;
  for (; i < to; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  // Beyond 2^53 the value is imprecise, but every caller only compares it with limits far below that, or
  // rejects it; anything over the int64 range is rejected here as string2ll does.
  if (v > 9223372036854775807) return null;
  return negative ? -v : v;
}

const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/**
 * sdssplitargs: split a line into arguments. Double quotes take \n \r \t \b \a escapes, \xHH, and any other
 * escaped character literally; single quotes take only \'. A closing quote must be followed by whitespace or the
 * end. Returns null for unbalanced quotes. As it works on a C string, a NUL byte ends the line.
 */
export function splitArgs(line: ByteString): ByteString[] | null {
  const nul = line.indexOf('\0');
  const s = nul >= 0 ? line.slice(0, nul) : line;
  const out: ByteString[] = [];
  let p = 0;
  for (;;) {
    while (p < s.length && isSpace(s[p])) p++;
    if (p >= s.length) return out;
    let inq = false;
    let insq = false;
    let current = '';
    for (let done = false; !done; ) {
      const c = s[p];
      if (inq) {
        if (c === '\\' && s[p + 1] === 'x' && isHex(s[p + 2]) && isHex(s[p + 3])) {
          current += String.fromCharCode(parseInt(s.slice(p + 2, p + 4), 16));
          p += 3;
        } else if (c === '\\' && p + 1 < s.length) {
          p++;
          const e = s[p];
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (p + 1 < s.length && !isSpace(s[p + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else current += c;
      } else if (insq) {
        if (c === '\\' && s[p + 1] === "'") {
          p++;
          current += "'";
        } else if (c === "'") {
          if (p + 1 < s.length && !isSpace(s[p + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else current += c;
      } else if (c === undefined || c === ' ' || c === '\n' || c === '\r' || c === '\t') {
        done = true;
      } else if (c === '"') inq = true;
      else if (c === "'") insq = true;
      else current += c;
      if (p < s.length) p++;
    }
    out.push(current);
  }
}
