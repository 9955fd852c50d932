/**
 * Every state machine definition the library synthesizes, across the configurations that change
 * the definitions: the main workflow in each mode (INLINE, DISTRIBUTED, RUN_TIME) on each
 * capacity (on-demand, Spot, Spot with on-demand fallback), with the callback pattern, item
 * batching, every kind of retry rule, task retries, tolerated failures, items read from S3 in
 * each format, a concurrency pool (its acquire and release states in the main workflow, and its
 * cleanup state machine) and every trigger (the starters of the object-created, message and
 * items-file triggers; the schedule trigger has none). Built through the public API only.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  FanOutCapacity, FanOutConcurrencyPool, FanOutIntegrationPattern, FanOutItems, FanOutItemsFormat, FanOutMode, FanOutRetryRule,
  FargateFanOut, FargateFanOutProps,
} from '../../src';
import { expectValidAsl, newStack, resolveJoin, withImage } from '../util/synth';

/** One synthesized state machine. */
export interface SynthesizedDefinition {
  /** The configuration it was built in. */
  readonly configuration: string;
  /** What the state machine is: `main`, `pool cleanup` or `starter`. */
  readonly role: 'main' | 'pool cleanup' | 'starter';
  /** Its logical id in the stack. */
  readonly logicalId: string;
  readonly definition: any;
}

type Configure = (stack: Stack) => void;

const every = [
  FanOutRetryRule.onSpotInterruption(),
  FanOutRetryRule.onExitCodes([3]),
  FanOutRetryRule.onStoppedReason('ResourceInitializationError*'),
  FanOutRetryRule.failOnExitCodes([2]),
  FanOutRetryRule.onOutOfMemory([{ cpu: 512, memoryLimitMiB: 2048 }, { cpu: 1024, memoryLimitMiB: 4096 }]),
];
const everyButSpot = every.slice(1);

function fanOut(props: Partial<FargateFanOutProps> = {}): Configure {
  return (stack) => {
    new FargateFanOut(stack, 'FanOut', withImage(props));
  };
}

function withBucket(props: (bucket: s3.IBucket) => Partial<FargateFanOutProps>): Configure {
  return (stack) => {
    new FargateFanOut(stack, 'FanOut', withImage(props(new s3.Bucket(stack, 'Items'))));
  };
}

/** Configuration name -> what to build in a fresh stack. */
export const CONFIGURATIONS: Record<string, Configure> = {};

