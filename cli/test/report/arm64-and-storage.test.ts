import { promises as fs, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { FanOutCpuArchitecture } from '../../src/library';
import { parseReportArguments, runReportCommand } from '../../src/report/cli';
import { taskCost } from '../../src/report/cost';
import { resolvePrices } from '../../src/report/prices';

// The records say neither the architecture nor the storage (the workflow records capacity and
// size only), so the report takes both from the command line: --arm64 and --ephemeral-storage.

const hour = { startedAt: 0, stoppedAt: 3_600_000 };

describe('ARM64 prices', () => {
  test('On-Demand at the Linux/ARM64 list prices, and no Spot', () => {
    const prices = resolvePrices(undefined, {}, FanOutCpuArchitecture.ARM64);
    expect(prices).toMatchObject({ cpuArchitecture: 'ARM64', vcpuHour: 0.03238, gbHour: 0.00356, spotVcpuHour: 0, spotGbHour: 0, storageGbHour: 0.000111 });
    expect(prices.sources.onDemand).toMatch(/^us-east-1 Linux\/ARM64 On-Demand/);
    expect(prices.sources.spot).toBe('none: ARM64 runs On-Demand only (Fargate Spot runs Linux X86_64)');
  });

  test('a given On-Demand or storage price still wins over the ARM64 list price', () => {
    expect(resolvePrices({ 'vcpu-hour': 0.04, 'region': 'eu-west-1' }, { storageGbHour: 0.0002 }, FanOutCpuArchitecture.ARM64))
      .toMatchObject({ vcpuHour: 0.04, gbHour: 0.00356, storageGbHour: 0.0002, sources: { onDemand: 'eu-west-1, as given', storage: 'eu-west-1, as given' } });
  });

  test('fails: a Spot price with ARM64, naming --arm64 and where the Spot price came from', () => {
    expect(() => resolvePrices(undefined, { spotVcpuHour: 0.01 }, FanOutCpuArchitecture.ARM64))
      .toThrow(/^--arm64 with --spot-vcpu-hour: ARM64 tasks run On-Demand only \(Fargate Spot runs Linux X86_64\)/);
    expect(() => resolvePrices({ 'spot-gb-hour': 0.001 }, {}, FanOutCpuArchitecture.ARM64)).toThrow(/^--arm64 with the prices file's 'spot-gb-hour'/);
    expect(resolvePrices(undefined, { spotVcpuHour: 0.01 }).spotVcpuHour).toBe(0.01);
  });
});

describe('a task\'s cost with ARM64 and ephemeral storage', () => {
  test('one hour at 1 vCPU / 2 GB, ARM64 with 50 GiB: $0.04283', () => {
    // $0.03238 (1 vCPU-h) + 2 x $0.00356 (2 GB-h) = $0.0395; (50 - 20) GiB x 1 h x $0.000111 = $0.00333.
    const cost = taskCost({ ...hour, capacity: 'FARGATE', cpu: 1024, memoryMiB: 2048 }, resolvePrices(undefined, {}, FanOutCpuArchitecture.ARM64), { ephemeralStorageGiB: 50 })!;
    expect(cost.storageGbHours).toBe(30);
    expect(cost.usd).toBeCloseTo(0.04283, 12);
  });

  test('a Spot task (X86_64) pays the storage at the On-Demand storage rate: $0.018141', () => {
    // Spot: 0.3 x ($0.04048 + 2 x $0.004445) = 0.3 x $0.04937 = $0.014811; storage 30 GB-h x $0.000111 = $0.00333.
    const cost = taskCost({ ...hour, capacity: 'FARGATE_SPOT', cpu: 1024, memoryMiB: 2048 }, resolvePrices(undefined, {}), { ephemeralStorageGiB: 50 })!;
    expect(cost.usd).toBeCloseTo(0.018141, 12);
  });

  test('the included 20 GiB cost nothing: a 10 s task with 21 GiB is billed a minute of 1 GiB, $0.00000185', () => {
    // 1 GiB x 1/60 h (the one-minute minimum) x $0.000111 = $0.00000185; the x86 vCPU and memory
    // for that minute: (0.25 x $0.04048 + 0.5 x $0.004445) / 60 = $0.0123425 / 60 = $0.00020570833;
    // together $0.00020755833.
    const cost = taskCost({ startedAt: 0, stoppedAt: 10_000, capacity: 'FARGATE', cpu: 256, memoryMiB: 512 }, resolvePrices(undefined, {}), { ephemeralStorageGiB: 21 })!;
    expect(cost.storageGbHours).toBeCloseTo(1 / 60, 12);
    expect(cost.usd).toBeCloseTo(0.00020755833, 11);
  });

  test('fails: a Spot task priced as ARM64, naming --arm64', () => {
    expect(() => taskCost({ ...hour, capacity: 'FARGATE_SPOT', cpu: 1024, memoryMiB: 2048 }, resolvePrices(undefined, {}, FanOutCpuArchitecture.ARM64)))
      .toThrow(/^--arm64: a task ran on FARGATE_SPOT, which runs Linux X86_64 only/);
  });
});

describe('report --arm64 --ephemeral-storage', () => {
  const record = { outcome: 'SUCCEEDED', attempts: 1, capacity: 'FARGATE', cpu: 1024, memory: 2048, stopCode: 'EssentialContainerExited', ...hour, exitCode: 0, earlier: {} };

  /** A Distributed Map run of two items, each one task of one hour, written as the result writer writes it. */
  async function twoItemRun(capacity = 'FARGATE'): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'fan-out-report-arm64-'));
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Key: 'r/run/SUCCEEDED_0.json', Size: 1 }], FAILED: [], PENDING: [] } }));
    await fs.writeFile(path.join(dir, 'SUCCEEDED_0.json'), JSON.stringify([0, 1].map((index) => ({
      Status: 'SUCCEEDED', Input: JSON.stringify({ index, item: index }), Output: JSON.stringify({ ...record, capacity }),
    }))));
    return dir;
  }

  test('prices both tasks at the ARM64 rates with 30 GiB above the included 20, and the planner alike', async () => {
    // Per task $0.04283 (worked above); 2 tasks: $0.08566, of which storage 60 GB-h x $0.000111 = $0.00666.
    // Transitions: 7 for the run (6, and the vCPU quota read) + 2 tasks = 9 x $0.000025 = $0.000225; total $0.085885.
    const json: string[] = [];
    const dir = await twoItemRun();
    expect(await runReportCommand([dir, '--arm64', '--ephemeral-storage', '50', '--json'], (t) => json.push(t))).toBe(0);
    const report = JSON.parse(json.join(''));
    expect(report.cost.prices.cpuArchitecture).toBe('ARM64');
    expect(report.cost.fargateUsd).toBeCloseTo(0.08566, 12);
    expect(report.cost.storageGbHours).toBeCloseTo(60, 9);
    expect(report.cost.storageUsd).toBeCloseTo(0.00666, 12);
    expect(report.cost.totalUsd).toBeCloseTo(0.085885, 12);
    // The planner, given the same two hour-long tasks, prices the same ARM64 rates and storage.
    const plan = report.prediction.plan;
    expect(plan.cpuArchitecture).toBe('ARM64');
    expect(plan.vcpuCostUsd + plan.memoryCostUsd + plan.storageCostUsd).toBeCloseTo(0.08566, 12);
    expect(report.notes).toEqual(expect.arrayContaining([
      'priced at the ARM64 On-Demand rates (--arm64): the records do not say the tasks\' architecture',
      'ephemeral storage of 50 GiB per task (--ephemeral-storage): the records do not say it',
    ]));

    const text: string[] = [];
    expect(await runReportCommand([dir, '--arm64', '--ephemeral-storage', '50'], (t) => text.push(t))).toBe(0);
    expect(text.join('\n')).toMatch(/^ {2}ephemeral storage: 60\.000 GB-h above the included 20 GiB, \$0\.0067 of the Fargate cost$/m);
    expect(text.join('\n')).toMatch(/On-Demand \$0\.03238\/vCPU-h, \$0\.00356\/GB-h: us-east-1 Linux\/ARM64/);
    expect(text.join('\n')).toMatch(/^ +Spot none: ARM64 runs On-Demand only/m);
    expect(text.join('\n')).toMatch(/^ {2}Fargate +\$0\.09 +\$0\.09$/m);

    const page = path.join(dir, 'r.html');
    expect(await runReportCommand([dir, '--arm64', '--ephemeral-storage', '50', '--html', page], () => {})).toBe(0);
    const html = await fs.readFile(page, 'utf8');
    expect(html).toMatch(/<td>ephemeral storage<\/td>.*60\.000 GB-hours above 20 GiB.*\(\$0\.0067 of the above\)/);
    expect(html).toMatch(/Spot none: ARM64 runs On-Demand only \(Fargate Spot runs Linux X86_64\);\n\$0\.000111 per GB-hour of ephemeral storage/);
  });

  test('without the options: X86_64 and no storage, $0.09874 of Fargate', async () => {
    // 2 x ($0.04048 + 2 x $0.004445) = 2 x $0.04937 = $0.09874; no storage line.
    const json: string[] = [];
    expect(await runReportCommand([await twoItemRun(), '--json'], (t) => json.push(t))).toBe(0);
    const report = JSON.parse(json.join(''));
    expect(report.cost.fargateUsd).toBeCloseTo(0.09874, 12);
    expect(report.cost.storageUsd).toBe(0);
  });

  test('fails (exit 1) on a run with a Spot task, naming --arm64', async () => {
    const err: string[] = [];
    expect(await runReportCommand([await twoItemRun('FARGATE_SPOT'), '--arm64'], () => {}, (t) => err.push(t))).toBe(1);
    expect(err[0]).toMatch(/^report: --arm64: a task ran on FARGATE_SPOT, which runs Linux X86_64 only, so this run's tasks are not ARM64 \(leave out --arm64\)$/);
  });

  test.each([
    [['r', '--ephemeral-storage', '20'], /^--ephemeral-storage \(ephemeralStorageGiB\) must be a whole number from 21 to 200, got 20/],
    [['r', '--ephemeral-storage', '50.5'], /^--ephemeral-storage \(ephemeralStorageGiB\) must be a whole number from 21 to 200, got 50.5/],
  ])('fails on %j', (args, message) => {
    expect(() => parseReportArguments(args)).toThrow(message);
  });

  test('parses --arm64, --ephemeral-storage and --storage-gb-hour', () => {
    expect(parseReportArguments(['r', '--arm64', '--ephemeral-storage', '200', '--storage-gb-hour', '0.0002']))
      .toMatchObject({ cpuArchitecture: 'ARM64', ephemeralStorageGiB: 200, prices: { storageGbHour: 0.0002 } });
    expect(parseReportArguments(['r'])).toMatchObject({ cpuArchitecture: 'X86_64', ephemeralStorageGiB: undefined });
  });
});
