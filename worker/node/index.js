'use strict';
/**
 * Worker runtime for containers run by cdk-fargate-fan-out's FargateFanOut construct.
 *
 * `run(handler)` calls `handler(item)` for the task's item (or each item of its batch), reports
 * the outcome the way the integration pattern expects, sends heartbeats and turns SIGTERM into a
 * reported interruption. The environment contract is in worker/README.md.
 *
 * Why two processes: a handler that computes synchronously blocks Node's event loop, and with
 * it every timer and signal listener of its process, so heartbeats would stop and SIGTERM would
 * go unanswered until the handler returns (cdklabs/construct-hub#617 lost heartbeats to a busy
 * loop). `run` therefore re-runs the entry script in a child process that only calls the
 * handler, and the first process keeps its event loop free to supervise: it reads the items,
 * sends heartbeats, answers SIGTERM and reports the outcome.
 */
const { fork } = require('node:child_process');
const crypto = require('node:crypto');
const {
  SFN_CAUSE_MAX_CHARS, SFN_ERROR_MAX_CHARS, SFN_OUTPUT_MAX_BYTES, SFN_TOKEN_GONE_ERRORS,
} = require('./limits');

// The environment contract with the construct (worker/README.md).
const ENV_ITEM = 'FANOUT_ITEM';
const ENV_ITEMS = 'FANOUT_ITEMS';
const ENV_TASK_TOKEN = 'FANOUT_TASK_TOKEN';
const ENV_HEARTBEAT_SECONDS = 'FANOUT_HEARTBEAT_SECONDS';
const ENV_RESULT_S3_PREFIX = 'FANOUT_RESULT_S3_PREFIX';
/** Set by the runtime in the handler's process; not part of the contract. */
const ENV_HANDLER_PROCESS = 'FANOUT_WORKER_HANDLER_PROCESS';

/** An item, batch or result kept in S3 travels as {"fanOutS3Ref": {"bucket": ..., "key": ...}}. */
const S3_REF_KEY = 'fanOutS3Ref';

/**
 * Without FANOUT_HEARTBEAT_SECONDS: one heartbeat a minute fits the construct's default
 * heartbeatTimeout (10 minutes) ten times over, and any heartbeatTimeout of 2 minutes or more.
 */
const DEFAULT_HEARTBEAT_SECONDS = 60;

// Error names sent with SendTaskFailure by the runtime itself (the handler's own errors are sent
// under their class name).
const ERROR_INTERRUPTED = 'FanOut.Interrupted';
const ERROR_RESULT_TOO_LARGE = 'FanOut.ResultTooLarge';
const ERROR_INVALID_INPUT = 'FanOut.InvalidInput';
const ERROR_HANDLER_EXITED = 'FanOut.HandlerExited';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
/** The state timed out or the execution stopped: nobody waits for the result. What `timeout` exits with. */
const EXIT_TOKEN_GONE = 124;
/** SIGTERM (Spot interruption, StopTask): 128 + 15, what a shell reports for a process SIGTERM killed. */
const EXIT_INTERRUPTED = 143;

const TRUNCATED = ' [truncated]';

function log(message) {
  process.stderr.write(`fargate-fan-out-worker: ${message}\n`);
}

/**
 * `text` cut to at most `max` UTF-8 bytes (so also characters), with a marker. Bytes rather than
 * characters: a byte count can never exceed the API's limit, whichever way AWS counts.
 */
function cut(text, max) {
  if (Buffer.byteLength(text) <= max) return text;
  const budget = max - Buffer.byteLength(TRUNCATED);
  const kept = [];
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (used + n > budget) break;
    kept.push(ch);
    used += n;
  }
  return kept.join('') + TRUNCATED;
}

function s3Ref(value) {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1) {
    const ref = value[S3_REF_KEY];
    if (ref && typeof ref.bucket === 'string' && typeof ref.key === 'string') return ref;
  }
  return undefined;
}

function errorCode(error) {
  return error && (error.name || error.Code);
}

class InvalidInput extends Error {}

/**
 * Calls `handler(item)` for the task's item, or for each item of its batch (awaiting each), then
 * reports the outcome and exits the process. Code after `run(...)` in the entry script also runs
 * in the handler's process: make `run` the entry script's last statement.
 */
function run(handler) {
  if (process.env[ENV_HANDLER_PROCESS] === '1') {
    runHandler(handler);
  } else {
    new Supervisor(process.env).start();
  }
}

/** The handler's process: gets the items from the supervisor, sends back results or the error. */
function runHandler(handler) {
  // SIGTERM is the supervisor's to answer: it stops this process itself.
  process.on('SIGTERM', () => {});
  // Without a supervisor nobody reports or waits: stop (it is gone only if killed outright).
  process.on('disconnect', () => process.exit(EXIT_FAILED));
  process.once('message', async ({ items, batched, wantOutput }) => {
    let message;
    try {
      const results = [];
      for (const item of items) results.push(await handler(item));
      const output = batched ? results : results[0];
      message = { ok: true, output: wantOutput ? JSON.stringify(output === undefined ? null : output) : undefined };
    } catch (error) {
      const name = error && error.constructor && error.constructor.name !== 'Error' && error.constructor.name !== 'Object'
        ? error.constructor.name : (error && error.name) || 'Error';
      const messageText = error instanceof Error ? error.message : String(error);
      if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      message = { ok: false, error: { name: String(name), message: messageText || String(name) } };
    }
    process.send(message, () => process.exit(0));
  });
}

