import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TaskSizeDecision } from './task-size';

/** The task run once per item. */
export interface FanOutTask {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The container that receives the item. */
  readonly container: ecs.ContainerDefinition;
  /** The container's log group; undefined when the task definition was given. */
  readonly logGroup?: logs.ILogGroup;
}

/**
 * The task definition given (its default container receives the item), or a new one of the
 * decided size whose one container logs to a log group of its own, kept `logRetention`.
 */
export function buildTask(scope: Construct, decision: TaskSizeDecision, logRetention: logs.RetentionDays, removalPolicy: RemovalPolicy): FanOutTask {
  if (decision.given) {
    // decideTaskSize checked that it has a default container.
    return { taskDefinition: decision.given, container: decision.given.defaultContainer! };
  }
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', decision.build);
  const logGroup = new logs.LogGroup(scope, 'ContainerLogs', {
    retention: logRetention,
    removalPolicy,
  });
  const container = taskDefinition.addContainer(decision.containerName, {
    ...decision.container!,
    essential: true,
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'fan-out' }),
  });
  return { taskDefinition, container, logGroup };
}
