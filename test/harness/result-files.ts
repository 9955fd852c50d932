/**
 * Writes what an executed run leaves behind on AWS, as files in a folder laid out like the result
 * bucket: the Distributed Map's ResultWriter output (`<Prefix>/<map run id>/manifest.json`,
 * `SUCCEEDED_<n>.json`, `FAILED_<n>.json`, in the shape the Step Functions developer guide shows
 * under ResultWriter), an inline run's `<prefix>/inline/<execution>/failed-<index>.json`, and
 * `execution.json` as `aws stepfunctions describe-execution` prints it.
 *
 * The per-item records are the workflow's own: each child's output, its failure's Cause (the
 * record with the ECS cause added), and the inline failure file's `record`.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { ExecuteWorkflowResult, MapRunReport } from './execute-workflow';

export const HARNESS_ACCOUNT = '123456789012';
export const HARNESS_REGION = 'us-east-1';

export interface WriteDistributedOptions {
  readonly stateMachineName?: string;
  /** Entries per SUCCEEDED_n.json / FAILED_n.json file, to exercise several files. @default 1000 */
  readonly entriesPerFile?: number;
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
      entry.Output = JSON.stringify(mapRun.results[child]);
      entry.OutputDetails = { Included: true };
      entry.RedriveStatus = 'NOT_REDRIVABLE';
      entry.RedriveStatusReason = 'Execution is SUCCEEDED and cannot be redriven';
    } else {
      const failure = failureByChild.get(child)!;
      entry.Error = failure.Error;
      // The workflow's Cause: the item's record, with the original (ECS) cause added.
      entry.Cause = failure.Cause;
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
  failures: ReadonlyArray<{ index: number; item: unknown; error: string; cause: string; record?: unknown }>,
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
