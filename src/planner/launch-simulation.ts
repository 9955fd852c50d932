import {
  FARGATE_LAUNCH_BURST,
  FARGATE_LAUNCH_RATE_PER_SECOND,
  FARGATE_RUN_TASK_CALLS_PER_SECOND,
} from '../facts';
import { EventQueue } from './event-queue';
import { seededRandom } from './seeded-random';
import { TokenBucket } from './token-bucket';
import { tasksHeldByVcpus } from '../concurrency/concurrency';
import { FanOutRetryPolicy } from '../retries/retry-options';

/**
 * A discrete-event model of a fan-out against Fargate's documented limits: a Map that keeps at
 * most `maxConcurrency` items in progress (an item holds its slot while it waits to retry), a
 * RunTask call bucket (20/s), a task-launch bucket (burst 100, 20/s), a concurrent vCPU quota,
 * and a retry policy with Step Functions' backoff and full jitter. Time is simulated: a
 * 10,000-item run takes milliseconds.
 *
 * Not modelled: image pull and start-up time, tasks that fail on their own, Step Functions'
 * own throttling of state transitions and child executions.
 */
export interface LaunchSimulationInput {
  /** Items to run. */
  readonly items: number;
  /** How long one task runs, in seconds. */
  readonly taskSeconds: number;
  /** vCPUs one task reserves. */
  readonly taskVcpus: number;
  /** Items in progress at once. */
  readonly maxConcurrency: number;
  /** Concurrent vCPU quota of the account. */
  readonly vcpuQuota: number;
  /** How a failed launch is retried; `undefined` with `pollingSeconds` set. */
  readonly retry?: FanOutRetryPolicy;
  /**
   * Instead of a retry policy, a polling loop: every `pollingSeconds` it launches what it can,
   * and what failed waits for the next round (never lost).
   */
  readonly pollingSeconds?: number;
  /** Share of RunTask calls throttled at random on top of the buckets (0 to 1). */
  readonly extraThrottleRate?: number;
  /** Seed of the random numbers (jitter, extra throttling). */
  readonly seed?: number;
  /** Launch bucket size. @default 100 */
  readonly launchBurst?: number;
  /** Launch bucket refill per second. @default 20 */
  readonly launchRatePerSecond?: number;
  /** RunTask calls per second (bucket size and refill). @default 20 */
  readonly runTaskCallsPerSecond?: number;
  /**
   * Launch pacing, as the construct builds it (see concurrency/launch-pacing.ts): item `i` makes
   * its first call no earlier than `floor(i / callsPerSecond)` seconds after the start (at once
   * when its slot comes free later than that), and every item passes one more state (the Wait).
   * With `firstWave`, the earlier policy: only items below `firstWave` wait (for the benchmark's
   * comparison).
   * @default - not paced: the first wave calls at once
   */
  readonly launchPacing?: { readonly callsPerSecond: number; readonly firstWave?: number };
}

/** What happened. */
export interface LaunchSimulationResult {
  /** Seconds from start until the last item finished or was given up. */
  readonly makespanSeconds: number;
  /** Items that ran to the end. */
  readonly itemsSucceeded: number;
  /** Items given up after the last retry. */
  readonly itemsLost: number;
  /** RunTask calls made. */
  readonly runTaskCalls: number;
  /** Calls refused by the RunTask bucket or random throttling (`ECS.AmazonECSException`). */
  readonly throttledCalls: number;
  /** Calls refused for the launch rate or the vCPU quota (`AmazonECS.Unknown`). */
  readonly capacityFailures: number;
  /** Calls that were retries. */
  readonly retries: number;
  /** Most tasks running at once. */
  readonly maxRunning: number;
  /** Items that passed the pacing Wait (every item started, when paced; else 0). */
  readonly pacingStates: number;
}

/** Runs the model. Pure and deterministic for a given seed. */
export function simulateLaunches(input: LaunchSimulationInput): LaunchSimulationResult {
  const random = seededRandom(input.seed ?? 1);
  const callRate = input.runTaskCallsPerSecond ?? FARGATE_RUN_TASK_CALLS_PER_SECOND;
  const calls = new TokenBucket(callRate, callRate);
  const launches = new TokenBucket(input.launchBurst ?? FARGATE_LAUNCH_BURST, input.launchRatePerSecond ?? FARGATE_LAUNCH_RATE_PER_SECOND);
  const maxRunningByQuota = tasksHeldByVcpus(input.vcpuQuota, input.taskVcpus);
  const events = new EventQueue();
  const failuresByItem = new Int32Array(input.items);

  let nextItem = 0;
  let running = 0;
  let maxRunning = 0;
  let succeeded = 0;
  let lost = 0;
  let runTaskCalls = 0;
  let throttled = 0;
  let capacityFailures = 0;
  let retries = 0;
  let lastTime = 0;

  const pacing = input.launchPacing;
  let pacingStates = 0;
  const startNextItem = (time: number) => {
    if (nextItem < input.items) {
      const item = nextItem++;
      const due = pacing && (pacing.firstWave === undefined || item < pacing.firstWave) ? Math.floor(item / pacing.callsPerSecond) : 0;
      const delay = Math.max(0, due - time);
      pacingStates += pacing ? 1 : 0;
      events.push(time + delay, item, ATTEMPT);
    }
  };
  const finishItem = (time: number) => {
    lastTime = Math.max(lastTime, time);
    startNextItem(time);
  };
  for (let slot = 0; slot < Math.min(input.maxConcurrency, input.items); slot++) {
    startNextItem(0);
  }

  while (events.size > 0) {
    const { time, item, kind } = events.pop();
    if (kind === FINISH) {
      running--;
      succeeded++;
      finishItem(time);
      continue;
    }
    runTaskCalls++;
    if (failuresByItem[item] > 0) {
      retries++;
    }
    let refused: 'throttle' | 'capacity' | undefined;
    if (!calls.tryTake(time) || random() < (input.extraThrottleRate ?? 0)) {
      refused = 'throttle';
    } else if (running >= maxRunningByQuota || !launches.tryTake(time)) {
      refused = 'capacity';
    }
    if (!refused) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(time + input.taskSeconds, item, FINISH);
      continue;
    }
    if (refused === 'throttle') {
      throttled++;
    } else {
      capacityFailures++;
    }
    const failures = ++failuresByItem[item];
    const delay = nextDelay(input, failures, random, time);
    if (delay === undefined) {
      lost++;
      finishItem(time);
    } else {
      events.push(time + delay, item, ATTEMPT);
    }
  }

  return {
    makespanSeconds: lastTime,
    itemsSucceeded: succeeded,
    itemsLost: lost,
    runTaskCalls,
    throttledCalls: throttled,
    capacityFailures,
    retries,
    maxRunning,
    pacingStates,
  };
}

/** Seconds until the next attempt after the `failures`-th failure, or undefined to give up. */
function nextDelay(input: LaunchSimulationInput, failures: number, random: () => number, time: number): number | undefined {
  if (input.pollingSeconds !== undefined) {
    // The next polling round.
    return (Math.floor(time / input.pollingSeconds) + 1) * input.pollingSeconds - time;
  }
  const retry = input.retry!;
  if (failures > retry.maxAttempts) {
    return undefined;
  }
  // Step Functions: IntervalSeconds x BackoffRate^(retry - 1), capped by MaxDelaySeconds; FULL
  // jitter draws uniformly between 0 and that.
  const backoff = Math.min(retry.intervalSeconds * Math.pow(retry.backoffRate, failures - 1), retry.maxDelaySeconds);
  return retry.jitter ? random() * backoff : backoff;
}

const ATTEMPT = 0;
const FINISH = 1;
