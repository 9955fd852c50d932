'use strict';
// The Node runtime in a real worker process, against moto's S3 and Step Functions.
const assert = require('node:assert/strict');
const { after, afterEach, before, test } = require('node:test');
const {
  ERROR_HANDLER_EXITED, ERROR_INTERRUPTED, ERROR_RESULT_TOO_LARGE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TOKEN_GONE, cut,
} = require('..');
const { SFN_CAUSE_MAX_CHARS, SFN_ERROR_MAX_CHARS, SFN_OUTPUT_MAX_BYTES } = require('../limits');
const { Aws, Worker, killWorkers, runWorker, sleep, startMoto, stubSfn } = require('./aws');

// Over the 8,192 characters of RunTask's container overrides: such an item only travels by S3.
const LARGE_ITEM = { data: 'abcde' + 'z'.repeat(20000) };

let moto;
let aws;
before(async () => { moto = await startMoto(); aws = new Aws(moto); });
afterEach(killWorkers);
after(() => moto && moto.stop());

const lines = (w, prefix) => w.out.split('\n').filter((l) => l.startsWith(prefix));

// -- run-job (.sync): the exit code is the outcome ----------------------------------------------
test('run-job exits 0 when the handler succeeds', async () => {
  const w = await runWorker('echo', aws.env({ FANOUT_ITEM: '{"id":7}' }));
  assert.equal(w.code, EXIT_OK, w.err);
  assert.deepEqual(lines(w, 'ITEM'), ['ITEM {"id":7}']);
});

test('fails run-job with exit 1 when the handler throws', async () => {
  const w = await runWorker('fail', aws.env({ FANOUT_ITEM: '"x"' }));
  assert.equal(w.code, EXIT_FAILED);
  assert.match(w.err, /RangeError: cannot process x/);
});

test('run-job calls the handler for each item of a batch', async () => {
  const w = await runWorker('echo', aws.env({ FANOUT_ITEMS: '[1,{"a":2},"three"]' }));
  assert.equal(w.code, EXIT_OK, w.err);
  assert.deepEqual(lines(w, 'ITEM'), ['ITEM 1', 'ITEM {"a":2}', 'ITEM "three"']);
});

test('fails a batch at its first failing item', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('failSecond', aws.env({ FANOUT_ITEMS: '[1,2,3]', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_FAILED);
  assert.deepEqual(lines(w, 'ITEM'), ['ITEM 1', 'ITEM 2']);
  await ex.wait();
  assert.deepEqual(ex.failures().map((f) => f.error), ['Error']);
  assert.deepEqual(ex.successes(), []);
});

test('runs an ES module entry script', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('echo', aws.env({ FANOUT_ITEM: '{"id":3}', FANOUT_TASK_TOKEN: ex.token }), 30000, 'handler.mjs');
  assert.equal(w.code, EXIT_OK, w.err);
  assert.deepEqual(JSON.parse((await ex.wait()).output), { esm: { id: 3 } });
});

test('fails without an item', async () => {
  const w = await runWorker('echo', aws.env());
  assert.equal(w.code, EXIT_FAILED);
  assert.match(w.err, /neither FANOUT_ITEM nor FANOUT_ITEMS/);
});

