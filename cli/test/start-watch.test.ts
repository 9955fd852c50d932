/**
 * `start` and `watch` through the real AWS SDK, in processes of their own: Step Functions is moto
 * in server mode (it creates, starts, runs and describes executions of simple definitions, and
 * serves their history), behind a scripted fake endpoint that answers what moto does not serve
 * for a Distributed Map (ListMapRuns naming a Map Run, DescribeMapRun's counts) and passes every
 * other call to moto. The terminal output is read from a real pseudo-terminal (tmux), the other
 * output from a pipe.
 */
import { execFile, execFileSync } from 'child_process';
import { promises as fs, mkdtempSync } from 'fs';
import * as http from 'http';
import { tmpdir } from 'os';
import * as path from 'path';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startMoto } from './tools';
import { SFN_MAX_INPUT_BYTES, WATCH_MAX_CALLS_PER_SECOND } from '../src/aws-limits';
import { PacedSfn } from '../src/paced-sfn';
import { EXIT_CODES, EXIT_INTERRUPTED } from '../src/watch/progress';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '../..');
const ROLE = 'arn:aws:iam::123456789012:role/fan-out';
const MAP_RUN_ARN = 'arn:aws:states:us-east-1:123456789012:mapRun:fan-out-distributed/Map:7c1f';

interface Call { readonly api: string; readonly at: number; readonly status: number }

/**
 * The endpoint the CLI is pointed at: DescribeMapRun and ListMapRuns from a script (the first
 * DescribeMapRun answered with a ThrottlingException, as a busy account would), the rest passed
 * on to moto. Records every call.
 */
class ScriptedEndpoint {
  public readonly calls: Call[] = [];
  public mapRunCounts: Array<Record<string, number>> = [];
  public mapRunFor = new Set<string>();
  private served = 0;
  private server?: http.Server;
  public url = '';

