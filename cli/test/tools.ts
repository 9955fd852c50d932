/**
 * The real components the CLI's tests drive, set up by the tests themselves with no root-only
 * step (issue 26, item 3):
 * - headless Chromium: the binary the npm package @sparticuz/chromium ships in its tarball (a
 *   devDependency of the CLI, installed by `npm ci` in cli/), unpacked on first use;
 * - moto in server mode: a Python virtual environment under .tmp/test-tools, created on first use
 *   with `python3 -m venv` and `pip install 'moto[server]==5.2.5'` (idempotent, one creator at a time).
 * A tool that cannot be set up fails with the command that installs it.
 * `installTestTools()` sets both up ahead of a run (scripts/install-test-tools.sh).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'fs';
import * as net from 'net';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'cli');

/** moto's version, pinned: the tests rely on what this version serves. */
export const MOTO_VERSION = '5.2.5';
/** The virtual environment the tests create for moto (scripts/test-worker.sh keeps its own). */
export const MOTO_VENV = path.join(ROOT, '.tmp/test-tools/moto-venv');
const MOTO_READY = path.join(MOTO_VENV, `.moto-${MOTO_VERSION}-ready`);
const MOTO_INSTALL = `python3 -m venv ${path.relative(ROOT, MOTO_VENV)} && ${path.relative(ROOT, MOTO_VENV)}/bin/pip install 'moto[server]==${MOTO_VERSION}'`;
const CHROMIUM_INSTALL = 'npm ci --prefix cli   (installs @sparticuz/chromium, a devDependency of the CLI that ships a Chromium binary)';

/**
 * The Chromium to drive: $CHROMIUM when set, else the one @sparticuz/chromium ships (unpacked to
 * the temp folder on first use), with the arguments it needs.
 */
export async function chromium(): Promise<{ executablePath: string; args: string[] }> {
  if (process.env.CHROMIUM) return { executablePath: process.env.CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] };
  let shipped: { args: string[]; executablePath(): Promise<string> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(require.resolve('@sparticuz/chromium', { paths: [CLI] }));
    shipped = loaded.default ?? loaded;
  } catch (e) {
    throw new Error(`no Chromium: @sparticuz/chromium is not installed in cli/node_modules (${(e as Error).message.split('\n')[0]}); run: ${CHROMIUM_INSTALL}`);
  }
  return { executablePath: await shipped.executablePath(), args: ['--no-sandbox', '--disable-gpu', '--headless=shell'] };
}

/** Kept for callers that only need the path. */
export async function chromiumPath(): Promise<string> {
  return (await chromium()).executablePath;
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * moto's server from the tests' virtual environment, created when missing. Several test files
 * may ask at once (jest workers): one creates it under a lock folder, the others wait.
 * $MOTO_SERVER overrides (a moto_server executable).
 */
export function motoServerCommand(): string[] {
  if (process.env.MOTO_SERVER) return [process.env.MOTO_SERVER];
  const server = path.join(MOTO_VENV, 'bin/moto_server');
  if (existsSync(MOTO_READY) && existsSync(server)) return [server];
  const lock = `${MOTO_VENV}.lock`;
  mkdirSync(path.dirname(MOTO_VENV), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is creating it; a lock older than 5 minutes was left by a killed run.
      if (existsSync(MOTO_READY)) return [server];
      if (ageMs(lock) > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`moto's virtual environment is locked by ${lock}; remove it, or run: ${MOTO_INSTALL}`);
      sleepSync(500);
    }
  }
  try {
    if (existsSync(MOTO_READY)) return [server];
    rmSync(MOTO_VENV, { recursive: true, force: true });
    const run = (command: string, args: string[]) => execFileSync(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    });
    try {
      run('python3', ['-m', 'venv', MOTO_VENV]);
      run(path.join(MOTO_VENV, 'bin/pip'), ['install', '--quiet', `moto[server]==${MOTO_VERSION}`]);
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-3).join('\n');
      throw new Error(`could not create moto's virtual environment (${stderr || (e as Error).message}); run: ${MOTO_INSTALL}`);
    }
    if (!existsSync(server)) throw new Error(`moto_server is missing from ${MOTO_VENV}; run: ${MOTO_INSTALL}`);
    writeFileSync(MOTO_READY, `moto[server]==${MOTO_VERSION}\n`);
    return [server];
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A moto server on 127.0.0.1, started for a test file; `stop()` ends it. */
export async function startMoto(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const [command, ...args] = motoServerCommand();
  const port = await freePort();
  const child: ChildProcess = spawn(command, [...args, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto's server exited: ${stderr.slice(-2000)}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto's server did not listen on ${endpoint} within 30 s: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Sets up Chromium and moto ahead of a test run; prints where each is. */
export async function installTestTools(): Promise<void> {
  const [moto] = motoServerCommand();
  const { executablePath } = await chromium();
  console.log(`test tools: chromium ${executablePath}, moto ${moto}`);
}
