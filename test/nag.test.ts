import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FanOutCapacity, FanOutConcurrencyPool, FanOutIntegrationPattern, FanOutItems, FanOutItemsFormat, FargateFanOut, FargateFanOutProps } from '../src';
import { TEST_ENV } from './util/synth';

interface Finding {
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
}

const WORKER = path.join(__dirname, '..', 'examples', 'worker');

/** Synthesizes the app with cdk-nag's AwsSolutions pack and returns every unacknowledged finding. */
function nagFindings(build: (stack: Stack) => void): Finding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  const app = new App({ outdir });
  build(new Stack(app, 'NagStack', { env: TEST_ENV }));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (e) {
    if (!/Validation ?Failed/i.test(String(e))) {
      throw e;
    }
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  const plugins: any[] = report.pluginReports ?? [];
  return plugins.flatMap((plugin) => (plugin.violations ?? []).flatMap((v: any) =>
    v.violatingConstructs.map((c: any) => ({ rule: v.ruleName, severity: v.severity, path: c.constructPath }))));
}

function fanOutAtDefaults(stack: Stack, props: Partial<FargateFanOutProps> = {}, id = 'FanOut'): FargateFanOut {
  return new FargateFanOut(stack, id, { image: ecs.ContainerImage.fromAsset(WORKER), ...props });
}

describe('cdk-nag AwsSolutions', () => {
  test('the construct at its defaults has no unacknowledged error or warning', () => {
    expect(nagFindings((stack) => fanOutAtDefaults(stack))).toEqual([]);
  });

  test('with every feature on, the construct has no unacknowledged error or warning', () => {
    const findings = nagFindings((stack) => {
      const key = new kms.Key(stack, 'ItemsKey', { enableKeyRotation: true });
      const bucket = new s3.Bucket(stack, 'Items', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
      const fanOut = fanOutAtDefaults(stack, {
        items: FanOutItems.fromS3JsonLines(bucket, 'items.jsonl'),
        cpu: 2048,
        memoryLimitMiB: 8192,
        maxVcpus: 400,
        environment: { STAGE: 'test' },
        taskRetry: { maxAttempts: 2 },
        throttleRetry: { maxAttempts: 50 },
        taskTimeout: Duration.hours(2),
        timeout: Duration.hours(12),
        logLevel: sfn.LogLevel.ALL,
        includeExecutionDataInLogs: true,
        itemBatching: { maxItems: 20 },
        capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK,
        toleratedFailurePercentage: 5,
      });
      fanOut.grantRedrive(new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() }));
      // The user's own choice, not the construct's: a non-secret value in a plain variable.
      Validations.of(fanOut.taskDefinition).acknowledge({ id: 'AwsSolutions-ECS2', reason: 'STAGE is not a secret' });
    });
    // The test's own bucket is not the construct's concern; everything under FanOut is.
    expect(findings.filter((f) => f.path.startsWith('NagStack/FanOut'))).toEqual([]);
  });

  test('with the callback pattern on Spot, the construct has no unacknowledged error or warning', () => {
    const findings = nagFindings((stack) => {
      fanOutAtDefaults(stack, {
        integrationPattern: FanOutIntegrationPattern.CALLBACK, capacity: FanOutCapacity.SPOT, itemBatching: { maxItems: 5 },
      });
    });
    expect(findings.filter((f) => f.path.startsWith('NagStack/FanOut'))).toEqual([]);
  });

  test('with every trigger, the construct has no unacknowledged error or warning', () => {
    const findings = nagFindings((stack) => {
      const uploads = new s3.Bucket(stack, 'Uploads', { enforceSSL: true });
      const fanOut = fanOutAtDefaults(stack);
      fanOut.runForEachObjectCreated(uploads, { prefix: 'incoming/', suffix: '.png' });
      const dlq = new sqs.Queue(stack, 'JobsDlq', { enforceSSL: true });
      fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs', { enforceSSL: true, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } }));
      fanOut.runOnSchedule(scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), {
        input: scheduler.ScheduleTargetInput.fromObject({ items: [{ id: 1 }] }),
      });
      const files = fanOutAtDefaults(stack, { items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.CSV) }, 'FanOutFiles');
      files.runForEachItemsFileCreated(uploads, { prefix: 'lists/', format: FanOutItemsFormat.CSV });
    });
    expect(findings.filter((f) => f.path.startsWith('NagStack/FanOut'))).toEqual([]);
  });

  test('every trigger on a plain user bucket: nothing unacknowledged in the whole stack but the user\'s own bucket', () => {
    const findings = nagFindings((stack) => {
      const uploads = new s3.Bucket(stack, 'Uploads');
      const fanOut = fanOutAtDefaults(stack);
      fanOut.runForEachObjectCreated(uploads);
      fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs'));
      fanOut.runOnSchedule(scheduler.ScheduleExpression.rate(Duration.hours(1)), { input: scheduler.ScheduleTargetInput.fromObject({ items: [1] }) });
      fanOutAtDefaults(stack, { items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.JSON_LINES) }, 'FanOutFiles')
        .runForEachItemsFileCreated(uploads, { prefix: 'lists/', format: FanOutItemsFormat.JSON_LINES });
    });
    // The bucket's and the queue's own findings (no access logs, no SSL-only policy, no
    // dead-letter queue) are the user's choices; CDK's BucketNotificationsHandler is acknowledged.
    expect(findings.filter((f) => !/^NagStack\/(Uploads|Jobs)\//.test(f.path))).toEqual([]);
  });

  test('with removalPolicy DESTROY (the bucket emptied by CDK\'s custom resource), nothing unacknowledged in the whole stack', () => {
    expect(nagFindings((stack) => fanOutAtDefaults(stack, { removalPolicy: RemovalPolicy.DESTROY }))).toEqual([]);
  });

  test('fails when a wildcard is added that AWS does not require (the acknowledgements are narrow)', () => {
    const findings = nagFindings((stack) => {
      const fanOut = fanOutAtDefaults(stack);
      fanOut.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    });
    expect(findings).toEqual([{ rule: 'AwsSolutions-IAM5[Resource::*]', severity: 'error', path: 'NagStack/FanOut/StateMachine/Role/DefaultPolicy/Resource' }]);
  });

  test('the concurrency pool, with a user, has no unacknowledged error or warning', () => {
    const findings = nagFindings((stack) => {
      const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 50, maxVcpus: 100 });
      pool.addUser(fanOutAtDefaults(stack).stateMachine);
    });
    expect(findings.filter((f) => f.path.startsWith('NagStack/Pool'))).toEqual([]);
  });

  test('a fan-out that uses the pool, and the pool\'s cleanup, which may describe the tasks of its cluster, have no unacknowledged error or warning', () => {
    const findings = nagFindings((stack) => {
      const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 50 });
      fanOutAtDefaults(stack, { concurrencyPool: pool });
    });
    expect(findings).toEqual([]);
  });

  test('fails when X-Ray tracing is turned off', () => {
    const findings = nagFindings((stack) => fanOutAtDefaults(stack, { tracingEnabled: false }));
    expect(findings.map((f) => f.rule)).toEqual(['AwsSolutions-SF2']);
  });
});
