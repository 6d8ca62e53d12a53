/**
 * How Redis 7.0 lays a list out as a quicklist (quicklist.c): a chain of nodes, each a listpack of several
 * elements (a "packed" node) or a single huge element (a "plain" node), some of them LZF-compressed. The lab keeps
 * a list as a plain array, so this rebuilds the node layout a list gets when its elements are pushed at the tail
 * one by one (RPUSH), which is what DUMP needs to produce Redis's bytes. Lists shaped by LPUSH, LINSERT or
 * deletions can have other node boundaries in Redis; their elements are the same either way.
 */
import { byteStringToBytes, type ByteString } from '../types/bytes.ts';
import { LP_EMPTY_SIZE, encodeListpack, lpEntrySize } from './listpack.ts';
import { lzfCompress } from './lzf.ts';

/** quicklistNode.container. */
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

/** Elements of this size or more get a plain node of their own (packed_threshold, 1 GB). */
const PACKED_THRESHOLD = 1 << 30;
/** Size limits per node for fill -1..-5 (optimization_level). */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** Hard size limit for count-limited nodes (SIZE_SAFETY_LIMIT). */
const SIZE_SAFETY_LIMIT = 8192;
/** Added to an element's length when estimating a node's growth (SIZE_ESTIMATE_OVERHEAD). */
const SIZE_ESTIMATE_OVERHEAD = 8;
const FILL_MAX = (1 << 15) - 1;
/** Nodes smaller than this are never compressed (MIN_COMPRESS_BYTES)... */
const MIN_COMPRESS_BYTES = 48;
/** ...nor kept compressed unless that saves more than this (MIN_COMPRESS_IMPROVE). */
const MIN_COMPRESS_IMPROVE = 8;

export interface QuicklistNode {
  container: typeof QUICKLIST_NODE_CONTAINER_PLAIN | typeof QUICKLIST_NODE_CONTAINER_PACKED;
  /** The node's bytes: a listpack (packed) or the element itself (plain). */
  data: Uint8Array;
  /** The LZF form when the node is compressed (list-compress-depth), else null. */
  compressed: Uint8Array | null;
}

/** quicklistSetFill: list-max-listpack-size clamped to -5..32767. */
function clampFill(fill: number): number {
  return fill > FILL_MAX ? FILL_MAX : fill < -5 ? -5 : fill;
}

/** _quicklistNodeAllowInsert for a packed node of `sz` bytes and `count` elements, adding `len` bytes. */
function allowInsert(sz: number, count: number, fill: number, len: number): boolean {
  const newSz = sz + len + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const offset = -fill - 1;
    if (offset < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[offset]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

/** Groups the elements into nodes as quicklistPushTail would; each group is [plain?, elements]. */
export function splitIntoNodes(elements: readonly ByteString[], fillOption: number): { plain: boolean; elements: ByteString[] }[] {
  const fill = clampFill(fillOption);
  const nodes: { plain: boolean; elements: ByteString[] }[] = [];
  let tail: { plain: boolean; elements: ByteString[] } | null = null;
  let tailSize = 0;
  for (const e of elements) {
    if (e.length >= PACKED_THRESHOLD) {
      tail = { plain: true, elements: [e] };
      nodes.push(tail);
      continue;
    }
    if (tail !== null && !tail.plain && allowInsert(tailSize, tail.elements.length, fill, e.length)) {
      tail.elements.push(e);
      tailSize += lpEntrySize(e);
    } else {
      tail = { plain: false, elements: [e] };
      tailSize = LP_EMPTY_SIZE + lpEntrySize(e);
      nodes.push(tail);
    }
  }
  return nodes;
}

/**
 * The quicklist nodes of a list, with list-compress-depth applied: with depth d > 0, every node that is not
 * among the d first or d last is LZF-compressed when that pays (__quicklistCompressNode).
 */
export function quicklistNodes(elements: readonly ByteString[], fill: number, compressDepth: number): QuicklistNode[] {
  const groups = splitIntoNodes(elements, fill);
  const n = groups.length;
  return groups.map((g, i) => {
    const data = g.plain ? byteStringToBytes(g.elements[0]) : encodeListpack(g.elements);
    let compressed: Uint8Array | null = null;
    if (compressDepth > 0 && i >= compressDepth && i < n - compressDepth && data.length >= MIN_COMPRESS_BYTES) {
      const z = lzfCompress(data, data.length);
      if (z !== null && z.length + MIN_COMPRESS_IMPROVE < data.length) compressed = z;
    }
    return { container: g.plain ? QUICKLIST_NODE_CONTAINER_PLAIN : QUICKLIST_NODE_CONTAINER_PACKED, data, compressed };
  });
}
