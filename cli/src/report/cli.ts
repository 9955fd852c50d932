import { promises as fs } from 'fs';
import { RunAggregator } from './aggregate';
import { parseJson } from './item-record';
import { predictRun } from './prediction';
import { PRICE_OPTIONS, Prices, resolvePrices } from './prices';
import { scanRun } from './read-run';
import { formatHtmlReport } from './report-html';
import { formatTextReport } from './report-text';
import { ItemResult, RunInfo, RunResults } from './run-results';
import { parseCommandLine } from '../command-line';
import { FARGATE_MAX_EPHEMERAL_STORAGE_GIB, FARGATE_MIN_EPHEMERAL_STORAGE_GIB, FanOutCpuArchitecture } from '../library';

export const REPORT_USAGE = `usage: cdk-fargate-fan-out report <execution ARN | s3://bucket/prefix | folder> [options]

  Reads a run's results (the Distributed Map's manifest.json and result files, or an inline
  run's failed-<index>.json files; with an ARN, the execution and Map Run too) and prints what
  happened, what it cost, and the planner's prediction beside it. AWS credentials and Region
  as the AWS CLI finds them; AWS_ENDPOINT_URL for an S3-compatible endpoint.

  --json                 print the report as JSON
  --html FILE            also write the report as one self-contained HTML page, with a timeline
  --prices FILE          prices as JSON: {"vcpu-hour", "gb-hour", "spot-vcpu-hour", "spot-gb-hour",
                         "storage-gb-hour", "transition", "region"}; any left out keep their defaults
  --arm64                the tasks ran on ARM64 (cpuArchitecture: ARM64): On-Demand at the Linux/ARM64
                         rates; ARM64 has no Spot, so a Spot task or a Spot price is refused
  --ephemeral-storage G  each task's ephemeral storage in GiB, 21..200 (ephemeralStorageGiB): what is
                         above the included 20 GiB is priced per GB-hour (default 20, included)
  --vcpu-hour USD        Fargate On-Demand per vCPU-hour (default: us-east-1 Linux/x86, or ARM64)
  --gb-hour USD          Fargate On-Demand per GB-hour
  --spot-vcpu-hour USD   Fargate Spot per vCPU-hour (default: On-Demand less 70%, Spot's largest discount)
  --spot-gb-hour USD     Fargate Spot per GB-hour
  --storage-gb-hour USD  ephemeral storage above 20 GiB per GB-hour (default: us-east-1)
  --transition USD       Step Functions Standard per state transition
  --cpu UNITS            task CPU units, for records without a size (e.g. 256)
  --memory MIB           task memory in MiB, for records without a size
  --max-concurrency N    the run's concurrency cap, for the prediction (default: the Map Run's, else the peak seen)
  --vcpu-quota V         your Fargate vCPU quota, for the prediction`;

export interface ReportArguments {
  readonly source: string;
  readonly json: boolean;
  readonly html?: string;
  readonly pricesFile?: string;
  readonly prices: Partial<Record<typeof PRICE_OPTIONS[keyof typeof PRICE_OPTIONS], number>>;
  readonly cpu?: number;
  readonly memoryMiB?: number;
  /** The records do not say the architecture: X86_64 unless --arm64. */
  readonly cpuArchitecture: FanOutCpuArchitecture;
  /** The records do not say the storage: the included 20 GiB unless --ephemeral-storage. */
  readonly ephemeralStorageGiB?: number;
  readonly maxConcurrency?: number;
  readonly vcpuQuota?: number;
}

const NUMERIC = ['cpu', 'memory', 'ephemeral-storage', 'max-concurrency', 'vcpu-quota', ...Object.keys(PRICE_OPTIONS)];

