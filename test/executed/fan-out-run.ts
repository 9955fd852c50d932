import { flatItemRecord } from '../../cli/src/report/item-record';
import { FanOutIntegrationPattern, FanOutMode, FargateFanOutProps } from '../../src';
import { INLINE_MAP_MAX_CONCURRENCY } from '../../src/facts';
import { ERROR_SPOT_INTERRUPTED } from '../../src/retries/private/spot';
import { INLINE_MAX_CONCURRENCY_PATH, MAX_CONCURRENCY_PATH } from '../../src/workflow/read-vcpu-quota';
import { ITEMS_FAILED_ERROR, StateNames } from '../../src/workflow/workflow';
import { executeWorkflow, ExecuteWorkflowOptions, ExecuteWorkflowResult, PAYLOAD_LIMIT_BYTES } from '../harness/execute-workflow';
import { HISTORY_EVENT_LIMIT } from '../harness/history-budget';
import { Attempt, EcsErrors, itemKey, SimulatedEcs } from '../harness/simulated-ecs';
import { allStates, SynthesizedFanOut, synthFanOut, withImage } from '../util/synth';

/** One item of a test run: small, distinct, and free of `"`/`\` inside strings (see harness README). */
export interface TestItem {
  readonly id: number;
  /** Padding, to make an item large. */
  readonly pad?: string;
}

export function makeItems(count: number): TestItem[] {
  return Array.from({ length: count }, (_, id) => ({ id }));
}

/** The id of the item a simulated ECS call was for (the key is `States.JsonToString($.item)`). */
export function idOf(item: unknown): number {
  return (item as TestItem).id;
}

/** The task token the harness puts in the context object for callback runs. */
export const SIMULATED_TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAe+simulated+task+token=';

/** The execution name the harness puts in the context object. */
export const SIMULATED_EXECUTION_NAME = 'harness-execution';

const synthesized = new Map<string, SynthesizedFanOut>();

/**
 * The real construct, synthesized once per distinct set of props in a test file (synthesis with
 * its VPC costs about a second). `props` is spread over `withImage()`; keep it JSON-describable
 * apart from Durations, which are keyed by their string form.
 */
export function fanOutWith(props: Partial<FargateFanOutProps> = {}): SynthesizedFanOut {
  const key = JSON.stringify(props, (_k, v) => (v && typeof v === 'object' && typeof v.toHumanString === 'function' ? `Duration(${v.toHumanString()})` : v));
  let found = synthesized.get(key);
  if (!found) {
    found = synthFanOut(withImage(props));
    synthesized.set(key, found);
  }
  return found;
}

/** What one executed fan-out produced, for the accounting below. */
export interface FanOutRun {
  readonly fanOut: SynthesizedFanOut['fanOut'];
  /** The definition that was executed (as synthesized, before the harness's rewrite). */
  readonly definition: any;
  readonly items: readonly TestItem[];
  readonly ecs: SimulatedEcs;
  readonly result: ExecuteWorkflowResult;
  /** The output of the Summarize state (the Fail state hides it from the execution output). */
  readonly summary: {
    itemCount: number;
    failedCount: number;
    failedItems: Array<{ index: number; error: string }>;
    message: string;
    /** The run's cap, when it was read from the account's vCPU quota (see workflow/read-vcpu-quota.ts). */
    concurrencyCap?: { maxConcurrency: number; inlineMaxConcurrency: number; quotaRead: boolean; quotaVcpus?: number; reason: string };
  } | undefined;
  /** Which Map ran the items. */
  readonly mapRan: 'inline' | 'distributed' | 'none';
  /** The inline Map's failure records written to S3, by key. */
  readonly failureRecords: Map<string, FailureRecord>;
  /** Virtual hours and wall seconds, for logs. */
  readonly describe: string;
}

