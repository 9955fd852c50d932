// Synthesizes a stack with every trigger, and a concurrency pool both fan-outs use, into
// cdk.out.triggers/ for cfn-lint (run by .ci/run).
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FanOutConcurrencyPool, FanOutItems, FanOutItemsFormat, FargateFanOut } from '../../src';

const app = new App({ outdir: path.join(__dirname, '..', '..', 'cdk.out.triggers') });
const stack = new Stack(app, 'FanOutTriggers', { env: { account: '111111111111', region: 'us-east-1' } });
const image = ecs.ContainerImage.fromAsset(path.join(__dirname, '..', '..', 'examples', 'worker'));
const uploads = new s3.Bucket(stack, 'Uploads', { enforceSSL: true });
const fanOut = new FargateFanOut(stack, 'FanOut', { image });
fanOut.runForEachObjectCreated(uploads, { prefix: 'incoming/', suffix: '.png' });
const dlq = new sqs.Queue(stack, 'JobsDlq', { enforceSSL: true });
fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs', { enforceSSL: true, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } }));
fanOut.runOnSchedule(scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), {
  input: scheduler.ScheduleTargetInput.fromObject({ items: [{ id: 1 }] }),
});
const files = new FargateFanOut(stack, 'FanOutFiles', { image, items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.JSON_LINES) });
files.runForEachItemsFileCreated(uploads, { prefix: 'lists/', format: FanOutItemsFormat.JSON_LINES });
// Both fan-outs share one concurrency pool (its table, cleanup, rules and grants).
const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 100, maxVcpus: 50 });
pool.addUser(fanOut.stateMachine);
pool.addUser(files.stateMachine);
// A fan-out that takes its slots from the pool (its Distributed Map children; the cleanup may describe its cluster's tasks).
new FargateFanOut(stack, 'Pooled', { image, concurrencyPool: pool });
app.synth();
