/**
 * LocalStack's Step Functions, the second interpreter of the executed tests (issue 27), run as a
 * plain server on localhost from the Python virtual environment scripts/install-localstack.sh
 * makes (no Docker). One server per test file: `startLocalStack` in `beforeAll`, `stop` in
 * `afterAll`.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const INSTALL_SCRIPT = path.join(ROOT, 'scripts', 'install-localstack.sh');
const VENV_PYTHON = path.join(ROOT, '.tmp', 'localstack', 'venv', 'bin', 'python');
const CERT = path.join(ROOT, '.tmp', 'localstack', 'server.test.pem');
/** LocalStack's main, with mocked `States.` errors raised as such and, on request, indefinite paths corrected (see the file). */
const LAUNCHER = path.join(__dirname, 'run_localstack.py');

/** How long the first install may take (about 100 s here), and how long a start (about 3 s here). */
export const INSTALL_TIMEOUT_MS = 600_000;
export const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Installs LocalStack if it is not there yet (idempotent, a fraction of a second when it is).
 * Throws with the script's output when it fails, e.g. when Python 3.13 is missing (the output
 * names the command that installs it).
 */
export function installLocalStack(): void {
  const result = spawnSync('bash', [INSTALL_SCRIPT], { cwd: ROOT, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
  if (result.status !== 0) {
    throw new Error(`scripts/install-localstack.sh failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`);
  }
}

export interface LocalStackOptions {
  /**
   * The Step Functions Local mock configuration (`SFN_MOCK_CONFIG`): `StateMachines` (test cases:
   * state name -> mocked response name) and `MockedResponses`. Executions started with
   * `<state machine ARN>#<test case>` get the test case's responses for its states.
   */
  readonly mockConfig?: object;
  /** LocalStack services besides stepfunctions (e.g. `s3` for a Distributed Map's ResultWriter). */
  readonly services?: string[];
  /**
   * Indefinite JSONPaths give the list of their matches, `[]` for none, as Jayway does (see
   * run_localstack.py). Off: LocalStack as shipped.
   *
   * @default false
   */
  readonly correctIndefinitePaths?: boolean;
  /**
   * The log's name, `.tmp/localstack/logs/<logName>.log`, overwritten by the next start of that name.
   *
   * @default - the test file's name
   */
  readonly logName?: string;
}

export interface LocalStackServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Where its log goes (read it when a test fails). */
  readonly logFile: string;
  /**
   * The errors states named `stateName` failed with, as the interpreter logged them. The log is
   * where a Distributed Map child's error can be read (LocalStack's ListExecutions does not take
   * a mapRunArn, and its ResultWriter writes empty result lists) and where an inline Map
   * iteration's own error is, when the Map reports another (see MANGLED_ITERATION_ERROR).
   */
  failuresLogged(stateName: string): Array<{ error: string; cause: string }>;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its files but the log. */
  stop(): Promise<void>;
}

/** Starts LocalStack on a free port of localhost and waits until Step Functions answers (bounded). */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStackServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fan-out-localstack-'));
  const mockFile = path.join(dir, 'mock-config.json');
  fs.writeFileSync(mockFile, JSON.stringify(options.mockConfig ?? { StateMachines: {}, MockedResponses: {} }));
  const logName = options.logName ?? path.basename(expect.getState().testPath ?? `server-${port}`);
  fs.mkdirSync(path.join(ROOT, '.tmp', 'localstack', 'logs'), { recursive: true });
  const logFile = path.join(ROOT, '.tmp', 'localstack', 'logs', `${logName}.log`);
  const log = fs.openSync(logFile, 'w');
  const child = spawn(VENV_PYTHON, [LAUNCHER], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      SERVICES: ['stepfunctions', ...(options.services ?? [])].join(','),
      // Its state, caches and temporary files, in the server's own folder.
      FILESYSTEM_ROOT: path.join(dir, 'filesystem'),
      SFN_MOCK_CONFIG: mockFile,
      ...(options.correctIndefinitePaths ? { FANOUT_INDEFINITE_PATHS: 'jayway' } : {}),
      // Nothing leaves the machine: no certificate download (a local one is given), no analytics,
      // no DNS server (which would take port 53).
      SKIP_SSL_CERT_DOWNLOAD: '1',
      CUSTOM_SSL_CERT_PATH: CERT,
      DISABLE_EVENTS: '1',
      DNS_ADDRESS: '0',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const endpoint = `http://127.0.0.1:${port}`;
  const server: LocalStackServer = {
    endpoint,
    logFile,
    failuresLogged: (stateName) => failuresLogged(fs.readFileSync(logFile, 'utf8'), stateName),
    stop: async () => {
      await stopProcess(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(endpoint, child, logFile);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

async function waitUntilReady(endpoint: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`LocalStack exited with code ${child.exitCode} while starting:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2_000) });
      const health = await response.json() as { services?: Record<string, string> };
      if (['available', 'running'].includes(health.services?.stepfunctions ?? '')) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`LocalStack did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${tail(logFile)}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

/**
 * From lines like `... Exception=FailureEventException, Error=States.Runtime, Details={"taskFailedEventDetails":
 * {"error": ..., "cause": ...}} at '(StatePass| {... 'name': 'FallBackSpot', ...`: those of a state
 * named `stateName` (not of a Map or Parallel, whose lines name every state inside them too).
 */
export function failuresLogged(log: string, stateName: string): Array<{ error: string; cause: string }> {
  const failures: Array<{ error: string; cause: string }> = [];
  for (const line of log.split('\n')) {
    const match = /Exception=FailureEventException, Error=\S+, Details=(\{".*?\}\}) at '\((State\w+)\| (.*)$/.exec(line);
    if (match && !['StateMap', 'StateParallel'].includes(match[2]) && match[3].includes(`'name': '${stateName}'`)) {
      const details = Object.values(JSON.parse(match[1]))[0] as { error: string; cause: string };
      failures.push({ error: details.error, cause: details.cause });
    }
  }
  return failures;
}

/** A port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
