import { TokenBucket } from './token-bucket';
import { seededRandom } from '../../src/planner/seeded-random';

/** ECS limit on `overrides` in RunTask: 8,192 characters of JSON (aws-facts.md 2.4). */
export const CONTAINER_OVERRIDES_MAX_CHARS = 8192;

/** The environment variable the container reads its item from. */
export const FANOUT_ITEM_ENV = 'FANOUT_ITEM';

/** The environment variable the container reads a batch of items from (a JSON array string). */
export const FANOUT_ITEMS_ENV = 'FANOUT_ITEMS';

/** Key used for calls whose overrides carry no item. */
export const NO_ITEM_KEY = '(no FANOUT_ITEM)';

/** Error names exactly as Step Functions raises them for `ecs:runTask.sync` (aws-facts.md 3). */
export const EcsErrors = {
  /** RunTask throttled (ThrottlingException, "Rate exceeded"). */
  THROTTLED: 'ECS.AmazonECSException',
  /** Bad request, and also how a throttled VPC/EC2 lookup inside RunTask surfaces. */
  INVALID_PARAMETER: 'ECS.InvalidParameterException',
  /** RunTask answered 200 with a non-empty `failures` list (capacity, vCPU quota). */
  FAILURES: 'AmazonECS.Unknown',
  /** The task ran and stopped badly (non-zero exit code, Spot interruption). */
  TASK_FAILED: 'States.TaskFailed',
} as const;

/**
 * The same refusals as the AWS SDK integration (`aws-sdk:ecs:runTask.waitForTaskToken`, which
 * the callback pattern uses) names them. A `failures` list is no error there: the state waits
 * for a token no task sends, until its heartbeat timeout.
 */
export const EcsSdkErrors = {
  /** RunTask throttled: the SDK's base exception (see SimulatedEcsOptions.sdkThrottleError). */
  THROTTLED: 'Ecs.EcsException',
  INVALID_PARAMETER: 'Ecs.InvalidParameterException',
} as const;

/** Thrown inside runTask when a callback task never starts (a `failures` list). */
class TaskNeverStarted extends Error {}

/** The three errors a fan-out should retry: throttling, VPC-lookup throttling, capacity. */
export const RETRYABLE_ECS_ERRORS = [EcsErrors.THROTTLED, EcsErrors.INVALID_PARAMETER, EcsErrors.FAILURES];

export type AttemptResult = 'succeeded' | 'failed' | 'throttled' | 'capacity' | 'invalid';

/** Where a task runs: Fargate on-demand or Fargate Spot. */
export type Capacity = 'FARGATE' | 'FARGATE_SPOT';

export type AttemptDetail =
  | 'exit-0'
  | 'exit-code'
  | 'spot-interruption'
  | 'api-throttle'
  | 'vpc-throttle'
  | 'launch-rate'
  | 'vcpu-quota'
  | 'capacity'
  | 'spot-capacity'
  | 'overrides-too-large'
  | 'callback-failure'
  | 'heartbeat-timeout'
  | 'start-failure'
  | 'out-of-memory';

/**
 * What a callback container does with its task token, once it has run for its duration:
 * sends its result (`SendTaskSuccess`), sends a failure (`SendTaskFailure`), or hangs, never
 * calling back, until it is stopped.
 */
export type CallbackBehavior =
  | { readonly kind: 'success'; readonly output: unknown }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string }
  | { readonly kind: 'hang' };

/** The error Step Functions raises for a task state that got no heartbeat in time. */
export const HEARTBEAT_TIMEOUT_ERROR = 'States.HeartbeatTimeout';

/** One RunTask call as the simulated ECS saw it. */
export interface Attempt {
  /** Virtual time of the RunTask call (ms since epoch). */
  readonly calledAt: number;
  readonly result: AttemptResult;
  readonly detail: AttemptDetail;
  /** When the container started and stopped, for calls that launched a task. */
  readonly startedAt?: number;
  readonly stoppedAt?: number;
  readonly exitCode?: number;
  readonly taskArn?: string;
  /**
   * The capacity the call asked for: the `CapacityProvider` of the strategy entry with the largest
   * `Weight`, or `FARGATE` when the call has no `CapacityProviderStrategy` (it used `LaunchType`).
   */
  readonly capacity: Capacity;
  /**
   * Number of items in the call's `FANOUT_ITEMS` batch, for calls that carried one. The same Attempt
   * object is recorded under every item of the batch.
   */
  readonly batchSize?: number;
  /** The ASL error the attempt ended with, for callback attempts (their errors come from the container or the heartbeat). */
  readonly error?: string;
  /** Task size of a launched task: RunTask's task-level `Overrides.Cpu`/`Memory`, else the task definition's. */
  readonly cpu?: number;
  readonly memoryMiB?: number;
}

