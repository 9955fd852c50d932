import { parseCommandLine } from './command-line';
import { Duration, FanOutCpuArchitecture, FanOutPlanOptions, FanOutPlanner, formatPlanReport } from './library';

export const PLAN_USAGE = `usage: cdk-fargate-fan-out plan --items N --duration 5m [options]

  Simulates a run against Fargate's launch rate, the vCPU quota and the concurrency cap, and
  prints its makespan, the limit that binds, retries and cost, before anything is deployed.

  --items N             items in the run (required)
  --duration D          how long one item takes: 90s, 5m, 1h (required)
  --cpu V               vCPUs per task: 0.25, 0.5, 1, 2, 4, 8, 16 (default 0.25)
  --memory MIB          memory per task in MiB (default: the smallest for --cpu)
  --max-concurrency N   cap on tasks at once (default 100)
  --items-per-task N    items per task, as itemBatching.maxItems (default 1)
  --vcpu-quota V        your Fargate On-Demand vCPU quota (default 6, AWS's default)
  --throttle-rate R     extra share of RunTask calls throttled by other callers, 0..1 (default 0)
  --arm64               price ARM64 (Graviton) tasks at Fargate's Linux/ARM64 On-Demand rates
                        instead of X86_64 (cpuArchitecture; ARM64 runs On-Demand only: Fargate
                        Spot runs Linux X86_64)
  --ephemeral-storage G ephemeral storage per task in GiB, 21..200 (ephemeralStorageGiB); what is
                        above the included 20 GiB is priced per GB-hour (default 20, included)
  --interface-endpoints N  interface endpoints of the created VPC, priced idle (default 3; 4 with
                        the callback pattern; describe() lists them; 0 for a VPC given)
  --azs N               Availability Zones of the created VPC (default 2)
  --json                print the plan as JSON`;

/** Parses `plan` arguments into planner options; throws with the usage on bad input. */
export function parsePlanArguments(args: string[]): { options: FanOutPlanOptions; json: boolean } {
  const { values, flags } = parseCommandLine(args, {
    valued: ['items', 'duration', 'cpu', 'memory', 'max-concurrency', 'items-per-task', 'vcpu-quota', 'throttle-rate', 'ephemeral-storage', 'interface-endpoints', 'azs'],
    flags: ['json', 'arm64'],
    maxPositionals: 0,
    usage: PLAN_USAGE,
  });
  if (!values.has('items') || !values.has('duration')) {
    throw new Error(`--items and --duration are required\n${PLAN_USAGE}`);
  }
  const number = (key: string) => (values.has(key) ? parseNumber(key, values.get(key)!) : undefined);
  const vcpus = number('cpu');
  return {
    json: flags.has('json'),
    options: {
      items: number('items')!,
      taskDuration: parseDuration(values.get('duration')!),
      cpu: vcpus !== undefined ? Math.round(vcpus * 1024) : undefined,
      memoryLimitMiB: number('memory'),
      maxConcurrency: number('max-concurrency'),
      itemsPerTask: number('items-per-task'),
      vcpuQuota: number('vcpu-quota'),
      extraThrottleRate: number('throttle-rate'),
      cpuArchitecture: flags.has('arm64') ? FanOutCpuArchitecture.ARM64 : undefined,
      ephemeralStorageGiB: number('ephemeral-storage'),
      interfaceEndpoints: number('interface-endpoints'),
      availabilityZones: number('azs'),
    },
  };
}

function parseNumber(key: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new Error(`--${key} must be a number, got '${text}'`);
  }
  return value;
}

function parseDuration(text: string): Duration {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!match) {
    throw new Error(`--duration must look like 90s, 5m or 1h, got '${text}'`);
  }
  const amount = Number(match[1]);
  const seconds = match[2] === 'h' ? amount * 3600 : match[2] === 'm' ? amount * 60 : amount;
  return Duration.seconds(Math.round(seconds));
}

/** Runs `plan`: prints the plan (text or JSON). Returns the exit code. */
export function runPlanCommand(
  argv: string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): number {
  try {
    const { options, json } = parsePlanArguments(argv);
    const plan = FanOutPlanner.plan(options);
    out(json ? JSON.stringify(plan, null, 2) : formatPlanReport(plan));
    return 0;
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
}