/** Executes the synthesized definition on `items` against `ecs`. */
export async function runFanOut(
  synth: SynthesizedFanOut, items: readonly TestItem[], ecs: SimulatedEcs, options: ExecuteWorkflowOptions = {},
): Promise<FanOutRun> {
  let summary: FanOutRun['summary'];
  let inlineEntered = false;
  const failureRecords: FanOutRun['failureRecords'] = new Map();
  // The callback pattern runs the task with .waitForTaskToken and finds and stops timed-out tasks.
  const runTask = synth.fanOut.integrationPattern === FanOutIntegrationPattern.CALLBACK ? ecs.runTaskCallback : ecs.runTaskSync;
  const result = await executeWorkflow(synth.definition, { items }, {
    seed: 1,
    // The interpreter has no task tokens of its own; one per execution is enough, as the
    // simulated container answers its own RunTask call directly.
    context: {
      Execution: { Name: SIMULATED_EXECUTION_NAME },
      ...(runTask === ecs.runTaskCallback ? { Task: { Token: SIMULATED_TASK_TOKEN } } : {}),
    },
    ...options,
    taskHandlers: {
      [StateNames.INLINE_TASK]: runTask,
      [StateNames.DISTRIBUTED_TASK]: runTask,
      [StateNames.INLINE_ON_DEMAND_TASK]: runTask,
      [StateNames.DISTRIBUTED_ON_DEMAND_TASK]: runTask,
      [StateNames.READ_VCPU_QUOTA]: ecs.getServiceQuota,
      [StateNames.INLINE_FIND_TIMED_OUT_TASK]: ecs.listTasks,
      [StateNames.DISTRIBUTED_FIND_TIMED_OUT_TASK]: ecs.listTasks,
      [StateNames.INLINE_STOP_TIMED_OUT_TASK]: ecs.stopTask,
      // S3 PutObject of a failed inline item's record.
      [StateNames.INLINE_WRITE_FAILURE]: async (params: any) => {
        failureRecords.set(params.Key, parseFailureRecord(params.Body));
        return { ETag: `"${failureRecords.size}"` };
      },
      [StateNames.DISTRIBUTED_STOP_TIMED_OUT_TASK]: ecs.stopTask,
      // S3 PutObject of an item too large for the container overrides: the container reads it back.
      ...Object.fromEntries(SPILL_STATES.map((state) => [state, async (params: any) => {
        ecs.s3Objects.set(`${params.Bucket}/${params.Key}`, params.Body);
        return { ETag: `"${ecs.s3Objects.size}"` };
      }])),
    },
    onEvent: (event, execution) => {
      if (execution !== 'root') {
        // Distributed Map children's events go to the caller only.
        options.onEvent?.(event, execution);
        return;
      }
      if (event.type === 'StateExited' && event.state?.name === StateNames.SUMMARIZE) summary = event.state.output;
      if (event.type === 'StateExited' && event.state?.name === StateNames.SUMMARIZE_MAP_RUN) summary = { ...event.state.output, failedItems: [] };
      if (event.type === 'StateEntered' && event.state?.name === StateNames.INLINE_MAP) inlineEntered = true;
      options.onEvent?.(event, execution);
    },
  });
  const mapRan = result.mapRuns.length > 0 ? 'distributed' : inlineEntered ? 'inline' : 'none';
  if (mapRan === 'distributed' && summary) {
    // A Distributed Map lists its failed items in the result files (FAILED_*.json: the child's
    // input, error and cause); the harness keeps the same records. A child's input is
    // `{ index, item }`, or a batch `{ Items: [...] }` whose items are found by their keys.
    const indexByKey = new Map(items.map((item, index) => [itemKey(item), index]));
    summary = {
      ...summary,
      failedItems: result.mapRuns[0].failures.flatMap((f: any) => (f.Input?.Items
        ? f.Input.Items.map((item: unknown) => ({ index: indexByKey.get(itemKey(item))!, error: f.Error }))
        : [{ index: f.Input.index, error: f.Error }])),
    };
  }
  const describe = `${items.length} items, ${mapRan} Map: ${result.status}, ${ecs.runTaskCalls} RunTask calls ` +
    `(${ecs.throttled} throttled, ${ecs.capacityFailures} capacity), ${ecs.tasksStarted} tasks started, ` +
    `max ${ecs.maxInFlight} in flight, ${(result.virtualMs / 3_600_000).toFixed(2)} h virtual, ${result.wallMs} ms wall`;
  return { fanOut: synth.fanOut, definition: synth.definition, items, ecs, result, summary, mapRan, describe, failureRecords };
}