export interface SimulatedEcsOptions {
  /** Fargate task-launch bucket burst. @default 100 */
  readonly launchBurst?: number;
  /** Fargate task-launch bucket refill per second. @default 20 */
  readonly launchRatePerSecond?: number;
  /** RunTask API bucket refill per second. @default 20 */
  readonly runTaskCallsPerSecond?: number;
  /** RunTask API bucket burst. @default - same as runTaskCallsPerSecond */
  readonly runTaskBurst?: number;
  /**
   * Fargate vCPU quota; running tasks × taskVcpu may not exceed it. GetServiceQuota
   * (getServiceQuota) answers it as `Quota.Value`, or 1,000,000 when it is Infinity.
   * @default Infinity
   */
  readonly vcpuQuota?: number;
  /**
   * The error GetServiceQuota fails with instead of answering, as the AWS SDK integration names
   * it (e.g. `ServiceQuotas.AccessDeniedException`).
   * @default - it answers
   */
  readonly serviceQuotaError?: string;
  /** vCPU of one task. @default 0.25 */
  readonly taskVcpu?: number;
  /** Memory of one task in MiB (only echoed in the task description). @default 512 */
  readonly taskMemoryMiB?: number;
  /** How long the container runs, in virtual ms. @default 60_000 */
  readonly taskDurationMs?: number | ((item: unknown, attempt: number) => number);
  /** Probability that a RunTask call is throttled on top of the buckets. @default 0 */
  readonly throttleRate?: number;
  /** Probability that RunTask fails on a throttled VPC/EC2 lookup. @default 0 */
  readonly vpcThrottleRate?: number;
  /** Probability that RunTask reports "Capacity is unavailable". @default 0 */
  readonly capacityFailureRate?: number;
  /**
   * Probability that a call on `FARGATE_SPOT` (by its `CapacityProviderStrategy`) is refused for lack
   * of Spot capacity (`AmazonECS.Unknown`, like `capacityFailureRate`). Never applies to on-demand calls.
   * @default 0
   */
  readonly spotCapacityFailureRate?: number;
  /**
   * Callback pattern: what the container does, given its item (or its batch's items) and the
   * launch number. A container that exits non-zero or is interrupted never calls back.
   * @default - sends `{ "item": <item> }` as its result
   */
  readonly callbackFor?: (item: unknown, attempt: number) => CallbackBehavior;
  /**
   * Callback pattern: the HeartbeatSeconds of the Task state, which Step Functions enforces (the
   * interpreter does not): a container that stops reporting fails its state with
   * States.HeartbeatTimeout this long after its last heartbeat. Containers that run normally are
   * assumed to send heartbeats.
   * @default - required for `runTaskCallback`
   */
  readonly heartbeatSeconds?: number;
  /**
   * Callback pattern (the SDK integration): the name of a throttled RunTask. AWS documents the
   * `Ecs.` prefix, not whether a throttle surfaces as the SDK's base exception or by its code.
   * @default 'Ecs.EcsException'
   */
  readonly sdkThrottleError?: string;
  /**
   * Probability that a started task is stopped by a Spot interruption. For calls without a
   * `CapacityProviderStrategy` (`LaunchType` only) any task may be interrupted, as before; for calls
   * with one, only `FARGATE_SPOT` tasks can be, never on-demand `FARGATE` tasks.
   * @default 0
   */
  readonly spotInterruptionRate?: number;
  /**
   * The exit code of an interrupted Spot task's container, given its item and launch number: it
   * depends on how the container handles SIGTERM (0 for one that checkpoints and exits cleanly, as
   * AWS advises; 2, 137, 143 are seen too). With 0, `.sync` reports the task as succeeded, though
   * its work did not finish: the attempt is recorded as failed ('spot-interruption', exit code 0)
   * and the item gains no success. Undefined: the container has no exit code, as before.
   * @default - no exit code
   */
  readonly spotInterruptionExitCode?: (item: unknown, attempt: number) => number | undefined;
  /**
   * Exit code of the container for an item (attempt counts launched tasks for that item, from 1).
   * For a `FANOUT_ITEMS` batch it is called for each item; the first non-zero code fails the whole batch.
   * @default - always 0
   */
  readonly exitCodeFor?: (item: unknown, attempt: number) => number;
  /**
   * A task that fails to start (StopCode TaskFailedToStart, no exit code, never started): the
   * StoppedReason for an item and its launch number (from 1), or undefined for a task that starts.
   * @default - every task starts
   */
  readonly startFailureFor?: (item: unknown, attempt: number) => string | undefined;
  /**
   * Memory an item needs, in MiB: a task with less (the task definition's, or RunTask's
   * `Overrides.Memory`) is killed for it: exit code 137, container reason
   * "OutOfMemoryError: Container killed due to memory usage", half way through its run.
   * @default - every item fits
   */
  readonly memoryNeededMiB?: (item: unknown) => number;
  /**
   * Throttles the first n RunTask calls of each launch of an item (after each task that
   * started, the count starts again): with n = the retry's attempts, every entry into the task
   * state uses its throttle retry in full.
   * @default 0
   */
  readonly throttleFirstCalls?: number;
  /**
   * Items whose RunTask is refused for good (`ECS.InvalidParameterException`, "subnet not found"),
   * whatever the overrides hold.
   * @default - none
   */
  readonly invalidRequestFor?: (item: unknown) => boolean;
  /** Seed of the PRNG that draws the faults and task ids. @default 1 */
  readonly seed?: number;
  /**
   * How a call's item key is read from the RunTask parameters. When set, every call has this one key,
   * even if it carries `FANOUT_ITEMS`.
   * @default - each item of the FANOUT_ITEMS environment entry, else the FANOUT_ITEM entry
   */
  readonly itemKeyOf?: (params: any) => string | undefined;
  /** Region and account in generated ARNs. @default us-east-1 / 123456789012 */
  readonly region?: string;
  readonly account?: string;
}

/** An error whose `name` is the ASL error and whose `message` is the Cause. */
// The same seeded PRNG as the planner's model, re-exported for the harness.
export { seededRandom };

export class SimulatedStatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}


/** Reads an environment value from the container overrides of RunTask parameters (PascalCase, as Step Functions passes them). */
function environmentValueOf(params: any, name: string): string | undefined {
  const overrides = params?.Overrides?.ContainerOverrides;
  if (!Array.isArray(overrides)) return undefined;
  for (const container of overrides) {
    const environment = container?.Environment;
    if (!Array.isArray(environment)) continue;
    for (const env of environment) {
      if (env?.Name === name) return String(env.Value);
    }
  }
  return undefined;
}

/** Reads the FANOUT_ITEM environment value from RunTask parameters (PascalCase, as Step Functions passes them). */
export function fanOutItemOf(params: any): string | undefined {
  return environmentValueOf(params, FANOUT_ITEM_ENV);
}

/** Reads the FANOUT_ITEMS environment value (a JSON array string) from RunTask parameters. */
export function fanOutItemsOf(params: any): string | undefined {
  return environmentValueOf(params, FANOUT_ITEMS_ENV);
}

