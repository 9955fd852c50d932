/*
 * Synthesizes a fixed set of configurations of the library and writes, for each, what a refactor
 * must not change: the template, describe(), the public getters' values and the annotations.
 *
 *   npx ts-node --project tsconfig.dev.json scripts/synth-configurations.ts OUTDIR
 *   diff -r BASELINE_DIR OUTDIR
 *
 * Run it on the code before a refactor into one folder and after each step into another: any
 * difference reported by `diff -r` is a change of behaviour. Each configuration gets a folder
 * OUTDIR/<name>/ with template.json (every stack of its app), describe.txt, getters.json and
 * annotations.json. The configurations cover every mode, every item source, every capacity,
 * both integration patterns, batching, retry rules and retries, a shared concurrency pool, every
 * trigger, given and imported resources, log options, tolerance and launch pacing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  FanOutCapacity, FanOutConcurrencyPool, FanOutIntegrationPattern, FanOutItems, FanOutItemsFormat, FanOutMode, FanOutRetryRule,
  FargateFanOut, FargateFanOutProps,
} from '../src';

const ENV = { account: '111111111111', region: 'us-east-1' };
const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3.20');

/** What one configuration built: its fan-outs, and anything else whose public values are compared. */
interface Built {
  readonly fanOuts: FargateFanOut[];
  readonly extras?: { [name: string]: unknown };
}

type Configure = (stack: Stack) => Built;

/** One fan-out in the stack with `props` over the image. */
function single(props: (stack: Stack) => Partial<FargateFanOutProps>): Configure {
  return (stack) => ({ fanOuts: [new FargateFanOut(stack, 'FanOut', { image: IMAGE, ...props(stack) })] });
}

