/**
 * The client side of RESP: parses RESP2 and RESP3 replies from a byte stream into a typed tree, keeping each
 * top-level frame's exact bytes (the conformance harness compares those). Frames may arrive in any pieces.
 * Used by our redis-cli, test clients, lesson checks and the smart cluster clients.
 */
import type { ByteString } from '../types/bytes.ts';
import { bytesToByteString } from '../types/bytes.ts';
import { BufferedParser } from './input-buffer.ts';

export type Reply =
  | { type: 'status'; value: string }
  | { type: 'error'; value: string }
  | { type: 'integer'; value: bigint }
  | { type: 'bulk'; value: ByteString }
  /** `$-1` (bulk), `*-1` (array) and RESP3's `_` (null) all read as nil; `kind` says which it was. */
  | { type: 'nil'; kind?: 'bulk' | 'array' | 'null' }
  | { type: 'array'; value: Reply[] }
  | { type: 'map'; value: [Reply, Reply][] }
  | { type: 'set'; value: Reply[] }
  | { type: 'attribute'; value: [Reply, Reply][]; reply: Reply }
  | { type: 'push'; value: Reply[] }
  | { type: 'double'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'bignum'; value: string }
  | { type: 'verbatim'; format: string; value: ByteString };

export class ReplyProtocolError extends Error {}

const CR = 13;

/** Thrown inside the reader when the frame is not complete yet. */
const INCOMPLETE = Symbol('incomplete');

export class ReplyParser extends BufferedParser {
  /** The next complete top-level reply with its raw bytes, or null if it has not fully arrived. */
  next(): { reply: Reply; raw: Uint8Array } | null {
    if (this.pos === this.end) return null;
    const start = this.pos;
    try {
      const reply = this.read();
      const raw = this.buf.slice(start, this.pos);
      this.input.rewindIfEmpty();
      return { reply, raw };
    } catch (e) {
      this.pos = start;
      if (e === INCOMPLETE) return null;
      throw e;
    }
  }

  private line(): string {
    for (let i = this.pos; i + 1 < this.end; i++) {
      if (this.buf[i] === CR && this.buf[i + 1] === 10) {
        const s = bytesToByteString(this.buf, this.pos, i);
        this.pos = i + 2;
        return s;
      }
    }
    throw INCOMPLETE;
  }

  private int(text: string, what: string): number {
    if (!/^-?\d+$/.test(text)) throw new ReplyProtocolError(`Protocol error: bad ${what} '${text}'`);
    return Number(text);
  }

  private bytes(n: number): ByteString {
    if (this.end - this.pos < n + 2) throw INCOMPLETE;
    const s = bytesToByteString(this.buf, this.pos, this.pos + n);
    if (this.buf[this.pos + n] !== CR || this.buf[this.pos + n + 1] !== 10) {
      throw new ReplyProtocolError('Protocol error: bulk string not terminated by CRLF');
    }
    this.pos += n + 2;
    return s;
  }

  /**
   * One whole reply, however deeply nested, with an explicit stack of the aggregates being filled (a script can
   * return 8,000 nested arrays; a recursive reader would run out of JavaScript stack on them).
   */
  private read(): Reply {
    const stack: OpenAggregate[] = [];
    for (;;) {
      let value: Reply | null = this.readOne(stack);
      // Hand the value up to the aggregates it completes.
      while (value !== null) {
        const top = stack.at(-1);
        if (top === undefined) return value;
        if (top.kind === 'attribute-reply') {
          stack.pop();
          value = { type: 'attribute', value: top.pairs, reply: value };
          continue;
        }
        if (top.kind === 'map' || top.kind === 'attribute') {
          if (top.key === null) {
            top.key = value;
            value = null;
            break;
          }
          top.pairs.push([top.key, value]);
          top.key = null;
        } else top.items.push(value);
        if (--top.left > 0) {
          value = null;
          break;
        }
        stack.pop();
        value = this.close(top, stack);
      }
    }
  }

  /** A finished aggregate as a reply, or null for an attribute (the reply it annotates comes next). */
  private close(a: OpenAggregate, stack: OpenAggregate[]): Reply | null {
    switch (a.kind) {
      case 'array':
      case 'set':
      case 'push':
        return { type: a.kind, value: a.items };
      case 'map':
        return { type: 'map', value: a.pairs };
      default:
        stack.push({ kind: 'attribute-reply', left: 1, items: [], pairs: a.pairs, key: null });
        return null;
    }
  }

  /** The next element: a whole scalar, an empty aggregate, or null after opening an aggregate on `stack`. */
  private readOne(stack: OpenAggregate[]): Reply | null {
    if (this.pos >= this.end) throw INCOMPLETE;
    const type = this.buf[this.pos++];
    switch (type) {
      case 43: // +
        return { type: 'status', value: this.line() };
      case 45: // -
        return { type: 'error', value: this.line() };
      case 58: { // :
        const t = this.line();
        this.int(t, 'integer');
        return { type: 'integer', value: BigInt(t) };
      }
      case 36: { // $
        const n = this.int(this.line(), 'bulk length');
        if (n < 0) return { type: 'nil', kind: 'bulk' };
        return { type: 'bulk', value: this.bytes(n) };
      }
      case 42: { // *
        const n = this.int(this.line(), 'array length');
        if (n < 0) return { type: 'nil', kind: 'array' };
        return this.open('array', n, stack);
      }
      case 126: // ~
        return this.open('set', this.int(this.line(), 'set length'), stack);
      case 62: // >
        return this.open('push', this.int(this.line(), 'push length'), stack);
      case 37: // %
        return this.open('map', this.int(this.line(), 'map length'), stack);
      case 124: // |
        return this.open('attribute', this.int(this.line(), 'attribute length'), stack);
      case 95: // _
        this.line();
        return { type: 'nil', kind: 'null' };
      case 35: { // #
        const t = this.line();
        if (t !== 't' && t !== 'f') throw new ReplyProtocolError(`Protocol error: bad boolean '${t}'`);
        return { type: 'bool', value: t === 't' };
      }
      case 44: // ,
        return { type: 'double', value: this.line() };
      case 40: // (
        return { type: 'bignum', value: this.line() };
      case 61: { // =
        const n = this.int(this.line(), 'verbatim length');
        const body = this.bytes(n);
        return { type: 'verbatim', format: body.slice(0, 3), value: body.slice(4) };
      }
      case 33: { // ! blob error
        const n = this.int(this.line(), 'blob error length');
        return { type: 'error', value: this.bytes(n) };
      }
      default:
        throw new ReplyProtocolError(`Protocol error, got "${String.fromCharCode(type)}" as reply type byte`);
    }
  }

  /** An aggregate of `n` elements (pairs for maps and attributes): empty ones are whole at once. */
  private open(kind: OpenAggregate['kind'], n: number, stack: OpenAggregate[]): Reply | null {
    const a: OpenAggregate = { kind, left: n, items: [], pairs: [], key: null };
    if (n > 0) {
      stack.push(a);
      return null;
    }
    return this.close(a, stack);
  }
}

/** An aggregate being read: its elements so far and how many are still to come. */
interface OpenAggregate {
  kind: 'array' | 'set' | 'push' | 'map' | 'attribute' | 'attribute-reply';
  left: number;
  items: Reply[];
  pairs: [Reply, Reply][];
  /** A map's or attribute's key waiting for its value. */
  key: Reply | null;
}