/**
 * The capacity a RunTask call asks for: the `CapacityProvider` of the `CapacityProviderStrategy` entry with the
 * largest `Weight` (ties: the first; a missing Weight counts as 0), or `FARGATE` without a strategy.
 * Any provider other than `FARGATE_SPOT` counts as on-demand `FARGATE`.
 */
export function capacityOf(params: any): Capacity {
  const strategy = capacityProviderStrategyOf(params);
  if (!strategy) return 'FARGATE';
  let best = strategy[0];
  for (const entry of strategy) {
    if (Number(entry?.Weight ?? 0) > Number(best?.Weight ?? 0)) best = entry;
  }
  return best?.CapacityProvider === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE';
}

/** The call's `CapacityProviderStrategy`, when it has a non-empty one. */
function capacityProviderStrategyOf(params: any): any[] | undefined {
  const strategy = params?.CapacityProviderStrategy;
  return Array.isArray(strategy) && strategy.length > 0 ? strategy : undefined;
}

/**
 * The key the harness uses for an item you handed to the workflow: `JSON.stringify(item)`,
 * which is what `States.JsonToString($.item)` produces for items without `"` or `\` inside strings.
 */
export function itemKey(item: unknown): string {
  return JSON.stringify(item);
}

/**
 * Stands in for Amazon ECS behind an `arn:aws:states:::ecs:runTask.sync` Task state.
 * Use `runTaskSync` as the local handler; everything runs in virtual time.
 */
export class SimulatedEcs {
  readonly options: Required<Omit<SimulatedEcsOptions, 'exitCodeFor' | 'itemKeyOf' | 'runTaskBurst' | 'callbackFor' | 'heartbeatSeconds' | 'spotInterruptionExitCode' | 'startFailureFor' | 'memoryNeededMiB' | 'throttleFirstCalls' | 'invalidRequestFor' | 'sdkThrottleError' | 'serviceQuotaError'>> &
  Pick<SimulatedEcsOptions, 'exitCodeFor' | 'itemKeyOf' | 'callbackFor' | 'heartbeatSeconds' | 'spotInterruptionExitCode' | 'startFailureFor' | 'memoryNeededMiB' | 'throttleFirstCalls' | 'invalidRequestFor' | 'sdkThrottleError' | 'serviceQuotaError'> & { runTaskBurst: number };

  /** Every RunTask call, including throttled ones. */
  runTaskCalls = 0;
  /** Calls rejected by throttling (API bucket, random throttle, VPC throttle). */
  throttled = 0;
  apiThrottled = 0;
  vpcThrottled = 0;
  /** Tasks that failed to start (TaskFailedToStart). */
  startFailures = 0;
  /** Tasks killed for memory (exit 137, OutOfMemoryError). */
  outOfMemoryKills = 0;
  /**
   * Objects the workflow wrote to S3 (`bucket/key` to body): an item passed as a reference
   * `{ "fanOutS3Ref": { bucket, key } }` is keyed and counted by the object's body, as the
   * worker runtime reads it.
   */
  readonly s3Objects = new Map<string, string>();
  /** Consecutive calls per item key since its last launch (for throttleFirstCalls). */
  private readonly callsSinceLaunch = new Map<string, number>();
  /** Calls answered with a failures list (launch rate, vCPU quota, capacity, Spot capacity). */
  capacityFailures = 0;
  /** Calls on FARGATE_SPOT refused by `spotCapacityFailureRate` (also counted in `capacityFailures`). */
  spotCapacityFailures = 0;
  /** Callback containers that hung (never called back). */
  tasksHung = 0;
  /** Tasks stopped through StopTask. */
  tasksStoppedByStopTask = 0;
  launchRateFailures = 0;
  vcpuQuotaFailures = 0;
  /** GetServiceQuota calls answered or failed. */
  serviceQuotaReads = 0;
  invalidRequests = 0;
  tasksStarted = 0;
  /** Started tasks that carried a FANOUT_ITEMS batch. */
  batchesStarted = 0;
  /** Items carried by started tasks: the batch size for FANOUT_ITEMS, 1 for a single item, 0 for a call without an item. */
  itemsStarted = 0;
  /** Started tasks by capacity (a call without CapacityProviderStrategy counts as on-demand). */
  spotTasksStarted = 0;
  onDemandTasksStarted = 0;
  tasksSucceeded = 0;
  tasksFailed = 0;
  spotInterruptions = 0;
  /** Interrupted Spot tasks whose container exited 0: `.sync` reports them as succeeded. */
  spotInterruptionsExitingZero = 0;
  inFlight = 0;
  maxInFlight = 0;
  maxVcpuInUse = 0;
  /** Largest `Overrides` JSON seen, in characters. */
  maxOverridesChars = 0;
  /** Successful task runs per item key (raw FANOUT_ITEM string; `JSON.stringify` of each FANOUT_ITEMS element). */
  readonly successesByItem = new Map<string, number>();
  /** Every RunTask call per item key, in call order (a batch's call is recorded under each of its items). */
  readonly attemptsByItem = new Map<string, Attempt[]>();

  private readonly random: () => number;
  private readonly launchBucket: TokenBucket;
  private readonly runTaskBucket: TokenBucket;
  private readonly launchesByItem = new Map<string, number>();
  /** Callback tasks still running, by task ARN: what ListTasks sees and StopTask stops. */
  private readonly runningTasks = new Map<string, { startedBy?: string; stop: () => void }>();
  private readonly idPrefix: string;
  private readonly imageDigest: string;
  private idCounter = 0;