for (const mode of [FanOutMode.INLINE, FanOutMode.DISTRIBUTED, FanOutMode.RUN_TIME]) {
  for (const capacity of [FanOutCapacity.ON_DEMAND, FanOutCapacity.SPOT, FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK]) {
    CONFIGURATIONS[`${mode}, ${capacity}`] = fanOut({ mode, capacity });
    // The callback pattern refuses Spot with fallback (an interrupted callback task cannot be told from a hung one).
    if (capacity !== FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK) {
      CONFIGURATIONS[`${mode}, ${capacity}, callback`] = fanOut({ mode, capacity, integrationPattern: FanOutIntegrationPattern.CALLBACK });
    }
  }
  CONFIGURATIONS[`${mode}, every retry rule, task retry`] = fanOut({
    mode, capacity: FanOutCapacity.SPOT, retryRules: every, taskRetry: { maxAttempts: 2 },
  });
  // Retry rules read what ECS says of a stopped task: the run-job pattern only; callback has taskRetry.
  CONFIGURATIONS[`${mode}, Spot, callback, task retry`] = fanOut({
    mode, capacity: FanOutCapacity.SPOT, integrationPattern: FanOutIntegrationPattern.CALLBACK, taskRetry: { maxAttempts: 2 },
  });
  CONFIGURATIONS[`${mode}, Spot with fallback, retry rules`] = fanOut({
    mode, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, retryRules: everyButSpot, taskRetry: { maxAttempts: 2 },
  });
}
Object.assign(CONFIGURATIONS, {
  'DISTRIBUTED, batches': fanOut({ mode: FanOutMode.DISTRIBUTED, itemBatching: { maxItems: 10 } }),
  'DISTRIBUTED, batches, Spot with fallback, retry rules': fanOut({
    mode: FanOutMode.DISTRIBUTED, itemBatching: { maxItems: 10 }, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, retryRules: everyButSpot,
  }),
  'DISTRIBUTED, batches, Spot, callback': fanOut({
    mode: FanOutMode.DISTRIBUTED,
    itemBatching: { maxItems: 10 },
    capacity: FanOutCapacity.SPOT,
    integrationPattern: FanOutIntegrationPattern.CALLBACK,
  }),
  // A concurrency pool needs a Distributed Map for every run.
  'DISTRIBUTED, concurrency pool (vCPUs and tasks), Spot with fallback, retry rules': (stack: Stack) => {
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 10, maxVcpus: 8 });
    new FargateFanOut(stack, 'FanOut', withImage({
      mode: FanOutMode.DISTRIBUTED, concurrencyPool: pool, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, retryRules: everyButSpot,
    }));
  },
  'AUTO, concurrency pool, task retry': (stack: Stack) => {
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 10 });
    new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool, taskRetry: { maxAttempts: 2 } }));
  },
  'DISTRIBUTED, tolerated failures, maxVcpus, cap 1000': fanOut({
    mode: FanOutMode.DISTRIBUTED, toleratedFailurePercentage: 5, maxVcpus: 400, maxConcurrency: 1000,
  }),
  'INLINE, tolerated failures': fanOut({ mode: FanOutMode.INLINE, toleratedFailureCount: 3 }),
  'AUTO, defaults': fanOut(),
  'AUTO, timeouts': fanOut({ taskTimeout: Duration.hours(2), timeout: Duration.hours(12) }),
  'S3 JSON': withBucket((b) => ({ items: FanOutItems.fromS3Json(b, 'items.json') })),
  'S3 JSON Lines, batches': withBucket((b) => ({ items: FanOutItems.fromS3JsonLines(b, 'items.jsonl'), itemBatching: { maxItems: 5 } })),
  'S3 CSV': withBucket((b) => ({ items: FanOutItems.fromS3Csv(b, 'items.csv') })),
  'S3 objects': withBucket((b) => ({ items: FanOutItems.fromS3Objects(b, 'in/') })),
  'S3 manifest': withBucket((b) => ({ items: FanOutItems.fromS3Manifest(b, 'manifest.json') })),
  'triggers: object created, message, schedule': (stack: Stack) => {
    const f = new FargateFanOut(stack, 'FanOut', withImage());
    f.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'incoming/' });
    const dlq = new sqs.Queue(stack, 'JobsDlq');
    f.runForEachMessage(new sqs.Queue(stack, 'Jobs', { deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } }));
    const input = scheduler.ScheduleTargetInput.fromObject({ items: [{ id: 1 }] });
    f.runOnSchedule(scheduler.ScheduleExpression.rate(Duration.hours(1)), { input });
  },
  'triggers: items file created (JSON Lines)': (stack: Stack) => {
    const f = new FargateFanOut(stack, 'FanOut', withImage({ items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.JSON_LINES) }));
    f.runForEachItemsFileCreated(new s3.Bucket(stack, 'Files'), { prefix: 'lists/', format: FanOutItemsFormat.JSON_LINES });
  },
  'triggers: items file created (CSV)': (stack: Stack) => {
    const f = new FargateFanOut(stack, 'FanOut', withImage({ items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.CSV) }));
    f.runForEachItemsFileCreated(new s3.Bucket(stack, 'Files'), { prefix: 'lists/', format: FanOutItemsFormat.CSV });
  },
});

/** Synthesizes one configuration and returns every state machine of its stack, validated. */
export function definitionsOf(configuration: string): SynthesizedDefinition[] {
  const stack = newStack();
  CONFIGURATIONS[configuration](stack);
  const template = Template.fromStack(stack);
  return Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).map(([logicalId, machine]) => {
    const body = machine.Properties.DefinitionString;
    const definition = JSON.parse(typeof body === 'string' ? body : resolveJoin(body));
    expectValidAsl(definition);
    const role = machine.Properties.StateMachineType === 'EXPRESS' ? 'starter' : logicalId.includes('Cleanup') ? 'pool cleanup' : 'main';
    return { configuration, role, logicalId, definition };
  });
}

/** Every configuration's state machines. */
export function everyDefinition(): SynthesizedDefinition[] {
  return Object.keys(CONFIGURATIONS).flatMap(definitionsOf);
}
