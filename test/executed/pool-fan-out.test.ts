/**
 * Executed tests of two FargateFanOuts that share one FanOutConcurrencyPool: several executions
 * of each run at once on one fake clock, against one simulated ECS and one simulated DynamoDB
 * table, with one execution aborted and one timing out mid-run and the pool's cleanup started
 * for them as its EventBridge rule would.
 *
 * A pooled fan-out runs its items in a Distributed Map. The concurrent runner does not run
 * Distributed Maps, so each parent execution is played here by its children: the synthesized
 * item processor, started once per item with the input the Map's ItemSelector gives it (the
 * parent's ARN as the slot's owner), all at once (the Map's MaxConcurrency is above the item
 * count). A parent that is aborted or times out aborts its running children at that moment; its
 * status-change event then starts the cleanup for the parent's ARN.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { FanOutCapacity, FanOutConcurrencyPool, FanOutConcurrencyPoolProps, FanOutRetryRule, FargateFanOut } from '../../src';
import { CleanupStateNames } from '../../src/concurrency-pool/private/cleanup';
import { PoolKeys } from '../../src/concurrency-pool/private/pool-table';
import { POOL_CHILD_WAIT_EVENTS } from '../../src/concurrency-pool/private/pool-use';
import { ERROR_EXECUTION_DOES_NOT_EXIST } from '../../src/facts';
import { StateNames } from '../../src/workflow/workflow';
import { ACCOUNT_PREFIX, ConcurrentRunner, ExecutionRecord, ExecutionSpec } from '../harness/concurrent-executions';
import { HistoryCounter } from '../harness/history-budget';
import { Item, SimulatedDynamoDb } from '../harness/simulated-dynamodb';
import { SimulatedEcs, SimulatedEcsOptions, SimulatedStatesError } from '../harness/simulated-ecs';
import { newStack, resolveJoin, withImage } from '../util/synth';

jest.setTimeout(180_000);

const POOL: FanOutConcurrencyPoolProps = { maxTasks: 6, maxVcpus: 2, maxRunTaskCallsPerSecond: 5 };
/** CPU units of each fan-out's task: A's reach the task limit first, B's the vCPU limit. */
const CPU = { A: 256, B: 512 } as const;
type FanOutName = keyof typeof CPU;

interface Parent {
  readonly fanOut: FanOutName;
  readonly name: string;
  readonly items: number;
  readonly startAtMs?: number;
  /** The parent is aborted (or times out) now: its running children are aborted. */
  readonly endsAtMs?: number;
}

// a3 and b2 start first, so that they hold slots when they end (aborted, timed out).
const PARENTS: Parent[] = [
  { fanOut: 'A', name: 'a3', items: 8, endsAtMs: 30_000 },
  { fanOut: 'B', name: 'b2', items: 8, startAtMs: 500, endsAtMs: 60_000 },
  { fanOut: 'A', name: 'a1', items: 10, startAtMs: 1_000 },
  { fanOut: 'B', name: 'b1', items: 8, startAtMs: 2_000 },
  { fanOut: 'A', name: 'a2', items: 8, startAtMs: 3_000 },
  { fanOut: 'B', name: 'b3', items: 6, startAtMs: 12_000 },
];

/** a1#2 exits 3 once (rule: retried), a2#4 always exits 1 (the item fails). */
function exitCodeFor(item: any, attempt: number): number {
  if (item.id === 'a1#2' && attempt === 1) return 3;
  if (item.id === 'a2#4') return 1;
  return 0;
}

function durationOf(item: any): number {
  const index = Number(String(item.id).split('#')[1]);
  return 20_000 + (index * 7_919) % 20_000;
}

interface Synthesized {
  readonly tableName: string;
  /** The Distributed Map's item processor and ItemSelector, per fan-out. */
  readonly children: Record<FanOutName, { definition: any; selector: any }>;
  readonly cleanupDefinition: any;
}

