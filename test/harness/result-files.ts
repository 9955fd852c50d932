/**
 * Writes what an executed run leaves behind on AWS, as files in a folder laid out like the result
 * bucket: the Distributed Map's ResultWriter output (`<Prefix>/<map run id>/manifest.json`,
 * `SUCCEEDED_<n>.json`, `FAILED_<n>.json`, in the shape the Step Functions developer guide shows
 * under ResultWriter), an inline run's `<prefix>/inline/<execution>/failed-<index>.json`, and
 * `execution.json` as `aws stepfunctions describe-execution` prints it.
 *
 * The per-item record (the last task's fields, counters and the earlier tasks) comes from the
 * child's output when the workflow writes one, or else is built from the simulated ECS's
 * attempts by `itemRecordFromAttempts`, in the shape the workflow writes.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ExecuteWorkflowResult, MapRunReport } from './execute-workflow';
import { Attempt, SimulatedEcs, itemKey } from './simulated-ecs';

export const HARNESS_ACCOUNT = '123456789012';
export const HARNESS_REGION = 'us-east-1';

/** The fields of one task in an item record, as the workflow writes them (ECS's strings for sizes). */
function taskFields(attempt: Attempt, size: TaskSize, wrap: (v: unknown) => unknown): Record<string, unknown> {
  const interrupted = attempt.detail === 'spot-interruption';
  const fields: Record<string, unknown> = {
    capacity: wrap(attempt.capacity),
    cpu: wrap(String(size.cpu)),
    memory: wrap(String(size.memoryMiB)),
    stopCode: wrap(interrupted ? 'SpotInterruption' : 'EssentialContainerExited'),
    stoppedReason: wrap(interrupted ? 'Your Spot Task was interrupted.' : 'Essential container in task exited'),
    startedAt: wrap(attempt.startedAt),
    stoppedAt: wrap(attempt.stoppedAt),
  };
  if (attempt.exitCode !== undefined) fields.exitCode = wrap(attempt.exitCode);
  return fields;
}

export interface TaskSize {
  readonly cpu: number;
  readonly memoryMiB: number;
}

/**
 * The item record for an item's (or batch's) attempts, as the workflow writes it: the last task
 * started, `attempts` (tasks started), and the earlier tasks as `earlier`, newest first, ending
 * in `{}`. On the failure path the fields come as one-element lists (indefinite JSONPaths), and
 * as empty lists when no task started.
 */
export function itemRecordFromAttempts(attempts: readonly Attempt[], outcome: 'SUCCEEDED' | 'FAILED', size: TaskSize, error?: string): Record<string, unknown> {
  const started = attempts.filter((a) => a.startedAt !== undefined);
  const wrap = outcome === 'FAILED' ? (v: unknown) => (v === undefined ? [] : [v]) : (v: unknown) => v;
  let earlier: Record<string, unknown> = {};
  for (const attempt of started.slice(0, -1)) {
    earlier = { ...taskFields(attempt, size, (v) => v), earlier };
  }
  const last = started[started.length - 1];
  const fields = last
    ? taskFields(last, size, wrap)
    : { capacity: [], cpu: [], memory: [], stopCode: [], stoppedReason: [], exitCode: [], startedAt: [], stoppedAt: [] };
  return { outcome, ...(outcome === 'FAILED' ? { error } : {}), attempts: started.length, ...fields, earlier };
}

/** The items a child ran: its `{ index, item }` input, or a batch's `{ Items }`. */
function itemsOfChild(input: any): unknown[] {
  return Array.isArray(input?.Items) ? input.Items : [input?.item];
}

/** Attempts of a child: of its item, or of its batch's first item (a batch's attempts are shared). */
export function attemptsOfChild(ecs: SimulatedEcs, input: unknown): Attempt[] {
  return ecs.attemptsByItem.get(itemKey(itemsOfChild(input)[0])) ?? [];
}

export interface WriteDistributedOptions {
  readonly stateMachineName?: string;
  /** Entries per SUCCEEDED_n.json / FAILED_n.json file, to exercise several files. @default 1000 */
  readonly entriesPerFile?: number;
  /** The record of a child; by default its output. Return undefined to leave the Output as it is. */
  readonly recordOf?: (child: number, outcome: 'SUCCEEDED' | 'FAILED', error?: string) => Record<string, unknown> | undefined;
  /** Write the result files as JSON Lines instead of JSON arrays (`WriterConfig.OutputType: JSONL`). */
  readonly jsonLines?: boolean;
}

/**
 * Writes a Distributed Map run's result files under `dir`, as ResultWriter writes them to the
 * bucket. Returns the manifest's key (relative to `dir`).
 */
