/**
 * The s3:// and execution-ARN paths through the real AWS SDK, against moto's S3 server on
 * 127.0.0.1 started by this test (AWS_ENDPOINT_URL, as a user would point the SDK elsewhere).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StateNames } from '../../../src/workflow/workflow';
import { writtenDistributedRun, writtenInlineRun, WrittenRun } from '../../../test/report/executed-run';
import { aggregateRun } from '../../src/report/aggregate';
import { SUMMARY_STATES, THRESHOLD_EXCEEDED_STATE, readRunFromExecution } from '../../src/report/execution-source';
import { FolderStore } from '../../src/report/folder-store';
import { DEFAULT_PRICES } from '../../src/report/prices';
import { readRun } from '../../src/report/read-run';
import { S3Store, newS3Client } from '../../src/report/s3-store';
import { startMoto } from '../tools';

jest.setTimeout(120_000);

const BUCKET = 'fan-out-results';
let moto: { endpoint: string; stop: () => Promise<void> };
const saved = { ...process.env };
let s3: S3Client;

/** Uploads a folder's files under `prefix`, as `aws s3 sync` would. */
async function upload(dir: string, prefix: string): Promise<void> {
  const store = new FolderStore(dir);
  for (const key of await store.list('')) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: prefix === '' ? key : `${prefix}/${key}`, Body: await fs.readFile(path.join(dir, key)) }));
  }
}

beforeAll(async () => {
  moto = await startMoto();
  // Credentials and Region from the environment, as the AWS CLI finds them; the endpoint too.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1',
  });
  delete process.env.AWS_REGION;
  delete process.env.AWS_PROFILE;
  s3 = newS3Client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  process.env = saved;
});

