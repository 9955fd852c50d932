/**
 * Runs executions of pool workloads (see pool-workload.ts) concurrently on one fake clock, with
 * one simulated DynamoDB table shared by all, a simulated ECS, and the pool's cleanup started
 * the way EventBridge would start it (status-change events, and the sweep's schedule). Measures
 * what the pool promises at every change of the table.
 */
import { POOL_PREFIX, RUN_TASK_STATE, synthPool, SynthesizedPool, WorkloadSpec } from './pool-workload';
import { FanOutConcurrencyPoolProps } from '../../src';
import { CleanupStateNames } from '../../src/concurrency-pool/private/cleanup';
import { PoolKeys } from '../../src/concurrency-pool/private/pool-table';
import { ERROR_EXECUTION_DOES_NOT_EXIST } from '../../src/facts';
import { ACCOUNT_PREFIX, ConcurrentRunner, ExecutionRecord, ExecutionSpec } from '../harness/concurrent-executions';
import { Item, SimulatedDynamoDb } from '../harness/simulated-dynamodb';
import { SimulatedEcs, SimulatedEcsOptions, SimulatedStatesError } from '../harness/simulated-ecs';

export interface PoolExecution {
  readonly workload: string;
  readonly name: string;
  readonly items: number;
  readonly startAtMs?: number;
  readonly abortAtMs?: number;
}

export interface PoolScenario {
  readonly pool: FanOutConcurrencyPoolProps;
  readonly workloads: WorkloadSpec[];
  readonly executions: PoolExecution[];
  readonly ecs?: SimulatedEcsOptions;
  /** Deliver status-change events to the cleanup, after this delay. @default 1_000 ms; undefined with `dropEvents` */
  readonly eventDelayMs?: number;
  /** Lose every status-change event (EventBridge delivers best effort). @default false */
  readonly dropEvents?: boolean;
  /** Run the sweep every this many ms while workloads run, and once after they end; none when undefined. */
  readonly sweepEveryMs?: number;
  /** DynamoDB latency per call, in virtual ms. @default 5 */
  readonly dynamoLatencyMs?: number;
  readonly seed?: number;
  /** Cleanups started for these owners at these times, whatever their status (a late or repeated event). */
  readonly extraCleanups?: Array<{ atMs: number; execution: string; workload: string }>;
  /** Items written to the table before the run (a lease left by an earlier attempt). */
  readonly preload?: Item[];
  /** Give up after this much virtual time. @default 6 hours */
  readonly maxVirtualMs?: number;
}

export interface ItemTrace {
  arrivedMs?: number;
  admittedMs?: number;
  transitions: number;
  waited: boolean;
}

export interface PoolRun {
  readonly synth: SynthesizedPool;
  readonly dynamo: SimulatedDynamoDb;
  readonly ecs: SimulatedEcs;
  readonly executions: Map<string, ExecutionRecord>;
  /** Largest `tasks` and `cpu` the counter held, and the most leases that existed, sampled at every change. */
  readonly maxTasksHeld: number;
  readonly maxCpuHeld: number;
  readonly maxLeases: number;
  /** Counter and leases when everything has ended. */
  readonly finalCounter: { tasks: number; cpu: number };
  readonly finalLeases: Item[];
  /** RunTask calls per calendar second (by virtual second). */
  readonly runTaskCallsBySecond: Map<number, number>;
  /** Per item (`<execution>#<index>`): arrival, admission, pool state transitions. */
  readonly items: Map<string, ItemTrace>;
  readonly cleanupRuns: number;
  readonly virtualMs: number;
}

const WORKLOAD_STATUSES_NEEDING_CLEANUP = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/** The execution name and index an item's task carries: `{ "id": "<execution>#<index>" }`. */
export function itemsFor(execution: string, count: number): Array<{ id: string }> {
  return Array.from({ length: count }, (_, i) => ({ id: `${execution}#${i}` }));
}

