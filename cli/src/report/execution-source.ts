import {
  DescribeExecutionCommand, DescribeExecutionCommandOutput, DescribeMapRunCommand, DescribeMapRunCommandOutput, GetExecutionHistoryCommand,
  HistoryEvent, ListMapRunsCommand, SFNClient,
} from '@aws-sdk/client-sfn';
import { epochMs, parseJson } from './item-record';
import { RunContext, scanRunFromStore } from './result-files';
import { ItemResult, RunInfo, RunResults, RunSummary } from './run-results';
import { S3Store, defaultRegion, newS3Client, parseS3Url } from './s3-store';

/**
 * The states whose output is the run's summary, and the one a Map Run that passed its failure
 * threshold ends in (`StateNames` in src/workflow/workflow.ts; the tests hold them equal).
 */
export const SUMMARY_STATES = ['Summarize', 'SummarizeMapRun'];
export const THRESHOLD_EXCEEDED_STATE = 'SummarizeThresholdExceeded';

/** Most history pages read back from the end, looking for the summary. */
const MAX_HISTORY_PAGES = 20;

/** What an execution's summary (its output, or the Summarize state's) says about the run. */
export interface ExecutionSummary {
  readonly itemCount?: number;
  readonly failedCount?: number;
  readonly tasksByCapacity?: Record<string, number>;
  /** Inline: where the failure files are (`s3://bucket/prefix/inline/<execution>/`). */
  readonly failuresWrittenTo?: string;
  /** Distributed: the Map Run and its manifest. */
  readonly mapRunArn?: string;
  readonly results?: { readonly Bucket: string; readonly Key: string };
  /** A Map Run stopped past its failure threshold: where its results are (`s3://bucket/prefix/`). */
  readonly thresholdExceeded?: string;
}

export function parseExecutionSummary(value: unknown): ExecutionSummary | undefined {
  const v = (typeof value === 'string' ? parseJson(value) : value) as any;
  if (!v || typeof v !== 'object' || (v.itemCount === undefined && v.results === undefined && v.failuresWrittenTo === undefined)) return undefined;
  const num = (x: unknown) => (typeof x === 'number' ? x : typeof x === 'string' && x !== '' && Number.isFinite(Number(x)) ? Number(x) : undefined);
  return {
    itemCount: num(v.itemCount),
    failedCount: num(v.failedCount),
    tasksByCapacity: v.tasksByCapacity && typeof v.tasksByCapacity === 'object' ? v.tasksByCapacity : undefined,
    failuresWrittenTo: typeof v.failuresWrittenTo === 'string' ? v.failuresWrittenTo : undefined,
    mapRunArn: typeof v.mapRunArn === 'string' ? v.mapRunArn : undefined,
    results: v.results && typeof v.results.Bucket === 'string' && typeof v.results.Key === 'string' ? v.results : undefined,
  };
}

/** The run context a DescribeExecution answer gives (SDK output, or the AWS CLI's JSON). */
export function contextOfExecution(described: any, summary: ExecutionSummary | undefined): RunContext {
  const runSummary: RunSummary | undefined = summary
    ? { itemCount: summary.itemCount, failedCount: summary.failedCount, tasksByCapacity: summary.tasksByCapacity }
    : undefined;
  return {
    mode: summary?.failuresWrittenTo !== undefined ? 'inline' : summary?.results !== undefined ? 'distributed' : undefined,
    summary: runSummary,
    execution: {
      arn: described.executionArn,
      status: described.status,
      startDate: epochMs(described.startDate),
      stopDate: epochMs(described.stopDate),
      error: described.error,
      cause: described.cause,
    },
    mapRun: summary?.mapRunArn ? { arn: summary.mapRunArn } : undefined,
  };
}

/** The Region of an ARN (`arn:aws:states:<region>:...`). */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/**
 * Reads a run by its execution ARN: DescribeExecution, the summary (the execution's output, or
 * for a failed execution the Summarize state's output from the end of its history),
 * DescribeMapRun for a Distributed Map, then the result files in S3.
 */
export async function readRunFromExecution(executionArn: string, clients: { sfn?: SFNClient } = {}): Promise<RunResults> {
  const results: ItemResult[] = [];
  const info = await scanRunFromExecution(executionArn, (result) => results.push(result), clients);
  return { ...info, results };
}