/** Parses `report` arguments; throws with the usage on bad input. */
export function parseReportArguments(args: string[]): ReportArguments {
  const { values, flags, positionals } = parseCommandLine(args, {
    valued: [...NUMERIC, 'html', 'prices'],
    flags: ['json', 'arm64'],
    maxPositionals: 1,
    positionalHint: 'give one run',
    usage: REPORT_USAGE,
  });
  const source = positionals[0];
  if (source === undefined) throw new Error(`name the run to report\n${REPORT_USAGE}`);
  const number = (key: string): number | undefined => {
    const text = values.get(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new Error(`--${key} must be a number, at least 0, got '${text}'`);
    return value;
  };
  const prices: ReportArguments['prices'] = {};
  for (const [option, key] of Object.entries(PRICE_OPTIONS)) {
    const value = number(option);
    if (value !== undefined) prices[key] = value;
  }
  const maxConcurrency = number('max-concurrency');
  if (maxConcurrency !== undefined && !(Number.isInteger(maxConcurrency) && maxConcurrency >= 1)) {
    throw new Error(`--max-concurrency must be a whole number, at least 1, got ${maxConcurrency}`);
  }
  const ephemeralStorageGiB = number('ephemeral-storage');
  if (ephemeralStorageGiB !== undefined && !(Number.isInteger(ephemeralStorageGiB)
    && ephemeralStorageGiB >= FARGATE_MIN_EPHEMERAL_STORAGE_GIB && ephemeralStorageGiB <= FARGATE_MAX_EPHEMERAL_STORAGE_GIB)) {
    throw new Error(`--ephemeral-storage (ephemeralStorageGiB) must be a whole number from ${FARGATE_MIN_EPHEMERAL_STORAGE_GIB} to ${FARGATE_MAX_EPHEMERAL_STORAGE_GIB}, got ${ephemeralStorageGiB}`);
  }
  return {
    source,
    json: flags.has('json'),
    html: values.get('html'),
    pricesFile: values.get('prices'),
    prices,
    cpu: number('cpu'),
    memoryMiB: number('memory'),
    cpuArchitecture: flags.has('arm64') ? FanOutCpuArchitecture.ARM64 : FanOutCpuArchitecture.X86_64,
    ephemeralStorageGiB,
    maxConcurrency,
    vcpuQuota: number('vcpu-quota'),
  };
}

async function pricesOf(args: ReportArguments): Promise<Prices> {
  let file: Record<string, unknown> | undefined;
  if (args.pricesFile) {
    const parsed = parseJson(await fs.readFile(args.pricesFile, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`--prices ${args.pricesFile}: not a JSON object`);
    file = parsed as Record<string, unknown>;
  }
  return resolvePrices(file, args.prices, args.cpuArchitecture);
}

/** Everything the report shows, from a run read as a stream: `scan` hands each item result over as it is read. */
export async function reportRun(scan: (onResult: (result: ItemResult) => void) => Promise<RunInfo>, args: ReportArguments) {
  // Prices first: a bad prices file fails before a long read.
  const { cpu, memoryMiB, ephemeralStorageGiB, cpuArchitecture, maxConcurrency, vcpuQuota } = args;
  const aggregator = new RunAggregator(await pricesOf(args), { cpu, memoryMiB, ephemeralStorageGiB });
  const info = await scan((result) => aggregator.add(result));
  const { report, timeline, basis } = aggregator.finish(info);
  const prediction = predictRun(report, basis, { maxConcurrency, vcpuQuota, cpuArchitecture, ephemeralStorageGiB });
  return { report, timeline, prediction };
}

/** Everything the report shows, from a run already read whole (tests, scripts). */
export async function buildReport(run: RunResults, args: ReportArguments) {
  return reportRun(async (onResult) => {
    run.results.forEach(onResult);
    return run;
  }, args);
}

/** Runs `report`: prints the text (or JSON) and writes the page. Returns the exit code. */
export async function runReportCommand(
  argv: string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): Promise<number> {
  let args: ReportArguments;
  try {
    args = parseReportArguments(argv);
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
  try {
    const { report, timeline, prediction } = await reportRun((onResult) => scanRun(args.source, onResult), args);
    if (args.html) {
      await fs.writeFile(args.html, formatHtmlReport(report, timeline, prediction), 'utf8');
    }
    out(args.json ? JSON.stringify({ ...report, prediction }, null, 2) : formatTextReport(report, prediction));
    if (args.html && !args.json) out(`\npage: ${args.html}`);
    return 0;
  } catch (e) {
    const error = e as Error;
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    err(`report: ${name}${error.message}`);
    return 1;
  }
}