  constructor(options: SimulatedEcsOptions = {}) {
    const runTaskCallsPerSecond = options.runTaskCallsPerSecond ?? 20;
    this.options = {
      launchBurst: options.launchBurst ?? 100,
      launchRatePerSecond: options.launchRatePerSecond ?? 20,
      runTaskCallsPerSecond,
      runTaskBurst: options.runTaskBurst ?? runTaskCallsPerSecond,
      vcpuQuota: options.vcpuQuota ?? Infinity,
      serviceQuotaError: options.serviceQuotaError,
      taskVcpu: options.taskVcpu ?? 0.25,
      taskMemoryMiB: options.taskMemoryMiB ?? 512,
      taskDurationMs: options.taskDurationMs ?? 60_000,
      throttleRate: options.throttleRate ?? 0,
      vpcThrottleRate: options.vpcThrottleRate ?? 0,
      capacityFailureRate: options.capacityFailureRate ?? 0,
      spotCapacityFailureRate: options.spotCapacityFailureRate ?? 0,
      callbackFor: options.callbackFor,
      heartbeatSeconds: options.heartbeatSeconds,
      spotInterruptionRate: options.spotInterruptionRate ?? 0,
      spotInterruptionExitCode: options.spotInterruptionExitCode,
      startFailureFor: options.startFailureFor,
      memoryNeededMiB: options.memoryNeededMiB,
      throttleFirstCalls: options.throttleFirstCalls,
      invalidRequestFor: options.invalidRequestFor,
      exitCodeFor: options.exitCodeFor,
      itemKeyOf: options.itemKeyOf,
      seed: options.seed ?? 1,
      region: options.region ?? 'us-east-1',
      account: options.account ?? '123456789012',
    };
    this.random = seededRandom(this.options.seed);
    this.idPrefix = this.hex(20);
    this.imageDigest = `sha256:${this.hex(64)}`;
    this.launchBucket = new TokenBucket(this.options.launchBurst, this.options.launchRatePerSecond);
    this.runTaskBucket = new TokenBucket(this.options.runTaskBurst, runTaskCallsPerSecond);
    this.runTaskSync = this.runTaskSync.bind(this);
    this.runTaskCallback = this.runTaskCallback.bind(this);
    this.listTasks = this.listTasks.bind(this);
    this.stopTask = this.stopTask.bind(this);
    this.getServiceQuota = this.getServiceQuota.bind(this);
  }

  /**
   * The local handler for `aws-sdk:servicequotas:getServiceQuota`: the vCPU quota as Service
   * Quotas documents the answer (`{ Quota: { Value, ... } }`, Value in vCPUs), or the error set.
   */
  async getServiceQuota(params: any): Promise<any> {
    this.serviceQuotaReads++;
    if (this.options.serviceQuotaError) {
      throw new SimulatedStatesError(this.options.serviceQuotaError, `Simulated: GetServiceQuota ${params?.ServiceCode}/${params?.QuotaCode} failed.`);
    }
    const { region, account, vcpuQuota } = this.options;
    return {
      Quota: {
        ServiceCode: params.ServiceCode,
        ServiceName: 'AWS Fargate',
        QuotaArn: `arn:aws:servicequotas:${region}:${account}:${params.ServiceCode}/${params.QuotaCode}`,
        QuotaCode: params.QuotaCode,
        QuotaName: 'Fargate vCPU resource count',
        Value: Number.isFinite(vcpuQuota) ? vcpuQuota : 1_000_000,
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false,
      },
    };
  }

  /** The local handler for a `runTask.sync` Task state. */
  async runTaskSync(params: any): Promise<any> {
    return this.runTask(params, 'sync');
  }

  /**
   * The local handler for a `runTask.waitForTaskToken` Task state: resolves with what the
   * container sends, or fails with its failure or with States.HeartbeatTimeout.
   */
  async runTaskCallback(params: any): Promise<any> {
    if (this.options.heartbeatSeconds === undefined) {
      throw new Error('SimulatedEcs: runTaskCallback needs the heartbeatSeconds option');
    }
    try {
      return await this.runTask(params, 'callback');
    } catch (error) {
      if (!(error instanceof TaskNeverStarted)) throw error;
      // No task, so no heartbeat: the state times out after HeartbeatSeconds.
      await new Promise<void>((resolve) => setTimeout(resolve, this.options.heartbeatSeconds! * 1000));
      throw new SimulatedStatesError(HEARTBEAT_TIMEOUT_ERROR, 'The task did not send a heartbeat in time (simulated; it never started).');
    }
  }

  /** The local handler for `aws-sdk:ecs:listTasks`: running tasks, filtered by StartedBy. */
  async listTasks(params: any): Promise<any> {
    const taskArns = [...this.runningTasks]
      .filter(([, task]) => params?.StartedBy === undefined || task.startedBy === params.StartedBy)
      .map(([arn]) => arn);
    return { TaskArns: taskArns };
  }

  /** The local handler for `aws-sdk:ecs:stopTask`: stops a running task. */
  async stopTask(params: any): Promise<any> {
    const task = this.runningTasks.get(String(params?.Task));
    if (!task) {
      throw new SimulatedStatesError('Ecs.InvalidParameterException', `The referenced task was not found: ${params?.Task}`);
    }
    task.stop();
    this.tasksStoppedByStopTask++;
    return { Task: { TaskArn: params.Task, DesiredStatus: 'STOPPED', StoppedReason: params.Reason } };
  }

