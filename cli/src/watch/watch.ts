import { DescribeExecutionCommand, DescribeMapRunCommand, GetExecutionHistoryCommand, ListMapRunsCommand } from '@aws-sdk/client-sfn';
import {
  EXIT_CODES, EXIT_INTERRUPTED, HistoryProgress, Progress, formatDuration, formatPlainLine, formatProgressLine, progressOfMapRun,
} from './progress';
import { EXECUTION_END_STATUSES, consoleLinkOf } from '../aws-limits';
import { parseCommandLine } from '../command-line';
import { PacedSfn, regionOf } from '../paced-sfn';

export const WATCH_USAGE = `usage: cdk-fargate-fan-out watch <execution ARN> [--interval S]

  Shows a running fan-out's progress until its execution ends: items succeeded, failed, running
  and pending (DescribeMapRun for a Distributed Map, the history for an inline Map), throughput,
  elapsed and estimated time left, tasks running. In a terminal, one live line; otherwise a
  plain line per poll. Ctrl-C stops watching, never the execution.

  --interval S   seconds between polls (default 5); each poll makes about 2 calls, and no
                 Step Functions API is called more than once a second

  exit code: 0 SUCCEEDED, 10 FAILED, 11 TIMED_OUT, 12 ABORTED, 130 stopped watching (Ctrl-C;
  the execution goes on), 1 the watch failed (an AWS error), 2 bad arguments`;

export interface Output {
  readonly stdout: { isTTY?: boolean; write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export interface WatchOptions {
  readonly intervalSeconds?: number;
  readonly sfn?: PacedSfn;
  /** Plain lines at least this often when nothing changes (not a terminal). */
  readonly quietSeconds?: number;
}

/** `--interval` of `watch` and `start --watch`: seconds between polls, at least 1; throws naming the option, then `suffix`. */
export function parseIntervalSeconds(text: string | undefined, suffix = ''): number | undefined {
  const seconds = text === undefined ? undefined : Number(text);
  if (seconds !== undefined && !(seconds >= 1)) throw new Error(`--interval must be a number of seconds, at least 1, got '${text}'${suffix}`);
  return seconds;
}

/** Parses `watch` arguments; throws with the usage on bad input. */
export function parseWatchArguments(args: string[]): { executionArn: string; intervalSeconds?: number } {
  const { values, positionals } = parseCommandLine(args, { valued: ['interval'], flags: [], maxPositionals: 1, usage: WATCH_USAGE });
  const executionArn = positionals[0];
  const intervalSeconds = parseIntervalSeconds(values.get('interval'), `\n${WATCH_USAGE}`);
  if (executionArn === undefined) throw new Error(`name the execution to watch\n${WATCH_USAGE}`);
  if (!/^arn:aws[a-z-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/.test(executionArn)) {
    throw new Error(`'${executionArn}' is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
  }
  return { executionArn, intervalSeconds };
}

/**
 * Reads the history events after those counted, newest pages first (reverseOrder), and counts
 * them: a poll reads only what is new, one page of 1,000 events for most polls.
 */
async function readNewEvents(sfn: PacedSfn, executionArn: string, history: HistoryProgress): Promise<void> {
  const before = history.lastEventId;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000, nextToken }));
    const events = page.events ?? [];
    history.add(events);
    // A page that reaches back to the events counted already is the last one needed.
    if (events.some((e: { id?: number }) => (e.id ?? 0) <= before)) break;
    nextToken = page.nextToken;
  } while (nextToken);
}

/**
 * Watches an execution until it ends (returns its exit code) or Ctrl-C (EXIT_INTERRUPTED; the
 * execution is left running: the watch never calls StopExecution).
 */
export async function runWatch(executionArn: string, options: WatchOptions, out: Output): Promise<number> {
  const sfn = options.sfn ?? new PacedSfn(regionOf(executionArn));
  const intervalMs = (options.intervalSeconds ?? 5) * 1000;
  const quietMs = (options.quietSeconds ?? 60) * 1000;
  const terminal = out.stdout.isTTY === true;
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onInterrupt = () => {
    interrupted = true;
    wake?.();
  };
  process.on('SIGINT', onInterrupt);
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => { clearTimeout(timer); resolve(); };
  });

  const history = new HistoryProgress();
  let mapRunArn: string | undefined;
  let lastPlain = '';
  let lastPlainAt = 0;
  let shown = false;
  try {
    if (!terminal) out.stdout.write(`watching ${executionArn}\nconsole: ${consoleLinkOf(executionArn)}\n`);
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (interrupted) break;
      const status: string = described.status ?? 'UNKNOWN';
      const startedAt = described.startDate ? new Date(described.startDate).getTime() : Date.now();
      const stoppedAt = described.stopDate ? new Date(described.stopDate).getTime() : Date.now();
      let progress: Progress;
      if (!mapRunArn && !history.mapStarted) {
        const listed = await sfn.send(new ListMapRunsCommand({ executionArn }));
        mapRunArn = listed.mapRuns?.[0]?.mapRunArn;
      }
      if (mapRunArn) {
        progress = progressOfMapRun(await sfn.send(new DescribeMapRunCommand({ mapRunArn })));
      } else {
        await readNewEvents(sfn, executionArn, history);
        mapRunArn = history.mapRunArn;
        progress = mapRunArn ? progressOfMapRun(await sfn.send(new DescribeMapRunCommand({ mapRunArn }))) : history.progress();
      }
      if (interrupted) break;
      const elapsed = (stoppedAt - startedAt) / 1000;
      const ended = (EXECUTION_END_STATUSES as readonly string[]).includes(status);
      if (terminal) {
        out.stdout.write(`\r\x1b[2K${formatProgressLine(status, progress, elapsed, 20)}`);
        shown = true;
      } else {
        const line = formatPlainLine(new Date(), status, progress, elapsed);
        const counts = line.replace(/^\S+ /, '').replace(/ elapsed=\S+| rate=\S+| left=\S+/g, '');
        if (counts !== lastPlain || Date.now() - lastPlainAt >= quietMs || ended) {
          out.stdout.write(`${line}\n`);
          lastPlain = counts;
          lastPlainAt = Date.now();
        }
      }
      if (ended) {
        if (terminal && shown) out.stdout.write('\n');
        const failure = described.error ? ` (${described.error}${described.cause ? `: ${String(described.cause).slice(0, 300)}` : ''})` : '';
        out.stdout.write(`${status} after ${formatDuration(elapsed)}: ${progress.succeeded.toLocaleString('en-US')} succeeded, ${progress.failed.toLocaleString('en-US')} failed${failure}\n`);
        return EXIT_CODES[status] ?? 1;
      }
      await sleep(intervalMs);
      if (interrupted) break;
    }
    if (terminal && shown) out.stdout.write('\n');
    out.stdout.write(`stopped watching (Ctrl-C); the execution goes on: ${executionArn}\n`);
    return EXIT_INTERRUPTED;
  } catch (e) {
    if (terminal && shown) out.stdout.write('\n');
    const error = e as Error;
    out.stderr.write(`watch: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    if (!options.sfn) sfn.destroy();
  }
}

/** Runs `watch`. Returns the exit code. */
export async function runWatchCommand(argv: string[], out: Output = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: ReturnType<typeof parseWatchArguments>;
  try {
    args = parseWatchArguments(argv);
  } catch (e) {
    out.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  return runWatch(args.executionArn, { intervalSeconds: args.intervalSeconds }, out);
}
