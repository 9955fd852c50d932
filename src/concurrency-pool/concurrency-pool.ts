import { Arn, ArnFormat, Aspects, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildCleanupDefinition } from './private/cleanup';
import { PoolBinding, PoolKeys } from './private/pool-table';
import { RequiredWildcardAcknowledgements } from '../access/required-wildcards';
import { SFN_EXECUTION_STATUS_CHANGE_DETAIL_TYPE, SFN_UNSUCCESSFUL_END_STATUSES } from '../facts';
import { decidePool, PoolDecision } from './private/decide-pool';

/** Props of `FanOutConcurrencyPool`. Set `maxTasks`, `maxVcpus` or both. */
export interface FanOutConcurrencyPoolProps {
  /**
   * Most tasks running at once across every execution of every fan-out that uses the pool,
   * 1 to 1,000,000.
   *
   * @default - no task limit (then `maxVcpus` is required)
   */
  readonly maxTasks?: number;

  /**
   * Most vCPUs held at once by the tasks of every execution that uses the pool: a task takes
   * its own vCPUs (0.25 to 16). A multiple of 0.25, up to 1,000,000. Set it at or below your
   * account's "Fargate On-Demand vCPU resource count" quota so that launches are not refused.
   *
   * @default - no vCPU limit (then `maxTasks` is required)
   */
  readonly maxVcpus?: number;

  /**
   * Most slots taken (RunTask calls started) per calendar second across every execution that
   * uses the pool, 1 to 20. At 20 (Fargate's documented RunTask rate) calls at the end of one
   * second and the start of the next can exceed the RunTask burst of 20 within a second; 10 or
   * less rules that out.
   *
   * @default 20
   */
  readonly maxRunTaskCallsPerSecond?: number;

  /**
   * How often the sweep gives back the leases of executions that are no longer running, as the
   * last resort when a status-change event was lost (EventBridge delivers them best effort). A
   * whole number of minutes, 1 minute to 24 hours.
   *
   * @default Duration.minutes(15)
   */
  readonly sweepInterval?: Duration;
}

/**
 * A limit on the tasks (or vCPUs) that many executions and fan-outs run at once, and a pace
 * for their RunTask calls, kept in a DynamoDB table by Step Functions' own DynamoDB
 * integrations: no Lambda function.
 *
 * Each task takes a slot (its vCPUs, or one task) before RunTask in one conditional
 * transaction, so the limit is never exceeded, and gives it back afterwards. Slots of
 * executions that fail, time out or are aborted are given back by a cleanup workflow started
 * from their status-change events, and a scheduled sweep gives back those of any execution
 * that is no longer running.
 */
export class FanOutConcurrencyPool extends Construct {
  /** The table that holds the counter, the leases and the pacing windows. */
  public readonly table: dynamodb.Table;

  /** The workflow that gives back the slots of executions that ended without giving them back. */
  public readonly cleanupStateMachine: sfn.StateMachine;

  /** The pool's limits, pacing and waiting order, with the reason for each. */
  public readonly description: string;

  private readonly decision: PoolDecision;
  private readonly users: sfn.IStateMachine[] = [];
  private readonly clusters: ecs.ICluster[] = [];
  private endedRule?: events.Rule;