export async function runPoolScenario(scenario: PoolScenario): Promise<PoolRun> {
  const synth = synthPool(scenario.pool, scenario.workloads);
  const dynamo = new SimulatedDynamoDb({ latencyMs: scenario.dynamoLatencyMs ?? 5 });
  dynamo.createTable(synth.tableName, {
    partitionKey: PoolKeys.PARTITION,
    sortKey: PoolKeys.SORT,
    indexes: { [PoolKeys.BY_KIND_INDEX]: { partitionKey: PoolKeys.KIND, sortKey: PoolKeys.STAMP } },
  });
  const ecs = new SimulatedEcs({ seed: scenario.seed ?? 1, ...scenario.ecs });

  let maxTasksHeld = 0;
  let maxCpuHeld = 0;
  let leases = 0;
  let maxLeases = 0;
  dynamo.onChange((change) => {
    const pk = change.key.pk?.S;
    if (pk === PoolKeys.POOL && change.after) {
      maxTasksHeld = Math.max(maxTasksHeld, Number(change.after.tasks?.N ?? 0));
      maxCpuHeld = Math.max(maxCpuHeld, Number(change.after.cpu?.N ?? 0));
    }
    if (pk?.startsWith(PoolKeys.LEASE_PREFIX)) {
      if (!change.before && change.after) leases++;
      if (change.before && !change.after) leases--;
      maxLeases = Math.max(maxLeases, leases);
    }
  });

  const runTaskCallsBySecond = new Map<number, number>();
  const items = new Map<string, ItemTrace>();
  const trace = (key: string) => {
    let found = items.get(key);
    if (!found) items.set(key, found = { transitions: 0, waited: false });
    return found;
  };
  let runner: ConcurrentRunner;
  const runTask = async (params: any) => {
    const now = runner.now();
    const second = Math.floor(now / 1000);
    runTaskCallsBySecond.set(second, (runTaskCallsBySecond.get(second) ?? 0) + 1);
    const id = JSON.parse(params.Overrides.ContainerOverrides[0].Environment[0].Value).id;
    const item = trace(id);
    item.admittedMs ??= now;
    return ecs.runTaskSync(params);
  };
  const describe = async (params: any) => {
    const status = runner.statusOf(params.ExecutionArn);
    if (!status) throw new SimulatedStatesError(ERROR_EXECUTION_DOES_NOT_EXIST, `Execution Does Not Exist: '${params.ExecutionArn}'`);
    return { ExecutionArn: params.ExecutionArn, Status: status };
  };
  const taskHandlers = {
    ...dynamo.handlersFor(...Object.values(synth.definitions), synth.cleanupDefinition),
    [RUN_TASK_STATE]: runTask,
    [CleanupStateNames.DESCRIBE]: describe,
    // These workloads' tasks are not followed after their holder ends (pool-fan-out.test.ts does
    // that for the fan-out's children): no TaskSubmitted among the last events, so the cleanup
    // gives back on the holder's end alone.
    [CleanupStateNames.HISTORY]: async () => ({ Events: [] }),
  };

  let cleanupRuns = 0;
  const startCleanup = (input: object) => {
    runner.start({ name: `cleanup-${++cleanupRuns}`, stateMachineName: 'PoolCleanup', definition: synth.cleanupDefinition, input });
  };
  const workloadsRunning = () => [...runner.executions.values()].some((e) => e.spec.stateMachineName !== 'PoolCleanup' && e.status === 'RUNNING')
    || runner.executions.size < scenario.executions.length;
  const sweep = () => {
    startCleanup({ sweep: true });
    if (workloadsRunning()) runner.schedule(scenario.sweepEveryMs!, sweep);
  };

  runner = new ConcurrentRunner({
    taskHandlers,
    seed: scenario.seed,
    maxVirtualMs: scenario.maxVirtualMs ?? 6 * 3600 * 1000,
    onEvent: (event, record) => {
      if (record.spec.stateMachineName === 'PoolCleanup' || event.index === undefined) return;
      const name: string | undefined = event.state?.name;
      if (!name?.startsWith(POOL_PREFIX) || name.startsWith(`${POOL_PREFIX}Release`) || name.startsWith(`${POOL_PREFIX}OnError`)) return;
      if (event.type !== 'StateEntered' && event.type !== 'StateRetried') return;
      const item = trace(`${record.spec.name}#${event.index}`);
      item.transitions++;
      if (name === `${POOL_PREFIX}Acquire` && event.type === 'StateEntered') item.arrivedMs ??= runner.now();
      if (name === `${POOL_PREFIX}TakeTicket`) item.waited = true;
    },
    onEnd: (record) => {
      if (record.spec.stateMachineName === 'PoolCleanup') return;
      if (WORKLOAD_STATUSES_NEEDING_CLEANUP.includes(record.status) && !scenario.dropEvents) {
        runner.schedule(scenario.eventDelayMs ?? 1_000, () => startCleanup({ owner: record.arn }));
      }
    },
  });
  if (scenario.sweepEveryMs !== undefined) runner.schedule(scenario.sweepEveryMs, sweep);
  for (const extra of scenario.extraCleanups ?? []) {
    runner.schedule(extra.atMs, () => startCleanup({ owner: `${ACCOUNT_PREFIX}:execution:${extra.workload}:${extra.execution}` }));
  }
  for (const item of scenario.preload ?? []) await dynamo.putItem({ TableName: synth.tableName, Item: item });

  const specs: ExecutionSpec[] = scenario.executions.map((e) => ({
    name: e.name,
    stateMachineName: e.workload,
    definition: synth.definitions[e.workload],
    input: { items: itemsFor(e.name, e.items) },
    startAtMs: e.startAtMs,
    abortAtMs: e.abortAtMs,
  }));
  const executions = await runner.run(specs);

  const counter = dynamo.get(synth.tableName, { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } });
  return {
    synth,
    dynamo,
    ecs,
    executions,
    maxTasksHeld,
    maxCpuHeld,
    maxLeases,
    finalCounter: { tasks: Number(counter?.tasks?.N ?? 0), cpu: Number(counter?.cpu?.N ?? 0) },
    finalLeases: dynamo.items(synth.tableName).filter((item) => item.pk.S?.startsWith(PoolKeys.LEASE_PREFIX)),
    runTaskCallsBySecond,
    items,
    cleanupRuns,
    virtualMs: runner.virtualMs,
  };
}

