import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ClaimKeys, TriggerClaims } from './claims';
import { StarterStateNames } from './starter-state-names';
import { DYNAMODB_TTL_MS_PER_UNIT, ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED, ERRORS_DYNAMODB_TRANSIENT } from '../../facts';

/*
 * The starter's states that read and write claims (see TriggerStarter for why a claim is written
 * only after its record's execution has started), built in the starter's scope.
 */

/** Throttling and internal errors of the claim table: retried, then the starter fails and the batch comes again. */
const DYNAMODB_RETRY: sfn.RetryProps = {
  errors: ERRORS_DYNAMODB_TRANSIENT,
  maxAttempts: 4,
  interval: Duration.seconds(1),
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Per record: `{ id, claims: [claim], kept: { claim, item } }`, or `{ id, claims: [] }` when its
 * claim exists (ListKeptRecords lists the claims, and the items of what was kept).
 */
export function buildDropStartedBefore(scope: Construct, claims: TriggerClaims): sfn.IChainable {
  const lookUp = new tasks.DynamoGetItem(scope, 'LookUpClaim', {
    stateName: StarterStateNames.LOOK_UP_CLAIM,
    comment: 'Was this record started by an earlier batch? (strongly consistent: a claim written just before is seen)',
    table: claims.table,
    key: { [ClaimKeys.ID]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.claim')) },
    consistentRead: true,
    projectionExpression: [new tasks.DynamoProjectionExpression().withAttribute(ClaimKeys.ID)],
    resultPath: '$.claimed',
  });
  lookUp.addRetry(DYNAMODB_RETRY);
  const drop = new sfn.Pass(scope, 'Drop', {
    stateName: StarterStateNames.DROP,
    comment: 'Started by an earlier batch: not started again.',
    parameters: { 'id.$': '$.id', 'claims': [] },
  });
  const keep = new sfn.Pass(scope, 'Keep', {
    stateName: StarterStateNames.KEEP,
    parameters: {
      'id.$': '$.id',
      'claims.$': 'States.Array($.claim)',
      // Two copies of one event or message in this batch have the same { claim, item } (see ListKeptRecords).
      'kept': { 'claim.$': '$.claim', 'item.$': '$.item' },
    },
  });
  return lookUp.next(new sfn.Choice(scope, 'StartedBefore', { stateName: StarterStateNames.STARTED_BEFORE })
    .when(sfn.Condition.isPresent('$.claimed.Item'), drop)
    .otherwise(keep));
}

/** After the start: one conditional PutItem per started record. */
export function buildRecordClaims(scope: Construct, claims: TriggerClaims): sfn.Map {
  const recordClaims = sfn.Map.jsonPath(scope, 'RecordClaims', {
    stateName: StarterStateNames.RECORD_CLAIMS,
    comment: 'Claims the started records, after the start: a crash before this runs a record twice at worst, never loses it.',
    itemsPath: '$.claims',
    itemSelector: { claim: sfn.JsonPath.stringAt('$$.Map.Item.Value'), execution: sfn.JsonPath.stringAt('$.name') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  // JSONata for the TTL alone: epoch seconds from the state's entered time (JSONPath has no date arithmetic).
  const record = tasks.DynamoPutItem.jsonata(scope, 'RecordClaim', {
    stateName: StarterStateNames.RECORD_CLAIM,
    comment: 'Records a started record; the first claim is kept (a copy started twice keeps the name of its first execution).',
    table: claims.table,
    item: {
      [ClaimKeys.ID]: tasks.DynamoAttributeValue.fromString('{% $states.input.claim %}'),
      [ClaimKeys.EXECUTION]: tasks.DynamoAttributeValue.fromString('{% $states.input.execution %}'),
      [ClaimKeys.EXPIRES_AT]: tasks.DynamoAttributeValue.numberFromString(
        `{% $string($floor($toMillis($states.context.State.EnteredTime) / ${DYNAMODB_TTL_MS_PER_UNIT}) + ${claims.retention.ttlSeconds}) %}`),
    },
    conditionExpression: 'attribute_not_exists(#id)',
    expressionAttributeNames: { '#id': ClaimKeys.ID },
  });
  record.addRetry(DYNAMODB_RETRY);
  record.addCatch(new sfn.Pass(scope, 'RecordedBefore', {
    stateName: StarterStateNames.RECORDED_BEFORE,
    comment: 'Another batch claimed it in the meantime (it started it too): the first claim stays.',
  }), { errors: [ERROR_DYNAMODB_CONDITIONAL_CHECK_FAILED] });
  recordClaims.itemProcessor(record);
  return recordClaims;
}