function synth(poolProps: FanOutConcurrencyPoolProps = POOL): Synthesized {
  const stack = newStack('PoolFanOutStack');
  const pool = new FanOutConcurrencyPool(stack, 'Pool', poolProps);
  new FargateFanOut(stack, 'A', withImage({ concurrencyPool: pool, cpu: CPU.A, memoryLimitMiB: 512, capacity: FanOutCapacity.SPOT, retryRules: [FanOutRetryRule.onExitCodes([3], { maxAttempts: 2 })] }));
  new FargateFanOut(stack, 'B', withImage({ concurrencyPool: pool, cpu: CPU.B, memoryLimitMiB: 1024, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }));
  const template = Template.fromStack(stack);
  const tableName = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
  const children: Partial<Synthesized['children']> = {};
  let cleanupDefinition: any;
  for (const [logicalId, resource] of Object.entries<any>(template.findResources('AWS::StepFunctions::StateMachine'))) {
    const body = resource.Properties.DefinitionString;
    const definition = JSON.parse(typeof body === 'string' ? body : resolveJoin(body));
    if (logicalId.startsWith('PoolCleanup')) {
      cleanupDefinition = definition;
      continue;
    }
    const map = definition.States[StateNames.DISTRIBUTED_MAP];
    const { ProcessorConfig: _config, ...processor } = map.ItemProcessor;
    children[logicalId.startsWith('A') ? 'A' : 'B'] = { definition: processor, selector: map.ItemSelector };
  }
  return { tableName, children: children as Synthesized['children'], cleanupDefinition };
}

/** What the ItemSelector gives a child: its index, its item, the parent as owner, the initial state. */
function childInput(selector: any, index: number, item: unknown, owner: string): any {
  const input: any = {};
  for (const [key, value] of Object.entries<any>(selector)) {
    if (!key.endsWith('.$')) {
      input[key] = JSON.parse(JSON.stringify(value));
      continue;
    }
    const resolved: Record<string, unknown> = { '$$.Map.Item.Index': index, '$$.Map.Item.Value': item, '$$.Execution.Id': owner };
    if (!(value in resolved)) throw new Error(`childInput: ${key} reads ${value}`);
    input[key.slice(0, -2)] = resolved[value];
  }
  return input;
}

function parentArn(parent: Parent): string {
  return `${ACCOUNT_PREFIX}:execution:FanOut${parent.fanOut}:${parent.name}`;
}

interface Run {
  readonly children: Map<string, ExecutionRecord>;
  readonly ecs: SimulatedEcs;
  readonly maxTasksInFlight: number;
  readonly maxCpuInFlight: number;
  /** Tasks (and their vCPUs) in flight counting those of aborted holders that the simulation lets run on: the ECS tasks running. */
  readonly maxTasksWithStopping: number;
  readonly maxCpuWithStopping: number;
  readonly maxCounterTasks: number;
  readonly finalCounter: { tasks: number; cpu: number };
  readonly finalLeases: Item[];
  readonly cleanupRuns: number;
  readonly runTaskCalls: number;
  /** Leases each parent that ended early held when it ended: what its cleanup had to give back. */
  readonly heldWhenEnded: Record<string, number>;
  /** Per child: history events and state transitions of its pool acquire states (waiting included, the release left out). */
  readonly acquireEvents: Map<string, number>;
  readonly acquireTransitions: Map<string, number>;
}

/** What a run may change from the shared scenario. */
interface RunOptions {
  readonly ecs?: Partial<SimulatedEcsOptions>;
  readonly maxVirtualMs?: number;
  /** Rewrites each child definition after the mutation (to pin a part of it). */
  readonly rewrite?: (definition: any) => any;
  /** Rewrites the cleanup's definition (to take a check out). */
  readonly rewriteCleanup?: (definition: any) => any;
  /** Run the sweep every this many ms while children run, and once after. */
  readonly sweepEveryMs?: number;
}

/** Changes made to the synthesized children, to show that the checks catch what they look for. */
type Mutation = 'none' | 'skip-acquire' | 'skip-success-release';

function mutate(definition: any, mutation: Mutation): any {
  const copy = JSON.parse(JSON.stringify(definition));
  if (mutation === 'skip-acquire') copy.StartAt = 'RunItemTaskInChild';
  if (mutation === 'skip-success-release') {
    // Every way into the success release goes straight to the item's record instead.
    const skip = (state: any) => {
      if (state.Next === 'PoolInChildRelease') state.Next = 'ItemSucceededInChild';
      if (state.Default === 'PoolInChildRelease') state.Default = 'ItemSucceededInChild';
      for (const choice of state.Choices ?? []) if (choice.Next === 'PoolInChildRelease') choice.Next = 'ItemSucceededInChild';
    };
    Object.values(copy.States).forEach(skip);
  }
  return copy;
}

