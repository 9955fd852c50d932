/**
 * A run of any size written the way the Distributed Map's result writer writes it, streamed to
 * disk (never held in memory): `<prefix>/<Map Run id>/manifest.json`, one `SUCCEEDED_0.json` and
 * one `FAILED_0.json`, each ONE JSON array of child executions with `Input` and `Output` (or
 * `Error` and `Cause`) as JSON strings. Entries are shaped as AWS writes them (ExecutionArn, Name,
 * InputDetails, RedriveCount, StartDate, StopDate, ...), about 700 bytes each, so 1,000,000 items
 * make a file of about 700 MB. The item records are the workflow's shape (the last task's fields,
 * `earlier` for a retried item). Returns the counts a report must give.
 * Source of the layout: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 */
import { createWriteStream, promises as fs, WriteStream } from 'fs';
import * as path from 'path';

export interface WrittenResultWriterRun {
  /** The folder to report: holds `fan-out-results/<Map Run id>/manifest.json`. */
  readonly dir: string;
  readonly items: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Tasks started: one per item, two for a retried item. */
  readonly tasks: number;
  readonly retried: number;
  /** Failed items by exit code. */
  readonly failedByExitCode: Record<string, number>;
  readonly bytes: number;
}

const MAP_RUN_ID = '2b1c3f0e-1d2c-4e5f-8a9b-0c1d2e3f4a5b';
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:FanOut/FanOutMap';
const START = Date.UTC(2026, 0, 5, 8, 0, 0);

/** Which items fail (and with which exit code) and which were retried once after a Spot interruption. */
export function fateOf(index: number): { exitCode: number; retried: boolean } {
  const exitCode = index % 97 === 5 ? 3 : index % 89 === 7 ? 137 : 0;
  return { exitCode, retried: index % 13 === 4 };
}

function taskFields(index: number, attempt: number, exitCode: number, spotStop: boolean) {
  // 200 tasks at a time, each 60 s to 119 s: item i starts in wave floor(i / 200).
  const startedAt = START + Math.floor(index / 200) * 130_000 + attempt * 125_000 + (index % 200) * 50;
  return {
    capacity: spotStop || index % 3 === 0 ? 'FARGATE_SPOT' : 'FARGATE',
    cpu: '256',
    memory: '512',
    stopCode: spotStop ? 'SpotInterruption' : 'EssentialContainerExited',
    stoppedReason: spotStop ? 'Your Spot Task was interrupted.' : 'Essential container in task exited',
    exitCode: spotStop ? [] : exitCode,
    startedAt,
    stoppedAt: startedAt + 60_000 + (index * 7919) % 60_000,
  };
}

/** The workflow's record of one item: its last task's fields, the earlier task linked. */
function recordOf(index: number) {
  const { exitCode, retried } = fateOf(index);
  const last = taskFields(index, retried ? 1 : 0, exitCode, false);
  const earlier = retried ? { ...taskFields(index, 0, 0, true), earlier: {} } : {};
  return { outcome: exitCode === 0 ? 'SUCCEEDED' : 'FAILED', attempts: retried ? 2 : 1, ...last, ...(exitCode === 0 ? {} : { error: 'States.TaskFailed' }), earlier };
}

function entryOf(index: number): string {
  const record = recordOf(index);
  const name = `${MAP_RUN_ID.slice(0, 8)}-${index.toString(16).padStart(8, '0')}`;
  const start = new Date(record.startedAt - 2_000).toISOString();
  const stop = new Date(record.stoppedAt + 1_000).toISOString();
  const entry: Record<string, unknown> = {
    ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:FanOut/FanOutMap:${name}`,
    Input: JSON.stringify({ index, item: { id: index, key: `inputs/part-${String(index).padStart(7, '0')}.csv` } }),
    InputDetails: { Included: true },
    Name: name,
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    StartDate: start,
    StateMachineArn: STATE_MACHINE,
    Status: record.outcome,
    StopDate: stop,
  };
  if (record.outcome === 'SUCCEEDED') {
    entry.Output = JSON.stringify(record);
    entry.OutputDetails = { Included: true };
  } else {
    entry.Error = 'States.TaskFailed';
    entry.Cause = JSON.stringify(record);
  }
  return JSON.stringify(entry);
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** Writes a run of `items` items under `dir` (created), streamed; returns what a report must count. */
export async function writeResultWriterRun(dir: string, items: number): Promise<WrittenResultWriterRun> {
  const runDir = path.join(dir, 'fan-out-results', MAP_RUN_ID);
  await fs.mkdir(runDir, { recursive: true });
  const succeededFile = createWriteStream(path.join(runDir, 'SUCCEEDED_0.json'));
  const failedFile = createWriteStream(path.join(runDir, 'FAILED_0.json'));
  let succeeded = 0;
  let failed = 0;
  let retried = 0;
  const failedByExitCode: Record<string, number> = {};
  const chunk: { SUCCEEDED: string[]; FAILED: string[] } = { SUCCEEDED: [], FAILED: [] };
  const flush = async () => {
    if (chunk.SUCCEEDED.length > 0) await write(succeededFile, (succeeded === chunk.SUCCEEDED.length ? '[' : ',') + chunk.SUCCEEDED.join(','));
    if (chunk.FAILED.length > 0) await write(failedFile, (failed === chunk.FAILED.length ? '[' : ',') + chunk.FAILED.join(','));
    chunk.SUCCEEDED = [];
    chunk.FAILED = [];
  };
  for (let i = 0; i < items; i++) {
    const { exitCode, retried: again } = fateOf(i);
    if (again) retried++;
    if (exitCode === 0) {
      succeeded++;
      chunk.SUCCEEDED.push(entryOf(i));
    } else {
      failed++;
      failedByExitCode[exitCode] = (failedByExitCode[exitCode] ?? 0) + 1;
      chunk.FAILED.push(entryOf(i));
    }
    if (chunk.SUCCEEDED.length + chunk.FAILED.length >= 2000) await flush();
  }
  await flush();
  await write(succeededFile, succeeded === 0 ? '[]' : ']');
  await write(failedFile, failed === 0 ? '[]' : ']');
  await Promise.all([close(succeededFile), close(failedFile)]);
  const key = (file: string) => `fan-out-results/${MAP_RUN_ID}/${file}`;
  const sizes = await Promise.all(['SUCCEEDED_0.json', 'FAILED_0.json'].map(async (f) => (await fs.stat(path.join(runDir, f))).size));
  await fs.writeFile(path.join(runDir, 'manifest.json'), JSON.stringify({
    DestinationBucket: 'fan-out-results-bucket',
    MapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:FanOut/FanOutMap:${MAP_RUN_ID}`,
    ResultFiles: {
      FAILED: [{ Key: key('FAILED_0.json'), Size: sizes[1] }],
      PENDING: [],
      SUCCEEDED: [{ Key: key('SUCCEEDED_0.json'), Size: sizes[0] }],
    },
  }));
  return { dir, items, succeeded, failed, tasks: items + retried, retried, failedByExitCode, bytes: sizes[0] + sizes[1] };
}

/** `ts-node result-writer-run.ts DIR ITEMS`: writes a run and prints its counts as JSON. */
if (require.main === module) {
  const [dir, items] = process.argv.slice(2);
  writeResultWriterRun(dir, Number(items)).then((run) => console.log(JSON.stringify(run)), (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
