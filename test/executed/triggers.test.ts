import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { runFanOut, TestItem } from './fan-out-run';
import { FargateFanOut } from '../../src';
import { OBJECT_CREATED_RECORD_TEMPLATE } from '../../src/build/triggers/object-created';
import { StarterStateNames } from '../../src/build/triggers/starter';
import { DEFAULT_TRIGGER_BATCH_SIZE, TRIGGER_MAX_RECEIVE_COUNT } from '../../src/decisions/triggers';
import { SimulatedEcs } from '../harness/simulated-ecs';
import { SimulatedQueueAndPipe, SimulatedStartExecution } from '../harness/sqs-pipe';
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

describe('runForEachObjectCreated, executed', () => {
  const stack = newStack();
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage());
  fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'incoming/' });
  const template = Template.fromStack(stack);
  const { standard, express } = definitions(template);
  expectValidAsl(express);
  const synth = { fanOut, template, stack, definition: standard } as SynthesizedFanOut;

  test('a burst of 2,000 events, batches handed over twice and starts that fail, becomes batched executions that process every item exactly once', async () => {
    // Every other execution is already closed when its batch comes again; the others are still open.
    const starts = new SimulatedStartExecution((name) => name.charCodeAt(0) % 2 === 0, 7);
    const pipe = new SimulatedQueueAndPipe({
      batchSize: DEFAULT_TRIGGER_BATCH_SIZE,
      visibilityTimeoutSeconds: 370,
      maxReceiveCount: TRIGGER_MAX_RECEIVE_COUNT,
      inputTemplate: OBJECT_CREATED_RECORD_TEMPLATE,
      starterDefinition: express,
      starterHandlers: { [StarterStateNames.START]: starts.handler },
      lostResponseRate: 0.3,
      seed: 7,
    });
    for (let n = 0; n < 2000; n++) pipe.send(objectCreatedEvent(n));
    await pipe.drain();

    expect(pipe.deadLetters).toEqual([]);
    expect(pipe.lostResponses).toBeGreaterThan(3); // batches handed to the starter twice
    expect(pipe.starterFailures).toBeGreaterThan(0); // a failed start: the batch went back to the queue
    const executions = [...starts.executions.values()].map((e) => JSON.parse(e.input));
    expect(executions.length).toBeLessThanOrEqual(2000 / DEFAULT_TRIGGER_BATCH_SIZE + 2);
    expect(executions.length).toBeGreaterThanOrEqual(2000 / DEFAULT_TRIGGER_BATCH_SIZE);
    for (const name of starts.executions.keys()) expect(name).toMatch(/^[0-9a-f]{64}$/);

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

  test('KNOWN LIMIT: a message received again in another batch (its batch was started but not deleted) runs again', async () => {
    const starts = new SimulatedStartExecution(() => true);
    const pipe = new SimulatedQueueAndPipe({
      batchSize: 3,
      visibilityTimeoutSeconds: 370,
      maxReceiveCount: TRIGGER_MAX_RECEIVE_COUNT,
      inputTemplate: OBJECT_CREATED_RECORD_TEMPLATE,
      starterDefinition: express,
      starterHandlers: { [StarterStateNames.START]: starts.handler },
    });
    const first = [0, 1, 2].map((n) => pipe.send(objectCreatedEvent(n)));
    await pipe.drain();
    // SQS delivers message 1 again, now with two new messages: another batch, another name.
    const again = JSON.parse(objectCreatedEvent(1));
    pipe.send(JSON.stringify(again));
    pipe.send(objectCreatedEvent(3));
    pipe.send(objectCreatedEvent(4));
    await pipe.drain();
    expect(first).toHaveLength(3);
    const inputs = [...starts.executions.values()].map((e) => JSON.parse(e.input).items.map((i: any) => i.key));
    expect(inputs).toEqual([
      ['incoming/file-0.png', 'incoming/file-1.png', 'incoming/file-2.png'],
      ['incoming/file-1.png', 'incoming/file-3.png', 'incoming/file-4.png'],
    ]);
  });
});
