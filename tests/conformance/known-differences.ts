/**
 * Deliberate differences between Cluster Lab and redis-server 7.0, each with its reason. A step whose results
 * differ and that is not listed here fails the conformance suite. Keep this list short and every reason true.
 */
export interface KnownDifference {
  /** Script file name, e.g. "errors.redis". */
  script: string;
  /** The step's source line, exactly as written in the script. */
  step: string;
  reason: string;
}

export const KNOWN_DIFFERENCES: KnownDifference[] = [];

export function knownDifference(script: string, stepText: string): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((d) => d.script === script && d.step === stepText);
}
