/**
 * Bytes taken by Redis's sds strings, intsets and dict tables, computed from the contents (listpack and
 * quicklist layouts live in persistence/, which writes them byte for byte).
 */
import type { ByteString } from '../types/bytes.ts';
import { mallocSize } from './jemalloc.ts';
import { SIZEOF } from './redis-structs.ts';

/** sdsnewlen's header size for a string of `len` bytes (sdsReqType; empty strings get an sdshdr8). */
function sdsHeader(len: number): number {
  if (len === 0) return 3;
  if (len < 32) return 1;
  if (len < 256) return 3;
  if (len < 65536) return 5;
  return 9;
}

/** sdsZmallocSize of a new sds holding `len` bytes: header, bytes and the terminating NUL, rounded up. */
export function sdsAllocSize(len: number): number {
  return mallocSize(sdsHeader(len) + len + 1);
}

/** sdsReqType's header for a capacity, as sdsMakeRoomFor picks it (never the 1-byte type 5 when growing). */
function sdsGrowHeader(cap: number): number {
  return cap < 256 ? 3 : cap < 65536 ? 5 : 9;
}

/** Largest greedy step of sdsMakeRoomFor (SDS_MAX_PREALLOC, 1 MiB). */
const SDS_MAX_PREALLOC = 1024 * 1024;

/**
 * The allocation (bytes) behind a raw string after it grew to `newLen` in place (APPEND, SETRANGE, SETBIT):
 * sdsMakeRoomFor keeps the buffer when it has room, else doubles the needed length (or adds 1 MiB past 1 MiB)
 * and takes the allocator's whole usable size. `alloc` is the current allocation, undefined for an exact one.
 */
export function sdsGrowAlloc(alloc: number | undefined, len: number, newLen: number): number {
  const current = alloc ?? sdsAllocSize(len);
  const hdr = alloc === undefined ? sdsHeader(len) : sdsGrowHeader(current);
  // A type-5 sds (under 32 bytes, 1-byte header) records no capacity: it never has spare room.
  const capacity = alloc === undefined && hdr === 1 ? len : current - hdr - 1;
  if (newLen <= capacity) return current;
  const cap = newLen < SDS_MAX_PREALLOC ? newLen * 2 : newLen + SDS_MAX_PREALLOC;
  return mallocSize(sdsGrowHeader(cap) + cap + 1);
}

/** An embstr object: robj, sdshdr8 and the bytes in one allocation. */
export function embstrAllocSize(len: number): number {
  return mallocSize(SIZEOF.robj + 3 + len + 1);
}

/** Bytes of an intset of these integer members: width 2, 4 or 8 from the widest value. */
export function intsetBytes(members: Iterable<ByteString>): number {
  let width = 2;
  let count = 0;
  for (const m of members) {
    count++;
    if (width === 8) continue;
    const v = m.length <= 15 ? Number(m) : Number(BigInt(m));
    if (v < -2147483648 || v > 2147483647) width = 8;
    else if (v < -32768 || v > 32767) width = 4;
  }
  return SIZEOF.intsetHeader + count * width;
}

/** A dict's bucket count after growing to hold `n` entries one by one: a power of two, at least 4. */
export function dictSlots(n: number): number {
  if (n === 0) return 0;
  let size = 4;
  while (size < n) size *= 2;
  return size;
}
