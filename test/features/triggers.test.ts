import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FanOutItems, FanOutItemsFormat, FargateFanOut } from '../../src';
import { ITEMS_FILE_RECORD_TEMPLATE } from '../../src/triggers/items-file-created';
import { OBJECT_CREATED_RECORD_TEMPLATE } from '../../src/triggers/object-created';
import { renderInputTemplate } from '../harness/sqs-pipe';
import { newStack, withImage } from '../util/synth';

function fanOutIn(stack = newStack(), props = {}) {
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage(props));
  return { stack, fanOut };
}

/** The one starter state machine's definition in the template (EXPRESS). */
function starterDefinition(template: Template): any {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: 'EXPRESS' } }));
  expect(machines).toHaveLength(1);
  const body = machines[0].Properties.DefinitionString;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'REF')).join('');
  return JSON.parse(text);
}

describe('runForEachObjectCreated', () => {
  test('matches "Object Created" (put, multipart upload, copy) under the prefix and suffix, and turns EventBridge on for the bucket', () => {
    const { stack, fanOut } = fanOutIn();
    const bucket = new s3.Bucket(stack, 'Uploads');
    fanOut.runForEachObjectCreated(bucket, { prefix: 'incoming/', suffix: '.png' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created'],
        'detail': { bucket: { name: [{ Ref: Match.stringLikeRegexp('Uploads') }] }, object: { key: [{ wildcard: 'incoming/*.png' }] } },
      },
    });
    // Not a PutObject-only (CloudTrail) pattern: multipart uploads and copies are "Object Created" too.
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).not.toMatch(/PutObject|eventName/);
    template.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });

  test('queues are encrypted, SSL only, with a dead-letter queue and an alarm on it', () => {
    const { stack, fanOut } = fanOutIn();
    const trigger = fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'in/' });
    const template = Template.fromStack(stack);
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(2);
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'QueueName'] } }],
      Threshold: 1,
    });
    expect(fanOut.alarms).toContain(trigger.deadLetterAlarm);
    // Undelivered events go to the same dead-letter queue.
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } }, RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })],
    });
  });

  test('a pipe reads the queue in batches and invokes the starter synchronously, with least-privilege IAM', () => {
    const { stack, fanOut } = fanOutIn();
    fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'in/', maxBatchSize: 50, batchWindow: Duration.seconds(30) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      SourceParameters: { SqsQueueParameters: { BatchSize: 50, MaximumBatchingWindowInSeconds: 30 } },
      TargetParameters: {
        StepFunctionStateMachineParameters: { InvocationType: 'REQUEST_RESPONSE' },
        InputTemplate: Match.stringLikeRegexp('<\\$.body.detail.object.key>'),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('ObjectCreatedTrigger1Queue'), 'Arn'] } },
          { Action: 'states:StartSyncExecution', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('StarterStateMachine') } },
        ],
      },
    });
    // The starter may start the fan-out and nothing else of Step Functions.
    const starterPolicies = Object.values(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('StarterStateMachineRole') }] },
    }));
    const statesStatements = starterPolicies.flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => JSON.stringify(s.Action).includes('states:'));
    expect(statesStatements).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('FanOutStateMachine') } }].map((s) => expect.objectContaining({ Action: s.Action, Effect: s.Effect })));
    expect(statesStatements).toHaveLength(1);
  });

  test('the starter names the execution by its batch and treats a taken name as already started', () => {
    const { stack, fanOut } = fanOutIn();
    fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'in/' });
    const definition = starterDefinition(Template.fromStack(stack));
    expect(definition.States.NameExecution.Parameters['name.$']).toBe("States.Hash(States.JsonToString($.ids), 'SHA-256')");
    const start = definition.States.StartFanOut;
    expect(start.Resource).toMatch(/states:startExecution$/);
    expect(start.Parameters['Name.$']).toBe('$.name');
    expect(start.Parameters.Input).toEqual({ 'items.$': '$.items' });
    expect(start.Retry[0]).toEqual({ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException', 'Sfn.ExecutionAlreadyExistsException'], MaxAttempts: 0 });
    expect(start.Catch[0]).toMatchObject({ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException', 'Sfn.ExecutionAlreadyExistsException'], Next: 'AlreadyStarted' });
  });

  test('the starter claims each started event in an encrypted table with point-in-time recovery and a TTL', () => {
    const { stack, fanOut } = fanOutIn();
    const trigger = fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'in/' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(stack.resolve(trigger.claimTable.tableName)).toEqual({ Ref: expect.stringMatching(/ClaimTable/) });
    expect(trigger.claimRetentionReason).toMatch(/recorded for 16 days/);
  });

  test('least privilege on the claim table: the starter may get and put its items, nothing else may touch it', () => {
    const { stack, fanOut } = fanOutIn();
    fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'in/' });
    const template = Template.fromStack(stack);
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));
    const dynamoStatements = Object.entries(template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]: [string, any]) =>
      policy.Properties.PolicyDocument.Statement
        .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')))
        .map((s: any) => ({ id, roles: policy.Properties.Roles, actions: [s.Action].flat().sort(), resource: s.Resource })));
    expect(dynamoStatements.map((s) => s.actions).flat().sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    const tableArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dynamodb:us-east-1:111111111111:table/', { Ref: tableId }]] };
    for (const statement of dynamoStatements) {
      expect(statement.roles).toEqual([{ Ref: expect.stringMatching(/StarterStateMachineRole/) }]);
      expect(statement.resource).toEqual(tableArn);
    }
  });

  test('the starter drops claimed events before the start and claims the started ones after it, conditionally', () => {
    const { stack, fanOut } = fanOutIn();
    fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'), { prefix: 'in/' });
    const definition = starterDefinition(Template.fromStack(stack));
    const states = definition.States;
    expect(definition.StartAt).toBe('RecordsToItems');
    expect(states.RecordsToItems.ItemSelector['claim.$']).toBe('$$.Map.Item.Value.claim');
    // Issue 27: the outputs and their text by definite paths; the kept records are listed only
    // where the text shows one, by JSONata (a list for one record too, whatever a JSONPath
    // wildcard gives for a single match).
    expect(states.RecordsToItems.ResultSelector).toEqual({ 'outputs.$': '$', 'text.$': 'States.JsonToString($)' });
    const check = states.RecordsToItems.ItemProcessor.States;
    expect(check.LookUpClaim).toMatchObject({ ResultPath: '$.claimed', Parameters: { ConsistentRead: true, Key: { id: { 'S.$': '$.claim' } } } });
    expect(check.LookUpClaim.Resource).toMatch(/:dynamodb:getItem$/);
    expect(check.StartedBefore.Choices).toEqual([{ Variable: '$.claimed.Item', IsPresent: true, Next: 'Drop' }]);
    expect(check.Drop.Parameters).toEqual({ 'id.$': '$.id', 'claims': [] });
    // The items started are the kept records' (ListKeptRecords): no other copy of an item per record.
    expect(check.Keep.Parameters).toEqual({ 'id.$': '$.id', 'claims.$': 'States.Array($.claim)', 'kept': { 'claim.$': '$.claim', 'item.$': '$.item' } });
    // Nothing left: succeed, so that the pipe deletes the batch.
    expect(states.RecordsToItems.Next).toBe('AnythingToStart');
    expect(states.AnythingToStart).toMatchObject({ Choices: [{ Variable: '$.text', StringMatches: '*"kept"*', Next: 'ListKeptRecords' }], Default: 'AllStartedBefore' });
    // Two copies of one event in this batch (same { claim, item }) run once: $distinct compares
    // objects by deep equality.
    expect(check.Keep.Parameters.kept).toEqual({ 'claim.$': '$.claim', 'item.$': '$.item' });
    expect(check.Drop.Parameters.kept).toBeUndefined();
    expect(states.ListKeptRecords).toEqual({
      Type: 'Pass',
      QueryLanguage: 'JSONata',
      Comment: expect.any(String),
      Output: {
        ids: '{% [$states.input.outputs.id] %}',
        claims: '{% [$states.input.outputs.claims] %}',
        items: '{% [$distinct([$states.input.outputs.kept]).item] %}',
      },
      Next: 'NameExecution',
    });
    expect(states.NameExecution.Parameters['items.$']).toBe('$.items');
    expect(states.AllStartedBefore.Type).toBe('Succeed');
    // The name covers the whole batch, dropped records included.
    expect(states.NameExecution.Parameters['name.$']).toBe("States.Hash(States.JsonToString($.ids), 'SHA-256')");
    // Claims after the start, also when the name was taken.
    expect(states.StartFanOut.Next).toBe('RecordClaims');
    expect(states.StartFanOut.ResultPath).toBe('$.started');
    expect(states.AlreadyStarted).toMatchObject({ Type: 'Pass', Next: 'RecordClaims' });
    expect(states.RecordClaims).toMatchObject({ ItemsPath: '$.claims', ResultPath: null, Next: 'Started' });
    const record = states.RecordClaims.ItemProcessor.States.RecordClaim;
    expect(record.Resource).toMatch(/:dynamodb:putItem$/);
    expect(record.QueryLanguage).toBe('JSONata');
    expect(record.Arguments).toMatchObject({ ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } });
    // 14 days of SQS retention, a day of EventBridge retries, a day of margin.
    expect(record.Arguments.Item.expiresAt.N).toBe('{% $string($floor($toMillis($states.context.State.EnteredTime) / 1000) + 1382400) %}');
    expect(record.Catch).toEqual([{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'RecordedBefore' }]);
  });

  test('fails for a prefix that holds the fan-out\'s own results, naming the prop', () => {
    const { stack, fanOut } = fanOutIn();
    expect(() => fanOut.runForEachObjectCreated(fanOut.resultBucket)).toThrow(/^prefix: the fan-out writes its results under 'fan-out-results\/'/);
    expect(() => fanOut.runForEachObjectCreated(fanOut.resultBucket, { prefix: 'fan-out-results/run' })).toThrow(/^prefix:/);
    expect(() => fanOut.runForEachObjectCreated(fanOut.resultBucket, { prefix: 'fan' })).toThrow(/^prefix:/);
    // A refused trigger leaves nothing behind.
    expect(fanOut.node.children.filter((c) => c.node.id.startsWith('ObjectCreatedTrigger'))).toEqual([]);
    // Elsewhere in the same bucket, or a suffix no result file has: no loop.
    expect(() => fanOut.runForEachObjectCreated(fanOut.resultBucket, { prefix: 'uploads/' })).not.toThrow();
    expect(() => fanOut.runForEachObjectCreated(fanOut.resultBucket, { suffix: '.png' })).not.toThrow();
    expect(() => fanOut.runForEachObjectCreated(new s3.Bucket(stack, 'Other'))).not.toThrow();
  });

  test('fails when the fan-out reads its items from S3, naming items', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Items');
    const { fanOut } = fanOutIn(stack, { items: FanOutItems.fromS3Json(bucket, 'items.json') });
    expect(() => fanOut.runForEachObjectCreated(bucket, { prefix: 'in/' })).toThrow(/^items: /);
  });

  test('fails for a batch size or window out of range, naming the prop and the range', () => {
    const { stack, fanOut } = fanOutIn();
    const bucket = new s3.Bucket(stack, 'Uploads');
    expect(() => fanOut.runForEachObjectCreated(bucket, { maxBatchSize: 0 })).toThrow(/^maxBatchSize must be a whole number from 1 to 256/);
    expect(() => fanOut.runForEachObjectCreated(bucket, { maxBatchSize: 257 })).toThrow(/^maxBatchSize/);
    expect(() => fanOut.runForEachObjectCreated(bucket, { batchWindow: Duration.minutes(6) })).toThrow(/^batchWindow must be a whole number of seconds from 0 to 300/);
    expect(() => fanOut.runForEachObjectCreated(bucket, { maxBatchSize: 11, batchWindow: Duration.seconds(0) })).toThrow(/^batchWindow must be at least 1 second/);
  });

  test('warns that an imported bucket must send events to EventBridge', () => {
    const { stack, fanOut } = fanOutIn();
    fanOut.runForEachObjectCreated(s3.Bucket.fromBucketName(stack, 'Imported', 'some-bucket'), { prefix: 'in/' });
    Annotations.fromStack(stack).hasWarning('/TestStack/FanOut/ObjectCreatedTrigger1', Match.stringLikeRegexp('turn on its Amazon EventBridge notifications'));
  });
});