class Supervisor {
  constructor(env) {
    this.env = env;
    this.token = env[ENV_TASK_TOKEN] || undefined;
    /** One outcome per task: the first of result, failure, interruption or lost token sets this. */
    this.done = false;
    this.child = undefined;
  }

  sfn() {
    if (!this.sfnClient) {
      const { SFNClient } = require('@aws-sdk/client-sfn');
      this.sfnClient = new SFNClient({});
    }
    return this.sfnClient;
  }

  s3() {
    if (!this.s3Client) {
      const { S3Client } = require('@aws-sdk/client-s3');
      this.s3Client = new S3Client({});
    }
    return this.s3Client;
  }

  async start() {
    process.on('SIGTERM', () => this.interrupt());
    // The handler's process ends with this one, whatever way this one ends.
    process.on('exit', () => { if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL'); });
    try {
      if (this.token) {
        // A first heartbeat at once: the container's start may already have used much of the
        // heartbeat timeout, and a token that is already gone means no work to do.
        if (!await this.heartbeat()) return this.tokenGone();
        this.startHeartbeats();
      }
      let input;
      try {
        input = await this.readItems();
      } catch (error) {
        log(String(error.message || error));
        return await this.reportFailure(error instanceof InvalidInput ? ERROR_INVALID_INPUT : errorCode(error) || 'Error', error.message || String(error));
      }
      this.runChild(input);
    } catch (error) {
      log(`unexpected error: ${error && error.stack || error}`);
      this.finish(EXIT_FAILED);
    }
  }

  async readItems() {
    if (ENV_ITEMS in this.env) {
      const batch = await this.resolve(this.parse(ENV_ITEMS));
      if (!Array.isArray(batch)) throw new InvalidInput(`${ENV_ITEMS} must be a JSON array`);
      return { batched: true, items: await Promise.all(batch.map((item) => this.resolve(item))) };
    }
    if (ENV_ITEM in this.env) {
      return { batched: false, items: [await this.resolve(this.parse(ENV_ITEM))] };
    }
    throw new InvalidInput(`neither ${ENV_ITEM} nor ${ENV_ITEMS} is set: is this container run by FargateFanOut?`);
  }

  parse(name) {
    try {
      return JSON.parse(this.env[name]);
    } catch (error) {
      throw new InvalidInput(`${name} is not JSON: ${error.message}`);
    }
  }

  /** The value itself, or the JSON it refers to in S3 (items too large for the container overrides). */
  async resolve(value) {
    const ref = s3Ref(value);
    if (!ref) return value;
    const { GetObjectCommand } = require('@aws-sdk/client-s3');
    const object = await this.s3().send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return JSON.parse(await object.Body.transformToString('utf-8'));
  }

  runChild({ batched, items }) {
    const entry = (require.main && require.main.filename) || process.argv[1];
    this.child = fork(entry, process.argv.slice(2), {
      env: { ...process.env, [ENV_HANDLER_PROCESS]: '1' },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    let answer;
    this.child.on('message', (message) => { answer = message; });
    this.child.on('exit', (code, signal) => {
      if (this.done) return;
      if (answer && answer.ok) this.reportSuccess(answer.output);
      else if (answer) this.reportFailure(answer.error.name, answer.error.message);
      else this.reportFailure(ERROR_HANDLER_EXITED, `the handler's process exited with ${signal || `code ${code}`} before it answered`);
    });
    this.child.send({ items, batched, wantOutput: Boolean(this.token) });
  }

  // -- reporting -------------------------------------------------------------------------------
  async reportSuccess(output) {
    if (!this.token) return this.settle() && this.finish(EXIT_OK);
    if (Buffer.byteLength(output) > SFN_OUTPUT_MAX_BYTES) {
      try {
        output = await this.storeLargeResult(output);
      } catch (error) {
        return this.reportFailure(ERROR_RESULT_TOO_LARGE, error.message);
      }
    }
    const { SendTaskSuccessCommand } = require('@aws-sdk/client-sfn');
    return this.send(new SendTaskSuccessCommand({ taskToken: this.token, output }), EXIT_OK);
  }

  async storeLargeResult(output) {
    const size = Buffer.byteLength(output);
    const uri = this.env[ENV_RESULT_S3_PREFIX];
    if (!uri) {
      throw new Error(`the result is ${size} bytes, over Step Functions' ${SFN_OUTPUT_MAX_BYTES}, and ${ENV_RESULT_S3_PREFIX} is not set to keep it in S3`);
    }
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!match) throw new Error(`${ENV_RESULT_S3_PREFIX} must look like s3://bucket/prefix/, not ${uri}`);
    const [, bucket, prefix] = match;
    // Named after the token: one object per task, and a rerun of the item gets a new token.
    const key = `${prefix}${crypto.createHash('sha256').update(this.token).digest('hex')}.json`;
    const { PutObjectCommand } = require('@aws-sdk/client-s3');
    await this.s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: output, ContentType: 'application/json' }));
    log(`the result (${size} bytes) is in s3://${bucket}/${key}`);
    return JSON.stringify({ [S3_REF_KEY]: { bucket, key } });
  }