  constructor(scope: Construct, id: string, props: FanOutConcurrencyPoolProps) {
    // Decide (and throw) before creating anything, so that a bad pool leaves nothing behind.
    const decision = decidePool(props);
    super(scope, id);
    this.decision = decision;
    this.description = decision.reason;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PoolKeys.PARTITION, type: dynamodb.AttributeType.STRING },
      sortKey: { name: PoolKeys.SORT, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Counters and leases of running executions only: nothing to keep once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: PoolKeys.BY_KIND_INDEX,
      partitionKey: { name: PoolKeys.KIND, type: dynamodb.AttributeType.STRING },
      sortKey: { name: PoolKeys.STAMP, type: dynamodb.AttributeType.STRING },
    });

    const describable = Lazy.list({ produce: () => this.describableExecutionArns() });
    const describableTasks = Lazy.list({ produce: () => this.describableTaskArns() });
    const logGroup = new logs.LogGroup(this, 'CleanupLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN });
    this.cleanupStateMachine = new sfn.StateMachine(this, 'Cleanup', {
      definitionBody: sfn.DefinitionBody.fromChainable(buildCleanupDefinition(this, this.table, describable, describableTasks)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'Gives back the concurrency-pool slots of executions that are no longer running',
      // It runs rarely (an execution that ended badly, the sweep): every event is cheap to keep.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    Aspects.of(this).add(new RequiredWildcardAcknowledgements());

    // Giving a lease back is one transaction: the lease's delete and the counter's update.
    iam.Grant.addToPrincipal({ grantee: this.cleanupStateMachine, actions: ['dynamodb:UpdateItem'], resourceArns: [this.table.tableArn] });

    new events.Rule(this, 'Sweep', {
      description: 'Gives back the slots of executions that are no longer running (the last resort when a status-change event was lost)',
      schedule: events.Schedule.rate(Duration.seconds(decision.sweepIntervalSeconds)),
      targets: [new targets.SfnStateMachine(this.cleanupStateMachine, { input: events.RuleTargetInput.fromObject({ sweep: true }) })],
    });
  }

  /**
   * Lets `stateMachine` take and give back slots (the DynamoDB item actions on the pool's table,
   * nothing else), and gives back the slots of its executions that fail, time out or are
   * aborted. Call it once per state machine that uses the pool.
   */
  public addUser(stateMachine: sfn.IStateMachine): void {
    if (this.users.includes(stateMachine)) return;
    this.users.push(stateMachine);
    iam.Grant.addToPrincipal({
      grantee: stateMachine,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
      resourceArns: [this.table.tableArn],
    });
    if (!this.endedRule) {
      this.endedRule = new events.Rule(this, 'ExecutionEnded', {
        description: 'An execution that uses the concurrency pool failed, timed out or was aborted: give back its slots',
        eventPattern: {
          source: ['aws.states'],
          detailType: [SFN_EXECUTION_STATUS_CHANGE_DETAIL_TYPE],
          detail: {
            status: SFN_UNSUCCESSFUL_END_STATUSES,
            stateMachineArn: Lazy.list({ produce: () => this.users.map((user) => user.stateMachineArn) }),
          },
        },
        targets: [new targets.SfnStateMachine(this.cleanupStateMachine, {
          input: events.RuleTargetInput.fromObject({ owner: events.EventField.fromPath('$.detail.executionArn') }),
        })],
      });
    }
  }

  /**
   * @internal The cluster a user's tasks run in: the cleanup may describe its tasks, to keep the
   * slot of an ended holder whose task still runs.
   */
  public _addTaskCluster(cluster: ecs.ICluster): void {
    if (!this.clusters.includes(cluster)) this.clusters.push(cluster);
  }

  /** @internal The table and the decided limits, for the states that take and give back slots. */
  public _binding(): PoolBinding {
    return { table: this.table, decision: this.decision };
  }

  /** Tasks in the users' clusters: what the cleanup may describe (task ids are generated, hence the wildcard). */
  private describableTaskArns(): string[] {
    const stack = Stack.of(this);
    const arnOf = (clusterName: string) => Arn.format({ service: 'ecs', resource: 'task', resourceName: `${clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
    // No cluster yet: a pattern no task matches (an IAM statement needs a resource).
    return this.clusters.length === 0 ? [arnOf(`${this.node.addr}-no-cluster`)] : this.clusters.map((cluster) => arnOf(cluster.clusterName));
  }

  /** Executions (and Distributed Map child executions) of every user: what the cleanup may describe. */
  private describableExecutionArns(): string[] {
    const stack = Stack.of(this);
    const arnOf = (resourceName: string) => Arn.format({ service: 'states', resource: 'execution', resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, stack);
    if (this.users.length === 0) {
      // No user yet: a pattern no execution matches (an IAM statement needs a resource).
      return [arnOf(`${this.node.addr}-no-user:*`)];
    }
    return this.users.flatMap((user) => {
      const name = Arn.split(user.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
      return [arnOf(`${name}:*`), arnOf(`${name}/*`)];
    });
  }
}