describe('runForEachItemsFileCreated', () => {
  function itemsFileFanOut(format = FanOutItemsFormat.CSV) {
    return fanOutIn(newStack(), { items: FanOutItems.fromS3ObjectInInput(format) });
  }

  test('one execution per file, the file read by the Distributed Map with the key from the input', () => {
    const { stack, fanOut } = itemsFileFanOut(FanOutItemsFormat.JSON_LINES);
    expect(fanOut.mode).toBe('DISTRIBUTED');
    fanOut.runForEachItemsFileCreated(new s3.Bucket(stack, 'Files'), { prefix: 'lists/', format: FanOutItemsFormat.JSON_LINES });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Pipes::Pipe', { SourceParameters: { SqsQueueParameters: { BatchSize: 1, MaximumBatchingWindowInSeconds: 0 } } });
    const starter = starterDefinition(template);
    expect(starter.States.StartFanOut.Parameters.Input).toEqual({ 'bucket.$': '$.items[0].bucket', 'key.$': '$.items[0].key' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionString: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('"ItemReader":\\{"Resource":"arn:')])]) }),
    });
    // The file's event names the execution wherever it arrives: no claims needed.
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(starter.States.StartFanOut.Next).toBe('Started');
    // Read access to the watched files only.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('Files'), 'Arn'] }, '/lists/*']] } }]) },
    });
  });

  test('names a file\'s execution by bucket, key and the sequencer S3 puts in detail.object', () => {
    // The shape of an S3 "Object Created" event (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
    const body = JSON.stringify({
      'detail-type': 'Object Created',
      'source': 'aws.s3',
      'detail': { bucket: { name: 'files' }, object: { key: 'lists/a.csv', size: 10, etag: 'e', sequencer: '0064D3901D00059242' }, reason: 'PutObject' },
    });
    expect(renderInputTemplate(ITEMS_FILE_RECORD_TEMPLATE, { messageId: 'm', body })).toEqual({
      id: 'files/lists/a.csv/0064D3901D00059242', item: { bucket: 'files', key: 'lists/a.csv' },
    });
    expect(renderInputTemplate(OBJECT_CREATED_RECORD_TEMPLATE, { messageId: 'm', body })).toEqual({
      id: 'm', claim: 'files/lists/a.csv/0064D3901D00059242', item: { bucket: 'files', key: 'lists/a.csv', size: 10, etag: 'e' },
    });
  });

  test('fails when the fan-out was not built to read a file named by the input, or in another format', () => {
    const { stack, fanOut } = fanOutIn();
    expect(() => fanOut.runForEachItemsFileCreated(new s3.Bucket(stack, 'Files'), { format: FanOutItemsFormat.CSV })).toThrow(/^items: .*fromS3ObjectInInput/);
    const csv = itemsFileFanOut(FanOutItemsFormat.CSV);
    expect(() => csv.fanOut.runForEachItemsFileCreated(new s3.Bucket(csv.stack, 'Files'), { format: FanOutItemsFormat.JSON })).toThrow(/^format must be the format the fan-out reads .*, CSV, got JSON/);
  });

  test('fails for a prefix that holds the fan-out\'s own results', () => {
    const { fanOut } = itemsFileFanOut(FanOutItemsFormat.JSON);
    expect(() => fanOut.runForEachItemsFileCreated(fanOut.resultBucket, { format: FanOutItemsFormat.JSON, suffix: '.json' })).toThrow(/^prefix:/);
  });
});