  /**
   * Runs a task for either pattern. Every check that can reject the call runs synchronously,
   * before the first `await`, so calls made in the same virtual instant are judged in call order.
   */
  private async runTask(params: any, pattern: 'sync' | 'callback'): Promise<any> {
    const calledAt = Date.now();
    this.runTaskCalls++;
    const { entries, batchSize, carriesItem } = this.itemsOf(params);
    const keys = entries.map((entry) => entry.key);
    const attemptLists = keys.map((key) => this.attemptsFor(key));
    const record = (attempt: Attempt) => {
      for (const attempts of attemptLists) attempts.push(attempt);
    };
    const usesStrategy = capacityProviderStrategyOf(params) !== undefined;
    const capacity = capacityOf(params);
    const batch = batchSize === undefined ? {} : { batchSize };
    const reject = (result: AttemptResult, detail: AttemptDetail, name: string, cause: string): never => {
      if (pattern === 'callback') {
        // The SDK integration's names; a failures list is no error, the state times out instead.
        if (name === EcsErrors.FAILURES) {
          record({ calledAt, result, detail, capacity, ...batch, error: HEARTBEAT_TIMEOUT_ERROR });
          throw new TaskNeverStarted(cause);
        }
        const sdkName = name === EcsErrors.THROTTLED ? this.options.sdkThrottleError ?? EcsSdkErrors.THROTTLED
          : name === EcsErrors.INVALID_PARAMETER ? EcsSdkErrors.INVALID_PARAMETER : name;
        record({ calledAt, result, detail, capacity, ...batch, error: sdkName });
        throw new SimulatedStatesError(sdkName, cause);
      }
      record({ calledAt, result, detail, capacity, ...batch });
      throw new SimulatedStatesError(name, cause);
    };

    const sinceLaunch = (this.callsSinceLaunch.get(keys[0]) ?? 0) + 1;
    this.callsSinceLaunch.set(keys[0], sinceLaunch);
    const throttledFirst = sinceLaunch <= (this.options.throttleFirstCalls ?? 0);
    if (throttledFirst || !this.runTaskBucket.tryTake() || this.chance(this.options.throttleRate)) {
      this.throttled++;
      this.apiThrottled++;
      reject('throttled', 'api-throttle', EcsErrors.THROTTLED,
        `Rate exceeded. (Service: AmazonECS; Status Code: 400; Error Code: ThrottlingException; Request ID: ${this.uuid()}; Proxy: null)`);
    }

    const overridesChars = JSON.stringify(params?.Overrides ?? {}).length;
    this.maxOverridesChars = Math.max(this.maxOverridesChars, overridesChars);
    if (overridesChars > CONTAINER_OVERRIDES_MAX_CHARS) {
      this.invalidRequests++;
      reject('invalid', 'overrides-too-large', EcsErrors.INVALID_PARAMETER,
        `Container Overrides length must be at most ${CONTAINER_OVERRIDES_MAX_CHARS} (got ${overridesChars}). (Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException; Request ID: ${this.uuid()}; Proxy: null)`);
    }

    if (this.options.invalidRequestFor && entries.some((entry) => this.options.invalidRequestFor!(entry.item))) {
      this.invalidRequests++;
      reject('invalid', 'overrides-too-large', EcsErrors.INVALID_PARAMETER,
        `subnet not found: subnet-0a1b2c3d4e5f60718 (simulated). (Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException; Request ID: ${this.uuid()}; Proxy: null)`);
    }

    if (this.chance(this.options.vpcThrottleRate)) {
      this.throttled++;
      this.vpcThrottled++;
      reject('throttled', 'vpc-throttle', EcsErrors.INVALID_PARAMETER,
        `Error retrieving subnet information for [subnet-0a1b2c3d4e5f60718]: Request limit exceeded. (Service: AmazonEC2; Status Code: 503; Error Code: RequestLimitExceeded; Request ID: ${this.uuid()}) (Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException; Request ID: ${this.uuid()}; Proxy: null)`);
    }

    if ((this.inFlight + 1) * this.options.taskVcpu > this.options.vcpuQuota + 1e-9) {
      this.capacityFailures++;
      this.vcpuQuotaFailures++;
      reject('capacity', 'vcpu-quota', EcsErrors.FAILURES, this.failuresCause(
        "You've reached the limit on the number of vCPUs you can run concurrently"));
    }
    if (this.chance(this.options.capacityFailureRate)) {
      this.capacityFailures++;
      reject('capacity', 'capacity', EcsErrors.FAILURES, this.failuresCause(
        'Capacity is unavailable at this time. Please try again later or in a different availability zone'));
    }
    if (capacity === 'FARGATE_SPOT' && this.chance(this.options.spotCapacityFailureRate)) {
      this.capacityFailures++;
      this.spotCapacityFailures++;
      reject('capacity', 'spot-capacity', EcsErrors.FAILURES, this.failuresCause(
        'Capacity is unavailable at this time. Please try again later or in a different availability zone'));
    }
    if (!this.launchBucket.tryTake()) {
      this.capacityFailures++;
      this.launchRateFailures++;
      reject('capacity', 'launch-rate', EcsErrors.FAILURES, this.failuresCause(
        'Fargate task launch rate exceeded (simulated: the launch bucket is empty)'));
    }

    // The task launches.
    this.callsSinceLaunch.set(keys[0], 0);
    const size = {
      cpu: Number(params?.Overrides?.Cpu ?? Math.round(this.options.taskVcpu * 1024)),
      memoryMiB: Number(params?.Overrides?.Memory ?? this.options.taskMemoryMiB),
    };
    const launches = keys.map((key) => {
      const launch = (this.launchesByItem.get(key) ?? 0) + 1;
      this.launchesByItem.set(key, launch);
      return launch;
    });
    // Without a strategy any task may be interrupted (as before); with one, only Spot tasks can be.
    const interruptible = !usesStrategy || capacity === 'FARGATE_SPOT';
    const spotInterrupted = interruptible && this.chance(this.options.spotInterruptionRate);
    const taskId = this.hex(32);
    const durationOption = this.options.taskDurationMs;
    // A batch's container processes its items one after another.
    const durationMs = entries.reduce((sum, entry, i) =>
      sum + (typeof durationOption === 'function' ? durationOption(entry.item, launches[i]) : durationOption), 0);
    this.tasksStarted++;
    if (batchSize !== undefined) this.batchesStarted++;
    this.itemsStarted += batchSize ?? (carriesItem ? 1 : 0);
    if (capacity === 'FARGATE_SPOT') this.spotTasksStarted++;
    else this.onDemandTasksStarted++;
    const taskCapacity = usesStrategy ? capacity : undefined;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.maxVcpuInUse = Math.max(this.maxVcpuInUse, this.inFlight * this.options.taskVcpu);

    // The batch fails as a whole with the first non-zero exit code of its items.
    const batchExitCode = (): number => {
      const exitCodeFor = this.options.exitCodeFor;
      return exitCodeFor ? entries.map((entry, i) => exitCodeFor(entry.item, launches[i])).find((code) => code !== 0) ?? 0 : 0;
    };

    if (pattern === 'callback') {
      const taskArn = `arn:aws:ecs:${this.options.region}:${this.options.account}:task/${clusterName(params)}/${taskId}`;
      const subject = batchSize === undefined ? entries[0]?.item : entries.map((entry) => entry.item);
      const exitCode = batchExitCode();
      const behavior: CallbackBehavior = spotInterrupted || exitCode !== 0
        ? { kind: 'hang' }
        : this.options.callbackFor?.(subject, launches[0]) ?? { kind: 'success', output: { item: subject } };
      return this.awaitCallback({
        taskArn,
        startedBy: params?.StartedBy,
        calledAt,
        durationMs,
        behavior,
        keys,
        capacity,
        batch,
        // A container that dies stops at once (half way for an interruption); a hung one runs on.
        diesAfterMs: spotInterrupted ? Math.floor(durationMs / 2) : exitCode !== 0 ? durationMs : undefined,
        record,
      });
    }

    const startFailure = this.options.startFailureFor
      ? entries.map((entry, i) => this.options.startFailureFor!(entry.item, launches[i])).find((reason) => reason !== undefined)
      : undefined;
    const needed = this.options.memoryNeededMiB ? Math.max(...entries.map((entry) => this.options.memoryNeededMiB!(entry.item))) : 0;
    const outOfMemory = startFailure === undefined && needed > size.memoryMiB;
    const runMs = startFailure !== undefined ? 5_000 : spotInterrupted || outOfMemory ? Math.floor(durationMs / 2) : durationMs;
    await new Promise<void>((resolve) => setTimeout(resolve, runMs));

    this.inFlight--;
    const stoppedAt = Date.now();
    const startedAt = calledAt;
    const taskArn = `arn:aws:ecs:${this.options.region}:${this.options.account}:task/${clusterName(params)}/${taskId}`;

    if (startFailure !== undefined) {
      this.startFailures++;
      this.tasksFailed++;
      record({ calledAt, result: 'failed', detail: 'start-failure', stoppedAt, taskArn, capacity, ...size, ...batch });
      throw new SimulatedStatesError(EcsErrors.TASK_FAILED, JSON.stringify(this.describeTask(params, taskId, undefined, stoppedAt, taskCapacity, {
        exitCode: undefined,
        stopCode: 'TaskFailedToStart',
        stoppedReason: startFailure,
      }, size)));
    }
    if (outOfMemory && !spotInterrupted) {
      this.outOfMemoryKills++;
      this.tasksFailed++;
      record({ calledAt, result: 'failed', detail: 'out-of-memory', startedAt, stoppedAt, exitCode: 137, taskArn, capacity, ...size, ...batch });
      throw new SimulatedStatesError(EcsErrors.TASK_FAILED, JSON.stringify(this.describeTask(params, taskId, startedAt, stoppedAt, taskCapacity, {
        exitCode: 137,
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containerReason: 'OutOfMemoryError: Container killed due to memory usage',
      }, size)));
    }

    if (spotInterrupted) {
      this.spotInterruptions++;
      this.tasksFailed++;
      const exitCodeOf = this.options.spotInterruptionExitCode;
      const exitCode = exitCodeOf ? entries.map((entry, i) => exitCodeOf(entry.item, launches[i])).find((code) => code !== undefined) : undefined;
      record({ calledAt, result: 'failed', detail: 'spot-interruption', startedAt, stoppedAt, taskArn, capacity, ...size, ...batch, ...(exitCode !== undefined ? { exitCode } : {}) });
      const description = this.describeTask(params, taskId, startedAt, stoppedAt, taskCapacity, {
        exitCode,
        stopCode: 'SpotInterruption',
        stoppedReason: 'Your Spot Task was interrupted.',
      }, size);
      // .sync fails a task only for a non-zero (or missing) exit code of an essential container.
      if (exitCode === 0) {
        this.spotInterruptionsExitingZero++;
        return description;
      }
      throw new SimulatedStatesError(EcsErrors.TASK_FAILED, JSON.stringify(description));
    }

    const exitCode = batchExitCode();
    if (exitCode !== 0) {
      this.tasksFailed++;
      record({ calledAt, result: 'failed', detail: 'exit-code', startedAt, stoppedAt, exitCode, taskArn, capacity, ...size, ...batch });
      throw new SimulatedStatesError(EcsErrors.TASK_FAILED, JSON.stringify(this.describeTask(params, taskId, startedAt, stoppedAt, taskCapacity, {
        exitCode,
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      }, size)));
    }

    this.tasksSucceeded++;
    for (const key of keys) this.successesByItem.set(key, (this.successesByItem.get(key) ?? 0) + 1);
    record({ calledAt, result: 'succeeded', detail: 'exit-0', startedAt, stoppedAt, exitCode: 0, taskArn, capacity, ...size, ...batch });
    return this.describeTask(params, taskId, startedAt, stoppedAt, taskCapacity, {
      exitCode: 0,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    }, size);
  }

