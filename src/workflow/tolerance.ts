import { checkInteger } from '../checks';
import { FanOutMode } from '../mode/mode';
import { hasDistributedMap } from '../mode/private/choose-mode';

/**
 * How many failed items a run tolerates before the execution fails. Either a count (both
 * Maps) or a percentage (Distributed Map only), never both.
 */
export interface FailureTolerance {
  /**
   * Failed items the execution still succeeds with; undefined when a percentage is set.
   */
  readonly count?: number;
  /** Percentage of failed items the Map Run tolerates; undefined when a count is set. */
  readonly percentage?: number;
  /** True when the user set a threshold: the Distributed Map then stops once it is exceeded. */
  readonly isSet: boolean;
  /** What is tolerated, for people. */
  readonly description: string;
}

/** What the tolerance depends on. */
export interface FailureToleranceInput {
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
  /** The mode being built (never AUTO). */
  readonly mode: FanOutMode;
}

/**
 * Checks the tolerated-failure props and resolves them. Without either, no failure is
 * tolerated, but every item still runs: the run fails at the end, with every failure listed.
 */
export function resolveFailureTolerance(input: FailureToleranceInput): FailureTolerance {
  const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = input;
  if (count !== undefined && percentage !== undefined) {
    throw new Error('toleratedFailureCount and toleratedFailurePercentage are mutually exclusive: give one');
  }
  checkInteger('toleratedFailureCount', count, 0, Number.MAX_SAFE_INTEGER);
  if (percentage !== undefined) {
    // A whole number: the ASL schema of ToleratedFailurePercentage (asl-validator) takes integers.
    checkInteger('toleratedFailurePercentage', percentage, 0, 100);
    if (input.mode !== FanOutMode.DISTRIBUTED) {
      throw new Error(`toleratedFailurePercentage needs mode DISTRIBUTED (only a Distributed Map counts failures as a percentage), but mode ${input.mode} was built; use toleratedFailureCount, or mode DISTRIBUTED`);
    }
    return { percentage, isSet: true, description: `${percentage}% (the Map Run stops once more have failed)` };
  }
  const description = count !== undefined
    ? `${count}${hasDistributedMap(input.mode) ? ' (a Map Run stops once more have failed)' : ''}`
    : 'none (every item runs; the execution fails at the end if any failed)';
  return { count: count ?? 0, isSet: count !== undefined, description };
}
