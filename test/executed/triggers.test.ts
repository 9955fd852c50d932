import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { runFanOut, TestItem } from './fan-out-run';
import { FargateFanOut } from '../../src';
import { OBJECT_CREATED_RECORD_TEMPLATE } from '../../src/triggers/object-created';
import { ClaimKeys } from '../../src/triggers/private/claims';
import { DEFAULT_TRIGGER_BATCH_SIZE, TRIGGER_MAX_RECEIVE_COUNT } from '../../src/triggers/private/decide-triggers';
import { StarterStateNames } from '../../src/triggers/private/starter-state-names';
import { DEFAULT_START_TIME } from '../harness/execute-workflow';
import { SimulatedDynamoDb } from '../harness/simulated-dynamodb';
import { SimulatedEcs, SimulatedStatesError } from '../harness/simulated-ecs';
import { SimulatedPipeOptions, SimulatedQueueAndPipe, SimulatedStartExecution } from '../harness/sqs-pipe';
import { expectValidAsl, newStack, SynthesizedFanOut, withImage } from '../util/synth';

/** The stack's state machines' definitions by type, with references replaced by placeholders. */
function definitions(template: Template): { standard: any; express: any } {
  const found: any = {};
  for (const machine of Object.values(template.findResources('AWS::StepFunctions::StateMachine'))) {
    const body = machine.Properties.DefinitionString;
    const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(placeholder).join('');
    found[machine.Properties.StateMachineType === 'EXPRESS' ? 'express' : 'standard'] = JSON.parse(text);
  }
  return found;
}

function placeholder(part: any): string {
  if (typeof part === 'string') return part;
  const ref = part.Ref;
  if (ref === 'AWS::Partition') return 'aws';
  if (ref === 'AWS::Region') return 'us-east-1';
  if (ref === 'AWS::AccountId') return '111111111111';
  return `arn:aws:states:us-east-1:111111111111:stateMachine:${ref ?? 'ref'}`;
}

/** An EventBridge "Object Created" event, as it arrives in the queue's message body. */
function objectCreatedEvent(n: number): string {
  return JSON.stringify({
    'version': '0',
    'id': `event-${n}`,
    'detail-type': 'Object Created',
    'source': 'aws.s3',
    'detail': {
      bucket: { name: 'uploads' },
      object: { key: `incoming/file-${n}.png`, size: 1000 + n, etag: `etag${n}`, sequencer: `00${n}` },
      reason: n % 3 === 0 ? 'CompleteMultipartUpload' : n % 3 === 1 ? 'PutObject' : 'CopyObject',
    },
  });
}

/** The claim table of the stack (one trigger), by the name its Ref becomes in `definitions`. */
function claimTableName(template: Template): string {
  const tables = Object.keys(template.findResources('AWS::DynamoDB::Table'));
  expect(tables).toHaveLength(1);
  return placeholder({ Ref: tables[0] });
}

/** A simulated DynamoDB with the trigger's claim table, and handlers for the starter's DynamoDB states. */
function claimStore(template: Template, express: any): { db: SimulatedDynamoDb; handlers: Record<string, (params: any) => Promise<any>> } {
  const db = new SimulatedDynamoDb();
  db.createTable(claimTableName(template), { partitionKey: ClaimKeys.ID });
  return { db, handlers: db.handlersFor(express) };
}

