import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { failedRecord } from './item/item-record';
import { buildItemRunner, itemStartState } from './item/item-runner';
import { itemSelector, requireItemsPath } from './map-input';
import { concurrencyCapInSummary, INLINE_MAX_CONCURRENCY_PATH } from './read-vcpu-quota';
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
    ...(decisions.vcpuQuota.reads
      ? { maxConcurrencyPath: INLINE_MAX_CONCURRENCY_PATH }
      : { maxConcurrency: decisions.concurrency.inlineMaxConcurrency }),
    resultSelector: summaryOfResults(pickedFromResults(decisions.reportsCapacity, decisions.callback)),
  });
  map.itemProcessor(inlineItemProcessor(scope, props));
  const failuresAt = `s3://${props.resultBucket.bucketName}/${decisions.resultPrefix}/inline/{}/`;
  const summarize = new sfn.Pass(scope, 'Summarize', {
    stateName: StateNames.SUMMARIZE,
    comment: 'Counts the items and lists the failed ones (index and error).',
    parameters: {
      itemCount: sfn.JsonPath.numberAt('$.itemCount'),
      failedCount: sfn.JsonPath.numberAt('$.failedItems.count'),
      failedItems: sfn.JsonPath.listAt('$.failedItems.list'),
      ...(decisions.callback ? { results: sfn.JsonPath.listAt('$.results.list') } : {}),
      ...(decisions.reportsCapacity ? {
        tasksByCapacity: {
          [CapacityProviderNames.SPOT]: sfn.JsonPath.numberAt('$.ranOnSpot.count'),
          [CapacityProviderNames.ON_DEMAND]: sfn.JsonPath.numberAt('$.ranOnDemand.count'),
        },
      } : {}),
      // Each failed item's record (item, error, cause) is a file here, named by its index.
      failuresWrittenTo: sfn.JsonPath.format(failuresAt, sfn.JsonPath.stringAt('$$.Execution.Name')),
      ...(decisions.vcpuQuota.reads ? concurrencyCapInSummary() : {}),
      message: sfn.JsonPath.format('{} of {} items failed', sfn.JsonPath.stringAt('$.failedItems.count'), sfn.JsonPath.stringAt('$.itemCount')),
    },
  });
  // Each list is read with a filter only where the results show it matches (see pickedFromResults).
  let chain: sfn.IChainable = summarize;
  for (const pick of [...pickedFromResults(decisions.reportsCapacity, decisions.callback)].reverse()) {
    chain = pickWhereItMatches(scope, pick, chain);
  }
  map.next(chain);
  summarize.next(ends.outcome);
  return map;
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

/**
 * What the Map keeps of the per-item outputs: their count, the outputs themselves and their text,
 * and each list the summary reads, empty until it is picked (pickWhereItMatches).
 */
function summaryOfResults(picks: readonly PickedList[]): { [key: string]: any } {
  return {
    itemCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$')),
    outputs: sfn.JsonPath.listAt('$'),
    [`${RESULTS_TEXT_FIELD}.$`]: 'States.JsonToString($)',
    ...Object.fromEntries(picks.map((pick) => [pick.field, { list: [], count: 0 }])),
  };
}

/** Where the Map's result keeps the per-item outputs as one JSON string. */
const RESULTS_TEXT_FIELD = 'outputsText';

/**
 * A list the summary reads from the per-item outputs with an indefinite path (a filter, a
 * wildcard), picked only when that path matches at least one output, which the outputs' text
 * (a definite path) says: so the path is never evaluated where it would match nothing, whether
 * AWS answers that with `[]` or with States.Runtime (issue 27).
 */
export interface PickedList {
  /** The field of the Map's result it is written to, `{ list, count }` (`{ list: [], count: 0 }` until picked). */
  readonly field: string;
  /** The path over the per-item outputs. */
  readonly path: string;
  /** When the path matches at least one output. */
  readonly matches: sfn.Condition;
  /** Why `matches` implies a match. */
  readonly why: string;
  /** The Choice and Pass state names. */
  readonly choiceName: string;
  readonly pickName: string;
}

/**
 * The lists of the inline summary. The per-item outputs are the library's own: `{}` or
 * `{ capacity }` (run job), `{ result }` (callback), `{ index, error }` (a failed item). Their
 * text is JSON, where a word in quotes is a key or a whole string value: "error" and "result"
 * are there only as an output's key (or inside a callback result), "FARGATE" and "FARGATE_SPOT"
 * only as a capacity (an error's name is ECS's or Step Functions', never a capacity). A callback
 * container names its own results and errors: the one way to fool these checks (README).
 */
export function pickedFromResults(reportsCapacity: boolean, reportsResults: boolean): PickedList[] {
  const text = `$.${RESULTS_TEXT_FIELD}`;
  const picks: PickedList[] = [];
  if (reportsResults) {
    picks.push({
      field: 'results',
      path: '$.outputs[*].result',
      matches: sfn.Condition.stringMatches(text, '*"result"*'),
      why: 'a "result" key is in the text only when an output has one: it is the top-level key of a callback result',
      choiceName: 'AnyResults',
      pickName: 'ListResults',
    });
  }
  picks.push({
    field: 'failedItems',
    path: '$.outputs[?(@.error)]',
    // A callback result may nest an "error" key; there the failed items are the outputs without a result.
    matches: reportsResults
      ? sfn.Condition.numberLessThanJsonPath('$.results.count', '$.itemCount')
      : sfn.Condition.stringMatches(text, '*"error"*'),
    why: reportsResults
      ? 'fewer results than items: an output without a result is a failed item\'s { index, error }'
      : 'an "error" key is in the text only where a failed item\'s { index, error } is',
    choiceName: 'AnyItemFailed',
    pickName: 'ListFailedItems',
  });
  if (reportsCapacity) {
    for (const [field, capacity, name] of [
      ['ranOnSpot', CapacityProviderNames.SPOT, 'Spot'],
      ['ranOnDemand', CapacityProviderNames.ON_DEMAND, 'OnDemand'],
    ] as const) {
      picks.push({
        field,
        path: `$.outputs[?(@.capacity == '${capacity}')]`,
        matches: sfn.Condition.stringMatches(text, `*"${capacity}"*`),
        why: `"${capacity}", quoted, is in the text only where an output says its item ran on ${capacity}`,
        choiceName: `AnyRan${name}`,
        pickName: `ListRan${name}`,
      });
    }
  }
  return picks;
}

/** A Choice that picks the list with its path where it matches, and goes on to `next` either way. */
function pickWhereItMatches(scope: Construct, pick: PickedList, next: sfn.IChainable): sfn.IChainable {
  const read = new sfn.Pass(scope, pick.pickName, {
    stateName: pick.pickName,
    comment: `Lists ${pick.field}: reached only when ${pick.why}.`,
    parameters: { list: sfn.JsonPath.listAt(pick.path), count: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt(pick.path)) },
    resultPath: `$.${pick.field}`,
  });
  return new sfn.Choice(scope, pick.choiceName, {
    stateName: pick.choiceName,
    comment: `Does ${pick.path} match? (${pick.why}); an indefinite path that matches nothing is never read.`,
  })
    .when(pick.matches, read.next(next))
    .otherwise(next);
}
