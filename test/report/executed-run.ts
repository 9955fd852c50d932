/**
 * Executed fan-outs written out as a run's result files (test/harness/result-files.ts), with the
 * simulation's own truth to hold a report against.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { flatItemRecord } from '../../cli/src/report/item-record';
import { FanOutCapacity, FanOutMode, FargateFanOutProps } from '../../src';
import { FanOutRun, SIMULATED_EXECUTION_NAME, account, fanOutWith, makeItems, runFanOut } from '../executed/fan-out-run';
import { DEFAULT_START_TIME, MapRunReport } from '../harness/execute-workflow';
import { writeDistributedResults, writeExecutionJson, writeInlineFailures } from '../harness/result-files';
import { Attempt, SimulatedEcs, SimulatedEcsOptions } from '../harness/simulated-ecs';


export interface WrittenRun {
  readonly run: FanOutRun;
  /** Folder laid out like the result bucket, with execution.json at its root. */
  readonly dir: string;
  /** The run's own folder: the manifest's, or the inline failures'. */
  readonly runDir: string;
}

/** Faults of the reference runs: Spot interruptions, throttling, and items whose container always fails. */
export function faultyEcs(seed: number, extra: Partial<SimulatedEcsOptions> = {}): SimulatedEcs {
  return new SimulatedEcs({
    spotInterruptionRate: 0.15,
    throttleRate: 0.05,
    // Items whose container always exits 3, items that run out of memory (exit 137), items whose
    // first task fails to start, and items that take 30 s to 150 s.
    exitCodeFor: (item: any) => (item.id % 97 === 5 ? 3 : 0),
    memoryNeededMiB: (item: any) => (item.id % 89 === 7 ? 600 : 256),
    startFailureFor: (item: any, attempt: number) => (item.id % 53 === 11 && attempt === 1
      ? 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref'
      : undefined),
    taskDurationMs: (item: any) => 30_000 + ((item.id * 7919) % 120_000),
    seed,
    ...extra,
  });
}

/** Runs a Distributed Map fan-out of `count` items and writes its result files. */
export async function writtenDistributedRun(
  count: number,
  seed: number,
  options: { jsonLines?: boolean; entriesPerFile?: number; props?: Partial<FargateFanOutProps> } = {},
): Promise<WrittenRun> {
  const synth = fanOutWith({
    mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, maxConcurrency: 200, ...options.props,
  });
  const ecs = faultyEcs(seed);
  const run = await runFanOut(synth, makeItems(count), ecs);
  const dir = mkdtempSync(path.join(tmpdir(), 'fan-out-report-'));
  const mapRun = run.result.mapRuns[0];
  const manifestKey = await writeDistributedResults(dir, mapRun, {
    entriesPerFile: options.entriesPerFile ?? 500,
    jsonLines: options.jsonLines,
  });
  await writeExecutionJson(dir, run.result, DEFAULT_START_TIME);
  // The fixtures are the workflow's own records (each child's output, or its failure's Cause).
  if (!workflowWritesRecords(mapRun)) throw new Error('the workflow wrote no item records: its children\'s outputs are not records');
  return { run, dir, runDir: path.join(dir, path.dirname(manifestKey)) };
}

/** Runs an inline fan-out of `count` items (failures tolerated, so the execution has an output) and writes its failure files. */
export async function writtenInlineRun(count: number, seed: number): Promise<WrittenRun> {
  const synth = fanOutWith({ mode: FanOutMode.INLINE, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, toleratedFailureCount: count });
  const ecs = faultyEcs(seed);
  const run = await runFanOut(synth, makeItems(count), ecs);
  const dir = mkdtempSync(path.join(tmpdir(), 'fan-out-report-'));
  // The workflow's own records: written as JSON, as on AWS (the interpreter strips the
  // backslashes of the strings its intrinsics return; the harness reads them back by position).
  const folder = await writeInlineFailures(dir, 'fan-out-results', SIMULATED_EXECUTION_NAME, [...run.failureRecords.values()]);
  await writeExecutionJson(dir, run.result, DEFAULT_START_TIME);
  if ([...run.failureRecords.values()].some((f) => f.record === undefined)) throw new Error('the workflow wrote a failure file without its item record');
  return { run, dir, runDir: path.join(dir, folder) };
}

/** True when the workflow writes item records itself: its children's outputs are records. */
export function workflowWritesRecords(mapRun: MapRunReport): boolean {
  return mapRun.results.some((output: any) => output && typeof output === 'object' && ['SUCCEEDED', 'FAILED'].includes((flatItemRecord(output) as any).outcome));
}

/** Whether an attempt launched a task (which the item's record lists): it ran, or it failed to start. */
export function launched(attempt: Attempt): boolean {
  return attempt.startedAt !== undefined || attempt.detail === 'start-failure';
}

/** Every task the simulated ECS started, once (a batch's task is recorded under each of its items). */
export function startedTasks(run: FanOutRun): Attempt[] {
  const seen = new Map<string, Attempt>();
  for (const attempts of run.ecs.attemptsByItem.values()) {
    for (const a of attempts) {
      if (a.startedAt !== undefined) seen.set(a.taskArn ?? `${a.calledAt}-${a.startedAt}`, a);
    }
  }
  return [...seen.values()];
}

/**
 * What the simulated ECS's own start and stop times cost, by Fargate's billing rule (per second,
 * rounded up, one minute at least per task) at the given prices: the truth to hold the report to.
 */
export function simulatedCost(run: FanOutRun, prices: { vcpuHour: number; gbHour: number; spotVcpuHour: number; spotGbHour: number }) {
  let onDemand = 0;
  let spot = 0;
  for (const task of startedTasks(run)) {
    const hours = Math.max(Math.ceil((task.stoppedAt! - task.startedAt!) / 1000), 60) / 3600;
    const vcpu = task.cpu! / 1024;
    const gb = task.memoryMiB! / 1024;
    if (task.capacity === 'FARGATE_SPOT') spot += hours * (vcpu * prices.spotVcpuHour + gb * prices.spotGbHour);
    else onDemand += hours * (vcpu * prices.vcpuHour + gb * prices.gbHour);
  }
  return { onDemand, spot, total: onDemand + spot };
}

export { account };