describe('runForEachObjectCreated, executed', () => {
  const stack = newStack();
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage());
  fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'incoming/' });
  const template = Template.fromStack(stack);
  const { standard, express } = definitions(template);
  expectValidAsl(express);
  const synth = { fanOut, template, stack, definition: standard } as SynthesizedFanOut;

  /** A pipe as the trigger builds it, into the synthesized starter, with a claim table. */
  function pipeOf(starts: SimulatedStartExecution, options: Partial<SimulatedPipeOptions> = {}) {
    const claims = claimStore(template, express);
    const pipe = new SimulatedQueueAndPipe({
      batchSize: DEFAULT_TRIGGER_BATCH_SIZE,
      visibilityTimeoutSeconds: 370,
      maxReceiveCount: TRIGGER_MAX_RECEIVE_COUNT,
      inputTemplate: OBJECT_CREATED_RECORD_TEMPLATE,
      starterDefinition: express,
      starterHandlers: { ...claims.handlers, [StarterStateNames.START]: starts.handler },
      ...options,
    });
    return { pipe, db: claims.db };
  }

  /** The keys each started execution runs, in start order. */
  function keysByExecution(starts: SimulatedStartExecution): string[][] {
    return [...starts.executions.values()].map((e) => JSON.parse(e.input).items.map((i: any) => i.key));
  }

  test('a burst of 2,000 events, batches handed over twice, starts that fail, lost deletes and events delivered twice, becomes batched executions that process every item exactly once', async () => {
    // Every other execution is already closed when its batch comes again; the others are still open.
    const starts = new SimulatedStartExecution((name) => name.charCodeAt(0) % 2 === 0, 7);
    const { pipe, db } = pipeOf(starts, { lostResponseRate: 0.3, lostDeleteRate: 0.05, seed: 7 });
    for (let n = 0; n < 2000; n++) pipe.send(objectCreatedEvent(n));
    // EventBridge delivers 40 events a second time (two messages, one event), later than the first.
    for (let n = 0; n < 2000; n += 50) pipe.send(objectCreatedEvent(n), { delaySeconds: 30 });
    await pipe.drain();

    expect(pipe.deadLetters).toEqual([]);
    expect(pipe.messages).toEqual([]);
    expect(pipe.lostResponses).toBeGreaterThan(3); // batches handed to the starter twice
    expect(pipe.starterFailures).toBeGreaterThan(0); // a failed start: the batch went back to the queue
    expect(pipe.lostDeletes).toBeGreaterThan(20); // started messages received again, in other batches
    const executions = [...starts.executions.values()].map((e) => JSON.parse(e.input));
    expect(executions.length).toBeLessThanOrEqual(2000 / DEFAULT_TRIGGER_BATCH_SIZE + 2);
    expect(executions.length).toBeGreaterThanOrEqual(2000 / DEFAULT_TRIGGER_BATCH_SIZE);
    for (const name of starts.executions.keys()) expect(name).toMatch(/^[0-9a-f]{64}$/);
    // One claim per event, each naming an execution that was started, expiring 16 days after it was written.
    const records = db.items(claimTableName(template));
    expect(records).toHaveLength(2000);
    for (const record of records) {
      expect(starts.executions.has(record[ClaimKeys.EXECUTION].S!)).toBe(true);
      expect(Number(record[ClaimKeys.EXPIRES_AT].N) - DEFAULT_START_TIME / 1000).toBeGreaterThanOrEqual(16 * 86_400);
    }

    // Each execution runs its items on the simulated ECS.
    const ecs = new SimulatedEcs({ seed: 3, taskDurationMs: 60_000 });
    for (const input of executions) {
      const run = await runFanOut(synth, input.items as TestItem[], ecs);
      expect(run.result.status).toBe('SUCCEEDED');
    }
    const allItems = Array.from({ length: 2000 }, (_, n) => ({ bucket: 'uploads', key: `incoming/file-${n}.png`, size: 1000 + n, etag: `etag${n}` }));
    expect(ecs.itemsNeverSucceeded(allItems)).toEqual([]);
    expect(ecs.itemsSucceededMoreThanOnce()).toEqual([]);
    expect(ecs.tasksStarted).toBe(2000);
  }, 120_000);

  test('a message received again in another batch (its batch was started but not deleted) is dropped there: every item runs once', async () => {
    const starts = new SimulatedStartExecution(() => true);
    const { pipe, db } = pipeOf(starts, { batchSize: 3 });
    const first = [0, 1, 2].map((n) => pipe.send(objectCreatedEvent(n)));
    pipe.loseNextDeleteOf(first[1]);
    await pipe.drain({ batches: 1 });
    expect(pipe.lostDeletes).toBe(1);
    // SQS delivers message 1 again after its visibility timeout, now with two new messages: another batch, another name.
    const hidden = pipe.messages.find((m) => m.messageId === first[1])!;
    pipe.send(objectCreatedEvent(3), { delaySeconds: hidden.invisibleUntil - pipe.clock });
    pipe.send(objectCreatedEvent(4), { delaySeconds: hidden.invisibleUntil - pipe.clock });
    await pipe.drain();
    expect(pipe.batches).toBe(2);
    expect(pipe.messages).toEqual([]);
    expect(keysByExecution(starts)).toEqual([
      ['incoming/file-0.png', 'incoming/file-1.png', 'incoming/file-2.png'],
      ['incoming/file-3.png', 'incoming/file-4.png'],
    ]);
    expect(db.items(claimTableName(template))).toHaveLength(5);
  });

  test('two copies of one event in the same batch (delivered twice within the batch window) run once', async () => {
    const starts = new SimulatedStartExecution(() => true);
    const { pipe, db } = pipeOf(starts, { batchSize: 10 });
    // Event 1 twice (two messages, one event); event 3 and event 4 share their object's content
    // but are two uploads (two sequencers): both run.
    [0, 1, 2, 1].forEach((n) => pipe.send(objectCreatedEvent(n)));
    pipe.send(objectCreatedEvent(3));
    pipe.send(objectCreatedEvent(3).replace('"sequencer":"003"', '"sequencer":"004"'));
    await pipe.drain();
    expect(pipe.batches).toBe(1);
    expect(pipe.messages).toEqual([]);
    expect(keysByExecution(starts)).toEqual([
      ['incoming/file-0.png', 'incoming/file-1.png', 'incoming/file-2.png', 'incoming/file-3.png', 'incoming/file-3.png'],
    ]);
    expect(db.items(claimTableName(template))).toHaveLength(5);
  });

  // AWS does not document whether a JSONPath wildcard that matches one element gives a list of one
  // (Jayway) or the element (LocalStack); the starter's lists are made by JSONata's array
  // constructor, which gives a list of one here (without it, JSONata too gives the element).
  test('a batch of one event starts the fan-out with a list of one item', async () => {
    const starts = new SimulatedStartExecution(() => true);
    const { pipe, db } = pipeOf(starts, { batchSize: 1 });
    pipe.send(objectCreatedEvent(7));
    await pipe.drain();
    expect(pipe.starterFailures).toBe(0);
    expect(pipe.deadLetters).toEqual([]);
    expect([...starts.executions.values()].map((e) => JSON.parse(e.input).items)).toEqual([
      [{ bucket: 'uploads', key: 'incoming/file-7.png', size: 1007, etag: 'etag7' }],
    ]);
    expect(db.items(claimTableName(template))).toHaveLength(1);
  });

  test('a batch whose events were all started before starts nothing, and leaves the queue', async () => {
    const starts = new SimulatedStartExecution(() => true);
    const { pipe, db } = pipeOf(starts, { batchSize: 3 });
    [0, 1, 2].forEach((n) => pipe.send(objectCreatedEvent(n)));
    await pipe.drain();
    // The same three events again (EventBridge delivering them twice: new messages, same events).
    [2, 0, 1].forEach((n) => pipe.send(objectCreatedEvent(n)));
    await pipe.drain();
    expect(pipe.batches).toBe(2);
    expect(pipe.starterFailures).toBe(0);
    expect(pipe.messages).toEqual([]);
    expect(pipe.deadLetters).toEqual([]);
    expect(starts.startCalls).toBe(1);
    expect(keysByExecution(starts)).toEqual([['incoming/file-0.png', 'incoming/file-1.png', 'incoming/file-2.png']]);
    expect(db.items(claimTableName(template))).toHaveLength(3);
  });

  test('a batch handed over again after some of its events were claimed finds its first execution and starts no second one', async () => {
    // Open executions: the second start of the name, with fewer items, is refused as another input.
    const starts = new SimulatedStartExecution(() => false);
    const claims = claimStore(template, express);
    let stopAfterClaims = Infinity;
    let claimsWritten = 0;
    const recordClaim = claims.handlers[StarterStateNames.RECORD_CLAIM];
    const pipe = new SimulatedQueueAndPipe({
      batchSize: 3,
      visibilityTimeoutSeconds: 370,
      maxReceiveCount: TRIGGER_MAX_RECEIVE_COUNT,
      inputTemplate: OBJECT_CREATED_RECORD_TEMPLATE,
      starterDefinition: express,
      starterHandlers: {
        ...claims.handlers,
        [StarterStateNames.START]: starts.handler,
        [StarterStateNames.RECORD_CLAIM]: async (input: any) => {
          if (claimsWritten++ >= stopAfterClaims) throw new SimulatedStatesError('States.Timeout', 'the starter stopped');
          return recordClaim(input);
        },
      },
    });
    const db = claims.db;
    [0, 1, 2].forEach((n) => pipe.send(objectCreatedEvent(n)));
    // The starter stops after the start and the first claim: it failed, the batch stays in the queue.
    stopAfterClaims = 1;
    await pipe.drain({ batches: 1 });
    expect(pipe.starterFailures).toBe(1);
    expect(db.items(claimTableName(template))).toHaveLength(1);
    stopAfterClaims = Infinity;
    // The same batch comes back after its visibility timeout.
    await pipe.drain();
    expect(pipe.messages.map((m) => m.messageId)).toEqual([]);
    expect(starts.executions.size).toBe(1);
    expect(starts.startCalls).toBe(2); // the second refused: the name is taken (by the first, with all three items)
    expect(keysByExecution(starts)).toEqual([['incoming/file-0.png', 'incoming/file-1.png', 'incoming/file-2.png']]);
    expect(db.items(claimTableName(template))).toHaveLength(3);
  });
});

