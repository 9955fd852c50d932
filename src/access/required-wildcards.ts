import { IAspect, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';

/**
 * Actions that AWS only authorizes on `Resource: "*"` (no resource-level permissions), each
 * with the reason, so that a wildcard granted for them is acknowledged and any other is not.
 */
const ACTIONS_THAT_REQUIRE_STAR: Record<string, string> = {
  'ecs:StopTask': 'the .sync integration stops tasks whose ARNs are not known in advance (AWS\'s own ecs:runTask.sync policy uses *)',
  'ecs:DescribeTasks': 'the .sync integration polls tasks whose ARNs are not known in advance (AWS\'s own ecs:runTask.sync policy uses *)',
  'ecr:GetAuthorizationToken': 'ecr:GetAuthorizationToken has no resource-level permissions',
  'ecs:ListTasks': 'ecs:ListTasks cannot be scoped to tasks; the callback pattern lists only its own timed-out task, by its startedBy id, in its cluster',
  'servicequotas:GetServiceQuota': 'servicequotas:GetServiceQuota reads one number (the Fargate vCPU quota) and changes nothing; whether it can be scoped to a quota ARN is not confirmed, and a scope it ignored would deny every read (facts/service-quotas.ts)',
  'xray:PutTraceSegments': 'X-Ray actions have no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray actions have no resource-level permissions',
  'xray:GetSamplingRules': 'X-Ray actions have no resource-level permissions',
  'xray:GetSamplingTargets': 'X-Ray actions have no resource-level permissions',
  'logs:CreateLogDelivery': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:GetLogDelivery': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:UpdateLogDelivery': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:DeleteLogDelivery': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:ListLogDeliveries': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:PutResourcePolicy': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:DescribeResourcePolicies': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
  'logs:DescribeLogGroups': 'CloudWatch Logs vended-log delivery actions need * (Step Functions logging)',
};

/**
 * Actions on this state machine's own executions: a Distributed Map's child executions get
 * generated names, so only a wildcard after the state machine name can match them.
 */
const CHILD_EXECUTION_ACTIONS = new Set(['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']);

/** What a callback task sends: allowed on this state machine's children's qualified ARNs. */
const TASK_RESPONSE_ACTION_SET = new Set(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']);

/** Map Runs get generated ids after the state machine name and label. */
const MAP_RUN_ACTIONS = new Set(['states:DescribeMapRun']);

/** What aws-cdk's ResultWriterV2 grants on the result bucket's objects (generated file names). */
const RESULT_WRITER_ACTIONS = new Set(['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload']);

/**
 * Acknowledges, for policy-validation plugins such as cdk-nag's `AwsSolutions-IAM5`, the
 * wildcard resources in the construct's own IAM policies that AWS requires, and no other:
 * `*` only where every action of the statement has no resource-level permissions, and
 * `execution:<this state machine>:*` only for actions on its own child executions.
 *
 * The acknowledgement id names the exact resource (`AwsSolutions-IAM5[Resource::...]`), in the
 * form cdk-nag prints it, so a new wildcard anywhere still reports.
 */
export class RequiredWildcardAcknowledgements implements IAspect {
  /**
   * @param resultBucket a bucket the construct created for Map Run results only, whose objects
   * the state machine may write with a wildcard (result files have generated names)
   */
  constructor(private readonly resultBucket?: s3.IBucket, private readonly stateMachine?: sfn.IStateMachine) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy)) {
      return;
    }
    const document = Stack.of(node).resolve(node.policyDocument);
    // A finding id names a resource, not a statement: gather every action granted on each
    // wildcard resource of the policy, so that one unneeded action keeps the finding open.
    const actionsByResource = new Map<string, Set<string>>();
    for (const statement of document?.Statement ?? []) {
      if (statement.Effect !== 'Allow') {
        continue;
      }
      for (const resource of asArray(statement.Resource).map(flattenReference)) {
        const actions = actionsByResource.get(resource) ?? new Set<string>();
        asArray(statement.Action).forEach((action: string) => actions.add(action));
        actionsByResource.set(resource, actions);
      }
    }
    // The bucket's objects, as a policy names them from its name or from its ARN.
    const resultObjects = this.resultBucket
      ? [
        `arn:<AWS::Partition>:s3:::${flattenReference(Stack.of(node).resolve(this.resultBucket.bucketName))}/`,
        `${flattenReference(Stack.of(node).resolve(this.resultBucket.bucketArn))}/`,
      ]
      : [];
    // This state machine's Distributed Map children: its ARN followed by `/` and a generated label.
    const children = this.stateMachine ? `${flattenReference(Stack.of(node).resolve(this.stateMachine.stateMachineArn))}/*` : undefined;
    const acknowledged = new Map<string, string>();
    for (const [resource, actions] of actionsByResource) {
      if (resource === children && [...actions].every((a) => TASK_RESPONSE_ACTION_SET.has(a))) {
        acknowledged.set(`AwsSolutions-IAM5[Resource::${resource}]`,
          'Distributed Map children run under the qualified ARN stateMachine:NAME/MAPLABEL, and own the task tokens they hand the containers');
        continue;
      }
      const inResultBucket = resultObjects.some((prefix) => resource.startsWith(prefix)) && resource.endsWith('*');
      const reason = inResultBucket && [...actions].every((a) => RESULT_WRITER_ACTIONS.has(a))
        ? 'result and failure files get generated names, in a bucket the construct created for them alone'
        : reasonForWildcard([...actions], resource);
      if (reason) {
        acknowledged.set(`AwsSolutions-IAM5[Resource::${resource}]`, reason);
      }
    }
    for (const [id, reason] of acknowledged) {
      Validations.of(node).acknowledge({ id, reason: `Required by AWS: ${reason}.` });
    }
  }
}

