/**
 * Byte strings.
 *
 * Redis is binary safe: keys and values are byte sequences, not text. Inside the engine we hold them as
 * "byte strings": ordinary JS strings in which every char code is one byte (0..255). That keeps Map lookups,
 * comparisons and slicing as fast as plain strings while staying exact for arbitrary bytes. Text typed by a
 * learner (UTF-8) is converted to bytes at the edge, exactly as a real client would send it.
 *
 * Never use TextDecoder('latin1') for this: the WHATWG encoding standard maps "latin1" to windows-1252,
 * which rewrites bytes 0x80..0x9F.
 */
export type ByteString = string;

const CHUNK = 0x2000;

/** Bytes (or a slice of them) to a byte string. */
export function bytesToByteString(buf: Uint8Array, start = 0, end = buf.length): ByteString {
  const len = end - start;
  if (len <= 0) return '';
  if (len <= 16) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
    return s;
  }
  let s = '';
  for (let i = start; i < end; i += CHUNK) {
    s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(i + CHUNK, end)) as unknown as number[]);
  }
  return s;
}

/** A byte string to bytes. */
export function byteStringToBytes(s: ByteString): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** UTF-8 text (what a learner types) to a byte string (what goes on the wire). */
export function utf8ToByteString(text: string): ByteString {
  return bytesToByteString(new TextEncoder().encode(text));
}

/** A byte string holding UTF-8 back to text, for display only (invalid sequences become U+FFFD). */
export function byteStringToUtf8(s: ByteString): string {
  return new TextDecoder('utf-8').decode(byteStringToBytes(s));
}
