import { promises as fs } from 'fs';
import * as path from 'path';
import { writtenDistributedRun } from '../../../test/report/executed-run';
import { parseReportArguments, runReportCommand } from '../../src/report/cli';

jest.setTimeout(120_000);

describe('report arguments', () => {
  test('a source and options', () => {
    expect(parseReportArguments(['s3://b/p', '--json', '--html', 'r.html', '--spot-vcpu-hour', '0.0129', '--cpu', '512', '--max-concurrency', '50'])).toEqual({
      source: 's3://b/p',
      json: true,
      html: 'r.html',
      pricesFile: undefined,
      prices: { spotVcpuHour: 0.0129 },
      cpu: 512,
      memoryMiB: undefined,
      cpuArchitecture: 'X86_64',
      ephemeralStorageGiB: undefined,
      maxConcurrency: 50,
      vcpuQuota: undefined,
    });
  });

  test.each([
    [[], /name the run to report/],
    [['a', 'b'], /unexpected argument 'b': give one run/],
    [['a', '--colour', 'red'], /unknown option --colour/],
    [['a', '--vcpu-hour'], /--vcpu-hour needs a value/],
    [['a', '--vcpu-hour', 'cheap'], /--vcpu-hour must be a number, at least 0, got 'cheap'/],
    [['a', '--max-concurrency', '2.5'], /--max-concurrency must be a whole number, at least 1/],
  ])('fails on %j', (args, message) => {
    expect(() => parseReportArguments(args as string[])).toThrow(message);
  });
});

describe('the report command', () => {
  test('prints the text report, writes the page, and prints JSON with --json', async () => {
    const written = await writtenDistributedRun(100, 201);
    const out: string[] = [];
    const html = path.join(written.dir, 'r.html');
    expect(await runReportCommand([written.dir, '--html', html, '--spot-vcpu-hour', '0.02'], (t) => out.push(t), (t) => out.push(`ERR ${t}`))).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^run: {17}.* \(Distributed Map\)$/m);
    expect(text).toMatch(/^items: {15}100$/m);
    expect(text).toMatch(/Spot \$0\.02\/vCPU-h, .*: as given/);
    expect(text).toMatch(/^planner's prediction \(100 items of/m);
    expect((await fs.readFile(html, 'utf8')).startsWith('<!DOCTYPE html>')).toBe(true);

    const json: string[] = [];
    expect(await runReportCommand([written.dir, '--json'], (t) => json.push(t))).toBe(0);
    const parsed = JSON.parse(json.join(''));
    expect(parsed.counts.items).toBe(100);
    expect(parsed.prediction.plan.items).toBe(100);
    expect(parsed.cost.prices.spotVcpuHour).toBeCloseTo(0.04048 * 0.3, 12);
  });

  test('exits 2 on bad arguments and 1 on a run it cannot read, saying why', async () => {
    const err: string[] = [];
    expect(await runReportCommand(['--json'], () => {}, (t) => err.push(t))).toBe(2);
    expect(await runReportCommand(['/no/such/folder'], () => {}, (t) => err.push(t))).toBe(1);
    expect(err[1]).toBe('report: \'/no/such/folder\' is neither an execution ARN, an s3:// URL nor an existing folder');
    expect(await runReportCommand(['arn:aws:states:us-east-1:1:stateMachine:x'], () => {}, (t) => err.push(t))).toBe(1);
    expect(err[2]).toMatch(/is not an execution ARN/);
  });
});