describe('runForEachMessage, executed', () => {
  const stack = newStack();
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage());
  fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs'), { maxBatchSize: 10, batchWindow: Duration.seconds(0) });
  const template = Template.fromStack(stack);
  const { express } = definitions(template);
  expectValidAsl(express);

  test('a message whose delete was lost is received again in another batch and not started again', async () => {
    const starts = new SimulatedStartExecution(() => true);
    const claims = claimStore(template, express);
    const pipe = new SimulatedQueueAndPipe({
      batchSize: 4,
      visibilityTimeoutSeconds: 370,
      maxReceiveCount: TRIGGER_MAX_RECEIVE_COUNT,
      starterDefinition: express,
      starterHandlers: { ...claims.handlers, [StarterStateNames.START]: starts.handler },
      lostDeleteRate: 0.1,
      seed: 11,
    });
    for (let n = 0; n < 200; n++) pipe.send(JSON.stringify({ job: n }));
    await pipe.drain();
    expect(pipe.lostDeletes).toBeGreaterThan(10);
    expect(pipe.messages).toEqual([]);
    expect(pipe.deadLetters).toEqual([]);
    const bodies = [...starts.executions.values()].flatMap((e) => JSON.parse(e.input).items.map((i: any) => JSON.parse(i.body).job));
    expect(bodies.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, n) => n));
    expect(claims.db.items(claimTableName(template))).toHaveLength(200);
  });
});
