/** The command line: `plan`'s arguments, and help and unknown commands. */
import { runCli } from '../src/cli';
import { parsePlanArguments, runPlanCommand } from '../src/plan';
import { REPORT_USAGE } from '../src/report/cli';
import { parseStartArguments } from '../src/start/start';
import { parseWatchArguments } from '../src/watch/watch';

describe('the plan CLI arguments', () => {
  test('parses the architecture, the ephemeral storage and the network the construct builds', () => {
    const { options } = parsePlanArguments(['--items', '10', '--duration', '5m', '--arm64', '--ephemeral-storage', '50', '--interface-endpoints', '4', '--azs', '1']);
    expect(options.cpuArchitecture).toBe('ARM64');
    expect(options.ephemeralStorageGiB).toBe(50);
    expect(options.interfaceEndpoints).toBe(4);
    expect(options.availabilityZones).toBe(1);
    expect(parsePlanArguments(['--items', '10', '--duration', '5m']).options.cpuArchitecture).toBeUndefined();
  });

  test('parses vCPUs, durations and caps', () => {
    const { options, json } = parsePlanArguments(['--items', '50000', '--duration', '5m', '--cpu', '1', '--max-concurrency', '500', '--json']);
    expect(json).toBe(true);
    expect(options.items).toBe(50_000);
    expect(options.taskDuration.toSeconds()).toBe(300);
    expect(options.cpu).toBe(1024);
    expect(options.maxConcurrency).toBe(500);
  });

  test.each([
    [['--duration', '5m'], /--items and --duration are required/],
    [['--items', '10', '--duration', 'five'], /--duration must look like 90s, 5m or 1h/],
    [['--items', 'many', '--duration', '5m'], /--items must be a number/],
    [['--items', '10', '--duration', '5m', '--colour', 'red'], /unknown option --colour/],
  ])('fails: %p', (args, message) => {
    expect(() => parsePlanArguments(args)).toThrow(message);
  });

  test('takes --items-per-task', () => {
    expect(parsePlanArguments(['--items', '10', '--duration', '5s', '--items-per-task', '5']).options.itemsPerTask).toBe(5);
  });
});

describe('plan', () => {
  test('prints the planner\'s report, or its plan as JSON, and exits 0', () => {
    const out: string[] = [];
    expect(runPlanCommand(['--items', '1000', '--duration', '1m', '--max-concurrency', '10', '--vcpu-quota', '100'], (t) => out.push(t))).toBe(0);
    expect(out.join('\n')).toMatch(/concurrency cap/);
    const json: string[] = [];
    expect(runPlanCommand(['--items', '1000', '--duration', '1m', '--json'], (t) => json.push(t))).toBe(0);
    expect(JSON.parse(json.join('')).items).toBe(1000);
  });

  test('prices ARM64 and the storage above 20 GiB: --arm64 --ephemeral-storage 50', () => {
    // 10 items of 1 h at 1 vCPU / 2 GB, 10 at a time: 10 vCPU-h x $0.03238 = $0.3238 and
    // 20 GB-h x $0.00356 = $0.0712 (ARM64 On-Demand); 30 GiB above the included 20 x 10 h =
    // 300 GB-h x $0.000111 = $0.0333; 17 transitions (6 for the run, the vCPU quota read, 10 RunTask) x $0.000025 = $0.000425; total $0.428725.
    const run = ['--items', '10', '--duration', '1h', '--cpu', '1', '--memory', '2048', '--max-concurrency', '10', '--vcpu-quota', '100'];
    const json: string[] = [];
    expect(runPlanCommand([...run, '--arm64', '--ephemeral-storage', '50', '--json'], (t) => json.push(t))).toBe(0);
    const plan = JSON.parse(json.join(''));
    expect(plan.cpuArchitecture).toBe('ARM64');
    expect(plan.vcpuCostUsd).toBeCloseTo(0.3238, 9);
    expect(plan.memoryCostUsd).toBeCloseTo(0.0712, 9);
    expect(plan.storageCostUsd).toBeCloseTo(0.0333, 9);
    expect(plan.totalCostUsd).toBeCloseTo(0.428725, 9);
    const text: string[] = [];
    expect(runPlanCommand([...run, '--arm64', '--ephemeral-storage', '50'], (t) => text.push(t))).toBe(0);
    expect(text.join('\n')).toMatch(/Fargate: +10.00 vCPU-hours \$0.32 \+ 20.00 GB-hours \$0.07\nephemeral storage: +300.00 GB-hours above the included 20 GiB \$0.03/);
    expect(text.join('\n')).toMatch(/ARM64 runs On-Demand only/);
  });

  test('exits 2 naming --ephemeral-storage\'s prop and range outside 21..200', () => {
    const err: string[] = [];
    expect(runPlanCommand(['--items', '10', '--duration', '5m', '--ephemeral-storage', '500'], () => undefined, (t) => err.push(t))).toBe(2);
    expect(err[0]).toMatch(/^ephemeralStorageGiB must be a whole number from 21 to 200, got 500/);
  });

  test('exits 2 with the reason on bad arguments', () => {
    const err: string[] = [];
    expect(runPlanCommand(['--items', '10'], () => undefined, (t) => err.push(t))).toBe(2);
    expect(err[0]).toMatch(/^--items and --duration are required/);
  });
});

describe('the command line asked for help', () => {
  test.each([
    [['--help'], /^usage: cdk-fargate-fan-out <command>/],
    [['plan', '--help'], /^usage: cdk-fargate-fan-out plan/],
    [['report', '-h'], /^usage: cdk-fargate-fan-out report/],
  ])('%j prints the usage to stdout and exits 0, without "unknown option"', async (argv, usage) => {
    const out = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runCli(argv)).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(usage);
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  test('an unknown command still prints the usage to stderr and exits 2', async () => {
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runCli(['plann'])).toBe(2);
      expect(String(err.mock.calls[0][0])).toMatch(/^unknown command 'plann'\nusage:/);
      expect(REPORT_USAGE).toMatch(/^usage: cdk-fargate-fan-out report/);
    } finally {
      err.mockRestore();
    }
  });
});


describe('--interval of start and watch', () => {
  const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:fan-out';
  const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:fan-out:run-1';

  test('is seconds between polls, at least 1; left out, the default applies', () => {
    expect(parseWatchArguments([EXECUTION, '--interval', '2.5']).intervalSeconds).toBe(2.5);
    expect(parseStartArguments([STATE_MACHINE, '--watch', '--interval=1']).intervalSeconds).toBe(1);
    expect(parseWatchArguments([EXECUTION]).intervalSeconds).toBeUndefined();
  });

  test.each(['0', '0.5', 'often'])('refuses %p, naming the option (watch adds its usage)', (value) => {
    expect(() => parseWatchArguments([EXECUTION, '--interval', value]))
      .toThrow(new RegExp(`^--interval must be a number of seconds, at least 1, got '${value}'\\nusage: cdk-fargate-fan-out watch`));
    expect(() => parseStartArguments([STATE_MACHINE, '--interval', value]))
      .toThrow(new RegExp(`^--interval must be a number of seconds, at least 1, got '${value}'$`));
  });
});
