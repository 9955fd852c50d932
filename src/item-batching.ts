import { ECS_CONTAINER_OVERRIDES_MAX_CHARS, JSON_STRING_ESCAPE_FACTOR } from './aws-limits';
import { FANOUT_ITEMS_ENV } from './container-environment';
import { FanOutItemBatching } from './fan-out-item-batching';
import { checkInteger } from './validation';

/** The ItemBatcher settings the construct renders. */
export interface ResolvedItemBatching {
  /** Most items in one batch. */
  readonly maxItems: number;
  /** Most bytes in one batch. */
  readonly maxInputBytes: number;
  /** The largest `maxInputBytes` allowed for this container. */
  readonly maxInputBytesLimit: number;
}

/**
 * The largest batch, in bytes of JSON, that always fits the container overrides of a RunTask
 * call whose only override is `FANOUT_ITEMS` on `containerName`. 0 if nothing fits.
 */
export function batchBytesWithinOverrides(containerName: string): number {
  const emptyOverrides = JSON.stringify({ containerOverrides: [{ name: containerName, environment: [{ name: FANOUT_ITEMS_ENV, value: '' }] }] });
  return Math.max(0, Math.floor((ECS_CONTAINER_OVERRIDES_MAX_CHARS - emptyOverrides.length) / JSON_STRING_ESCAPE_FACTOR));
}

/** Fills in the byte limit and checks both limits, naming the prop. */
export function resolveItemBatching(batching: FanOutItemBatching, containerName: string): ResolvedItemBatching {
  const limit = batchBytesWithinOverrides(containerName);
  checkInteger('itemBatching.maxItems', batching.maxItems, 1, 10_000);
  checkInteger('itemBatching.maxInputBytes', batching.maxInputBytes, 1, limit);
  return { maxItems: batching.maxItems, maxInputBytes: batching.maxInputBytes ?? limit, maxInputBytesLimit: limit };
}
