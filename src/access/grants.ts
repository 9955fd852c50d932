import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutDecisions } from '../fan-out-decisions';
import { CALLBACK_RESULTS_FOLDER } from '../items/private/batch-limits';
import { SPILLED_ITEMS_FOLDER } from '../workflow/item/item-spill';

/** What a callback task sends (the actions of `StateMachine.grantTaskResponse`). */
export const TASK_RESPONSE_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];

/** What the fan-out's own grants are between. */
export interface FanOutAccessProps {
  readonly stateMachine: sfn.StateMachine;
  readonly resultBucket: s3.IBucket;
  /** The task role: it may read items the workflow wrote to S3, and report back with the callback pattern. */
  readonly taskRole: iam.IRole;
  /** Where the items come from, the integration pattern and the results' key prefix. */
  readonly decisions: Pick<FanOutDecisions, 'items' | 'callback' | 'resultPrefix'>;
}

/**
 * The grants aws-cdk-lib's states do not make themselves: keys of SSE-KMS buckets, and the
 * callback pattern's reports.
 */
export function grantFanOutAccess(props: FanOutAccessProps): void {
  const { items, callback, resultPrefix } = props.decisions;
  // Results and failure records are written by the state machine; an SSE-KMS bucket needs the key.
  props.resultBucket.encryptionKey?.grantEncrypt(props.stateMachine);
  if (callback) {
    // SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat on this state machine only: its own
    // ARN, and its Distributed Map children's qualified ARNs (`stateMachine:NAME/MAPLABEL`), which
    // own the tokens the children hand out (see aws-facts.md, the callback pattern).
    props.stateMachine.grantTaskResponse(props.taskRole);
    iam.Grant.addToPrincipal({
      grantee: props.taskRole,
      actions: TASK_RESPONSE_ACTIONS,
      resourceArns: [`${props.stateMachine.stateMachineArn}/*`],
    });
    // A result too large for Step Functions is written under FANOUT_RESULT_S3_PREFIX, and only there.
    iam.Grant.addToPrincipal({
      grantee: props.taskRole,
      actions: ['s3:PutObject'],
      resourceArns: [props.resultBucket.arnForObjects(`${resultPrefix}/${CALLBACK_RESULTS_FOLDER}/*`)],
    });
    props.resultBucket.encryptionKey?.grantEncrypt(props.taskRole);
  }
  // An item too large for the container overrides is written under the result prefix and the
  // container gets a reference to it (see item-spill.ts): it may read those objects only.
  iam.Grant.addToPrincipal({
    grantee: props.taskRole,
    actions: ['s3:GetObject'],
    resourceArns: [props.resultBucket.arnForObjects(`${resultPrefix}/${SPILLED_ITEMS_FOLDER}/*`)],
  });
  props.resultBucket.encryptionKey?.grantDecrypt(props.taskRole);
  // Item readers grant s3:GetObject / s3:ListBucket themselves; an SSE-KMS bucket needs the key too.
  items._bucket?.encryptionKey?.grantDecrypt(props.stateMachine);
}

/** `states:RedriveExecution` on the executions of `stateMachine`, for `grantee`. */
export function grantRedriveOf(stateMachine: sfn.StateMachine, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['states:RedriveExecution'],
    resourceArns: [Arn.format({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }, Stack.of(stateMachine))],
  });
}
