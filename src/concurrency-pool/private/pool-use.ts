import { PoolDecision, PoolWaitBand, decidePoolWeight } from './decide-pool';
import { CPU_UNITS_PER_VCPU, HISTORY_EVENTS_PER_PASS_STATE, HISTORY_EVENTS_PER_SDK_CALL, SFN_HISTORY_EVENT_LIMIT } from '../../facts';

/**
 * History events a child reserves for waiting for a slot: about half of its 25,000-event
 * history. The rest goes to its retries (`distributedThrottleRetry` is sized to what is left).
 */
export const POOL_CHILD_WAIT_EVENTS = 12_000;

/**
 * Events one look at the pool writes at worst: one that found room but lost the race (the try
 * and the held check, two SDK calls), then a Wait, the counter's read (an SDK call) and the Choice.
 * A look at a full pool writes fewer: the backoff Pass, the Wait, the read and the Choice (11).
 */
export const POOL_LOOK_EVENTS = 3 * HISTORY_EVENTS_PER_SDK_CALL + 2 * HISTORY_EVENTS_PER_PASS_STATE;

/**
 * Events taking and giving back a slot write besides waiting: the first try, the held check, the
 * ticket, the try after waiting and its held check (SDK calls), and the release with its check
 * and Choice, each with a few transient retries.
 */
export const POOL_HOLD_EVENTS = 7 * HISTORY_EVENTS_PER_SDK_CALL + HISTORY_EVENTS_PER_PASS_STATE + 12 * 3;

/** What a fan-out with a concurrency pool is built with, and why. */
export interface PoolUseDecision {
  /** CPU units one item's slot takes (0 when the pool has no vCPU limit). */
  readonly cpuUnits: number;
  /** History events a child keeps for the pool: taking, giving back, and waiting. */
  readonly childEvents: number;
  /** Looks at the pool a child has room for. */
  readonly childLooks: number;
  readonly reason: string;
}

/** What the use of a pool depends on. */
export interface PoolUseInput {
  readonly pool: PoolDecision;
  /** The task's CPU units as built or given. */
  readonly taskCpuUnits: number;
  /** With an out-of-memory rule, the vCPUs of the largest size a rerun may use. */
  readonly largestTaskVcpus?: number;
  readonly batched: boolean;
  readonly callback: boolean;
}

/**
 * How a fan-out uses a concurrency pool: what one item takes (the largest task it can run, so
 * that a rerun at a larger size never needs more than it holds), and where it waits. Throws,
 * naming the prop, when the pool cannot hold the task or the configuration is not supported.
 */
export function decidePoolUse(input: PoolUseInput): PoolUseDecision {
  if (input.callback) {
    throw new Error('concurrencyPool cannot be combined with integrationPattern CALLBACK yet: use the run job (RUN_JOB)');
  }
  if (input.batched) {
    throw new Error('concurrencyPool cannot be combined with itemBatching: a batch\'s BatchInput is fixed JSON, so a batch cannot carry the parent execution that owns its slot');
  }
  const largest = Math.max(input.taskCpuUnits, Math.round((input.largestTaskVcpus ?? 0) * CPU_UNITS_PER_VCPU));
  const weight = decidePoolWeight(input.pool, largest);
  const childEvents = POOL_HOLD_EVENTS + POOL_CHILD_WAIT_EVENTS;
  const childLooks = Math.floor(POOL_CHILD_WAIT_EVENTS / POOL_LOOK_EVENTS);
  // While the pool stays full, every look backs off one level up to the cap: the shortest time
  // the looks last is the sum of the bands' lower ends, level after level.
  const shortestSeconds = (bands: PoolWaitBand[]) => {
    let seconds = 0;
    for (let look = 0; look < childLooks; look++) seconds += bands[Math.min(look, bands.length - 1)][0];
    return seconds;
  };
  const headHours = (shortestSeconds(input.pool.waits.bands.HEAD) / 3600).toFixed(1);
  const fullHours = (shortestSeconds(input.pool.waits.bands.FULL) / 3600).toFixed(1);
  const resized = largest > input.taskCpuUnits
    ? ` Each slot takes the largest size an out-of-memory rerun may use (${largest / CPU_UNITS_PER_VCPU} vCPU), held from the first task to the last.`
    : ' The slot is held from the first task to the last (reruns and the on-demand fallback included).';
  return {
    cpuUnits: weight.cpuUnits,
    childEvents,
    childLooks,
    reason: `${weight.reason}${resized} Items run in a Distributed Map: waiting for a slot has no end fixed in advance, so it `
      + `cannot count against one ${SFN_HISTORY_EVENT_LIMIT}-event history shared by all items; each child keeps ${POOL_CHILD_WAIT_EVENTS} `
      + `events of its own history for waiting (${childLooks} looks at the pool, which back off while the pool stays full: at least ${headHours} hours `
      + `at the head of the line, ${fullHours} hours further back); a child that waits longer fails, is listed in the Map Run's failed items and can be redriven.`,
  };
}