  /**
   * The container's side of a callback task, in virtual time: it reports after its duration, or
   * dies (no callback: the heartbeat runs out after it), or hangs (no heartbeat from the start,
   * running until StopTask).
   */
  private awaitCallback(task: {
    taskArn: string;
    startedBy?: string;
    calledAt: number;
    durationMs: number;
    behavior: CallbackBehavior;
    keys: string[];
    capacity: Capacity;
    batch: { batchSize?: number };
    diesAfterMs?: number;
    record: (attempt: Attempt) => void;
  }): Promise<any> {
    const heartbeatMs = this.options.heartbeatSeconds! * 1000;
    return new Promise((resolve, reject) => {
      let running = true;
      const stopRunning = () => {
        if (!running) return;
        running = false;
        this.inFlight--;
        this.runningTasks.delete(task.taskArn);
      };
      this.runningTasks.set(task.taskArn, { startedBy: task.startedBy, stop: stopRunning });
      const base = { calledAt: task.calledAt, startedAt: task.calledAt, taskArn: task.taskArn, capacity: task.capacity, ...task.batch };
      const heartbeatTimeout = () => {
        task.record({ ...base, result: 'failed', detail: 'heartbeat-timeout', stoppedAt: running ? undefined : Date.now(), error: HEARTBEAT_TIMEOUT_ERROR });
        reject(new SimulatedStatesError(HEARTBEAT_TIMEOUT_ERROR, 'The task did not send a heartbeat in time (simulated).'));
      };
      const { behavior } = task;
      if (task.diesAfterMs !== undefined) {
        setTimeout(() => {
          stopRunning();
          if (task.diesAfterMs! < task.durationMs) this.spotInterruptions++;
          this.tasksFailed++;
          setTimeout(heartbeatTimeout, heartbeatMs);
        }, task.diesAfterMs);
        return;
      }
      if (behavior.kind === 'hang') {
        this.tasksHung++;
        setTimeout(heartbeatTimeout, heartbeatMs);
        return;
      }
      setTimeout(() => {
        stopRunning();
        const stoppedAt = Date.now();
        if (behavior.kind === 'success') {
          this.tasksSucceeded++;
          for (const key of task.keys) this.successesByItem.set(key, (this.successesByItem.get(key) ?? 0) + 1);
          task.record({ ...base, result: 'succeeded', detail: 'exit-0', stoppedAt, exitCode: 0 });
          resolve(behavior.output);
        } else {
          this.tasksFailed++;
          task.record({ ...base, result: 'failed', detail: 'callback-failure', stoppedAt, exitCode: 0, error: behavior.error });
          reject(new SimulatedStatesError(behavior.error, behavior.cause));
        }
      }, task.durationMs);
    });
  }