describe('s3://bucket/prefix', () => {
  let written: WrittenRun;

  beforeAll(async () => {
    // Small files, several of each kind, so listing and reading page through more than one.
    written = await writtenDistributedRun(300, 191, { entriesPerFile: 40 });
    await upload(written.dir, 'runs/a');
  });

  test('reads the same run from S3 as from the folder, through the SDK', async () => {
    const fromFolder = aggregateRun(await readRun(written.dir), DEFAULT_PRICES);
    const run = await readRun(`s3://${BUCKET}/runs/a/fan-out-results`);
    const fromS3 = aggregateRun(run, DEFAULT_PRICES);

    expect(run.source).toBe(`s3://${BUCKET}/runs/a/fan-out-results`);
    expect(run.results).toHaveLength(300);
    // The same figures; the folder also had execution.json (the execution's times and status).
    for (const part of ['counts', 'retries', 'tasks', 'cost', 'concurrency'] as const) {
      expect(fromS3[part]).toEqual(fromFolder[part]);
    }
    expect(fromS3.time).toEqual({ ...fromFolder.time, executionSeconds: undefined, makespanSeconds: fromFolder.time.taskSpanSeconds });
    expect(fromS3.failedItems.map(({ source: _, ...f }) => f)).toEqual(fromFolder.failedItems.map(({ source: _, ...f }) => f));
    expect(fromS3.failedItems[0].source).toMatch(/^s3:\/\/fan-out-results\/runs\/a\/fan-out-results\/[^/]+\/FAILED_0\.json\[0\]$/);
    expect(fromS3.counts.failed).toBeGreaterThan(0);
  });

  test('lists page by page: a listing of more keys than one page holds is read whole', async () => {
    const root = path.relative(written.dir, written.runDir);
    const keys = await new S3Store(BUCKET, `runs/a/${root}`, s3, 2).list('');
    expect(keys.length).toBeGreaterThan(5);
    expect(keys).toEqual(await new FolderStore(written.runDir).list(''));
  });

  test('a manifest named directly is read from its folder', async () => {
    const manifest = path.relative(written.dir, path.join(written.runDir, 'manifest.json'));
    const run = await readRun(`s3://${BUCKET}/runs/a/${manifest}`);
    expect(run.results).toHaveLength(300);
  });

  test('fails naming the runs when a prefix holds several', async () => {
    await upload(written.dir, 'runs/b/x');
    await upload(written.dir, 'runs/b/y');
    await expect(readRun(`s3://${BUCKET}/runs/b`)).rejects.toThrow(/holds the results of 2 runs; name one of them:\n {2}s3:\/\/fan-out-results\/runs\/b\/x\/fan-out-results\/[^\n]+\n {2}s3:\/\/fan-out-results\/runs\/b\/y\//);
  });

  test('fails saying what it looked for when a prefix holds no run', async () => {
    await expect(readRun(`s3://${BUCKET}/nothing-here`)).rejects.toThrow(/no run results under s3:\/\/fan-out-results\/nothing-here: expected a Distributed Map's manifest.json/);
  });

  test('an SDK error surfaces with its name (a bucket that does not exist)', async () => {
    await expect(readRun('s3://no-such-bucket-here/x')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

/** A Step Functions client that answers as AWS would for one execution (moto cannot run this workflow). */
function fakeSfn(answers: Record<string, any>) {
  const calls: string[] = [];
  return {
    calls,
    client: {
      send: async (command: any) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.push(name);
        if (!(name in answers)) throw Object.assign(new Error(`unexpected ${name}`), { name: 'UnexpectedCall' });
        return typeof answers[name] === 'function' ? answers[name](command.input) : answers[name];
      },
    } as any,
  };
}

describe('an execution ARN', () => {
  const arn = 'arn:aws:states:us-east-1:123456789012:execution:fan-out:run-1';

  test('a failed Distributed Map run: the summary from the end of the history, DescribeMapRun\'s cap, the files from S3', async () => {
    const written = await writtenDistributedRun(120, 192);
    await upload(written.dir, '');
    const summary = written.run.summary!;
    const manifestKey = path.relative(written.dir, path.join(written.runDir, 'manifest.json'));
    const mapRunArn = written.run.result.mapRuns[0].mapRunArn;
    const sfn = fakeSfn({
      DescribeExecution: { executionArn: arn, status: 'FAILED', startDate: new Date(Date.UTC(2025, 0, 1)), stopDate: new Date(Date.UTC(2025, 0, 1, 0, 10)), error: 'FanOut.ItemsFailed', cause: summary.message },
      GetExecutionHistory: (input: any) => {
        expect(input).toMatchObject({ executionArn: arn, reverseOrder: true, includeExecutionData: true });
        return {
          events: [
            { type: 'FailStateEntered' },
            { type: 'PassStateExited', stateExitedEventDetails: { name: 'SummarizeMapRun', output: JSON.stringify({ itemCount: 120, failedCount: summary.failedCount, mapRunArn, results: { Bucket: BUCKET, Key: manifestKey }, message: summary.message }) } },
          ],
        };
      },
      DescribeMapRun: { mapRunArn, maxConcurrency: 200, status: 'SUCCEEDED' },
    });

    const run = await readRunFromExecution(arn, { sfn: sfn.client });

    expect(sfn.calls).toEqual(['DescribeExecution', 'GetExecutionHistory', 'DescribeMapRun']);
    expect(run.source).toBe(arn);
    expect(run.mapRun).toMatchObject({ arn: mapRunArn, maxConcurrency: 200 });
    const report = aggregateRun(run, DEFAULT_PRICES);
    expect(report.counts).toMatchObject({ items: 120, failed: summary.failedCount, succeeded: 120 - summary.failedCount });
    expect(report.time.executionSeconds).toBe(600);
    expect(report.execution).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed' });
  });

  test('a succeeded inline run: the output names the failure files; successes come from its counts', async () => {
    const written = await writtenInlineRun(80, 193);
    await upload(written.dir, 'inline-runs');
    const output = written.run.result.output;
    const folder = path.relative(written.dir, written.runDir);
    const sfn = fakeSfn({
      DescribeExecution: {
        executionArn: arn,
        status: 'SUCCEEDED',
        startDate: new Date(0),
        stopDate: new Date(60_000),
        output: JSON.stringify({ ...output, failuresWrittenTo: `s3://${BUCKET}/inline-runs/${folder}/` }),
      },
    });

    const report = aggregateRun(await readRunFromExecution(arn, { sfn: sfn.client }), DEFAULT_PRICES);

    expect(sfn.calls).toEqual(['DescribeExecution']);
    expect(report.mode).toBe('inline');
    expect(report.counts).toEqual({ items: 80, succeeded: 80 - output.failedCount, failed: output.failedCount, pending: 0, succeededFrom: 'summary' });
  });

  test('a Map Run stopped past its failure threshold: ListMapRuns, DescribeMapRun\'s counts, the results under the prefix the message names', async () => {
    const written = await writtenDistributedRun(400, 194, { props: { toleratedFailureCount: 1 } });
    expect(written.run.result.mapRuns[0].thresholdExceeded).toBe(true);
    await upload(written.dir, 'stopped');
    const mapRun = written.run.result.mapRuns[0];
    const prefix = `s3://${BUCKET}/stopped/${String(mapRun.resultWriter!.Prefix)}/`;
    const failed = mapRun.failed;
    const sfn = fakeSfn({
      DescribeExecution: { executionArn: arn, status: 'FAILED', error: 'FanOut.ItemsFailed', cause: 'More items failed than tolerated' },
      GetExecutionHistory: {
        events: [{
          type: 'PassStateExited',
          stateExitedEventDetails: {
            name: StateNames.SUMMARIZE_THRESHOLD_EXCEEDED,
            output: JSON.stringify({ message: `More items failed than tolerated (toleratedFailureCount 1), so the Map Run stopped; its results, failed items with their errors included, are under ${prefix}. The Map Run failed` }),
          },
        }],
      },
      ListMapRuns: (input: any) => {
        expect(input).toEqual({ executionArn: arn });
        return { mapRuns: [{ mapRunArn: mapRun.mapRunArn }] };
      },
      DescribeMapRun: { mapRunArn: mapRun.mapRunArn, maxConcurrency: 200, status: 'FAILED', itemCounts: { total: 400, failed, timedOut: 0, aborted: mapRun.aborted } },
    });

    const report = aggregateRun(await readRunFromExecution(arn, { sfn: sfn.client }), DEFAULT_PRICES);

    expect(sfn.calls).toEqual(['DescribeExecution', 'GetExecutionHistory', 'ListMapRuns', 'DescribeMapRun']);
    expect(report.counts).toEqual({ items: 400, succeeded: mapRun.succeeded, failed, pending: 400 - mapRun.succeeded - failed, succeededFrom: 'results' });
    expect(report.counts.pending).toBeGreaterThan(0);
    expect(report.notes[0]).toMatch(/^the Map Run stopped: more items failed than tolerated/);
  });

  test('the summary states are the workflow\'s', () => {
    expect(SUMMARY_STATES).toEqual([StateNames.SUMMARIZE, StateNames.SUMMARIZE_MAP_RUN]);
    expect(THRESHOLD_EXCEEDED_STATE).toBe(StateNames.SUMMARIZE_THRESHOLD_EXCEEDED);
  });

  test('fails for a running execution, and for one without a fan-out summary', async () => {
    await expect(readRunFromExecution(arn, { sfn: fakeSfn({ DescribeExecution: { executionArn: arn, status: 'RUNNING' } }).client }))
      .rejects.toThrow(/is still running/);
    await expect(readRunFromExecution(arn, { sfn: fakeSfn({ DescribeExecution: { executionArn: arn, status: 'FAILED' }, GetExecutionHistory: { events: [] } }).client }))
      .rejects.toThrow(/has no fan-out summary/);
  });
});
