'use strict';
// A local AWS for the tests: moto in server mode on 127.0.0.1 (the same server the Python tests
// use, started here as a process), with Step Functions executing state machines, so that task
// tokens, heartbeat timeouts and SendTask* outcomes are moto's, reached through real SDK calls.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const {
  SFNClient, CreateStateMachineCommand, StartExecutionCommand, GetExecutionHistoryCommand, DescribeExecutionCommand,
} = require('@aws-sdk/client-sfn');
const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');

const REGION = 'us-east-1';
const ROLE = 'arn:aws:iam::123456789012:role/fan-out';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
  });
}

async function startMoto() {
  const motoServer = process.env.MOTO_SERVER || 'moto_server';
  const port = await freePort();
  const tmp = process.env.WORKER_TEST_TMP || os.tmpdir();
  const recording = path.join(tmp, `moto-recording-node-${process.pid}.jsonl`);
  fs.writeFileSync(recording, '');
  const proc = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    // moto records every request, so the tests can read what the worker sent (moto's server
    // drops SendTaskFailure's cause and enforces none of the API's length limits); its Step
    // Functions reaches the services of a Task state through its own port.
    env: { ...process.env, MOTO_PORT: String(port), MOTO_ENABLE_RECORDING: 'true', MOTO_RECORDER_FILEPATH: recording },
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await post(`${endpoint}/moto-api/config`, JSON.stringify({ stepfunctions: { execute_state_machine: true } }));
      break;
    } catch (error) {
      if (i > 200) throw new Error(`moto_server did not start: ${error}`);
      await sleep(50);
    }
  }
  return { endpoint, recording, stop: () => proc.kill() };
}

function post(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

class Aws {
  constructor(moto) {
    this.moto = moto;
    const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    this.sfn = new SFNClient(config);
    this.s3 = new S3Client({ ...config, forcePathStyle: true });
    this.machines = new Map();
  }

  /** The worker's environment: this machine's, without any AWS setting, pointed at moto. */
  env(fanout = {}, endpoint = this.moto.endpoint) {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('FANOUT_')));
    return {
      ...env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_CONFIG_FILE: os.devNull,
      AWS_SHARED_CREDENTIALS_FILE: os.devNull,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...fanout,
    };
  }

  async bucket() {
    const name = `fan-out-${crypto.randomBytes(6).toString('hex')}`;
    await this.s3.send(new CreateBucketCommand({ Bucket: name }));
    return name;
  }

  async put(bucket, key, value) {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value) }));
  }

  async get(bucket, key) {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body.transformToString());
  }

  /** A state machine whose one Task waits for a task token with HeartbeatSeconds (see the Python conftest). */
  async machine(heartbeatSeconds) {
    if (!this.machines.has(heartbeatSeconds)) {
      const definition = { StartAt: 'Run', States: { Run: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
        HeartbeatSeconds: heartbeatSeconds,
        TimeoutSeconds: 120,
        Parameters: { Entries: [{ Source: 'fan-out.test', DetailType: 'item', Detail: { 'token.$': '$$.Task.Token' } }] },
        End: true,
      } } };
      const { stateMachineArn } = await this.sfn.send(new CreateStateMachineCommand({
        name: `callback-${heartbeatSeconds}s`, definition: JSON.stringify(definition), roleArn: ROLE,
      }));
      this.machines.set(heartbeatSeconds, stateMachineArn);
    }
    return this.machines.get(heartbeatSeconds);
  }

  async startCallback(heartbeatSeconds = 30) {
    const { executionArn } = await this.sfn.send(new StartExecutionCommand({
      stateMachineArn: await this.machine(heartbeatSeconds), name: crypto.randomUUID(), input: '{}',
    }));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      let token;
      for (const event of (await this.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events) {
        if (event.type === 'TaskScheduled') token = JSON.parse(event.taskScheduledEventDetails.parameters).Entries[0].Detail.token;
        // moto takes a callback only once the task is submitted.
        if (event.type === 'TaskSubmitted' && token) return new Execution(this, executionArn, token);
      }
      await sleep(50);
    }
    throw new Error('moto gave no task token');
  }

  /** The JSON bodies of the Step Functions `operation` calls moto received. */
  sent(operation) {
    return fs.readFileSync(this.moto.recording, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
      .filter((entry) => entry.headers['X-Amz-Target'] === `AWSStepFunctions.${operation}`)
      .map((entry) => JSON.parse(entry.body_encoded ? Buffer.from(entry.body, 'base64').toString('utf8') : entry.body));
  }
}

class Execution {
  constructor(aws, arn, token) { Object.assign(this, { aws, arn, token }); }

  async wait(timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const described = await this.aws.sfn.send(new DescribeExecutionCommand({ executionArn: this.arn }));
      if (described.status !== 'RUNNING') return described;
      await sleep(100);
    }
    throw new Error(`execution still RUNNING after ${timeoutMs} ms`);
  }

  failures() { return this.aws.sent('SendTaskFailure').filter((b) => b.taskToken === this.token); }
  successes() { return this.aws.sent('SendTaskSuccess').filter((b) => b.taskToken === this.token); }
  heartbeats() { return this.aws.sent('SendTaskHeartbeat').filter((b) => b.taskToken === this.token).length; }
}

/** A worker process running test/handlers.js with one handler. */
class Worker {
  constructor(handler, env, script = 'handlers.js') {
    // A process group of its own, killed by killWorkers() after each test, whatever it left running.
    this.proc = spawn(process.execPath, [path.join(__dirname, script), handler], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    Worker.started.push(this);
    this.out = '';
    this.err = '';
    this.proc.stdout.on('data', (d) => { this.out += d; });
    this.proc.stderr.on('data', (d) => { this.err += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => { this.code = code; this.signal = signal; resolve(this); }));
  }

  async waitFor(text, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (!this.out.split('\n').some((l) => l.startsWith(text))) {
      if (Date.now() > deadline || this.code !== undefined) throw new Error(`the worker never printed ${text}: ${this.err}`);
      await sleep(20);
    }
  }

  async finish(timeoutMs = 30000) {
    let timer;
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => { this.proc.kill('SIGKILL'); reject(new Error('worker timed out')); }, timeoutMs); });
    try { return await Promise.race([this.exited, timeout]); } finally { clearTimeout(timer); }
  }
}

Worker.started = [];

function killWorkers() {
  for (const w of Worker.started.splice(0)) {
    try { process.kill(-w.proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

const runWorker = (handler, env, timeoutMs, script) => new Worker(handler, env, script).finish(timeoutMs);

/**
 * A stand-in Step Functions endpoint on 127.0.0.1 that answers every call with one error of the
 * JSON protocol and records the operations: moto answers InvalidToken where AWS answers
 * TaskTimedOut, so TaskTimedOut is tested against this.
 */
async function stubSfn(errorCode) {
  const calls = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls.push(String(req.headers['x-amz-target'] || '').split('.').pop());
      const body = JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${errorCode}`, message: `stub: ${errorCode}` });
      res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, calls, close: () => server.close() };
}

module.exports = { startMoto, Aws, Worker, runWorker, killWorkers, stubSfn, sleep };