  /** Item keys whose task succeeded more than once (work done twice). */
  itemsSucceededMoreThanOnce(): string[] {
    return [...this.successesByItem].filter(([, n]) => n > 1).map(([key]) => key);
  }

  /**
   * The items, of those given, that never had a successful task. Items are matched by
   * `keyOf(item)`, by default `JSON.stringify(item)`; pass raw keys with `keyOf = String`.
   */
  itemsNeverSucceeded<T>(allItems: readonly T[], keyOf: (item: T) => string = itemKey): T[] {
    return allItems.filter((item) => !this.successesByItem.has(keyOf(item)));
  }

  /** Counters in one object, for logging and `toMatchObject`. */
  summary() {
    return {
      runTaskCalls: this.runTaskCalls,
      throttled: this.throttled,
      apiThrottled: this.apiThrottled,
      vpcThrottled: this.vpcThrottled,
      capacityFailures: this.capacityFailures,
      spotCapacityFailures: this.spotCapacityFailures,
      launchRateFailures: this.launchRateFailures,
      vcpuQuotaFailures: this.vcpuQuotaFailures,
      invalidRequests: this.invalidRequests,
      tasksStarted: this.tasksStarted,
      batchesStarted: this.batchesStarted,
      itemsStarted: this.itemsStarted,
      spotTasksStarted: this.spotTasksStarted,
      onDemandTasksStarted: this.onDemandTasksStarted,
      tasksSucceeded: this.tasksSucceeded,
      tasksFailed: this.tasksFailed,
      spotInterruptions: this.spotInterruptions,
      spotInterruptionsExitingZero: this.spotInterruptionsExitingZero,
      maxInFlight: this.maxInFlight,
      maxVcpuInUse: this.maxVcpuInUse,
      maxOverridesChars: this.maxOverridesChars,
      distinctItems: this.attemptsByItem.size,
    };
  }

  /**
   * The items a call carries, with their keys. With `itemKeyOf`: that one key. Otherwise each element of a
   * FANOUT_ITEMS JSON array (key `JSON.stringify(element)`, as `itemKey` gives), else the FANOUT_ITEM string.
   * A FANOUT_ITEMS value that is not a JSON array (for instance mangled by `States.JsonToString`) is one item
   * keyed by the raw string; an empty array is recorded under NO_ITEM_KEY. Either counts as a batch.
   */
  private itemsOf(params: any): { entries: Array<{ key: string; item: unknown }>; batchSize?: number; carriesItem: boolean } {
    const single = (key: string | undefined) => ({
      entries: [{ key: key ?? NO_ITEM_KEY, item: parseItem(key ?? NO_ITEM_KEY) }],
      carriesItem: key !== undefined,
    });
    if (this.options.itemKeyOf) return single(this.options.itemKeyOf(params));
    const raw = this.dereference(fanOutItemsOf(params));
    if (raw === undefined) return single(this.dereference(fanOutItemOf(params)));
    const elements = parseItem(raw);
    if (!Array.isArray(elements)) return { ...single(raw), batchSize: 1 };
    if (elements.length === 0) return { entries: [{ key: NO_ITEM_KEY, item: NO_ITEM_KEY }], batchSize: 0, carriesItem: false };
    return { entries: elements.map((item) => ({ key: itemKey(item), item })), batchSize: elements.length, carriesItem: true };
  }

  /** The body of the S3 object an item reference names, or the raw item when it is not one. */
  private dereference(raw: string | undefined): string | undefined {
    if (raw === undefined || !raw.includes('fanOutS3Ref')) return raw;
    const parsed = parseItem(raw) as any;
    const ref = parsed?.fanOutS3Ref;
    if (!ref || Object.keys(parsed).length !== 1) return raw;
    const body = this.s3Objects.get(`${ref.bucket}/${ref.key}`);
    if (body === undefined) throw new SimulatedStatesError(EcsErrors.TASK_FAILED, `the container could not read s3://${ref.bucket}/${ref.key} (simulated)`);
    return body;
  }

  private attemptsFor(key: string): Attempt[] {
    let attempts = this.attemptsByItem.get(key);
    if (!attempts) {
      attempts = [];
      this.attemptsByItem.set(key, attempts);
    }
    return attempts;
  }

  private chance(p: number): boolean {
    return p > 0 && this.random() < p;
  }