async function runParents(synthesized: Synthesized, mutation: Mutation = 'none', parents: Parent[] = PARENTS,
  options: RunOptions = {}): Promise<Run> {
  const rewrite = options.rewrite ?? ((definition: any) => definition);
  const children = {
    A: rewrite(mutate(synthesized.children.A.definition, mutation)),
    B: rewrite(mutate(synthesized.children.B.definition, mutation)),
  };
  const dynamo = new SimulatedDynamoDb({ latencyMs: 5 });
  dynamo.createTable(synthesized.tableName, {
    partitionKey: PoolKeys.PARTITION,
    sortKey: PoolKeys.SORT,
    indexes: { [PoolKeys.BY_KIND_INDEX]: { partitionKey: PoolKeys.KIND, sortKey: PoolKeys.STAMP } },
  });
  const cleanupDefinition = (options.rewriteCleanup ?? ((definition: any) => definition))(synthesized.cleanupDefinition);
  const ecs = new SimulatedEcs({
    seed: 3, taskDurationMs: durationOf, exitCodeFor, spotInterruptionRate: 0.3, spotInterruptionExitCode: () => 143, ...options.ecs,
  });
  const resources = new Map<string, string>();
  for (const definition of [children.A, children.B]) {
    for (const [name, state] of Object.entries<any>(definition.States)) if (state.Resource) resources.set(name, state.Resource);
  }
  const acquireHistories = new Map<string, HistoryCounter>();
  const acquireTransitions = new Map<string, number>();

  let maxCounterTasks = 0;
  dynamo.onChange((change) => {
    if (change.key.pk?.S === PoolKeys.POOL && change.after) maxCounterTasks = Math.max(maxCounterTasks, Number(change.after.tasks?.N ?? 0));
    // A slot taken or given back: sample what runs (a slot is taken before its RunTask call).
    sample();
  });

  // Tasks and vCPUs in flight, from each RunTask call until its .sync answer: a slot is held
  // for at least that long by a running holder, so these may never pass the pool's limits. The
  // task of an aborted holder runs on in the simulated ECS (on AWS, Step Functions stops it best
  // effort) until it ends: the "with stopping" maxima count it too, and may not pass the limits
  // either, since the cleanup keeps such a slot until ECS describes the task as stopped.
  const inFlight = new Set<{ child: string; cpu: number }>();
  let maxTasksInFlight = 0;
  let maxCpuInFlight = 0;
  let maxTasksWithStopping = 0;
  let maxCpuWithStopping = 0;
  let runTaskCalls = 0;
  const statusOfChild = (child: string) => [...runner.executions.values()].find((e) => e.spec.name === child)?.status;
  const sample = () => {
    const held = [...inFlight].filter((task) => statusOfChild(task.child) === 'RUNNING');
    maxTasksInFlight = Math.max(maxTasksInFlight, held.length);
    maxCpuInFlight = Math.max(maxCpuInFlight, held.reduce((sum, task) => sum + task.cpu, 0));
    maxTasksWithStopping = Math.max(maxTasksWithStopping, inFlight.size);
    maxCpuWithStopping = Math.max(maxCpuWithStopping, [...inFlight].reduce((sum, task) => sum + task.cpu, 0));
  };
  // Each child's last ECS task, as the cleanup finds it: the TaskSubmitted event of a .sync
  // state that had not answered when the child ended, then DescribeTasks.
  const lastTask = new Map<string, { arn: string; cluster: string; running: boolean; answeredMs?: number }>();
  const tasksByArn = new Map<string, { running: boolean }>();
  const runTask = async (params: any) => {
    const item = JSON.parse(params.Overrides.ContainerOverrides[0].Environment[0].Value);
    const task = { child: item.id.replace('#', '-'), cpu: item.id.startsWith('a') ? CPU.A : CPU.B };
    runTaskCalls++;
    inFlight.add(task);
    const cluster = `arn:aws:ecs:us-east-1:123456789012:cluster/${String(params.Cluster).split('/').pop()}`;
    const ecsTask = { arn: `arn:aws:ecs:us-east-1:123456789012:task/fanout/${task.child}-${runTaskCalls}`, cluster, running: true, answeredMs: undefined as number | undefined };
    lastTask.set(task.child, ecsTask);
    tasksByArn.set(ecsTask.arn, ecsTask);
    sample();
    try {
      return await ecs.runTaskSync(params);
    } finally {
      inFlight.delete(task);
      ecsTask.running = false;
      ecsTask.answeredMs = runner.now();
    }
  };
  const holderHistory = async (params: any) => {
    const child = [...runner.executions.values()].find((e) => e.arn === params.ExecutionArn);
    if (!child) throw new SimulatedStatesError(ERROR_EXECUTION_DOES_NOT_EXIST, `Execution Does Not Exist: '${params.ExecutionArn}'`);
    const ended = { Type: `Execution${child.status === 'ABORTED' ? 'Aborted' : child.status === 'TIMED_OUT' ? 'TimedOut' : child.status === 'FAILED' ? 'Failed' : 'Succeeded'}` };
    const ecsTask = lastTask.get(child.spec.name);
    const pending = ecsTask && (ecsTask.answeredMs === undefined || ecsTask.answeredMs >= (child.endMs ?? Infinity));
    const events = pending
      ? [ended, { Type: 'TaskStateAborted' }, {
        Type: 'TaskSubmitted',
        TaskSubmittedEventDetails: { Output: JSON.stringify({ Tasks: [{ TaskArn: ecsTask.arn, ClusterArn: ecsTask.cluster, LastStatus: 'PROVISIONING' }], Failures: [] }) },
      }, { Type: 'TaskStarted' }]
      : [ended, { Type: 'TaskStateExited' }, { Type: 'TaskSucceeded' }, { Type: 'TaskStateEntered' }];
    return { Events: events.slice(0, params.MaxResults) };
  };
  const describeTasks = async (params: any) => ({
    Tasks: params.Tasks.filter((arn: string) => tasksByArn.has(arn)).map((arn: string) => ({ TaskArn: arn, LastStatus: tasksByArn.get(arn)!.running ? 'RUNNING' : 'STOPPED' })),
    Failures: params.Tasks.filter((arn: string) => !tasksByArn.has(arn)).map((arn: string) => ({ Arn: arn, Reason: 'MISSING' })),
  });
  let runner: ConcurrentRunner;
  const describe = async (params: any) => {
    const status = runner.statusOf(params.ExecutionArn);
    if (!status) throw new SimulatedStatesError(ERROR_EXECUTION_DOES_NOT_EXIST, `Execution Does Not Exist: '${params.ExecutionArn}'`);
    return { ExecutionArn: params.ExecutionArn, Status: status };
  };
  let cleanupRuns = 0;
  runner = new ConcurrentRunner({
    seed: 5,
    maxVirtualMs: options.maxVirtualMs ?? 6 * 3600 * 1000,
    onEvent: (event, record) => {
      const name: string | undefined = event.state?.name;
      if (!name?.startsWith('PoolInChild') || name.startsWith('PoolInChildRelease') || name.startsWith('PoolInChildOnError')) return;
      let history = acquireHistories.get(record.spec.name);
      if (!history) acquireHistories.set(record.spec.name, history = new HistoryCounter({ taskResources: resources }));
      history.add(event);
      if (event.type === 'StateEntered' || event.type === 'StateRetried') {
        acquireTransitions.set(record.spec.name, (acquireTransitions.get(record.spec.name) ?? 0) + 1);
      }
    },
    taskHandlers: {
      ...dynamo.handlersFor(children.A, children.B, cleanupDefinition),
      RunItemTaskInChild: runTask,
      RunItemOnDemandInChild: runTask,
      [CleanupStateNames.DESCRIBE]: describe,
      [CleanupStateNames.HISTORY]: holderHistory,
      [CleanupStateNames.DESCRIBE_TASK]: describeTasks,
    },
  });
  const specs: ExecutionSpec[] = [];
  const heldWhenEnded: Record<string, number> = {};
  for (const parent of parents) {
    const { selector } = synthesized.children[parent.fanOut];
    for (let i = 0; i < parent.items; i++) {
      specs.push({
        name: `${parent.name}-${i}`,
        stateMachineName: `FanOut${parent.fanOut}/RunItems`,
        definition: children[parent.fanOut],
        input: childInput(selector, i, { id: `${parent.name}#${i}` }, parentArn(parent)),
        startAtMs: parent.startAtMs,
        abortAtMs: parent.endsAtMs,
      });
    }
    if (parent.endsAtMs !== undefined) {
      // The parent's status-change event (ABORTED or TIMED_OUT) reaches the cleanup a second later.
      runner.schedule(parent.endsAtMs, () => {
        heldWhenEnded[parent.name] = dynamo.items(synthesized.tableName).filter((item) => item.pk.S === `${PoolKeys.LEASE_PREFIX}${parentArn(parent)}`).length;
      });
      runner.schedule(parent.endsAtMs + 1_000, () => {
        cleanupRuns++;
        runner.start({ name: `cleanup-${parent.name}`, stateMachineName: 'PoolCleanup', definition: cleanupDefinition, input: { owner: parentArn(parent) } });
      });
    }
  }
  if (options.sweepEveryMs !== undefined) {
    const childrenRunning = () => [...runner.executions.values()].some((e) => e.spec.stateMachineName !== 'PoolCleanup' && e.status === 'RUNNING')
      || [...runner.executions.values()].filter((e) => e.spec.stateMachineName !== 'PoolCleanup').length < specs.length
      || [...tasksByArn.values()].some((task) => task.running);
    let sweeps = 0;
    const sweep = () => {
      runner.start({ name: `sweep-${++sweeps}`, stateMachineName: 'PoolCleanup', definition: cleanupDefinition, input: { sweep: true } });
      if (childrenRunning()) runner.schedule(options.sweepEveryMs!, sweep);
    };
    runner.schedule(options.sweepEveryMs, sweep);
  }
  const executions = await runner.run(specs);
  const counter = dynamo.get(synthesized.tableName, { pk: { S: PoolKeys.POOL }, sk: { S: PoolKeys.POOL } });
  return {
    children: new Map([...executions.values()].filter((e) => e.spec.stateMachineName !== 'PoolCleanup').map((e) => [e.spec.name, e])),
    ecs,
    maxTasksInFlight,
    maxCpuInFlight,
    maxTasksWithStopping,
    maxCpuWithStopping,
    maxCounterTasks,
    finalCounter: { tasks: Number(counter?.tasks?.N ?? 0), cpu: Number(counter?.cpu?.N ?? 0) },
    finalLeases: dynamo.items(synthesized.tableName).filter((item) => item.pk.S?.startsWith(PoolKeys.LEASE_PREFIX)),
    cleanupRuns,
    runTaskCalls,
    heldWhenEnded,
    acquireEvents: new Map([...acquireHistories].map(([child, history]) => [child, history.total])),
    acquireTransitions,
  };
}

