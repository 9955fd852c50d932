import { INLINE_MAP_MAX_CONCURRENCY, SFN_HISTORY_EVENT_LIMIT } from '../../facts';
import { FanOutMode } from '../mode';

/** What the mode choice depends on. */
export interface ModeChoiceInput {
  /** The mode the user asked for. */
  readonly requestedMode: FanOutMode;
  /** True when the items are read from S3 by an ItemReader. */
  readonly itemsFromS3: boolean;
  /** How many items the user expects, if known. */
  readonly expectedItemCount?: number;
  /** The parallelism the user asked for (explicit `maxConcurrency`), if any. */
  readonly requestedConcurrency?: number;
  /** The parallelism the vCPU budget allows (`floor(maxVcpus / task vCPU)`), if a budget is set. */
  readonly vcpuBudgetConcurrency?: number;
  /**
   * The most items an inline Map holds with the inline retries (see `inlineMaxItems` in
   * workflow/history-budget.ts).
   */
  readonly inlineMaxItems: number;
  /**
   * The props that are set and only work with a Distributed Map (`itemBatching`,
   * `toleratedFailurePercentage`), if any.
   */
  readonly distributedOnlyProps?: string[];
}

/** The mode to build and why. */
export interface ModeChoice {
  /** INLINE, DISTRIBUTED or RUN_TIME; never AUTO. */
  readonly mode: FanOutMode;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * Chooses the Map flavour. Pure: it throws, naming the prop, when a forced mode cannot work.
 */
export function chooseMode(input: ModeChoiceInput): ModeChoice {
  switch (input.requestedMode) {
    case FanOutMode.INLINE:
      checkInlineIsPossible(input, 'INLINE');
      return { mode: FanOutMode.INLINE, reason: 'mode is set to INLINE.' };
    case FanOutMode.DISTRIBUTED:
      return { mode: FanOutMode.DISTRIBUTED, reason: 'mode is set to DISTRIBUTED.' };
    case FanOutMode.RUN_TIME:
      checkInlineIsPossible({ ...input, expectedItemCount: undefined, requestedConcurrency: undefined }, 'RUN_TIME');
      return { mode: FanOutMode.RUN_TIME, reason: `mode is set to RUN_TIME: arrays of up to ${input.inlineMaxItems} items run in an inline Map, longer ones in a Distributed Map.` };
    case FanOutMode.AUTO:
    default:
      return chooseAutomatically(input);
  }
}

function chooseAutomatically(input: ModeChoiceInput): ModeChoice {
  const distributedOnly = input.distributedOnlyProps ?? [];
  if (distributedOnly.length > 0) {
    return { mode: FanOutMode.DISTRIBUTED, reason: `Distributed Map: ${distributedOnly.join(' and ')} only work${distributedOnly.length > 1 ? '' : 's'} with a Distributed Map.` };
  }
  if (input.itemsFromS3) {
    return { mode: FanOutMode.DISTRIBUTED, reason: 'Distributed Map: items are read from S3, and only a Distributed Map has an ItemReader.' };
  }
  const wanted = Math.min(input.requestedConcurrency ?? Infinity, input.vcpuBudgetConcurrency ?? Infinity);
  if (Number.isFinite(wanted) && wanted > INLINE_MAP_MAX_CONCURRENCY) {
    const asked = input.requestedConcurrency !== undefined ? `maxConcurrency ${input.requestedConcurrency}` : `the vCPU budget (room for ${input.vcpuBudgetConcurrency} tasks)`;
    return {
      mode: FanOutMode.DISTRIBUTED,
      reason: `Distributed Map: ${asked} is above the ${INLINE_MAP_MAX_CONCURRENCY} iterations an inline Map runs at once.`,
    };
  }
  if (input.expectedItemCount !== undefined) {
    if (input.expectedItemCount > input.inlineMaxItems) {
      return {
        mode: FanOutMode.DISTRIBUTED,
        reason: `Distributed Map: ${input.expectedItemCount} expected items would not surely fit an inline Map's ${SFN_HISTORY_EVENT_LIMIT}-event history (at most ${input.inlineMaxItems} items if every item used all its retries).`,
      };
    }
    return {
      mode: FanOutMode.INLINE,
      reason: `Inline Map: ${input.expectedItemCount} expected items fit the ${SFN_HISTORY_EVENT_LIMIT}-event history even if every item used all its retries (up to ${input.inlineMaxItems}), and need no child executions.`,
    };
  }
  if (input.inlineMaxItems < 1) {
    return {
      mode: FanOutMode.DISTRIBUTED,
      reason: `Distributed Map: with the retries configured, not one item surely fits an inline Map's ${SFN_HISTORY_EVENT_LIMIT}-event history.`,
    };
  }
  return {
    mode: FanOutMode.RUN_TIME,
    reason: `Chosen at run time: items come in the execution input and expectedItemCount is not set, so arrays of up to ${input.inlineMaxItems} items (what surely fits the history with every retry used) run in an inline Map and longer ones in a Distributed Map.`,
  };
}

function checkInlineIsPossible(input: ModeChoiceInput, modeName: string): void {
  for (const prop of input.distributedOnlyProps ?? []) {
    throw new Error(`${prop} needs a Distributed Map for every run, so it cannot be combined with mode ${modeName}; use mode DISTRIBUTED or AUTO`);
  }
  if (input.itemsFromS3) {
    throw new Error(`mode ${modeName} cannot read items from S3: items from S3 need mode DISTRIBUTED or AUTO (only a Distributed Map has an ItemReader)`);
  }
  if (input.requestedConcurrency !== undefined && input.requestedConcurrency > INLINE_MAP_MAX_CONCURRENCY) {
    throw new Error(`maxConcurrency must be at most ${INLINE_MAP_MAX_CONCURRENCY} with mode ${modeName} (an inline Map runs at most ${INLINE_MAP_MAX_CONCURRENCY} iterations at once), got ${input.requestedConcurrency}; use mode DISTRIBUTED or AUTO for more`);
  }
  if (input.inlineMaxItems < 1) {
    throw new Error(`throttleRetry.maxAttempts and taskRetry.maxAttempts are too high for mode ${modeName}: one item using all its retries would not fit the inline Map's ${SFN_HISTORY_EVENT_LIMIT}-event execution history; lower them or use mode DISTRIBUTED or AUTO`);
  }
  if (input.expectedItemCount !== undefined && input.expectedItemCount > input.inlineMaxItems) {
    throw new Error(`expectedItemCount must be at most ${input.inlineMaxItems} with mode ${modeName} (what surely fits the inline Map's ${SFN_HISTORY_EVENT_LIMIT}-event execution history when every item uses all its retries: throttleRetry, startFailureRetry, retryRules, taskRetry), got ${input.expectedItemCount}; use mode DISTRIBUTED or AUTO, or lower the retries`);
  }
}

/** True when `mode` builds a Distributed Map (DISTRIBUTED, or RUN_TIME for long arrays). */
export function hasDistributedMap(mode: FanOutMode): boolean {
  return mode === FanOutMode.DISTRIBUTED || mode === FanOutMode.RUN_TIME;
}

/** True when `mode` builds an inline Map (INLINE, or RUN_TIME for short arrays). */
export function hasInlineMap(mode: FanOutMode): boolean {
  return mode === FanOutMode.INLINE || mode === FanOutMode.RUN_TIME;
}
