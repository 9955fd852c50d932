/**
 * The machine tools the report's tests drive: Chromium (the Debian package) and moto's S3
 * server. scripts/install-test-tools.sh installs both; .ci/run calls it.
 */
import { execFileSync, spawn, ChildProcess } from 'child_process';
import { existsSync } from 'fs';
import * as net from 'net';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const INSTALL_HINT = 'run `bash scripts/install-test-tools.sh` (it installs Chromium with apt-get and moto into .tmp/worker/venv)';

/** The Chromium to drive: $CHROMIUM, or the first of the Debian package's names on the PATH. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // not this one
    }
  }
  throw new Error(`no Chromium found: ${INSTALL_HINT}`);
}

/** How to start moto's server: $MOTO_SERVER, the worker tests' venv, or python3 with moto installed. */
function motoCommand(): string[] {
  if (process.env.MOTO_SERVER) return [process.env.MOTO_SERVER];
  const venv = path.join(ROOT, '.tmp/worker/venv/bin/moto_server');
  if (existsSync(venv)) return [venv];
  try {
    execFileSync('python3', ['-c', 'import moto.server, flask'], { stdio: 'ignore' });
    return ['python3', '-m', 'moto.server'];
  } catch {
    throw new Error(`moto's server is not installed: ${INSTALL_HINT}`);
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
  const port = await freePort();
  const [command, ...args] = motoCommand();
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