export async function writeDistributedResults(dir: string, mapRun: MapRunReport, options: WriteDistributedOptions = {}): Promise<string> {
  if (!mapRun.mapRunArn || !mapRun.resultWriter) throw new Error('the Map Run had no ResultWriter');
  const runId = mapRun.mapRunArn.slice(mapRun.mapRunArn.lastIndexOf(':') + 1);
  const prefix = `${String(mapRun.resultWriter.Prefix ?? '').replace(/\/$/, '')}/${runId}`;
  const stateMachine = options.stateMachineName ?? 'harness';
  const stateMachineArn = `arn:aws:states:${HARNESS_REGION}:${HARNESS_ACCOUNT}:stateMachine:${stateMachine}/${mapRun.stateName}`;
  const failureByChild = new Map(mapRun.failures.map((f) => [f.index, f]));
  const entries: Record<'SUCCEEDED' | 'FAILED', any[]> = { SUCCEEDED: [], FAILED: [] };
  mapRun.childStatus.forEach((status, child) => {
    if (status !== 'SUCCEEDED' && status !== 'FAILED') return;
    const times = mapRun.childTimes[child]!;
    const name = `${runId.slice(0, 8)}-child-${child}`;
    const entry: Record<string, unknown> = {
      ExecutionArn: `arn:aws:states:${HARNESS_REGION}:${HARNESS_ACCOUNT}:execution:${stateMachine}/${mapRun.stateName}:${name}`,
      Input: JSON.stringify(mapRun.childInputs[child]),
      InputDetails: { Included: true },
      Name: name,
      RedriveCount: 0,
      StartDate: new Date(times.start).toISOString(),
      StateMachineArn: stateMachineArn,
      Status: status,
      StopDate: new Date(times.stop ?? times.start).toISOString(),
    };
    if (status === 'SUCCEEDED') {
      const record = options.recordOf?.(child, 'SUCCEEDED');
      entry.Output = JSON.stringify(record ?? mapRun.results[child]);
      entry.OutputDetails = { Included: true };
      entry.RedriveStatus = 'NOT_REDRIVABLE';
      entry.RedriveStatusReason = 'Execution is SUCCEEDED and cannot be redriven';
    } else {
      const failure = failureByChild.get(child)!;
      const record = options.recordOf?.(child, 'FAILED', failure.Error);
      entry.Error = failure.Error;
      // The workflow's Cause: the record, with the original (ECS) cause added.
      entry.Cause = record ? JSON.stringify({ ...record, cause: failure.Cause }) : failure.Cause;
      entry.OutputDetails = { Included: true };
      entry.RedriveStatus = 'REDRIVABLE_BY_MAP_RUN';
      entry.RedriveStatusReason = 'Execution is FAILED and can be redriven by its Map Run';
    }
    entries[status].push(entry);
  });

  const perFile = options.entriesPerFile ?? 1000;
  const manifest = {
    DestinationBucket: String(mapRun.resultWriter.Bucket),
    MapRunArn: mapRun.mapRunArn,
    ResultFiles: { FAILED: [] as any[], PENDING: [] as any[], SUCCEEDED: [] as any[] },
  };
  await fs.mkdir(path.join(dir, prefix), { recursive: true });
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    for (let n = 0; n * perFile < entries[status].length; n++) {
      const key = `${prefix}/${status}_${n}.json`;
      const chunk = entries[status].slice(n * perFile, (n + 1) * perFile);
      const body = options.jsonLines ? chunk.map((e) => JSON.stringify(e)).join('\n') + '\n' : JSON.stringify(chunk);
      await fs.writeFile(path.join(dir, key), body);
      manifest.ResultFiles[status].push({ Key: key, Size: Buffer.byteLength(body) });
    }
  }
  const manifestKey = `${prefix}/manifest.json`;
  await fs.writeFile(path.join(dir, manifestKey), JSON.stringify(manifest));
  return manifestKey;
}

/** Writes an inline run's failure files: `{ index, item, error, cause, record }` each. */
export async function writeInlineFailures(
  dir: string, prefix: string, executionName: string,
  failures: ReadonlyArray<{ index: number; item: unknown; error: string; cause: string; record?: Record<string, unknown> }>,
): Promise<string> {
  const folder = `${prefix}/inline/${executionName}`;
  await fs.mkdir(path.join(dir, folder), { recursive: true });
  for (const failure of failures) {
    await fs.writeFile(path.join(dir, folder, `failed-${failure.index}.json`), JSON.stringify(failure));
  }
  return folder;
}

/** `execution.json`: the execution as `aws stepfunctions describe-execution` prints it. */
export async function writeExecutionJson(dir: string, result: ExecuteWorkflowResult, startTime: number, name = 'harness-execution', stateMachineName = 'harness'): Promise<void> {
  const described: Record<string, unknown> = {
    executionArn: `arn:aws:states:${HARNESS_REGION}:${HARNESS_ACCOUNT}:execution:${stateMachineName}:${name}`,
    stateMachineArn: `arn:aws:states:${HARNESS_REGION}:${HARNESS_ACCOUNT}:stateMachine:${stateMachineName}`,
    name,
    status: result.status,
    startDate: new Date(startTime).toISOString(),
    stopDate: new Date(startTime + result.virtualMs).toISOString(),
    input: '{}',
    inputDetails: { included: true },
  };
  if (result.status === 'SUCCEEDED') {
    described.output = JSON.stringify(result.output);
    described.outputDetails = { included: true };
  } else {
    described.error = result.error;
    described.cause = result.cause;
  }
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'execution.json'), JSON.stringify(described, null, 2));
}
