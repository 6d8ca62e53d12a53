/**
 * jemalloc 5.3's size classes, which Redis 7.0 is built with on Linux. Redis measures memory with
 * zmalloc_size(), the class an allocation was rounded up to, so MEMORY USAGE and used_memory grow in these steps
 * and not byte by byte.
 *
 * Small classes: 8, then multiples of 16 up to 128, then four classes per doubling (160, 192, 224, 256, 320, ...).
 * The same four-per-doubling rule continues for large allocations.
 */
export function mallocSize(bytes: number): number {
  if (bytes <= 8) return 8;
  if (bytes <= 128) return Math.ceil(bytes / 16) * 16;
  // Group of four classes between 2^k and 2^(k+1), spaced 2^(k-2) apart.
  const k = Math.floor(Math.log2(bytes - 1));
  const spacing = 2 ** (k - 2);
  return Math.ceil(bytes / spacing) * spacing;
}
