import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  ECS_INVALID_PARAMETER_RATE_PATTERNS, HISTORY_EVENTS_PER_INLINE_ITEM, HISTORY_EVENTS_PER_PASS_STATE, HISTORY_EVENTS_PER_RETRY,
  HISTORY_EVENTS_PER_SDK_CALL,
} from '../../facts';
import { retryEveryError } from '../../retries/private/retry-policy';

/** Where items too large for the container overrides are written, under the result prefix. */
export const SPILLED_ITEMS_FOLDER = 'items';

/** Retries of writing an item too large for the container overrides to S3 . */
export const SPILL_WRITE_RETRIES = 3;

/**
 * Events writing an item to S3 for its size adds, besides the task state entered again: the
 * Choice on the Cause, the S3 write with its retries, and the Pass that puts the reference in.
 */
export const SPILL_EVENTS = HISTORY_EVENTS_PER_PASS_STATE + HISTORY_EVENTS_PER_SDK_CALL + SPILL_WRITE_RETRIES * HISTORY_EVENTS_PER_RETRY
  + HISTORY_EVENTS_PER_PASS_STATE + HISTORY_EVENTS_PER_INLINE_ITEM;

/**
 * The key of a spilled item's object: one per execution (a Distributed Map child is one) and
 * item index; a batch, which has no index, is its child execution's only object.
 */
export function spilledItemKey(resultPrefix: string, batched = false): string {
  return batched
    ? sfn.JsonPath.format(`${resultPrefix}/${SPILLED_ITEMS_FOLDER}/{}/batch.json`, sfn.JsonPath.stringAt('$$.Execution.Name'))
    : sfn.JsonPath.format(`${resultPrefix}/${SPILLED_ITEMS_FOLDER}/{}/{}.json`, sfn.JsonPath.stringAt('$$.Execution.Name'), sfn.JsonPath.stringAt('$.index'));
}

/** Where the container's input is in the item's state: one item (`$.item`) or a batch's items (`$.Items`). */
export function spilledInputPath(batched: boolean): string {
  return batched ? '$.Items' : '$.item';
}

/**
 * The refusal caught at `$.failure` says a rate or request limit was exceeded (ECS's own VPC
 * lookups throttled): worth another try as it is, never a reason to write the item to S3.
 */
export function isRateLimitedRefusal(): sfn.Condition {
  return sfn.Condition.or(...ECS_INVALID_PARAMETER_RATE_PATTERNS.map((pattern) => sfn.Condition.stringMatches('$.failure.Cause', pattern)));
}

/**
 * A refusal that may be the item's size: no rate limit, and the item (or batch) not yet replaced
 * by its reference in S3. Both patterns, run job and callback, take their one try on this.
 */
export function mayBeTooLarge(batched: boolean): sfn.Condition {
  return sfn.Condition.and(
    sfn.Condition.not(isRateLimitedRefusal()),
    sfn.Condition.not(sfn.Condition.isPresent(`${spilledInputPath(batched)}.fanOutS3Ref`)),
  );
}

/** What the spill needs. */
export interface ItemSpillProps {
  /** Distinguishes the states of each task state ('', 'OnDemand'). */
  readonly suffix: string;
  /** 'Inline' or 'Child': prefixes construct ids. */
  readonly where: string;
  /** A state's name where it is built. */
  readonly stateName: (inlineName: string) => string;
  readonly resultBucket: s3.IBucket;
  readonly resultPrefix: string;
  /** True for a batch: its items (`$.Items`) are written as one JSON array. */
  readonly batched: boolean;
  /** The task state to run again with the reference. */
  readonly next: sfn.IChainable;
  /** Where the item goes if it cannot be written. */
  readonly failed: sfn.IChainable;
}

/**
 * Writes an item (or a batch's items) that RunTask refused for its size to the result bucket and
 * replaces it with a reference `{ fanOutS3Ref: { bucket, key } }`, which the worker runtime reads
 * transparently in `FANOUT_ITEM` or `FANOUT_ITEMS`
 * (worker/README.md), then runs the task again. A state machine cannot measure a string, and ECS
 * does not document the wording of its "overrides too long" error, so any
 * `ECS.InvalidParameterException` that is not a rate limit gets this one try; an item that is
 * already a reference fails as before, with ECS's cause.
 */
export function buildItemSpill(scope: Construct, props: ItemSpillProps): sfn.IChainable {
  const key = spilledItemKey(props.resultPrefix, props.batched);
  const input = spilledInputPath(props.batched);
  const write = tasks.CallAwsService.jsonPath(scope, `${props.where}SpillItem${props.suffix}`, {
    stateName: props.stateName(`SpillItem${props.suffix}`),
    comment: `Writes the ${props.batched ? 'batch' : 'item'}, too large for the container overrides, to the result bucket.`,
    service: 's3',
    action: 'putObject',
    parameters: {
      Bucket: props.resultBucket.bucketName,
      Key: key,
      Body: sfn.JsonPath.jsonToString(props.batched ? sfn.JsonPath.listAt(input) : sfn.JsonPath.objectAt(input)),
      ContentType: 'application/json',
    },
    iamResources: [props.resultBucket.arnForObjects(`${props.resultPrefix}/${SPILLED_ITEMS_FOLDER}/*`)],
    iamAction: 's3:PutObject',
    resultPath: sfn.JsonPath.DISCARD,
  });
  write.addRetry(retryEveryError(SPILL_WRITE_RETRIES, 1));
  write.addCatch(props.failed, { errors: [sfn.Errors.ALL], resultPath: '$.spillFailure' });
  const useReference = new sfn.Pass(scope, `${props.where}UseItemReference${props.suffix}`, {
    stateName: props.stateName(`UseItemReference${props.suffix}`),
    comment: `The container gets a reference to the ${props.batched ? 'batch' : 'item'} instead of the ${props.batched ? 'batch' : 'item'}.`,
    parameters: { fanOutS3Ref: { bucket: props.resultBucket.bucketName, key } },
    resultPath: input,
  });
  return write.next(useReference).next(props.next);
}