/** As readRunFromExecution, handing each item result to `onResult` as it is read (none kept). */
export async function scanRunFromExecution(
  executionArn: string, onResult: (result: ItemResult) => void, clients: { sfn?: SFNClient } = {},
): Promise<RunInfo> {
  const region = regionOfArn(executionArn) ?? defaultRegion();
  const sfn = clients.sfn ?? new SFNClient({ region });
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (described.status === 'RUNNING') {
    throw new Error(`${executionArn} is still running: report it when it has ended`);
  }
  const summary = parseExecutionSummary(described.output) ?? await summaryFromHistory(sfn, described);
  if (summary?.thresholdExceeded) {
    return readStoppedMapRun({ sfn, executionArn, described, location: summary.thresholdExceeded, region }, onResult);
  }
  if (!summary) {
    throw new Error(`${executionArn} (${described.status}) has no fan-out summary in its output or history: it ended before its Map did, or it is not a FargateFanOut workflow`);
  }
  const context = contextOfExecution(described, summary);
  const notes: string[] = [];
  let maxConcurrency: number | undefined;
  let mapRunStatus: string | undefined;
  if (summary.mapRunArn) {
    try {
      const mapRun = await sfn.send(new DescribeMapRunCommand({ mapRunArn: summary.mapRunArn }));
      maxConcurrency = mapRun.maxConcurrency;
      mapRunStatus = mapRun.status;
    } catch (e) {
      notes.push(`DescribeMapRun failed (${(e as Error).name}): the Map Run's concurrency cap is unknown`);
    }
  }

  let store: S3Store;
  if (summary.results) {
    const key = summary.results.Key;
    store = new S3Store(summary.results.Bucket, key.slice(0, Math.max(0, key.lastIndexOf('/'))), newS3Client(region));
  } else if (summary.failuresWrittenTo) {
    const { bucket, key } = parseS3Url(summary.failuresWrittenTo);
    store = new S3Store(bucket, key, newS3Client(region));
  } else {
    throw new Error(`${executionArn}: its summary names no result location`);
  }
  const run = await scanRunFromStore(store, {
    ...context,
    mapRun: context.mapRun ? { ...context.mapRun, maxConcurrency, status: mapRunStatus } : undefined,
  }, onResult);
  return { ...run, source: executionArn, notes: [...notes, ...run.notes] };
}

async function summaryFromHistory(sfn: SFNClient, described: DescribeExecutionCommandOutput): Promise<ExecutionSummary | undefined> {
  let token: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
    const history = await sfn.send(new GetExecutionHistoryCommand({
      executionArn: described.executionArn,
      reverseOrder: true,
      includeExecutionData: true,
      maxResults: 1000,
      nextToken: token,
    }));
    const found = (history.events ?? []).find((e: HistoryEvent) => e.type === 'PassStateExited'
      && [...SUMMARY_STATES, THRESHOLD_EXCEEDED_STATE].includes(e.stateExitedEventDetails?.name ?? ''));
    if (found?.stateExitedEventDetails?.name === THRESHOLD_EXCEEDED_STATE) {
      const message = String((parseJson(found.stateExitedEventDetails.output) as any)?.message ?? '');
      const location = /(s3:\/\/\S+?\/)\.(\s|$)/.exec(message)?.[1];
      return location ? { thresholdExceeded: location } : undefined;
    }
    if (found) return parseExecutionSummary(found.stateExitedEventDetails?.output);
    token = history.nextToken;
    if (!token) return undefined;
  }
  return undefined;
}

/** An execution whose Map Run stopped past its failure threshold, and where its results are. */
interface StoppedExecution {
  readonly sfn: SFNClient;
  readonly executionArn: string;
  readonly described: DescribeExecutionCommandOutput;
  /** The result writer's location (`s3://bucket/prefix`) from the execution's summary. */
  readonly location: string;
  readonly region?: string;
}

/**
 * A Map Run that stopped past its failure threshold: the execution failed before it summarized,
 * so the Map Run comes from ListMapRuns, its counts from DescribeMapRun, and its results from
 * `<prefix>/<Map Run id>/manifest.json`, where ResultWriter writes them.
 */
async function readStoppedMapRun(stopped: StoppedExecution, onResult: (result: ItemResult) => void): Promise<RunInfo> {
  const { sfn, executionArn, described, location, region } = stopped;
  const listed = await sfn.send(new ListMapRunsCommand({ executionArn }));
  const mapRunArn = listed.mapRuns?.[0]?.mapRunArn;
  if (!mapRunArn) throw new Error(`${executionArn}: its Map Run stopped past the failure threshold, but ListMapRuns lists none`);
  const mapRun: DescribeMapRunCommandOutput = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
  const counts = mapRun.itemCounts;
  const { bucket, key } = parseS3Url(location);
  const runId = mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1);
  const context = contextOfExecution(described, {
    itemCount: counts?.total,
    failedCount: counts ? (counts.failed ?? 0) + (counts.timedOut ?? 0) + (counts.aborted ?? 0) : undefined,
    mapRunArn,
  });
  const run = await scanRunFromStore(new S3Store(bucket, key === '' ? runId : `${key}/${runId}`, newS3Client(region)), {
    ...context,
    mapRun: { arn: mapRunArn, maxConcurrency: mapRun.maxConcurrency, status: mapRun.status },
  }, onResult);
  return {
    ...run,
    source: executionArn,
    notes: ['the Map Run stopped: more items failed than tolerated; items that never ran are not in its results', ...run.notes],
  };
}
