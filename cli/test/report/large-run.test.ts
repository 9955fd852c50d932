/**
 * `report` of a run of 1,000,000 items in the result writer's layout (one SUCCEEDED_0.json of
 * about 900 MB: ONE JSON array, which no JavaScript string can hold), in a child process capped
 * at 1 GiB of heap: exact counts, peak memory under 1 GiB, bounded output, and a time at most 15
 * times that of a 100,000-item run reported the same way in the same test (a ratio between two
 * runs of the same machine, not a timed assertion).
 */
import { execFile } from 'child_process';
import { promises as fs, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { writeResultWriterRun, WrittenResultWriterRun } from './result-writer-run';
import { FAILED_ITEMS_LISTED } from '../../src/report/failure-collector';

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, '../../..');
const HEAP_CAP_MIB = 1024;
const GIB_IN_KIB = 1024 * 1024;

interface Reported {
  readonly json: any;
  readonly reportMs: number;
  /** CPU time (user and system) of the report, in the child. */
  readonly cpuMs: number;
  readonly maxRssKiB: number;
  readonly htmlBytes: number;
}

/** `report <dir> --json --html <file>` in a child process with the heap capped. */
async function reportInChild(run: WrittenResultWriterRun): Promise<Reported> {
  const html = path.join(run.dir, 'report.html');
  const args = [`--max-old-space-size=${HEAP_CAP_MIB}`, '-r', 'ts-node/register/transpile-only', 'cli/test/report/report-child.ts', run.dir, '--json', '--html', html];
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 67_108_864, env: { ...process.env, NODE_OPTIONS: '' } }, (error, out, err) => {
      if (error) reject(new Error(`report failed (${error.message}): ${err.slice(-2000)}`));
      else resolve({ stdout: out, stderr: err });
    });
  });
  const measured = /^report-child: (.*)$/m.exec(stderr);
  if (!measured) throw new Error(`the child printed no measurement: ${stderr.slice(-2000)}`);
  return { json: JSON.parse(stdout), ...JSON.parse(measured[1]), htmlBytes: (await fs.stat(html)).size };
}

function expectExactCounts(reported: Reported, run: WrittenResultWriterRun): void {
  const { json } = reported;
  expect(json.counts).toEqual({ items: run.items, succeeded: run.succeeded, failed: run.failed, pending: 0, succeededFrom: 'results' });
  expect(json.tasks.started).toBe(run.tasks);
  expect(json.retries.extraTasks).toBe(run.retried);
  expect(json.retries.retriedResults).toBe(run.retried);
  const byExitCode: Record<string, number> = {};
  for (const group of json.failures) byExitCode[group.exitCode] = (byExitCode[group.exitCode] ?? 0) + group.items;
  expect(byExitCode).toEqual(run.failedByExitCode);
  // The listed failed items are capped; the count of those left out makes up the rest exactly.
  expect(json.failedItems).toHaveLength(Math.min(run.failed, FAILED_ITEMS_LISTED));
  expect(json.failedItems.length + json.failedItemsOmitted).toBe(run.failed);
  expect(json.failedItems.every((f: any, i: number, all: any[]) => i === 0 || all[i - 1].index < f.index)).toBe(true);
}

describe('report of a 1,000,000-item run against a 100,000-item run', () => {
  let dir: string;
  let small: WrittenResultWriterRun;
  let large: WrittenResultWriterRun;
  let smallReport: Reported;
  let largeReport: Reported;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fan-out-large-run-'));
    small = await writeResultWriterRun(path.join(dir, 'small'), 100_000);
    large = await writeResultWriterRun(path.join(dir, 'large'), 1_000_000);
    smallReport = await reportInChild(small);
    largeReport = await reportInChild(large);
    const mib = (kib: number) => (kib / 1024).toFixed(0);
    console.log([
      `report of ${large.items} items (${(large.bytes / 2 ** 20).toFixed(0)} MiB of result files): ${(largeReport.reportMs / 1000).toFixed(1)} s, peak RSS ${mib(largeReport.maxRssKiB)} MiB, page ${(largeReport.htmlBytes / 1024).toFixed(0)} KiB`,
      `report of ${small.items} items (${(small.bytes / 2 ** 20).toFixed(0)} MiB of result files): ${(smallReport.reportMs / 1000).toFixed(1)} s, peak RSS ${mib(smallReport.maxRssKiB)} MiB, page ${(smallReport.htmlBytes / 1024).toFixed(0)} KiB`,
      `CPU time: ${(largeReport.cpuMs / 1000).toFixed(1)} s and ${(smallReport.cpuMs / 1000).toFixed(1)} s; ratio (1,000,000 / 100,000 items) ${(largeReport.cpuMs / smallReport.cpuMs).toFixed(2)}, wall time ratio ${(largeReport.reportMs / smallReport.reportMs).toFixed(2)} (10 is linear; at most 15)`,
    ].join('\n'));
  });

  afterAll(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  test('the result file is one JSON array larger than a JavaScript string can hold', async () => {
    const file = path.join(large.dir, 'fan-out-results');
    const [runDir] = await fs.readdir(file);
    const succeeded = path.join(file, runDir, 'SUCCEEDED_0.json');
    expect((await fs.stat(succeeded)).size).toBeGreaterThan(600 * 2 ** 20);
    const handle = await fs.open(succeeded, 'r');
    try {
      const head = Buffer.alloc(2);
      await handle.read(head, 0, 2, 0);
      expect(head.toString()).toBe('[{');
    } finally {
      await handle.close();
    }
  });

  test('counts are exact for both runs', () => {
    expectExactCounts(smallReport, small);
    expectExactCounts(largeReport, large);
  });

  test('the 1,000,000-item run is reported in under 1 GiB of memory, and memory hardly grows with the items', () => {
    expect(largeReport.maxRssKiB).toBeLessThan(GIB_IN_KIB);
    // Bounded, not merely under the cap: ten times the items, less than twice the peak (keeping
    // every result, as a whole-run read would, takes about four times the 100,000-item run's).
    expect(largeReport.maxRssKiB).toBeLessThan(2 * smallReport.maxRssKiB);
  });

  test('time is linear in the items: 10 times the items take at most 15 times as long', () => {
    // CPU time, not wall time: a loaded machine stretched the wall time of one run and not the
    // other (a wall-time ratio of 26 was seen beside other test workers).
    expect(largeReport.cpuMs / smallReport.cpuMs).toBeLessThanOrEqual(15);
  });

  test('the page and the JSON stay bounded: the 1,000,000-item run\'s are at most 1.5 times the 100,000-item run\'s', () => {
    expect(largeReport.htmlBytes).toBeLessThan(2 * 2 ** 20);
    expect(largeReport.htmlBytes).toBeLessThan(1.5 * smallReport.htmlBytes);
    expect(JSON.stringify(largeReport.json).length).toBeLessThan(1.5 * JSON.stringify(smallReport.json).length);
  });
});