/**
 * A failed inline item's record, `States.JsonToString({ index, item, error, cause })`. On AWS
 * that is JSON; the interpreter drops every backslash from the strings intrinsics return, so a
 * cause that is itself JSON text loses its escapes. The fields are read by position instead
 * (test items hold no quotes in their strings).
 */
export function parseFailureRecord(body: string): FailureRecord {
  const withRecord = /^\{"index":(\d+),"item":(.*),"error":"([^"]*)","cause":"([\s\S]*)","record":(\{"outcome":[\s\S]*\})\}$/.exec(body);
  const match = withRecord ?? /^\{"index":(\d+),"item":(.*),"error":"([^"]*)","cause":"([\s\S]*)"\}$/.exec(body);
  if (!match) {
    throw new Error(`not a failure record: ${body.slice(0, 200)}`);
  }
  return {
    index: Number(match[1]),
    item: JSON.parse(match[2]),
    error: match[3],
    cause: match[4],
    record: withRecord ? JSON.parse(withRecord[5]) : undefined,
  };
}

/** A failed inline item's record as the workflow writes it to S3. */
export interface FailureRecord {
  readonly index: number;
  readonly item: unknown;
  readonly error: string;
  readonly cause: string;
  /** What its last task said and how many tasks it took (run job). */
  readonly record?: ItemRecord;
}

/** An item's record (see src/workflow/item/item-record.ts): fields of its last task are lists. */
export interface ItemRecord {
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly attempts: number;
  readonly capacity: string | string[];
  readonly cpu: string | string[];
  readonly memory: string | string[];
  readonly stopCode: string[];
  readonly stoppedReason: string[];
  readonly exitCode: number[];
  readonly startedAt: number[];
  readonly stoppedAt: number[];
  readonly earlier: any;
}

/** The states that write an item too large for the container overrides to S3, wherever they are built. */
export const SPILL_STATES = ['SpillItem', 'SpillItemOnDemand', 'SpillItemInChild', 'SpillItemOnDemandInChild'];

/** The number of items up to which the RUN_TIME choice sends an array to the inline Map. */
export function runTimeThreshold(definition: any): number {
  return allStates(definition)[StateNames.CHOOSE_MAP].Choices[0].NumericLessThanEquals;
}

/** The details of attempts that launched a task (a task ECS ran, or tried to start). */
const LAUNCHED: readonly string[] = ['exit-0', 'exit-code', 'spot-interruption', 'start-failure', 'out-of-memory'];

/** The first value of a record field that may be a list (indefinite JSONPath). */
export function firstOf<T>(value: T | T[] | undefined): T | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The tasks of an item's record, last first: the record itself when its last run launched a task
 * (every launched task has a StopCode), then its `earlier` chain.
 */
export function tasksOfRecord(record: ItemRecord): any[] {
  const tasks: any[] = firstOf(record.stopCode) !== undefined ? [record] : [];
  for (let earlier = record.earlier; earlier && Object.keys(earlier).length > 0; earlier = earlier.earlier) {
    tasks.push(earlier);
  }
  return tasks;
}

/**
 * Each item's record (run job) says what the simulation did: as many tasks as it launched for
 * the item, the last one's capacity, size, stop code and exit code, and each earlier task's.
 * Distributed Map children keep it for every item (their output, or their failure's cause);
 * the inline Map for failed items (the S3 record).
 */
