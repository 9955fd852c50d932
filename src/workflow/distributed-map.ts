import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { buildItemRunner, itemStartState } from './item/item-runner';
import { itemSelector, requireItemsPath } from './map-input';
import { concurrencyCapInSummary, MAX_CONCURRENCY_PATH } from './read-vcpu-quota';
import { FailureTolerance } from './tolerance';
import { DISTRIBUTED_MAP_LABEL, FanOutWorkflowProps, StateNames, WorkflowEnds } from './workflow';
import { RUN_START_FIELD } from '../concurrency/launch-pacing';
import { ERROR_EXCEED_TOLERATED_FAILURE_THRESHOLD } from '../facts';

/**
 * The Distributed Map, then its summary. A Map Run's aggregated result grows with the item
 * count (a few bytes per item) and would pass the 256 KiB payload limit on large runs, so the
 * children's results go to S3 (ResultWriter) and the counts come from DescribeMapRun. A child
 * whose task fails, fails: the Map Run tolerates it (100%), counts it, and lists it with its
 * input (the item), error and cause in the FAILED files of the results.
 */
export function buildDistributedMap(scope: Construct, props: FanOutWorkflowProps, ends: WorkflowEnds): sfn.IChainable {
  const { decisions } = props;
  const { tolerance, batching, launchPacing } = decisions;
  const startState = itemStartState(props);
  const itemBatcher = batching
    ? new sfn.ItemBatcher({ maxItemsPerBatch: batching.maxItems, maxInputBytesPerBatch: batching.maxInputBytes, batchInput: startState })
    : undefined;
  const map = sfn.DistributedMap.jsonPath(scope, 'DistributedMap', {
    stateName: StateNames.DISTRIBUTED_MAP,
    comment: itemBatcher
      ? 'Runs one Fargate task per batch of items, each in a STANDARD child execution; results go to S3.'
      : 'Runs one Fargate task per item, each in a STANDARD child execution; results go to S3.',
    // .sync needs a Standard child: Express workflows cannot wait for a job to finish.
    mapExecutionType: sfn.StateMachineType.STANDARD,
    itemsPath: decisions.items._itemReader ? undefined : requireItemsPath(decisions),
    itemReader: decisions.items._itemReader,
    // A batch carries the items as they are (`{ Items: [...] }`); one item gets its index too.
    itemSelector: itemBatcher ? undefined : {
      ...itemSelector(startState),
      // The run's start, from which the child's pacing Wait counts its item's second (see launch-pacing.ts).
      ...(launchPacing.paced ? { [RUN_START_FIELD]: sfn.JsonPath.stringAt('$$.Execution.StartTime') } : {}),
    },
    itemBatcher: itemBatcher,
    // The run's cap, when each run reads it from the account's vCPU quota (read-vcpu-quota.ts).
    ...(decisions.vcpuQuota.reads
      ? { maxConcurrencyPath: MAX_CONCURRENCY_PATH }
      : { maxConcurrency: decisions.concurrency.maxConcurrency }),
    label: DISTRIBUTED_MAP_LABEL,
    // Without a threshold every item runs and the failures are counted at the end; with one,
    // the Map Run stops as soon as it is exceeded.
    toleratedFailurePercentage: tolerance.isSet ? tolerance.percentage : 100,
    toleratedFailureCount: tolerance.isSet ? tolerance.count : undefined,
    resultWriterV2: new sfn.ResultWriterV2({ bucket: props.resultBucket, prefix: decisions.resultPrefix }),
  });
  map.itemProcessor(buildItemRunner(scope, props, { inChild: true }));
  if (tolerance.isSet) {
    const thresholdExceeded = new sfn.Pass(scope, 'SummarizeThresholdExceeded', {
      stateName: StateNames.SUMMARIZE_THRESHOLD_EXCEEDED,
      comment: 'The Map Run stopped: more items failed than tolerated.',
      parameters: {
        message: sfn.JsonPath.format(
          `More items failed than tolerated (${describeTolerance(tolerance)}), so the Map Run stopped; `
          + `its results, failed items with their errors included, are under s3://${props.resultBucket.bucketName}/${decisions.resultPrefix}/. {}`,
          sfn.JsonPath.stringAt('$.mapError.Cause')),
      },
    });
    map.addCatch(thresholdExceeded, { errors: [ERROR_EXCEED_TOLERATED_FAILURE_THRESHOLD], resultPath: '$.mapError' });
    thresholdExceeded.next(ends.itemsFailed);
  }

  const stack = Stack.of(scope);
  const describeMapRun = tasks.CallAwsService.jsonPath(scope, 'DescribeMapRun', {
    stateName: StateNames.DESCRIBE_MAP_RUN,
    comment: 'Counts the items of the Map Run and those that failed.',
    service: 'sfn',
    action: 'describeMapRun',
    parameters: { MapRunArn: sfn.JsonPath.stringAt('$.MapRunArn') },
    // The state machine's name is fixed at synth, so this names only its own Map Runs without
    // referring to the state machine resource (which would make a dependency cycle).
    iamResources: [Arn.format({
      service: 'states',
      resource: 'mapRun',
      resourceName: `${props.stateMachineName}/${DISTRIBUTED_MAP_LABEL}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }, stack)],
    iamAction: 'states:DescribeMapRun',
    resultSelector: {
      'total': sfn.JsonPath.numberAt('$.ItemCounts.Total'),
      // Nested intrinsics: aws-cdk-lib's helpers type their result as a string, not a number.
      'failed.$': 'States.MathAdd(States.MathAdd($.ItemCounts.Failed, $.ItemCounts.TimedOut), $.ItemCounts.Aborted)',
    },
    resultPath: '$.counts',
  });
  const summarizeMapRun = new sfn.Pass(scope, 'SummarizeMapRun', {
    stateName: StateNames.SUMMARIZE_MAP_RUN,
    comment: 'Counts the items and says where the failed ones are listed.',
    parameters: {
      itemCount: sfn.JsonPath.numberAt('$.counts.total'),
      failedCount: sfn.JsonPath.numberAt('$.counts.failed'),
      mapRunArn: sfn.JsonPath.stringAt('$.MapRunArn'),
      results: sfn.JsonPath.objectAt('$.ResultWriterDetails'),
      ...(decisions.vcpuQuota.reads ? concurrencyCapInSummary() : {}),
      message: sfn.JsonPath.format('{} of {} items failed; the failed items, with their errors, are listed next to s3://{}/{}',
        sfn.JsonPath.stringAt('$.counts.failed'), sfn.JsonPath.stringAt('$.counts.total'),
        sfn.JsonPath.stringAt('$.ResultWriterDetails.Bucket'), sfn.JsonPath.stringAt('$.ResultWriterDetails.Key')),
    },
  });
  return map.next(describeMapRun).next(summarizeMapRun).next(ends.outcome);
}

function describeTolerance(tolerance: FailureTolerance): string {
  return tolerance.percentage !== undefined
    ? `toleratedFailurePercentage ${tolerance.percentage}`
    : `toleratedFailureCount ${tolerance.count}`;
}

