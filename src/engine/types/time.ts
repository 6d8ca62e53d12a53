/**
 * Virtual time.
 *
 * The engine never reads a clock: the host tells each node the virtual time. We count it in integer
 * microseconds, because command costs are far below a millisecond (a GET costs about a microsecond of
 * virtual CPU) and integers keep every host's arithmetic, and so every history, exactly reproducible.
 * Redis's own rules are written in milliseconds (node timeout, hz); helpers below convert at the edges.
 */
export type TimeUs = number;

export const US_PER_MS = 1000;
export const US_PER_SEC = 1_000_000;

export function msToUs(ms: number): TimeUs {
  return Math.round(ms * US_PER_MS);
}

/** Whole milliseconds, as Redis's mstime() would report them. */
export function usToMs(us: TimeUs): number {
  return Math.floor(us / US_PER_MS);
}