export function expectRecordsMatchSimulation(run: FanOutRun): number {
  const records: Array<{ index: number; record: ItemRecord }> = [];
  const batched = run.mapRan === 'distributed' && allStates(run.definition)[StateNames.DISTRIBUTED_MAP]?.ItemBatcher !== undefined;
  if (batched) {
    // A batch's record is the batch's; the simulation records its tasks under every item alike.
    return 0;
  }
  if (run.mapRan === 'distributed' && run.result.mapRuns.length > 0) {
    const mapRun = run.result.mapRuns[0];
    mapRun.results.forEach((output: any, index) => {
      if (output === null || output === undefined) return;
      records.push({ index, record: output.Error !== undefined ? JSON.parse(output.Cause) : flatItemRecord(output) as ItemRecord });
    });
  } else {
    for (const failure of run.failureRecords.values()) {
      if (failure.record) records.push({ index: failure.index, record: failure.record });
    }
  }
  const mismatches: string[] = [];
  for (const { index, record } of records) {
    const calls = run.ecs.attemptsByItem.get(itemKey(run.items[index])) ?? [];
    const launched = calls.filter((a) => LAUNCHED.includes(a.detail));
    // A run is a task launched, or a last RunTask that ECS refused for good.
    const refusedAtLast = calls.length > 0 && !LAUNCHED.includes(calls[calls.length - 1].detail) ? 1 : 0;
    const tasks = tasksOfRecord(record);
    // Compact: a few hundred bytes a task.
    if (JSON.stringify(record).length > 200 + 400 * Math.max(1, tasks.length)) {
      mismatches.push(`item ${index}: record of ${JSON.stringify(record).length} bytes for ${tasks.length} tasks`);
    }
    if (record.attempts !== launched.length + refusedAtLast || tasks.length !== launched.length) {
      mismatches.push(`item ${index}: record says ${record.attempts} runs (${tasks.length} tasks listed), the simulation launched ${launched.length} tasks${refusedAtLast ? ' and refused the last call' : ''}`);
      continue;
    }
    tasks.forEach((task, i) => {
      const attempt = launched[launched.length - 1 - i];
      const expected = {
        capacity: attempt.capacity,
        cpu: String(attempt.cpu),
        memory: String(attempt.memoryMiB),
        exitCode: attempt.exitCode,
        startedAt: attempt.startedAt,
        stoppedAt: attempt.stoppedAt,
      };
      const actual = {
        capacity: firstOf(task.capacity),
        cpu: firstOf(task.cpu),
        memory: firstOf(task.memory),
        exitCode: firstOf(task.exitCode),
        startedAt: firstOf(task.startedAt),
        stoppedAt: firstOf(task.stoppedAt),
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`item ${index} task ${launched.length - i}: record ${JSON.stringify(actual)}, simulation ${JSON.stringify(expected)}`);
      }
    });
  }
  expect(mismatches.slice(0, 5)).toEqual([]);
  return records.length;
}

/** The ASL error a recorded attempt failed with. */
export function errorOf(attempt: Attempt): string | undefined {
  if (attempt.error !== undefined) return attempt.error;
  switch (attempt.detail) {
    case 'exit-0': return undefined;
    case 'exit-code': return EcsErrors.TASK_FAILED;
    // .sync reports an interrupted task that exited 0 as a success; the construct fails it itself.
    // An interrupted Spot task fails its item with the construct's own error, whatever its exit code.
    // (A task run without a capacity provider that the simulation interrupts all the same is an
    // ordinary failed task to the construct.)
    case 'spot-interruption': return attempt.capacity === 'FARGATE_SPOT' ? ERROR_SPOT_INTERRUPTED : EcsErrors.TASK_FAILED;
    case 'start-failure':
    case 'out-of-memory': return EcsErrors.TASK_FAILED;
    case 'api-throttle': return EcsErrors.THROTTLED;
    case 'vpc-throttle':
    case 'overrides-too-large': return EcsErrors.INVALID_PARAMETER;
    case 'launch-rate':
    case 'vcpu-quota':
    case 'capacity':
    case 'spot-capacity': return EcsErrors.FAILURES;
    default: throw new Error(`unknown attempt detail ${attempt.detail}`);
  }
}