test('fails when the handler process exits without answering', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('exits', aws.env({ FANOUT_ITEM: '{}', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_FAILED);
  assert.equal(ex.failures()[0].error, ERROR_HANDLER_EXITED);
  assert.match(ex.failures()[0].cause, /code 3/);
});

// -- callback (.waitForTaskToken): the outcome goes to Step Functions ---------------------------
test('callback sends the handler result with SendTaskSuccess', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('echoAsync', aws.env({ FANOUT_ITEM: '{"id":1}', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_OK, w.err);
  const done = await ex.wait();
  assert.equal(done.status, 'SUCCEEDED');
  assert.deepEqual(JSON.parse(done.output), { got: { id: 1 } });
});

test('callback sends a batch results as an array', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('echo', aws.env({ FANOUT_ITEMS: '[1,2]', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_OK, w.err);
  assert.deepEqual(JSON.parse((await ex.wait()).output), [{ got: 1 }, { got: 2 }]);
});

test('fails callback with SendTaskFailure naming the error', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('fail', aws.env({ FANOUT_ITEM: '"x"', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_FAILED);
  assert.equal((await ex.wait()).status, 'FAILED');
  assert.deepEqual(ex.failures().map(({ error, cause }) => ({ error, cause })), [{ error: 'RangeError', cause: 'cannot process x' }]);
});

test('fails callback with error and cause cut to the API limits', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('longFailure', aws.env({ FANOUT_ITEM: '{}', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_FAILED);
  await ex.wait();
  const [failure] = ex.failures();
  // moto does not enforce the limits (AWS does): check what the worker sent.
  assert.ok(Buffer.byteLength(failure.error) <= SFN_ERROR_MAX_CHARS);
  assert.ok(Buffer.byteLength(failure.cause) <= SFN_CAUSE_MAX_CHARS);
  assert.match(failure.error, /^EEEE.*\[truncated\]$/);
  assert.match(failure.cause, /^éééé.*\[truncated\]$/);
  assert.ok(failure.cause.length > SFN_CAUSE_MAX_CHARS / 2 - 20, 'cut, not dropped');
});

test('cut never splits a character', () => {
  assert.equal(cut('abc', 3), 'abc');
  assert.equal(cut('€'.repeat(20), 20), '€€ [truncated]'); // 3 bytes each: 8 bytes left after the marker hold two
});

test('fails callback when the result is not JSON', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('notJson', aws.env({ FANOUT_ITEM: '{}', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_FAILED);
  await ex.wait();
  assert.equal(ex.failures()[0].error, 'TypeError');
});

test('heartbeats keep a CPU-busy synchronous handler alive', async () => {
  // The state fails after 2 s without a heartbeat; the handler blocks its event loop for 6 s.
  const ex = await aws.startCallback(2);
  const w = await runWorker('busy', aws.env({ FANOUT_ITEM: '{"seconds":6}', FANOUT_TASK_TOKEN: ex.token, FANOUT_HEARTBEAT_SECONDS: '0.5' }));
  assert.equal(w.code, EXIT_OK, w.err);
  const done = await ex.wait();
  assert.equal(done.status, 'SUCCEEDED');
  assert.deepEqual(JSON.parse(done.output), { busy: 6 });
  // One at the start, then every 0.5 s while the handler computed for 6 s (slack for a loaded machine).
  assert.ok(ex.heartbeats() >= 6, `${ex.heartbeats()} heartbeats`);
});

test('fails callback when heartbeats are too rare (the counter-test of the one above)', async () => {
  const ex = await aws.startCallback(2);
  const w = new Worker('sleepy', aws.env({ FANOUT_ITEM: '{"seconds":6}', FANOUT_TASK_TOKEN: ex.token, FANOUT_HEARTBEAT_SECONDS: '5' }));
  const done = await ex.wait(10000);
  assert.equal(done.status, 'FAILED');
  assert.equal(done.error, 'States.Timeout');
  await w.finish();
});

test('stops the work when the state timed out', async () => {
  // The state's heartbeat timeout passes; the next heartbeat is refused (moto: InvalidToken).
  const ex = await aws.startCallback(1);
  const started = Date.now();
  const w = await runWorker('busy', aws.env({ FANOUT_ITEM: '{"seconds":60}', FANOUT_TASK_TOKEN: ex.token, FANOUT_HEARTBEAT_SECONDS: '3' }));
  assert.equal(w.code, EXIT_TOKEN_GONE, w.err);
  assert.ok(Date.now() - started < 20000);
  assert.deepEqual(lines(w, 'DONE'), []);
  assert.match(w.err, /InvalidToken/);
});

for (const errorCode of ['TaskTimedOut', 'InvalidToken']) {
  test(`does no work when the first heartbeat answers ${errorCode}`, async () => {
    const stub = await stubSfn(errorCode);
    let w;
    try {
      w = await runWorker('echo', aws.env({ FANOUT_ITEM: '{}', FANOUT_TASK_TOKEN: 'token' }, stub.url));
    } finally {
      stub.close();
    }
    assert.equal(w.code, EXIT_TOKEN_GONE, w.err);
    assert.deepEqual(lines(w, 'ITEM'), []);
    assert.deepEqual(stub.calls, ['SendTaskHeartbeat']);
    assert.match(w.err, new RegExp(errorCode));
  });
}

// -- large items and results through S3 ---------------------------------------------------------
test('reads an item given as an S3 reference', async () => {
  const bucket = await aws.bucket();
  await aws.put(bucket, 'items/1.json', LARGE_ITEM);
  const ex = await aws.startCallback();
  const w = await runWorker('size', aws.env({
    FANOUT_ITEM: JSON.stringify({ fanOutS3Ref: { bucket, key: 'items/1.json' } }), FANOUT_TASK_TOKEN: ex.token,
  }));
  assert.equal(w.code, EXIT_OK, w.err);
  assert.deepEqual(JSON.parse((await ex.wait()).output), { chars: JSON.stringify(LARGE_ITEM).length, first: 'abcde' });
});

test('reads a batch and its items given as S3 references', async () => {
  const bucket = await aws.bucket();
  await aws.put(bucket, 'one.json', LARGE_ITEM);
  await aws.put(bucket, 'batch.json', [{ fanOutS3Ref: { bucket, key: 'one.json' } }, { data: 'small' }]);
  const ex = await aws.startCallback();
  const w = await runWorker('size', aws.env({
    FANOUT_ITEMS: JSON.stringify({ fanOutS3Ref: { bucket, key: 'batch.json' } }), FANOUT_TASK_TOKEN: ex.token,
  }));
  assert.equal(w.code, EXIT_OK, w.err);
  assert.deepEqual(JSON.parse((await ex.wait()).output).map((r) => r.first), ['abcde', 'small']);
});

test('sends a result over 256 KiB as an S3 reference', async () => {
  const bucket = await aws.bucket();
  const ex = await aws.startCallback();
  const bytes = SFN_OUTPUT_MAX_BYTES + 1;
  const w = await runWorker('largeResult', aws.env({
    FANOUT_ITEM: JSON.stringify({ bytes }), FANOUT_TASK_TOKEN: ex.token, FANOUT_RESULT_S3_PREFIX: `s3://${bucket}/results/`,
  }));
  assert.equal(w.code, EXIT_OK, w.err);
  const ref = JSON.parse((await ex.wait()).output).fanOutS3Ref;
  assert.equal(ref.bucket, bucket);
  assert.match(ref.key, /^results\//);
  assert.equal(await aws.get(bucket, ref.key), 'x'.repeat(bytes));
});

test('sends a result of exactly 256 KiB inline', async () => {
  const ex = await aws.startCallback();
  const bytes = SFN_OUTPUT_MAX_BYTES - 2; // the JSON string's quotes make it 262,144 bytes
  const w = await runWorker('largeResult', aws.env({ FANOUT_ITEM: JSON.stringify({ bytes }), FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_OK, w.err);
  assert.equal((await ex.wait()).status, 'SUCCEEDED');
  const [success] = ex.successes(); // what the worker sent (moto's output drops a string's quotes)
  assert.equal(Buffer.byteLength(success.output), SFN_OUTPUT_MAX_BYTES);
});

test('fails a result over 256 KiB without a result prefix', async () => {
  const ex = await aws.startCallback();
  const w = await runWorker('largeResult', aws.env({ FANOUT_ITEM: '{"bytes":300000}', FANOUT_TASK_TOKEN: ex.token }));
  assert.equal(w.code, EXIT_FAILED);
  await ex.wait();
  assert.equal(ex.failures()[0].error, ERROR_RESULT_TOO_LARGE);
  assert.match(ex.failures()[0].cause, /FANOUT_RESULT_S3_PREFIX/);
});

// -- SIGTERM, sent for real to a worker mid-work ------------------------------------------------
for (const handler of ['busy', 'sleepy', 'stuckInNative']) {
  test(`SIGTERM in run-job exits 143 and never 0 (${handler})`, async () => {
    const w = new Worker(handler, aws.env({ FANOUT_ITEM: '{"seconds":60}' }));
    await w.waitFor('STARTED');
    process.kill(w.proc.pid, 'SIGTERM');
    await w.finish(10000);
    assert.equal(w.code, EXIT_INTERRUPTED, w.err);
    assert.deepEqual(lines(w, 'DONE'), []);
    assert.match(w.err, /SIGTERM/);
  });
}

for (const handler of ['busy', 'stuckInNative']) {
  test(`SIGTERM in callback sends the interruption and never a success (${handler})`, async () => {
    const ex = await aws.startCallback();
    const w = new Worker(handler, aws.env({ FANOUT_ITEM: '{"seconds":60}', FANOUT_TASK_TOKEN: ex.token, FANOUT_HEARTBEAT_SECONDS: '0.5' }));
    await w.waitFor('STARTED');
    process.kill(w.proc.pid, 'SIGTERM');
    await w.finish(10000);
    assert.equal(w.code, EXIT_INTERRUPTED, w.err);
    assert.equal((await ex.wait()).status, 'FAILED');
    assert.deepEqual(ex.failures().map((f) => f.error), [ERROR_INTERRUPTED]);
    assert.deepEqual(ex.successes(), []);
  });
}

test('the handler process stops when its supervisor is killed outright', async () => {
  const w = new Worker('sleepy', aws.env({ FANOUT_ITEM: '{"seconds":60}' }));
  await w.waitFor('STARTED');
  const handlerPid = Number(lines(w, 'STARTED')[0].split(' ')[1]);
  process.kill(w.proc.pid, 'SIGKILL');
  await w.finish(10000);
  const alive = () => { try { process.kill(handlerPid, 0); return true; } catch { return false; } };
  for (let i = 0; i < 100 && alive(); i++) await sleep(50);
  assert.equal(alive(), false, 'the handler process outlived its supervisor');
});
