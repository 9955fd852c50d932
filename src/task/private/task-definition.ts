import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TaskSizeDecision } from './task-size';

/** What the task is built from. */
export interface FanOutTaskProps {
  /** A task definition to use as it is, instead of building one. */
  readonly taskDefinition?: ecs.FargateTaskDefinition;
  readonly image?: ecs.ContainerImage;
  readonly command?: string[];
  readonly environment?: { [key: string]: string };
  readonly secrets?: { [key: string]: ecs.Secret };
  readonly size: TaskSizeDecision;
  readonly logRetention: logs.RetentionDays;
}

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
 * decided size whose one container logs to a log group of its own.
 */
export function buildTask(scope: Construct, props: FanOutTaskProps): FanOutTask {
  if (props.taskDefinition) {
    // decideTaskSize checked that it has a default container.
    return { taskDefinition: props.taskDefinition, container: props.taskDefinition.defaultContainer! };
  }
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', props.size.build);
  const logGroup = new logs.LogGroup(scope, 'ContainerLogs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const container = taskDefinition.addContainer(props.size.containerName, {
    image: props.image!,
    command: props.command,
    environment: props.environment,
    secrets: props.secrets,
    essential: true,
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'fan-out' }),
  });
  return { taskDefinition, container, logGroup };
}