function reasonForWildcard(actions: string[], resource: string): string | undefined {
  if (resource === '*') {
    const reasons = actions.map((action) => ACTIONS_THAT_REQUIRE_STAR[action]);
    return reasons.every((r) => r !== undefined) ? [...new Set(reasons)].join('; ') : undefined;
  }
  if (/:mapRun:.+:\*$/.test(resource) && actions.every((action) => MAP_RUN_ACTIONS.has(action))) {
    return 'Map Runs get generated ids, so the parent may only be scoped to its own Map Runs with a trailing wildcard';
  }
  if (/:task\/[^/]+\/\*$/.test(resource) && actions.every((action) => action === 'ecs:StopTask')) {
    return 'tasks get generated ids, so stopping a timed-out callback task can only be scoped to the cluster\'s tasks';
  }
  if (/:task\/[^/]+\/\*$/.test(resource) && actions.every((action) => action.toLowerCase() === 'ecs:describetasks')) {
    return 'tasks get generated ids, so the concurrency pool\'s cleanup, which keeps the slot of a task that still runs, can only be scoped to the tasks of the clusters that use the pool';
  }
  if (/:execution:.+[:/]\*$/.test(resource)
    && actions.every((action) => ['states:describeexecution', 'states:getexecutionhistory'].includes(action.toLowerCase()))) {
    return 'executions and Distributed Map child executions get their names when they start: the concurrency pool\'s cleanup may only be scoped to the executions of the state machines that use the pool, with a trailing wildcard';
  }
  if (/:execution:.+:\*$/.test(resource) && actions.every((action) => CHILD_EXECUTION_ACTIONS.has(action))) {
    return 'Distributed Map child executions have generated names, so the parent may only be scoped to its own executions with a trailing wildcard';
  }
  return undefined;
}

/**
 * A resolved CloudFormation value as a string in the form cdk-nag reports it: joins are joined,
 * references become `<Name>` (`<AWS::Partition>`, `<LogicalId>`), other intrinsics their JSON.
 */
export function flattenReference(value: any): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value && Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'];
    return (parts as any[]).map(flattenReference).join(separator);
  }
  if (value && typeof value.Ref === 'string') {
    return `<${value.Ref}>`;
  }
  if (value && Array.isArray(value['Fn::GetAtt'])) {
    return `<${value['Fn::GetAtt'].join('.')}>`;
  }
  return Token.isUnresolved(value) ? String(value) : JSON.stringify(value);
}

function asArray(value: any): any[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}