  private hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.random() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  /** Unique, repeatable, uuid-shaped (counter-based: the PRNG is kept for faults and task ids). */
  private uuid(): string {
    const h = (++this.idCounter).toString(16).padStart(12, '0');
    return `${this.idPrefix.slice(0, 8)}-${this.idPrefix.slice(8, 12)}-4${this.idPrefix.slice(13, 16)}-8${this.idPrefix.slice(17, 20)}-${h}`;
  }

  /** What `.sync` puts in Cause when RunTask answers 200 with failures. */
  private failuresCause(reason: string): string {
    return JSON.stringify({
      Failures: [{ Arn: `arn:aws:ecs:${this.options.region}:${this.options.account}:container-instance/${this.uuid()}`, Reason: reason }],
      Tasks: [],
    });
  }

  /** A PascalCase ECS task description, shaped like what `runTask.sync` returns (about 2 KB). */
  private describeTask(params: any, taskId: string, startedAt: number | undefined, stoppedAt: number, capacity: Capacity | undefined, stop: {
    exitCode: number | undefined; stopCode: string; stoppedReason: string; containerReason?: string;
  }, size?: { cpu: number; memoryMiB: number }): Record<string, unknown> {
    const { region, account } = this.options;
    const cluster = clusterName(params);
    const clusterArn = `arn:aws:ecs:${region}:${account}:cluster/${cluster}`;
    const taskArn = `arn:aws:ecs:${region}:${account}:task/${cluster}/${taskId}`;
    const taskDefinitionArn = String(params?.TaskDefinition ?? `arn:aws:ecs:${region}:${account}:task-definition/fanout:1`);
    const containerName = params?.Overrides?.ContainerOverrides?.[0]?.Name ?? 'Task';
    const eniId = `eni-${taskId.slice(0, 17)}`;
    const attachmentId = this.uuid();
    const privateIp = `10.0.${this.idCounter % 256}.${(this.tasksStarted % 254) + 1}`;
    const subnet = params?.NetworkConfiguration?.AwsvpcConfiguration?.Subnets?.[0] ?? 'subnet-0a1b2c3d4e5f60718';
    const container: Record<string, unknown> = {
      ContainerArn: `arn:aws:ecs:${region}:${account}:container/${cluster}/${taskId}/${this.uuid()}`,
      Cpu: '0',
      GpuIds: [],
      Image: `${account}.dkr.ecr.${region}.amazonaws.com/fanout-worker:latest`,
      ImageDigest: this.imageDigest,
      LastStatus: 'STOPPED',
      ManagedAgents: [],
      Name: containerName,
      NetworkBindings: [],
      NetworkInterfaces: [{ AttachmentId: attachmentId, PrivateIpv4Address: privateIp }],
      RuntimeId: `${taskId}-${this.idCounter}`,
      TaskArn: taskArn,
    };
    if (stop.exitCode !== undefined) container.ExitCode = stop.exitCode;
    if (stop.containerReason !== undefined) container.Reason = stop.containerReason;
    // A task that never started has no StartedAt (nor pull times).
    const started = startedAt === undefined ? {} : { PullStartedAt: startedAt, PullStoppedAt: startedAt, StartedAt: startedAt };
    const created = startedAt ?? stoppedAt;
    return {
      Attachments: [{
        Details: [
          { Name: 'subnetId', Value: subnet },
          { Name: 'networkInterfaceId', Value: eniId },
          { Name: 'macAddress', Value: '0a:1b:2c:3d:4e:5f' },
          { Name: 'privateDnsName', Value: `ip-${privateIp.replace(/\./g, '-')}.ec2.internal` },
          { Name: 'privateIPv4Address', Value: privateIp },
        ],
        Id: attachmentId,
        Status: 'DELETED',
        Type: 'ElasticNetworkInterface',
      }],
      Attributes: [{ Name: 'ecs.cpu-architecture', Value: 'x86_64' }],
      AvailabilityZone: `${region}a`,
      ClusterArn: clusterArn,
      Connectivity: 'CONNECTED',
      ConnectivityAt: created,
      Containers: [container],
      Cpu: String(size?.cpu ?? Math.round(this.options.taskVcpu * 1024)),
      CreatedAt: created,
      DesiredStatus: 'STOPPED',
      EnableExecuteCommand: false,
      EphemeralStorage: { SizeInGiB: 20 },
      ExecutionStoppedAt: stoppedAt,
      Group: `family:${taskDefinitionArn.split('/').pop()?.split(':')[0] ?? 'fanout'}`,
      HealthStatus: 'UNKNOWN',
      LastStatus: 'STOPPED',
      // With a CapacityProviderStrategy the description names the provider; otherwise the launch type.
      ...(capacity !== undefined ? { CapacityProviderName: capacity } : { LaunchType: params?.LaunchType ?? 'FARGATE' }),
      Memory: String(size?.memoryMiB ?? this.options.taskMemoryMiB),
      Overrides: {
        ContainerOverrides: params?.Overrides?.ContainerOverrides ?? [],
        InferenceAcceleratorOverrides: [],
        ...(params?.Overrides?.Cpu !== undefined ? { Cpu: params.Overrides.Cpu } : {}),
        ...(params?.Overrides?.Memory !== undefined ? { Memory: params.Overrides.Memory } : {}),
      },
      PlatformFamily: 'Linux',
      PlatformVersion: '1.4.0',
      ...started,
      StartedBy: 'AWS Step Functions',
      StopCode: stop.stopCode,
      StoppedAt: stoppedAt,
      StoppedReason: stop.stoppedReason,
      StoppingAt: stoppedAt,
      Tags: [],
      TaskArn: taskArn,
      TaskDefinitionArn: taskDefinitionArn,
      Version: 5,
    };
  }
}

function clusterName(params: any): string {
  const cluster = String(params?.Cluster ?? 'default');
  return cluster.includes('/') ? cluster.split('/').pop()! : cluster;
}

function parseItem(key: string): unknown {
  try {
    return JSON.parse(key);
  } catch {
    return key;
  }
}