/** The accounting of a run, by counting the simulated ECS's per-item records. */
export interface Accounting {
  /** Items whose task succeeded exactly once. */
  readonly succeededOnce: number;
  /** Indexes of items the simulation failed (their last attempt did not succeed), ascending. */
  readonly failedBySimulation: number[];
  /** Indexes the workflow reported failed (Summarize's failedItems), ascending. */
  readonly reportedFailed: number[];
  /** Items that never reached ECS at all. */
  readonly neverCalled: number[];
  /** Items with more than one successful task. */
  readonly succeededMoreThanOnce: number[];
  /** Items that were called again after a success. */
  readonly calledAfterSuccess: number[];
}

export function account(run: FanOutRun): Accounting {
  const failedBySimulation: number[] = [];
  const neverCalled: number[] = [];
  const succeededMoreThanOnce: number[] = [];
  const calledAfterSuccess: number[] = [];
  let succeededOnce = 0;
  run.items.forEach((item, index) => {
    const attempts = run.ecs.attemptsByItem.get(itemKey(item));
    if (!attempts || attempts.length === 0) {
      neverCalled.push(index);
      return;
    }
    const successes = attempts.filter((a) => a.result === 'succeeded').length;
    if (successes === 1) succeededOnce++;
    if (successes > 1) succeededMoreThanOnce.push(index);
    const firstSuccess = attempts.findIndex((a) => a.result === 'succeeded');
    if (firstSuccess >= 0 && firstSuccess < attempts.length - 1) calledAfterSuccess.push(index);
    if (attempts[attempts.length - 1].result !== 'succeeded') failedBySimulation.push(index);
  });
  const reportedFailed = (run.summary?.failedItems ?? []).map((f) => f.index).sort((a, b) => a - b);
  return { succeededOnce, failedBySimulation, reportedFailed, neverCalled, succeededMoreThanOnce, calledAfterSuccess };
}

/**
 * The invariants every run must satisfy, whatever the faults:
 * - every item reached the container: exactly once with success, or it is reported failed, and
 *   the reported failures are exactly the items the simulation failed, each with the error of its
 *   last attempt; no item lost, none run again after a success;
 * - the execution fails with FanOut.ItemsFailed and "<n> of <N> items failed" exactly when n > 0;
 * - tasks in flight never exceed the effective cap of the Map that ran: `fanOut.maxConcurrency`
 *   for the Distributed Map, at most 40 for the inline Map; `expectedCap`, when given, must be it;
 * - no state input or output, task parameters or result, or Map result is over 262,144 bytes
 *   (unless the run was made with `measurePayloads: false`).
 * Returns the accounting for further checks.
 */