/**
 * Every item accounted for: in a parent that ran to its end, each item's child succeeded and its
 * task succeeded exactly once, except the item made to fail, whose child failed with no success;
 * in an aborted parent, each item succeeded at most once. Returns what does not add up.
 */
function unaccounted(run: Run, parents: Parent[] = PARENTS): string[] {
  const problems: string[] = [];
  for (const parent of parents) {
    for (let i = 0; i < parent.items; i++) {
      const id = `${parent.name}#${i}`;
      const successes = run.ecs.successesByItem.get(JSON.stringify({ id })) ?? 0;
      const status = run.children.get(`${parent.name}-${i}`)?.status;
      if (successes > 1) problems.push(`${id} succeeded ${successes} times`);
      if (parent.endsAtMs !== undefined) {
        if (status === 'SUCCEEDED' && successes !== 1) problems.push(`${id}: child succeeded, task succeeded ${successes} times`);
        continue;
      }
      const failing = id === 'a2#4';
      if (status !== (failing ? 'FAILED' : 'SUCCEEDED')) problems.push(`${id}: child ${status}`);
      if (successes !== (failing ? 0 : 1)) problems.push(`${id}: task succeeded ${successes} times`);
    }
  }
  return problems;
}

function report(label: string, run: Run): void {
  const statuses: Record<string, number> = {};
  for (const child of run.children.values()) statuses[child.status] = (statuses[child.status] ?? 0) + 1;
  const failures = [...run.children.values()].filter((c) => c.status === 'FAILED').map((c) => `${c.spec.name} ${c.error}: ${String(c.cause).slice(0, 300)}`);
  // eslint-disable-next-line no-console
  if (process.env.POOL_DEBUG) console.log(failures.join('\n'));
  // eslint-disable-next-line no-console
  console.log(`${label}: children ${JSON.stringify(statuses)}; in flight max ${run.maxTasksInFlight} tasks / ${run.maxCpuInFlight / 1024} vCPU `
    + `(pool ${POOL.maxTasks} / ${POOL.maxVcpus}), ${run.maxTasksWithStopping} tasks / ${run.maxCpuWithStopping / 1024} vCPU with tasks of aborted holders; RunTask calls ${run.runTaskCalls}, Spot interruptions ${run.ecs.spotInterruptions}; `
    + `final counter ${JSON.stringify(run.finalCounter)}, leases ${run.finalLeases.length}; held when ended ${JSON.stringify(run.heldWhenEnded)}; cleanups ${run.cleanupRuns}`);
}