describe('runForEachMessage', () => {
  test('a pipe from the queue to the starter, and an alarm on the queue\'s dead-letter queue', () => {
    const { stack, fanOut } = fanOutIn();
    const dlq = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
    const queue = new sqs.Queue(stack, 'Jobs', { enforceSSL: true, deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    const trigger = fanOut.runForEachMessage(queue, { maxBatchSize: 10, batchWindow: Duration.seconds(0) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: { 'Fn::GetAtt': [Match.stringLikeRegexp('Jobs'), 'Arn'] },
      SourceParameters: { SqsQueueParameters: { BatchSize: 10, MaximumBatchingWindowInSeconds: 0 } },
    });
    expect(trigger.deadLetterAlarm).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('Dlq'), 'QueueName'] } }] });
    const starter = starterDefinition(template);
    expect(starter.States.RecordsToItems.ItemSelector).toEqual({
      'id.$': '$$.Map.Item.Value.messageId',
      'claim.$': '$$.Map.Item.Value.messageId',
      'item': { 'messageId.$': '$$.Map.Item.Value.messageId', 'body.$': '$$.Map.Item.Value.body' },
    });
  });

  test('claims each started message by its id, for 15 days', () => {
    const { stack, fanOut } = fanOutIn();
    const trigger = fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs'));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    const record = starterDefinition(template).States.RecordClaims.ItemProcessor.States.RecordClaim;
    expect(record.Arguments.Item.expiresAt.N).toMatch(/\+ 1296000\) %\}$/);
    expect(trigger.claimRetentionReason).toMatch(/recorded for 15 days: SQS keeps a message at most 14 days, plus a margin of 1 day/);
  });

  test('warns when the queue has no dead-letter queue', () => {
    const { stack, fanOut } = fanOutIn();
    fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs'));
    Annotations.fromStack(stack).hasWarning('/TestStack/FanOut/MessageTrigger1', Match.stringLikeRegexp('has no dead-letter queue'));
  });
});

