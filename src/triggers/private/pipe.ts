import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipes from 'aws-cdk-lib/aws-pipes';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TriggerBatching } from './decide-triggers';

/** What a trigger's pipe connects. */
export interface TriggerPipeProps {
  readonly queue: sqs.IQueue;
  readonly starter: sfn.IStateMachine;
  readonly batching: TriggerBatching;
  /**
   * Applied by the pipe to each record of a batch (not to the batch).
   *
   * @default - the SQS records as they are
   */
  readonly inputTemplate?: string;
}

/**
 * An EventBridge Pipe (L1: the L2 is alpha) from the queue to the starter, invoked synchronously
 * (REQUEST_RESPONSE): the pipe deletes a batch's messages only when the starter succeeded, i.e.
 * when the batch's execution has started. A failed start leaves them in the queue, to be received
 * again after the visibility timeout and moved to the dead-letter queue after the queue's
 * maxReceiveCount.
 */
export function buildTriggerPipe(scope: Construct, props: TriggerPipeProps): pipes.CfnPipe {
  const role = new iam.Role(scope, 'PipeRole', {
    assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: 'Reads the trigger queue and starts the trigger\'s starter workflow.',
  });
  const policy = new iam.Policy(scope, 'PipePolicy', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [props.queue.queueArn],
      }),
      new iam.PolicyStatement({ actions: ['states:StartSyncExecution'], resources: [props.starter.stateMachineArn] }),
    ],
  });
  props.queue.encryptionMasterKey?.grantDecrypt(role);
  const pipe = new pipes.CfnPipe(scope, 'Pipe', {
    roleArn: role.roleArn,
    source: props.queue.queueArn,
    sourceParameters: {
      sqsQueueParameters: {
        batchSize: props.batching.batchSize,
        maximumBatchingWindowInSeconds: props.batching.windowSeconds,
      },
    },
    target: props.starter.stateMachineArn,
    targetParameters: {
      inputTemplate: props.inputTemplate,
      stepFunctionStateMachineParameters: { invocationType: 'REQUEST_RESPONSE' },
    },
    description: `One execution per batch of up to ${props.batching.batchSize} messages (${props.batching.windowSeconds} s window).`,
  });
  // The pipe checks its permissions when it is created.
  pipe.node.addDependency(policy);
  return pipe;
}
