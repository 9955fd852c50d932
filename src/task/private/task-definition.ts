import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, DependencyGroup } from 'constructs';
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
  const { secrets, ...containerOptions } = decision.container!;
  const container = taskDefinition.addContainer(decision.containerName, {
    ...containerOptions,
    // Each secret granted only what ECS reads at launch (see ReadAtLaunch).
    secrets: secrets && Object.fromEntries(Object.entries(secrets).map(([name, secret]) => [name, new ReadAtLaunch(secret)])),
    essential: true,
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'fan-out' }),
  });
  return { taskDefinition, container, logGroup };
}

/**
 * What ECS uses to read a task's secrets when it starts the task, with the execution role:
 * secretsmanager:GetSecretValue, ssm:GetParameters, and kms:Decrypt for a key of the user's own.
 * Source: Amazon ECS developer guide, "Pass Secrets Manager secrets through Amazon ECS environment
 * variables" and "Pass Systems Manager parameters through Amazon ECS environment variables".
 */
export const SECRET_READ_ACTIONS: readonly string[] = ['secretsmanager:GetSecretValue', 'ssm:GetParameters', 'kms:Decrypt'];

/**
 * A secret whose grant is the L2's, narrowed to SECRET_READ_ACTIONS: ecs.Secret grants what the
 * secret's or parameter's grantRead grants, which adds secretsmanager:DescribeSecret and
 * ssm:DescribeParameters, GetParameter and GetParameterHistory that ECS does not use. The
 * resources (the secret, the parameter, their keys) stay the L2's.
 */
class ReadAtLaunch extends ecs.Secret {
  public readonly arn: string;
  public readonly hasField?: boolean;

  constructor(private readonly secret: ecs.Secret) {
    super();
    this.arn = secret.arn;
    this.hasField = secret.hasField;
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(new ReadActionsOnly(grantee.grantPrincipal));
  }
}

/** A principal that adds to `principal`'s policy only the SECRET_READ_ACTIONS of a statement. */
class ReadActionsOnly implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;

  constructor(private readonly principal: iam.IPrincipal) {}

  public get assumeRoleAction(): string {
    return this.principal.assumeRoleAction;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.principal.policyFragment;
  }

  public get principalAccount(): string | undefined {
    return this.principal.principalAccount;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const actions = statement.actions.filter((action) => SECRET_READ_ACTIONS.includes(action));
    if (actions.length === 0) {
      // Nothing ECS needs: nothing to add.
      return { statementAdded: true, policyDependable: new DependencyGroup() };
    }
    const json = statement.toStatementJson();
    return this.principal.addToPrincipalPolicy(new iam.PolicyStatement({
      effect: statement.effect,
      actions,
      resources: statement.resources,
      conditions: json.Condition,
    }));
  }
}