function encryptedBucket(stack: Stack): s3.Bucket {
  const key = new kms.Key(stack, 'ItemsKey');
  return new s3.Bucket(stack, 'Items', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
}

const CONFIGURATIONS: { [name: string]: Configure } = {
  'defaults': single(() => ({})),
  'inline': single(() => ({ mode: FanOutMode.INLINE, maxConcurrency: 10 })),
  'distributed': single(() => ({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 500 })),
  'run-time': single(() => ({ mode: FanOutMode.RUN_TIME, maxVcpus: 64, cpu: 512, memoryLimitMiB: 1024 })),
  'auto-large': single(() => ({ expectedItemCount: 100_000 })),
  's3-json-kms': single((stack) => ({ items: FanOutItems.fromS3Json(encryptedBucket(stack), 'items.json') })),
  's3-csv-kms': single((stack) => ({
    items: FanOutItems.fromS3Csv(encryptedBucket(stack), 'items.csv', { headers: ['id', 'name'], delimiter: sfn.CsvDelimiter.SEMICOLON }),
  })),
  's3-json-lines-and-objects': (stack) => {
    const bucket = encryptedBucket(stack);
    return {
      fanOuts: [
        new FargateFanOut(stack, 'Lines', { image: IMAGE, items: FanOutItems.fromS3JsonLines(bucket, 'items.jsonl') }),
        new FargateFanOut(stack, 'Objects', { image: IMAGE, items: FanOutItems.fromS3Objects(bucket, 'in/') }),
      ],
    };
  },
  's3-manifest-kms': single((stack) => ({ items: FanOutItems.fromS3Manifest(encryptedBucket(stack), 'manifest.json') })),
  'spot': single(() => ({
    capacity: FanOutCapacity.SPOT,
    retryRules: [FanOutRetryRule.onSpotInterruption({ maxAttempts: 4, interval: Duration.seconds(20) })],
  })),
  'spot-fallback': single(() => ({ capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, mode: FanOutMode.RUN_TIME })),
  'spot-fallback-distributed': single(() => ({
    capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, mode: FanOutMode.DISTRIBUTED, taskRetry: { maxAttempts: 1 },
  })),
  'callback': single(() => ({
    integrationPattern: FanOutIntegrationPattern.CALLBACK,
    heartbeatTimeout: Duration.minutes(2),
    taskRetry: { maxAttempts: 2 },
    mode: FanOutMode.RUN_TIME,
  })),
  'callback-spot-distributed': single(() => ({
    integrationPattern: FanOutIntegrationPattern.CALLBACK,
    capacity: FanOutCapacity.SPOT,
    mode: FanOutMode.DISTRIBUTED,
    distributedThrottleRetry: { maxAttempts: 100 },
  })),
  'callback-batched': single(() => ({
    integrationPattern: FanOutIntegrationPattern.CALLBACK, itemBatching: { maxItems: 25 },
  })),
  'batching': single(() => ({ itemBatching: { maxItems: 50, maxInputBytes: 4_000 }, taskRetry: { maxAttempts: 3 } })),
  'retry-rules': single(() => ({
    cpu: 256,
    memoryLimitMiB: 512,
    mode: FanOutMode.RUN_TIME,
    retryRules: [
      FanOutRetryRule.failOnExitCodes([2]),
      FanOutRetryRule.onOutOfMemory([{ cpu: 512, memoryLimitMiB: 2048 }, { cpu: 1024, memoryLimitMiB: 4096 }]),
      FanOutRetryRule.onExitCodes([75, 76], { maxAttempts: 3, backoffRate: 1.5, jitter: false }),
      FanOutRetryRule.onStoppedReason('ResourceInitializationError*'),
    ],
    startFailureRetry: { maxAttempts: 4 },
    taskRetry: { maxAttempts: 1 },
  })),
  'retry-rules-batched-catch-all': single(() => ({
    itemBatching: { maxItems: 10 },
    retryRules: [FanOutRetryRule.onExitCodes([3]), FanOutRetryRule.onStoppedReason('*', { maxAttempts: 1 })],
    startFailureRetry: { maxAttempts: 0 },
  })),
  'retries': single(() => ({
    mode: FanOutMode.RUN_TIME,
    throttleRetry: { maxAttempts: 10, interval: Duration.seconds(3), backoffRate: 3, maxDelay: Duration.seconds(90), jitter: false },
    distributedThrottleRetry: { maxAttempts: 200, maxDelay: Duration.seconds(30) },
    taskRetry: { maxAttempts: 2, interval: Duration.seconds(5) },
  })),
  'pool-shared': (stack) => {
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxVcpus: 16, maxTasks: 40, maxRunTaskCallsPerSecond: 10 });
    return {
      fanOuts: [
        new FargateFanOut(stack, 'First', { image: IMAGE, concurrencyPool: pool, cpu: 1024, memoryLimitMiB: 2048 }),
        new FargateFanOut(stack, 'Second', {
          image: IMAGE, concurrencyPool: pool, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, mode: FanOutMode.DISTRIBUTED,
        }),
      ],
      extras: { poolDescription: pool.description },
    };
  },
  'pool-tasks-resized': (stack) => {
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 100, sweepInterval: Duration.minutes(5) });
    return {
      fanOuts: [new FargateFanOut(stack, 'FanOut', {
        image: IMAGE,
        concurrencyPool: pool,
        cpu: 256,
        memoryLimitMiB: 512,
        retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 2048, memoryLimitMiB: 8192 }])],
      })],
      extras: { poolDescription: pool.description },
    };
  },
  'triggers': (stack) => {
    const watched = new s3.Bucket(stack, 'Watched');
    const objects = new FargateFanOut(stack, 'Objects', { image: IMAGE, mode: FanOutMode.DISTRIBUTED });
    const byObject = objects.runForEachObjectCreated(watched, { prefix: 'in/', suffix: '.csv', maxBatchSize: 50, batchWindow: Duration.seconds(20) });
    const queue = new sqs.Queue(stack, 'Messages');
    const byMessage = objects.runForEachMessage(queue, { maxBatchSize: 10 });
    const schedule = objects.runOnSchedule(scheduler.ScheduleExpression.rate(Duration.hours(1)), {
      input: scheduler.ScheduleTargetInput.fromObject({ items: [1, 2, 3] }), description: 'hourly',
    });
    const files = new FargateFanOut(stack, 'Files', { image: IMAGE, items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.JSON_LINES) });
    files.runForEachItemsFileCreated(watched, { format: FanOutItemsFormat.JSON_LINES, prefix: 'lists/' });
    return {
      fanOuts: [objects, files],
      extras: {
        byObject: { claimRetentionReason: byObject.claimRetentionReason, batchingReason: byObject.batchingReason },
        byMessage: { claimRetentionReason: byMessage.claimRetentionReason, batchingReason: byMessage.batchingReason },
        scheduleDeadLetterAlarm: schedule.deadLetterAlarm !== undefined,
      },
    };
  },
  'given-vpc': (stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const securityGroup = new ec2.SecurityGroup(stack, 'Tasks', { vpc });
    return {
      fanOuts: [new FargateFanOut(stack, 'FanOut', {
        image: IMAGE, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC }, assignPublicIp: true, securityGroups: [securityGroup],
      })],
    };
  },
  'given-cluster': (stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, enableFargateCapacityProviders: true });
    return { fanOuts: [new FargateFanOut(stack, 'FanOut', { image: IMAGE, cluster, capacity: FanOutCapacity.SPOT })] };
  },
  'imported-cluster': (stack) => {
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a', 'us-east-1b'], privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'existing', vpc });
    return { fanOuts: [new FargateFanOut(stack, 'FanOut', { image: IMAGE, cluster, maxVcpus: 20 })] };
  },
  'given-task-definition-and-bucket': (stack) => {
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition', { cpu: 2048, memoryLimitMiB: 4096 });
    taskDefinition.addContainer('Worker', { image: IMAGE });
    const resultBucket = new s3.Bucket(stack, 'Results');
    return {
      fanOuts: [new FargateFanOut(stack, 'FanOut', {
        taskDefinition, resultBucket, resultPrefix: 'runs/out', retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 4096, memoryLimitMiB: 16384 }])],
      })],
    };
  },
  'logs-and-options': single(() => ({
    logRetention: logs.RetentionDays.ONE_WEEK,
    logLevel: sfn.LogLevel.ALL,
    includeExecutionDataInLogs: true,
    tracingEnabled: false,
    createAlarms: false,
    taskTimeout: Duration.minutes(30),
    timeout: Duration.hours(6),
    command: ['run', '--fast'],
    environment: { STAGE: 'test' },
  })),
  'tolerance-count': single(() => ({ toleratedFailureCount: 5, mode: FanOutMode.RUN_TIME })),
  'tolerance-percentage': single(() => ({ toleratedFailurePercentage: 10 })),
  'launch-pacing': single(() => ({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 2_000, launchPacing: true, expectedItemCount: 50_000 })),
  'launch-pacing-off': single(() => ({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 2_000, launchPacing: false })),
};

