import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { failedRecord } from './item/item-record';
import { buildItemRunner, itemStartState } from './item/item-runner';
import { itemSelector, requireItemsPath } from './map-input';
import { FanOutWorkflowProps, StateNames, WorkflowEnds } from './workflow';
import {
  CapacityProviderNames, HISTORY_EVENTS_PER_PASS_STATE, HISTORY_EVENTS_PER_RETRY, HISTORY_EVENTS_PER_SDK_CALL,
} from '../facts';
import { retryEveryError } from '../retries/private/retry-policy';

// The inline Map: one iteration per item inside the execution, a failed item's record written to
// S3 and its index and error kept in the Map's result, then a summary of the result.

/** Retries of writing a failed inline item's record to S3. */
export const FAILURE_RECORD_WRITE_RETRIES = 3;

/**
 * Events a failed inline item's record adds at worst: describing it (a Pass), writing it to S3
 * (an SDK call with all its retries) and keeping its index and error (a Pass).
 */
export const INLINE_FAILURE_RECORD_EVENTS = HISTORY_EVENTS_PER_PASS_STATE
  + HISTORY_EVENTS_PER_SDK_CALL + FAILURE_RECORD_WRITE_RETRIES * HISTORY_EVENTS_PER_RETRY
  + HISTORY_EVENTS_PER_PASS_STATE;

/** The inline Map, then its summary: the failed items' indexes and errors, from its result. */
export function buildInlineMap(scope: Construct, props: FanOutWorkflowProps, ends: WorkflowEnds): sfn.IChainable {
  const { decisions } = props;
  const startState = itemStartState(props);
  const map = sfn.Map.jsonPath(scope, 'InlineMap', {
    stateName: StateNames.INLINE_MAP,
    comment: 'Runs one Fargate task per item, inside this execution.',
    itemsPath: requireItemsPath(decisions),
    itemSelector: itemSelector(startState),
    maxConcurrency: decisions.concurrency.inlineMaxConcurrency,
    resultSelector: summaryOfResults(decisions.reportsCapacity, decisions.callback),
  });
  map.itemProcessor(inlineItemProcessor(scope, props));
  const failuresAt = `s3://${props.resultBucket.bucketName}/${decisions.resultPrefix}/inline/{}/`;
  const summarize = new sfn.Pass(scope, 'Summarize', {
    stateName: StateNames.SUMMARIZE,
    comment: 'Counts the items and lists the failed ones (index and error).',
    parameters: {
      itemCount: sfn.JsonPath.numberAt('$.itemCount'),
      failedCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.failedItems')),
      failedItems: sfn.JsonPath.listAt('$.failedItems'),
      ...(decisions.callback ? { results: sfn.JsonPath.listAt('$.results') } : {}),
      ...(decisions.reportsCapacity ? {
        tasksByCapacity: {
          [CapacityProviderNames.SPOT]: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.ranOnSpot')),
          [CapacityProviderNames.ON_DEMAND]: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.ranOnDemand')),
        },
      } : {}),
      // Each failed item's record (item, error, cause) is a file here, named by its index.
      failuresWrittenTo: sfn.JsonPath.format(failuresAt, sfn.JsonPath.stringAt('$$.Execution.Name')),
      message: sfn.JsonPath.format('{} of {} items failed', sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.failedItems')), sfn.JsonPath.stringAt('$.itemCount')),
    },
  });
  return map.next(summarize).next(ends.outcome);
}

/**
 * The inline item: its runner, and for a failed item a record of it (item, error, cause) written
 * to S3 and its index and error kept in the Map's result. The cause of a `.sync` failure is the
 * whole ECS task description (kilobytes), too large to keep for every item in the result.
 */
function inlineItemProcessor(scope: Construct, props: FanOutWorkflowProps): sfn.IChainable {
  const { decisions } = props;
  const describeFailure = new sfn.Pass(scope, 'InlineDescribeFailure', {
    stateName: StateNames.INLINE_DESCRIBE_FAILURE,
    comment: 'The failed item, its error and its cause.',
    parameters: {
      index: sfn.JsonPath.numberAt('$.index'),
      item: sfn.JsonPath.objectAt('$.item'),
      error: sfn.JsonPath.stringAt('$.failure.Error'),
      cause: sfn.JsonPath.stringAt('$.failure.Cause'),
      // What its last task said and how many it took (run job; see item/item-record.ts).
      ...(decisions.callback ? {} : { record: failedRecord(decisions.itemState) }),
    },
  });
  const writeFailure = tasks.CallAwsService.jsonPath(scope, 'InlineWriteFailure', {
    stateName: StateNames.INLINE_WRITE_FAILURE,
    comment: 'Writes the failed item\'s record to the result bucket, one file per item.',
    service: 's3',
    action: 'putObject',
    parameters: {
      Bucket: props.resultBucket.bucketName,
      Key: sfn.JsonPath.format(`${decisions.resultPrefix}/inline/{}/failed-{}.json`, sfn.JsonPath.stringAt('$$.Execution.Name'), sfn.JsonPath.stringAt('$.index')),
      Body: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')),
      ContentType: 'application/json',
    },
    iamResources: [props.resultBucket.arnForObjects(`${decisions.resultPrefix}/inline/*`)],
    iamAction: 's3:PutObject',
    resultPath: sfn.JsonPath.DISCARD,
  });
  const recordFailure = new sfn.Pass(scope, 'InlineRecordFailure', {
    stateName: StateNames.INLINE_RECORD_FAILURE,
    comment: 'Keeps the failed item\'s index and error in the Map\'s result.',
    parameters: {
      index: sfn.JsonPath.numberAt('$.index'),
      error: sfn.JsonPath.stringAt('$.error'),
    },
  });
  writeFailure.addRetry(retryEveryError(FAILURE_RECORD_WRITE_RETRIES, 1));
  // The record is lost, but the index and error are still kept.
  writeFailure.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.writeFailure' });
  describeFailure.next(writeFailure).next(recordFailure);
  return buildItemRunner(scope, props, { inChild: false, recordFailure: describeFailure });
}

/** Reduces the per-item outputs to a count and the failures (the entries that have an error). */
function summaryOfResults(reportsCapacity: boolean, reportsResults: boolean): { [key: string]: any } {
  return {
    itemCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$')),
    failedItems: sfn.JsonPath.listAt('$[?(@.error)]'),
    // Callback results, in item order, from the items that succeeded.
    ...(reportsResults ? { results: sfn.JsonPath.listAt('$[*].result') } : {}),
    // Successful items say which capacity ran them; Summarize counts them.
    ...(reportsCapacity ? {
      ranOnSpot: sfn.JsonPath.listAt(`$[?(@.capacity == '${CapacityProviderNames.SPOT}')]`),
      ranOnDemand: sfn.JsonPath.listAt(`$[?(@.capacity == '${CapacityProviderNames.ON_DEMAND}')]`),
    } : {}),
  };
}