/** The sweep's schedule in these runs (sweepInterval's smallest value, a minute). */
const SWEEP_MS = 60_000;

describe('two fan-outs sharing one pool, executed', () => {
  const synthesized = synth();
  let run: Run;
  beforeAll(async () => {
    run = await runParents(synthesized, 'none', PARENTS, { sweepEveryMs: SWEEP_MS });
    report('pooled fan-outs', run);
  });

  test('the children end as set up: the aborted and timed-out parents\' running children aborted, one item failed', () => {
    const aborted = [...run.children.values()].filter((c) => c.status === 'ABORTED').map((c) => c.spec.name);
    expect(aborted.length).toBeGreaterThan(0);
    expect(aborted.every((name) => name.startsWith('b2-') || name.startsWith('a3-'))).toBe(true);
    // Some of their items had finished before.
    expect([...run.children.values()].some((c) => c.status === 'SUCCEEDED' && /^(a3|b2)-/.test(c.spec.name))).toBe(true);
    expect(run.children.get('a2-4')?.status).toBe('FAILED');
    // The rule's rerun, the on-demand fallback and the failure all happened while holding a slot.
    expect(run.ecs.spotInterruptions).toBeGreaterThan(0);
  });

  test('the pool\'s limits are never exceeded by the tasks in flight, and both were reached', () => {
    expect(run.maxTasksInFlight).toBeLessThanOrEqual(POOL.maxTasks!);
    expect(run.maxCpuInFlight).toBeLessThanOrEqual(POOL.maxVcpus! * 1024);
    expect(run.maxCounterTasks).toBe(POOL.maxTasks);
    expect(run.maxCpuInFlight).toBe(POOL.maxVcpus! * 1024);
  });

  test('running ECS tasks never exceed the pool\'s limits, counting the tasks of aborted children that run on', () => {
    // The simulated ECS lets the task of an aborted child run to its end (AWS stops it best
    // effort): its slot is kept until ECS describes it as stopped.
    expect(run.maxTasksWithStopping).toBeLessThanOrEqual(POOL.maxTasks!);
    expect(run.maxCpuWithStopping).toBeLessThanOrEqual(POOL.maxVcpus! * 1024);
  });

  test('fails when the cleanup gives a slot back on the holder\'s end alone: tasks of aborted children push the running tasks past the limit', async () => {
    const holderOnly = (definition: any) => {
      const copy = JSON.parse(JSON.stringify(definition));
      copy.States[CleanupStateNames.EACH].ItemProcessor.States[CleanupStateNames.RUNNING].Default = CleanupStateNames.GIVE_BACK;
      return copy;
    };
    const unchecked = await runParents(synthesized, 'none', PARENTS, { sweepEveryMs: SWEEP_MS, rewriteCleanup: holderOnly });
    report('cleanup without the task check', unchecked);
    expect(unchecked.maxTasksWithStopping).toBeGreaterThan(POOL.maxTasks!);
  });

  test('every item is accounted for: none lost, none run again after it succeeded', () => {
    expect(unaccounted(run)).toEqual([]);
  });

  test('no slot is left when every execution has ended (the cleanup gave back the aborted ones\')', () => {
    // The parents that ended early held slots then, which only the cleanup gave back.
    expect(run.heldWhenEnded.a3).toBeGreaterThan(0);
    expect(run.heldWhenEnded.b2).toBeGreaterThan(0);
    expect(run.finalLeases).toEqual([]);
    expect(run.finalCounter).toEqual({ tasks: 0, cpu: 0 });
    expect(run.cleanupRuns).toBe(2);
  });

  test('the checks catch what they look for: no acquire exceeds the limit, a missing release leaks', async () => {
    const unpooled = await runParents(synthesized, 'skip-acquire');
    report('without acquire', unpooled);
    expect(unpooled.maxTasksInFlight).toBeGreaterThan(POOL.maxTasks!);
    // Few enough items that none waits: leaked slots would otherwise hold the others for ever.
    const leaking = await runParents(synthesized, 'skip-success-release', [{ fanOut: 'A', name: 'a1', items: 3 }]);
    report('without the success release', leaking);
    expect(leaking.finalLeases.length).toBeGreaterThan(0);
    expect(leaking.finalCounter.tasks).toBeGreaterThan(0);
  });
});