export function expectEveryItemAccountedFor(run: FanOutRun, expectedCap?: number, toleratedFailures = 0): Accounting {
  const { items, result, summary, ecs } = run;
  const accounting = account(run);

  expect(summary).toBeDefined();
  expect(summary!.itemCount).toBe(items.length);
  expect(accounting.neverCalled).toEqual([]);
  expect(accounting.succeededMoreThanOnce).toEqual([]);
  expect(accounting.calledAfterSuccess).toEqual([]);
  expect(new Set(accounting.reportedFailed).size).toBe(accounting.reportedFailed.length);
  expect(accounting.reportedFailed).toEqual(accounting.failedBySimulation);
  expect(accounting.succeededOnce + accounting.reportedFailed.length).toBe(items.length);
  // Each failure carries the error of the item's last attempt.
  const wrongErrors = summary!.failedItems.filter((failure) => {
    const attempts = ecs.attemptsByItem.get(itemKey(items[failure.index]))!;
    return failure.error !== errorOf(attempts[attempts.length - 1]);
  });
  expect(wrongErrors).toEqual([]);
  if (run.mapRan === 'inline') {
    // Each failed item has its record in S3 (item, error, cause), and no other item has one.
    const records = [...run.failureRecords.values()].sort((a, b) => a.index - b.index);
    expect(records.map((r) => r.index)).toEqual(accounting.reportedFailed);
    for (const record of records) {
      // An item written to S3 for its size is recorded as its reference: read it back.
      const ref = (record.item as any)?.fanOutS3Ref;
      expect(ref ? JSON.parse(run.ecs.s3Objects.get(`${ref.bucket}/${ref.key}`)!) : record.item).toEqual(items[record.index]);
      expect(record.error).toBe(summary!.failedItems.find((f) => f.index === record.index)!.error);
      expect(record.cause.length).toBeGreaterThan(0);
    }
    expect([...run.failureRecords.keys()].every((key) => key.includes(`/inline/${SIMULATED_EXECUTION_NAME}/failed-`))).toBe(true);
  }
  if (run.fanOut.integrationPattern === FanOutIntegrationPattern.RUN_JOB) {
    expectRecordsMatchSimulation(run);
  }

  expect(summary!.failedCount).toBe(accounting.reportedFailed.length);
  expect(summary!.message.startsWith(`${accounting.reportedFailed.length} of ${items.length} items failed`)).toBe(true);
  const failed = accounting.reportedFailed.length;
  if (failed > toleratedFailures) {
    expect(result).toMatchObject({ status: 'FAILED', error: ITEMS_FAILED_ERROR, cause: summary!.message });
  } else {
    expect(result.status).toBe('SUCCEEDED');
    if (run.mapRan === 'distributed') {
      expect(result.output).toMatchObject({ itemCount: items.length, failedCount: failed, results: { Bucket: expect.any(String), Key: expect.stringMatching(/manifest\.json$/) } });
    } else {
      expect(result.output).toMatchObject({ itemCount: items.length, failedCount: failed, failedItems: summary!.failedItems, message: `${failed} of ${items.length} items failed` });
    }
  }

  const cap = effectiveCap(run);
  if (expectedCap !== undefined) expect(cap).toBe(expectedCap);
  const mapState = run.mapRan === 'inline' ? StateNames.INLINE_MAP : StateNames.DISTRIBUTED_MAP;
  if (run.mapRan !== 'none') {
    const map = allStates(run.definition)[mapState];
    if (map.MaxConcurrencyPath) {
      // The cap the run read: the summary says it, and the Map read it from where the quota read put it.
      expect(map.MaxConcurrencyPath).toBe(run.mapRan === 'inline' ? INLINE_MAX_CONCURRENCY_PATH : MAX_CONCURRENCY_PATH);
      expect(summary?.concurrencyCap).toBeDefined();
    } else {
      expect(map.MaxConcurrency).toBe(cap);
    }
  }
  // A cap is a limit: a run that fills it meets it exactly (maxInFlight === cap), never more.
  expect(ecs.maxInFlight).toBeLessThanOrEqual(cap);
  for (const mapRun of result.mapRuns) expect(mapRun.maxChildrenInFlight).toBeLessThanOrEqual(cap);

  if (result.payloads.measured > 0) {
    expect(result.payloads.overLimit).toEqual([]);
    expect(result.payloads.max!.bytes).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  }
  return accounting;
}

/** The inline Map's cap for a construct (40 at most; the Distributed Map's cap is `fanOut.maxConcurrency`). */
export function inlineCapOf(run: { fanOut: FanOutRun['fanOut'] }): number {
  return run.fanOut.mode === FanOutMode.INLINE ? run.fanOut.maxConcurrency : Math.min(run.fanOut.maxConcurrency, INLINE_MAP_MAX_CONCURRENCY);
}

/** The cap of the Map that ran the items: as the run read it from the vCPU quota, else as synthesized. */
export function effectiveCap(run: FanOutRun): number {
  const read = run.summary?.concurrencyCap;
  if (read) return run.mapRan === 'inline' ? read.inlineMaxConcurrency : read.maxConcurrency;
  return run.mapRan === 'inline' ? inlineCapOf(run) : run.fanOut.maxConcurrency;
}

export { HISTORY_EVENT_LIMIT, PAYLOAD_LIMIT_BYTES };

/** Every RunTask attempt the simulated ECS saw for `item`, in order. */
export function attemptsOf(ecs: SimulatedEcs, item: TestItem): Attempt[] {
  return ecs.attemptsByItem.get(itemKey(item)) ?? [];
}
