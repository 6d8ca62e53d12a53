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

/**
 * UTF-8 text (what a learner types) to a byte string (what goes on the wire). Written out by hand because the
 * engine has no TextEncoder (it is a web/Node API, not part of the language). Lone surrogates become U+FFFD,
 * as TextEncoder would make them.
 */
export function utf8ToByteString(text: string): ByteString {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out += text[i];
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x800) out += String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out += String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else {
      out += String.fromCharCode(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    }
  }
  return out;
}

/** A byte string holding UTF-8 back to text, for display only; invalid sequences become U+FFFD. */
export function byteStringToUtf8(s: ByteString): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const b = s.charCodeAt(i);
    if (b < 0x80) {
      out += s[i++];
      continue;
    }
    const need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
    if (need < 0) {
      out += '\ufffd';
      i++;
      continue;
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const c = s.charCodeAt(i + k);
      if (i + k >= s.length || (c & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += '\ufffd';
      i++;
      continue;
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** The parts one after another in one buffer (the part itself when there is only one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
