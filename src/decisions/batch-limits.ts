import { checkInteger } from './checks';
import { FanOutEnvironment } from '../api/environment';
import { FanOutItemBatching } from '../api/item-batching';
import { ECS_CONTAINER_OVERRIDES_MAX_CHARS, JSON_STRING_ESCAPE_FACTOR, SFN_TASK_TOKEN_MAX_CHARS } from '../aws-limits';

/** The ItemBatcher settings the construct renders. */
export interface ResolvedItemBatching {
  /** Most items in one batch. */
  readonly maxItems: number;
  /** Most bytes in one batch. */
  readonly maxInputBytes: number;
  /** The largest `maxInputBytes` allowed for this container. */
  readonly maxInputBytesLimit: number;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * The largest batch, in bytes of JSON, that always fits the container overrides of a RunTask
 * call whose overrides are `FANOUT_ITEMS` on `containerName` and, with `withTaskToken`, a task
 * token of the longest length in `FANOUT_TASK_TOKEN`. 0 if nothing fits.
 */
export function batchBytesWithinOverrides(containerName: string, withTaskToken = false): number {
  const environment = [{ name: FanOutEnvironment.ITEMS, value: '' }];
  if (withTaskToken) {
    // Tokens are base64-like: no character of theirs is escaped in JSON.
    environment.push({ name: FanOutEnvironment.TASK_TOKEN, value: 'x'.repeat(SFN_TASK_TOKEN_MAX_CHARS) });
  }
  const emptyOverrides = JSON.stringify({ containerOverrides: [{ name: containerName, environment }] });
  return Math.max(0, Math.floor((ECS_CONTAINER_OVERRIDES_MAX_CHARS - emptyOverrides.length) / JSON_STRING_ESCAPE_FACTOR));
}

/** Fills in the byte limit and checks both limits, naming the prop. */
export function resolveItemBatching(batching: FanOutItemBatching, containerName: string, withTaskToken = false): ResolvedItemBatching {
  const limit = batchBytesWithinOverrides(containerName, withTaskToken);
  checkInteger('itemBatching.maxItems', batching.maxItems, 1, 10_000);
  checkInteger('itemBatching.maxInputBytes', batching.maxInputBytes, 1, limit);
  const maxInputBytes = batching.maxInputBytes ?? limit;
  return {
    maxItems: batching.maxItems,
    maxInputBytes,
    maxInputBytesLimit: limit,
    reason: `up to ${batching.maxItems} items and ${maxInputBytes} bytes a batch; ${limit} bytes always fit the ${ECS_CONTAINER_OVERRIDES_MAX_CHARS}-character container overrides${withTaskToken ? ' beside the task token' : ''}.`,
  };
}