  constructor(private readonly moto: string) {}

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const api = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
        const reply = (status: number, json: unknown) => {
          this.calls.push({ api, at: Date.now(), status });
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify(json));
        };
        const input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
        if (api === 'ListMapRuns') {
          const mapRun = { mapRunArn: MAP_RUN_ARN, executionArn: input.executionArn, startDate: Date.now() / 1000 };
          const mapRuns = this.mapRunFor.has(input.executionArn) ? [mapRun] : [];
          return reply(200, { mapRuns });
        }
        if (api === 'DescribeMapRun') {
          if (this.served++ === 0) return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
          const counts = this.mapRunCounts[Math.min(this.served - 2, this.mapRunCounts.length - 1)];
          return reply(200, {
            mapRunArn: MAP_RUN_ARN,
            executionArn: input.mapRunArn,
            status: 'RUNNING',
            startDate: Date.now() / 1000,
            maxConcurrency: 100,
            toleratedFailurePercentage: 0,
            toleratedFailureCount: 0,
            itemCounts: { pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total: 10_000, resultsWritten: 0, ...counts },
            executionCounts: {
              pending: 0, running: counts.running ?? 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total: 10_000, resultsWritten: 0,
            },
          });
        }
        const forward = http.request(`${this.moto}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(this.moto).host } }, (motoRes) => {
          this.calls.push({ api, at: Date.now(), status: motoRes.statusCode ?? 0 });
          res.writeHead(motoRes.statusCode ?? 500, motoRes.headers);
          motoRes.pipe(res);
        });
        forward.on('error', (e) => reply(500, { __type: 'ProxyError', message: e.message }));
        forward.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Gaps in ms between consecutive calls of one API. */
  public gaps(api: string): number[] {
    const times = this.calls.filter((c) => c.api === api).map((c) => c.at);
    return times.slice(1).map((t, i) => t - times[i]);
  }
}

let moto: { endpoint: string; stop: () => Promise<void> };
let endpoint: ScriptedEndpoint;
let sfn: SFNClient;
let dir: string;
let env: NodeJS.ProcessEnv;

/** A state machine in moto; moto runs its definition for real. */
async function stateMachine(name: string, definition: object): Promise<string> {
  const created = await sfn.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }));
  return created.stateMachineArn!;
}

const inlineMap = (waitSeconds: number) => ({
  StartAt: 'FanOut',
  States: {
    FanOut: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      Next: 'Done',
      Iterator: { StartAt: 'Work', States: { Work: { Type: 'Wait', Seconds: waitSeconds, Next: 'Ok' }, Ok: { Type: 'Pass', End: true } } },
    },
    Done: { Type: 'Succeed' },
  },
});
const waitThen = (seconds: number, end: object) => ({ StartAt: 'Run', States: { Run: { Type: 'Wait', Seconds: seconds, Next: 'End' }, End: end } });

const CLI = ['-r', 'ts-node/register/transpile-only', 'cli/test/run-cli.ts'];

/** The CLI in a child process, its output in pipes. */
function runInPipe(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...CLI, ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

/** The CLI in a tmux pane (a real pseudo-terminal), 200 columns wide. */
class TmuxPane {
  private readonly socket = `fan-out-cli-test-${process.pid}`;
  private readonly session = 'cli';
  private readonly codeFile: string;

  constructor(private readonly args: string[]) {
    this.codeFile = path.join(dir, `code-${Date.now()}`);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  public start(): void {
    const exports = Object.entries(env).filter(([k, v]) => v !== undefined && /^(AWS_|PATH$|HOME$|NODE_|TS_NODE)/.test(k))
      .map(([k, v]) => `export ${k}='${String(v).replace(/'/g, '\'\\\'\'')}';`).join(' ');
    const command = `${exports} cd '${ROOT}' && '${process.execPath}' ${CLI.join(' ')} ${this.args.join(' ')}; echo $? > '${this.codeFile}'; sleep 600`;
    this.tmux('new-session', '-d', '-s', this.session, '-x', '200', '-y', '30', 'bash', '-c', command);
  }

  public screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session);
  }

  public interrupt(): void {
    this.tmux('send-keys', '-t', this.session, 'C-c');
  }

  public async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}:\n${screen}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  public async exitCode(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await fs.readFile(this.codeFile, 'utf8').catch(() => '');
      if (text.trim() !== '') return Number(text.trim());
      if (Date.now() > deadline) throw new Error(`the command did not end:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  public kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

beforeAll(async () => {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    // Part of every machine image this project runs on (Debian's tmux).
    throw new Error('tmux is not installed: the terminal tests read the CLI\'s output in a tmux pane; install it with: apt-get install tmux');
  }
  moto = await startMoto();
  // moto runs the definitions it is given (Wait, Pass, Map, Succeed, Fail), so executions end.
  await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }) });
  endpoint = new ScriptedEndpoint(moto.endpoint);
  await endpoint.start();
  dir = mkdtempSync(path.join(tmpdir(), 'fan-out-start-watch-'));
  env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    NODE_OPTIONS: '--no-deprecation --no-warnings',
  };
  delete env.AWS_PROFILE;
  sfn = new SFNClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});

afterAll(async () => {
  sfn?.destroy();
  await endpoint?.stop();
  await moto?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('start', () => {
  test('starts an execution with the items of a CSV file and prints its ARN and console link', async () => {
    const arn = await stateMachine('fan-out-csv', inlineMap(1));
    const csv = path.join(dir, 'items.csv');
    await fs.writeFile(csv, 'id,key\n1,"a, b"\n2,"say ""hi"""\n');
    const run = await runInPipe(['start', arn, '--items', csv, '--input', '{"runId":"r-1"}', '--name', 'run-a']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:fan-out-csv:run-a';
    expect(run.stdout).toBe(`execution: ${executionArn}\nconsole:   https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${executionArn}\n`);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.input!)).toEqual({ runId: 'r-1', items: [{ id: '1', key: 'a, b' }, { id: '2', key: 'say "hi"' }] });
  });

  test('items from stdin as JSON Lines', async () => {
    const arn = await stateMachine('fan-out-stdin', inlineMap(1));
    const run = await runInPipe(['start', arn, '--items', '-', '--name', 'run-b'], '{"id":1}\n{"id":2}\n{"id":3}\n');
    expect(run.code).toBe(0);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: `${arn.replace(':stateMachine:', ':execution:')}:run-b` }));
    expect(JSON.parse(described.input!).items).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  test('fails before calling Step Functions when the items pass the 256 KiB input limit, and says to use S3', async () => {
    const arn = await stateMachine('fan-out-large', inlineMap(1));
    const items = path.join(dir, 'items.json');
    await fs.writeFile(items, JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ id: i, key: `inputs/part-${String(i).padStart(6, '0')}.parquet`, note: 'x'.repeat(40) }))));
    expect((await fs.stat(items)).size).toBeGreaterThan(SFN_MAX_INPUT_BYTES);
    const starts = endpoint.calls.filter((c) => c.api === 'StartExecution').length;
    const run = await runInPipe(['start', arn, '--items', items]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the execution input would be [\d,]+ bytes \(3,000 items from .*items\.json\): Step Functions takes at most 262,144 bytes \(256 KiB\)/);
    expect(run.stderr).toMatch(/FanOutItems\.fromS3Json\(bucket, 'items\.json'\)/);
    expect(endpoint.calls.filter((c) => c.api === 'StartExecution').length).toBe(starts);
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions).toEqual([]);
  });
});

describe('pacing', () => {
  test('one API is called at most once a second, however many calls wait; other APIs do not wait behind it', async () => {
    const arn = await stateMachine('fan-out-paced', waitThen(60, { Type: 'Succeed' }));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const paced = new PacedSfn('us-east-1');
    try {
      const from = endpoint.calls.length;
      await Promise.all([
        ...Array.from({ length: 4 }, () => paced.send(new ListExecutionsCommand({ stateMachineArn: arn }))),
        paced.send(new CreateStateMachineCommand({ name: 'fan-out-paced-2', definition: JSON.stringify(waitThen(1, { Type: 'Succeed' })), roleArn: ROLE })),
      ]);
      const calls = endpoint.calls.slice(from);
      const listed = calls.filter((c) => c.api === 'ListExecutions').map((c) => c.at);
      expect(listed).toHaveLength(4);
      // Arrival times at the endpoint carry the machine's scheduling jitter (858 ms between two
      // calls released 1 s apart was seen on a loaded machine): each gap is far from the few
      // milliseconds of unpaced calls, and the three gaps add up to about three pacing intervals.
      const interval = 1000 / WATCH_MAX_CALLS_PER_SECOND;
      for (let i = 1; i < listed.length; i++) expect(listed[i] - listed[i - 1]).toBeGreaterThanOrEqual(interval / 2);
      expect(listed[listed.length - 1] - listed[0]).toBeGreaterThanOrEqual(3 * interval - 300);
      // Not behind the queue of ListExecutions calls: it reaches the endpoint before the last of
      // them (which waits at least 3 s), an order rather than a wall time, for a loaded machine.
      expect(calls.find((c) => c.api === 'CreateStateMachine')!.at).toBeLessThan(listed[listed.length - 1]);
    } finally {
      paced.destroy();
      process.env = saved;
    }
  });
});

describe('watch in a pipe', () => {
  test('start --watch on an inline Map: plain lines from the history\'s Map iterations, then exit 0 on SUCCEEDED', async () => {
    const arn = await stateMachine('fan-out-inline', inlineMap(1));
    const run = await runInPipe(['start', arn, '--items', '-', '--watch', '--interval', '1'], JSON.stringify([1, 2, 3, 4, 5, 6]));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT_CODES.SUCCEEDED);
    expect(run.stdout).not.toMatch(/\r|\x1b/);
    const lines = run.stdout.trim().split('\n');
    const progress = lines.filter((l) => /^\d{4}-\d\d-\d\dT\S+Z (RUNNING|SUCCEEDED) /.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[progress.length - 1]).toMatch(/ SUCCEEDED total=6 succeeded=6 failed=0 running=0 pending=0 /);
    // Counts rise between lines: the watch saw the run in progress.
    const succeeded = progress.map((l) => Number(/succeeded=(\d+)/.exec(l)?.[1] ?? -1));
    expect(succeeded.some((n) => n >= 0 && n < 6)).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^SUCCEEDED after \d+s: 6 succeeded, 0 failed$/);
  });

  test('watch exits 10 when the execution fails, naming its error', async () => {
    const arn = await stateMachine('fan-out-fails', waitThen(2, { Type: 'Fail', Error: 'FanOut.ItemsFailed', Cause: '3 items failed' }));
    const started = await runInPipe(['start', arn, '--name', 'run-f']);
    expect(started.code).toBe(0);
    const run = await runInPipe(['watch', `${arn.replace(':stateMachine:', ':execution:')}:run-f`, '--interval', '1']);
    expect(run.code).toBe(EXIT_CODES.FAILED);
    expect(run.stdout).toMatch(/\nFAILED after \d+s: 0 succeeded, 0 failed \(FanOut\.ItemsFailed: 3 items failed\)\n$/);
  });

  test('bad arguments exit 2 with the usage', async () => {
    const run = await runInPipe(['watch', 'arn:aws:states:us-east-1:123456789012:stateMachine:x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not an execution ARN/);
  });
});

describe('watch in a terminal (tmux)', () => {
  let pane: TmuxPane | undefined;
  afterEach(() => pane?.kill());

  test('a Distributed Map: one live line from DescribeMapRun, paced and retried, then exit 0', async () => {
    const arn = await stateMachine('fan-out-distributed', waitThen(7, { Type: 'Succeed' }));
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:run-d`;
    endpoint.mapRunFor.add(executionArn);
    endpoint.mapRunCounts = [
      { pending: 10_000 },
      { pending: 7_900, running: 100, succeeded: 2_000 },
      { pending: 3_890, running: 100, succeeded: 6_000, failed: 10 },
      { succeeded: 9_990, failed: 10 },
    ];
    const callsBefore = endpoint.calls.length;
    pane = new TmuxPane(['start', arn, '--name', 'run-d', '--watch', '--interval', '1']);
    pane.start();
    const running = await pane.waitFor(/succeeded [\d,]+ +failed .* tasks running 100/);
    // One live line: the counts are redrawn in place, not printed again and again.
    expect(running.split('\n').filter((l) => /succeeded [\d,]+ +failed/.test(l))).toHaveLength(1);
    expect(running).toMatch(/\[#*-*\] \d+\.\d%  succeeded [\d,]+  failed [\d,]+  running 100  pending [\d,]+  \| [\d.]+ items\/s  elapsed \d+s  left ~\S+/);
    expect(await pane.exitCode()).toBe(EXIT_CODES.SUCCEEDED);
    const screen = pane.screen();
    expect(screen).toMatch(/\[#{20}\] 100\.0%  succeeded 9,990  failed 10  running 0  pending 0/);
    expect(screen).toMatch(/SUCCEEDED after \d+s: 9,990 succeeded, 10 failed/);

    const calls = endpoint.calls.slice(callsBefore);
    // The throttled DescribeMapRun was retried by the SDK, and the watch went on.
    expect(calls.filter((c) => c.api === 'DescribeMapRun' && c.status === 400)).toHaveLength(1);
    expect(calls.filter((c) => c.api === 'DescribeMapRun' && c.status === 200).length).toBeGreaterThanOrEqual(3);
    // Paced: no API twice within a second (DescribeExecution is never throttled, so no retry in between).
    expect(Math.min(...endpoint.gaps('DescribeExecution').slice(-5))).toBeGreaterThanOrEqual(950);
    expect(calls.some((c) => c.api === 'StopExecution')).toBe(false);
  });

  test('Ctrl-C stops watching with exit 130; the execution goes on', async () => {
    const arn = await stateMachine('fan-out-long', waitThen(120, { Type: 'Succeed' }));
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:run-c`;
    expect((await runInPipe(['start', arn, '--name', 'run-c'])).code).toBe(0);
    pane = new TmuxPane(['watch', executionArn, '--interval', '1']);
    pane.start();
    await pane.waitFor(/RUNNING: the Map has not started yet {2}elapsed \d+s/);
    pane.interrupt();
    expect(await pane.exitCode()).toBe(EXIT_INTERRUPTED);
    expect(pane.screen()).toMatch(/stopped watching \(Ctrl-C\); the execution goes on: arn:aws:states:us-east-1:123456789012:execution:fan-out-long:run-c/);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    expect(endpoint.calls.some((c) => c.api === 'StopExecution')).toBe(false);
  });
});