/** Most RunTask calls in one calendar second. */
export function maxCallsPerSecond(run: PoolRun): number {
  return Math.max(0, ...run.runTaskCallsBySecond.values());
}

/** Pool state transitions of the items that had to wait: max and mean. */
export function waitingTransitions(run: PoolRun): { waitingItems: number; max: number; mean: number } {
  const waiting = [...run.items.values()].filter((item) => item.waited);
  const total = waiting.reduce((sum, item) => sum + item.transitions, 0);
  return { waitingItems: waiting.length, max: Math.max(0, ...waiting.map((i) => i.transitions)), mean: waiting.length ? total / waiting.length : 0 };
}

/**
 * Pool state transitions per second of waiting, over all admitted items that waited (total
 * transitions over total wait), and the worst item's (its transitions beyond the eight it takes
 * to get a slot, over its wait).
 */
export function waitingCost(run: PoolRun): { waitingItems: number; perSecond: number; worstPerSecond: number } {
  const waiting = [...run.items.values()].filter((i) => i.waited && i.arrivedMs !== undefined && i.admittedMs !== undefined);
  const seconds = (i: ItemTrace) => Math.max(1, (i.admittedMs! - i.arrivedMs!) / 1000);
  const transitions = waiting.reduce((sum, i) => sum + i.transitions, 0);
  const waited = waiting.reduce((sum, i) => sum + seconds(i), 0);
  return {
    waitingItems: waiting.length,
    perSecond: waited ? transitions / waited : 0,
    worstPerSecond: Math.max(0, ...waiting.map((i) => Math.max(0, i.transitions - 8) / seconds(i))),
  };
}

/**
 * Fairness of the admitted items: the longest wait, and the most items that arrived after an
 * item yet were admitted before it (overtakes).
 */
export function fairness(run: PoolRun): { maxWaitMs: number; maxOvertakes: number } {
  const admitted = [...run.items.values()].filter((i) => i.arrivedMs !== undefined && i.admittedMs !== undefined);
  let maxWaitMs = 0;
  let maxOvertakes = 0;
  const byArrival = [...admitted].sort((a, b) => a.arrivedMs! - b.arrivedMs!);
  for (let i = 0; i < byArrival.length; i++) {
    const item = byArrival[i];
    maxWaitMs = Math.max(maxWaitMs, item.admittedMs! - item.arrivedMs!);
    let overtakes = 0;
    for (let j = i + 1; j < byArrival.length; j++) {
      if (byArrival[j].arrivedMs! > item.arrivedMs! && byArrival[j].admittedMs! < item.admittedMs!) overtakes++;
    }
    maxOvertakes = Math.max(maxOvertakes, overtakes);
  }
  return { maxWaitMs, maxOvertakes };
}