function publicValues(fanOut: FargateFanOut): { [name: string]: unknown } {
  return {
    path: fanOut.node.path,
    mode: fanOut.mode,
    modeReason: fanOut.modeReason,
    maxConcurrency: fanOut.maxConcurrency,
    maxConcurrencyReason: fanOut.maxConcurrencyReason,
    throttleRetryPolicy: fanOut.throttleRetryPolicy,
    distributedThrottleRetryPolicy: fanOut.distributedThrottleRetryPolicy,
    taskRetryPolicy: fanOut.taskRetryPolicy,
    items: fanOut.items.description,
    capacity: fanOut.capacity,
    integrationPattern: fanOut.integrationPattern,
    maxItemsPerBatch: fanOut.maxItemsPerBatch,
    maxInputBytesPerBatch: fanOut.maxInputBytesPerBatch,
    resultPrefix: fanOut.resultPrefix,
    createdVpc: fanOut.vpc !== undefined,
    logGroup: fanOut.logGroup !== undefined,
    securityGroups: fanOut.securityGroups.length,
    alarms: fanOut.alarms.length,
  };
}

function main(outDir: string): void {
  for (const [name, configure] of Object.entries(CONFIGURATIONS)) {
    const app = new App();
    const stack = new Stack(app, 'Configuration', { env: ENV });
    const built = configure(stack);
    const template = Template.fromStack(stack).toJSON();
    const annotations = Annotations.fromStack(stack);
    const dir = path.join(outDir, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'template.json'), JSON.stringify(template, undefined, 1) + '\n');
    fs.writeFileSync(path.join(dir, 'describe.txt'), built.fanOuts.map((f) => `# ${f.node.path}\n${f.describe()}\n`).join('\n'));
    fs.writeFileSync(path.join(dir, 'getters.json'),
      JSON.stringify({ fanOuts: built.fanOuts.map(publicValues), ...built.extras }, undefined, 1) + '\n');
    // Without the stack traces, which name the source files a refactor moves.
    const messages = (found: Array<{ id: string; entry: { data?: unknown } }>) => found.map((m) => ({ path: m.id, message: m.entry.data }));
    fs.writeFileSync(path.join(dir, 'annotations.json'), JSON.stringify({
      errors: messages(annotations.findError('*', Match.anyValue())),
      warnings: messages(annotations.findWarning('*', Match.anyValue())),
      infos: messages(annotations.findInfo('*', Match.anyValue())),
    }, undefined, 1) + '\n');
  }
  console.log(`${Object.keys(CONFIGURATIONS).length} configurations written to ${outDir}`);
}

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: synth-configurations.ts OUTDIR');
  process.exit(2);
}
main(outDir);