  async reportFailure(error, cause) {
    if (!this.token) return this.settle() && this.finish(EXIT_FAILED);
    const { SendTaskFailureCommand } = require('@aws-sdk/client-sfn');
    return this.send(new SendTaskFailureCommand({
      taskToken: this.token, error: cut(error, SFN_ERROR_MAX_CHARS), cause: cut(cause, SFN_CAUSE_MAX_CHARS),
    }), EXIT_FAILED);
  }

  /** Sends the task's one outcome, unless it is already settled (interrupted, token gone). */
  async send(command, exitCode) {
    if (!this.settle()) return;
    try {
      await this.sfn().send(command);
    } catch (error) {
      if (SFN_TOKEN_GONE_ERRORS.has(errorCode(error))) {
        log(`${command.constructor.name} answered ${errorCode(error)}: the state timed out or the execution stopped`);
        return this.finish(EXIT_TOKEN_GONE);
      }
      log(`${command.constructor.name} failed: ${error}`);
      return this.finish(EXIT_FAILED);
    }
    this.finish(exitCode);
  }

  /** True for the first outcome only. */
  settle() {
    if (this.done) return false;
    this.done = true;
    clearInterval(this.heartbeatTimer);
    return true;
  }

  finish(code) {
    clearInterval(this.heartbeatTimer);
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    process.exit(code);
  }

  // -- heartbeats ------------------------------------------------------------------------------
  heartbeatSeconds() {
    const raw = this.env[ENV_HEARTBEAT_SECONDS];
    const seconds = raw ? Number(raw) : DEFAULT_HEARTBEAT_SECONDS;
    if (!(seconds > 0)) {
      log(`${ENV_HEARTBEAT_SECONDS}=${JSON.stringify(raw)} is not a positive number: using ${DEFAULT_HEARTBEAT_SECONDS}`);
      return DEFAULT_HEARTBEAT_SECONDS;
    }
    return seconds;
  }

  /** Sends one heartbeat; false when the token is gone. Other errors are logged, and the next heartbeat tries again. */
  async heartbeat() {
    const { SendTaskHeartbeatCommand } = require('@aws-sdk/client-sfn');
    try {
      await this.sfn().send(new SendTaskHeartbeatCommand({ taskToken: this.token }));
    } catch (error) {
      if (SFN_TOKEN_GONE_ERRORS.has(errorCode(error))) {
        log(`SendTaskHeartbeat answered ${errorCode(error)}: the state timed out or the execution stopped, and nobody waits for this task: stopping`);
        return false;
      }
      log(`SendTaskHeartbeat failed, will try again: ${error}`);
    }
    return true;
  }

  startHeartbeats() {
    // This process's event loop stays free (the handler runs in the child), so a timer is enough.
    let inFlight = false;
    this.heartbeatTimer = setInterval(async () => {
      if (inFlight || this.done) return;
      inFlight = true;
      const alive = await this.heartbeat();
      inFlight = false;
      if (!alive) this.tokenGone();
    }, this.heartbeatSeconds() * 1000);
  }

  tokenGone() {
    if (this.settle()) this.finish(EXIT_TOKEN_GONE);
  }

  // -- SIGTERM ---------------------------------------------------------------------------------
  /** Stops the handler and reports the interruption (never a success), then exits with 143. */
  async interrupt() {
    if (!this.settle()) return; // an outcome is already on its way; its send exits the process
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
    log('SIGTERM: the task is being stopped (Spot interruption or StopTask); the item must run again');
    if (this.token) {
      const { SendTaskFailureCommand } = require('@aws-sdk/client-sfn');
      try {
        await this.sfn().send(new SendTaskFailureCommand({
          taskToken: this.token,
          error: ERROR_INTERRUPTED,
          cause: 'SIGTERM: the task was stopped (Spot interruption or StopTask) before the handler finished; run the item again',
        }));
      } catch (error) { // exit all the same: the heartbeat timeout catches it
        log(`SendTaskFailure for the interruption failed: ${error}`);
      }
    }
    this.finish(EXIT_INTERRUPTED);
  }
}

module.exports = {
  run,
  cut,
  ENV_ITEM,
  ENV_ITEMS,
  ENV_TASK_TOKEN,
  ENV_HEARTBEAT_SECONDS,
  ENV_RESULT_S3_PREFIX,
  S3_REF_KEY,
  DEFAULT_HEARTBEAT_SECONDS,
  ERROR_INTERRUPTED,
  ERROR_RESULT_TOO_LARGE,
  ERROR_INVALID_INPUT,
  ERROR_HANDLER_EXITED,
  EXIT_OK,
  EXIT_FAILED,
  EXIT_TOKEN_GONE,
  EXIT_INTERRUPTED,
};