describe('a pooled child waiting behind hour-long tasks', () => {
  // One slot, three items of an hour each: the second item waits an hour at the head of the
  // line, the third two hours. Each child keeps POOL_CHILD_WAIT_EVENTS of its history for this.
  const ONE_SLOT: FanOutConcurrencyPoolProps = { maxTasks: 1, maxRunTaskCallsPerSecond: 5 };
  const HOUR = 3_600_000;
  const parents: Parent[] = [{ fanOut: 'A', name: 'h1', items: 3 }];
  const options: RunOptions = { ecs: { taskDurationMs: HOUR, spotInterruptionRate: 0 }, maxVirtualMs: 4 * HOUR };
  const synthesized = synth(ONE_SLOT);

  function waited(run: Run): { events: number; transitions: number } {
    return { events: run.acquireEvents.get('h1-2') ?? 0, transitions: run.acquireTransitions.get('h1-2') ?? 0 };
  }

  test('stays within its event reserve: the waits back off while the line does not move', async () => {
    const run = await runParents(synthesized, 'none', parents, options);
    const last = waited(run);
    // eslint-disable-next-line no-console
    console.log(`hour-long tasks, backoff: acquire events per child ${JSON.stringify(Object.fromEntries(run.acquireEvents))}, transitions ${JSON.stringify(Object.fromEntries(run.acquireTransitions))}`);
    expect(unaccounted(run, parents)).toEqual([]);
    expect(last.events).toBeLessThanOrEqual(POOL_CHILD_WAIT_EVENTS);
    // Far within it: two hours at the head of the line in under a fifth of the reserve.
    expect(last.events).toBeLessThan(POOL_CHILD_WAIT_EVENTS / 5);
  });

  test('fails with the bands of level 0 for every look (no backoff): the same child overruns its reserve', async () => {
    // Every look goes where a look that found the line moved goes: the bands of level 0, the
    // fixed bands the pool had before it backed off.
    const pinned = (definition: any) => {
      const copy = JSON.parse(JSON.stringify(definition));
      for (const choice of copy.States.PoolInChildWhereInLine.Choices) {
        if (choice.Next.startsWith('PoolInChildBackOff')) choice.Next = choice.Next.replace('BackOff', 'Moved');
      }
      return copy;
    };
    const run = await runParents(synthesized, 'none', parents, { ...options, rewrite: pinned });
    const last = waited(run);
    // eslint-disable-next-line no-console
    console.log(`hour-long tasks, fixed bands: acquire events per child ${JSON.stringify(Object.fromEntries(run.acquireEvents))}, `
      + `transitions ${JSON.stringify(Object.fromEntries(run.acquireTransitions))}`);
    expect(last.events).toBeGreaterThan(POOL_CHILD_WAIT_EVENTS);
  });
});