describe('runOnSchedule', () => {
  test('an EventBridge Scheduler schedule with a fixed input, retries and a dead-letter queue with an alarm', () => {
    const { stack, fanOut } = fanOutIn();
    const trigger = fanOut.runOnSchedule(scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), {
      input: scheduler.ScheduleTargetInput.fromObject({ items: [{ id: 1 }] }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      Target: Match.objectLike({
        Input: '{"items":[{"id":1}]}',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      }),
    });
    expect(trigger.deadLetterAlarm).toBeDefined();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  test('fails without an input when the fan-out reads its items from the input', () => {
    const { fanOut } = fanOutIn();
    expect(() => fanOut.runOnSchedule(scheduler.ScheduleExpression.rate(Duration.hours(1)))).toThrow(/^input: the fan-out reads the items at \$\.items/);
  });
});

describe('each trigger\'s dead-letter alarm joins the fan-out\'s alarms, and follows createAlarms', () => {
  const triggers: Array<[string, object, (fanOut: FargateFanOut) => { deadLetterAlarm?: unknown }]> = [
    ['runForEachObjectCreated', {}, (fanOut) => fanOut.runForEachObjectCreated(new s3.Bucket(fanOut, 'Uploads'))],
    ['runForEachItemsFileCreated', { items: FanOutItems.fromS3ObjectInInput(FanOutItemsFormat.CSV) },
      (fanOut) => fanOut.runForEachItemsFileCreated(new s3.Bucket(fanOut, 'Files'), { format: FanOutItemsFormat.CSV })],
    ['runForEachMessage', {}, (fanOut) => {
      const deadLetterQueue = new sqs.Queue(fanOut, 'Dlq', { enforceSSL: true });
      return fanOut.runForEachMessage(new sqs.Queue(fanOut, 'Jobs', { enforceSSL: true, deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 } }));
    }],
    ['runOnSchedule', {}, (fanOut) => fanOut.runOnSchedule(scheduler.ScheduleExpression.rate(Duration.hours(1)), { input: scheduler.ScheduleTargetInput.fromObject({ items: [1, 2] }) })],
  ];

  test.each(triggers)('%s', (_name, props, addTrigger) => {
    const on = fanOutIn(newStack(), props);
    const alarmsBefore = on.fanOut.alarms.length;
    const trigger = addTrigger(on.fanOut);
    expect(trigger.deadLetterAlarm).toBeDefined();
    expect(on.fanOut.alarms).toHaveLength(alarmsBefore + 1);
    expect(on.fanOut.alarms).toContain(trigger.deadLetterAlarm);

    const off = fanOutIn(newStack(), { ...props, createAlarms: false });
    expect(addTrigger(off.fanOut).deadLetterAlarm).toBeUndefined();
    expect(off.fanOut.alarms).toEqual([]);
    Template.fromStack(off.stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });
});
