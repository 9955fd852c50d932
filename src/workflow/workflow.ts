import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FanOutDecisions } from '../fan-out-decisions';
import { FAILURE_RECORD_WRITE_RETRIES } from './history-budget';
import { CapacityProviderNames, ERROR_EXCEED_TOLERATED_FAILURE_THRESHOLD } from '../facts';
import { ItemRunnerPlacement, ItemStateNames } from './item/item-runner';
import { FailureTolerance } from './tolerance';
import { LAUNCH_DELAY_FIELD, launchDelayExpression } from '../concurrency/launch-pacing';
import { FanOutMode } from '../mode/mode';
import { failedRecord, itemStatePaths } from '../retries/private/retry-rule-states';
import { FanOutCapacity } from '../task/capacity';

/** Names of the states the workflow is made of; tests and the offline harness use them. */
export const StateNames = {
  COUNT_ITEMS: 'CountItems',
  CHOOSE_MAP: 'ChooseMap',
  INLINE_MAP: 'RunItemsInline',
  DISTRIBUTED_MAP: 'RunItemsDistributed',
  ...ItemStateNames,
  INLINE_DESCRIBE_FAILURE: 'DescribeItemFailure',
  INLINE_WRITE_FAILURE: 'WriteItemFailure',
  INLINE_RECORD_FAILURE: 'RecordItemFailure',
  SUMMARIZE: 'Summarize',
  DESCRIBE_MAP_RUN: 'DescribeMapRun',
  SUMMARIZE_MAP_RUN: 'SummarizeMapRun',
  TOO_MANY_FAILED: 'TooManyItemsFailed',
  SUMMARIZE_THRESHOLD_EXCEEDED: 'SummarizeThresholdExceeded',
  ITEMS_FAILED: 'ItemsFailed',
  ALL_SUCCEEDED: 'AllItemsSucceeded',
} as const;

/** The Distributed Map's Map Run label; child execution metrics carry it. */
export const DISTRIBUTED_MAP_LABEL = 'FanOut';

/** The error the execution fails with when one or more items failed. */
export const ITEMS_FAILED_ERROR = 'FanOut.ItemsFailed';

/** What the workflow needs from the construct. */
export interface FanOutWorkflowProps {
  /** Every decision about the fan-out. */
  readonly decisions: FanOutDecisions;
  /** Where the Distributed Map writes its child results and failures, and the inline Map its failures. */
  readonly resultBucket: s3.IBucket;
  /** Name of the state machine, known at synth, to scope states:DescribeMapRun to its own runs. */
  readonly stateMachineName: string;
  /**
   * Builds the states that run one item: their input is `{ index, item }` (or `{ Items }` for a
   * batch); their output must be small.
   */
  readonly createItemRunner: (scope: Construct, placement: ItemRunnerPlacement) => sfn.IChainable;
  /**
   * What each item's state starts with besides the item (its attempt counters, see
   * stop-classifier.ts); undefined with the callback pattern.
   */
  readonly initialItemState?: { [key: string]: any };
}

/** The settings the states are built from, derived from the decisions. */
interface WorkflowSettings {
  /** INLINE, DISTRIBUTED or RUN_TIME. */
  readonly mode: FanOutMode;
  /** JSONPath of the items in the execution input, when they come from there. */
  readonly itemsPath?: string;
  /** The S3 item reader, when items are read from S3. */
  readonly itemReader?: sfn.IItemReader;
  /** Cap of the inline Map. */
  readonly inlineMaxConcurrency: number;
  /** Longest array the RUN_TIME choice sends to the inline Map. */
  readonly inlineMaxItems: number;
  /** Cap of the Distributed Map. */
  readonly distributedMaxConcurrency: number;
  /** Where the Distributed Map writes its child results and failures, and the inline Map its failures. */
  readonly resultBucket: s3.IBucket;
  /** Key prefix of the results. */
  readonly resultPrefix: string;
  /** Name of the state machine, known at synth, to scope states:DescribeMapRun to its own runs. */
  readonly stateMachineName: string;
  /** How many failed items the run tolerates. */
  readonly tolerance: FailureTolerance;
  /** True when tasks report the capacity they ran on (Spot, or Spot with on-demand fallback). */
  readonly reportsCapacity: boolean;
  /** True when tasks output a result (the callback pattern's `{ result }`). */
  readonly reportsResults: boolean;
  /** ItemBatcher settings of the Distributed Map, when items are batched. */
  readonly itemBatcher?: sfn.ItemBatcher;
  /**
   * Builds the states that run one item: their input is `{ index, item }` (or `{ Items }` for a
   * batch); their output must be small.
   */
  readonly createItemRunner: (scope: Construct, placement: ItemRunnerPlacement) => sfn.IChainable;
  /** What each item's state starts with besides the item; undefined with the callback pattern. */
  readonly initialItemState?: { [key: string]: any };
  /** True when an out-of-memory rule changes the task size from one task to the next. */
  readonly resizesTasks: boolean;
  /** The ItemSelector expression of a Distributed Map child's first-wave delay; undefined when not paced. */
  readonly launchDelayExpression?: string;
}

/**
 * The state graph: [count and choose] -> Map(s) running one task per item -> summary -> succeed
 * or fail. An inline iteration outputs `{}` on success and `{ index, error }` on failure, so the
 * Map's result stays a few bytes per item however large the ECS task description is; the
 * Distributed Map writes its children's results to S3 and is summarized by DescribeMapRun.
 */
export class FanOutWorkflow extends Construct {
  /** The start of the graph, for `DefinitionBody.fromChainable`. */
  public readonly definition: sfn.IChainable;

  private readonly outcome: sfn.IChainable;
  private readonly itemsFailed: sfn.Fail;

  constructor(scope: Construct, id: string, workflowProps: FanOutWorkflowProps) {
    super(scope, id);
    const props = workflowSettings(workflowProps);

    this.itemsFailed = new sfn.Fail(this, 'ItemsFailed', {
      stateName: StateNames.ITEMS_FAILED,
      error: ITEMS_FAILED_ERROR,
      // The message is built in Summarize: a plain path here, because not every ASL runtime
      // evaluates intrinsic functions in CausePath.
      causePath: '$.message',
    });
    const succeeded = new sfn.Succeed(this, 'AllItemsSucceeded', {
      stateName: StateNames.ALL_SUCCEEDED,
      comment: 'Every item succeeded, or no more failed than tolerated (they are listed in the output).',
    });
    // A percentage is enforced by the Distributed Map itself: a Map Run that ends is within it.
    this.outcome = props.tolerance.count === undefined
      ? succeeded
      : new sfn.Choice(this, 'TooManyItemsFailed', {
        stateName: StateNames.TOO_MANY_FAILED,
        comment: props.tolerance.count > 0 ? `Up to ${props.tolerance.count} failed items are tolerated (toleratedFailureCount).` : undefined,
      })
        .when(sfn.Condition.numberGreaterThan('$.failedCount', props.tolerance.count), this.itemsFailed)
        .otherwise(succeeded);

    switch (props.mode) {
      case FanOutMode.INLINE:
        this.definition = this.inlineMap(props);
        break;
      case FanOutMode.DISTRIBUTED:
        this.definition = this.distributedMap(props);
        break;
      case FanOutMode.RUN_TIME: {
        const countItems = new sfn.Pass(this, 'CountItems', {
          stateName: StateNames.COUNT_ITEMS,
          comment: 'Measures the item array to choose the Map that can hold it.',
          parameters: { itemCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt(requireItemsPath(props))) },
          resultPath: '$.fanOut',
        });
        const choose = new sfn.Choice(this, 'ChooseMap', {
          stateName: StateNames.CHOOSE_MAP,
          comment: `Arrays of up to ${props.inlineMaxItems} items surely fit an inline Map's execution history, every retry counted.`,
        })
          .when(sfn.Condition.numberLessThanEquals('$.fanOut.itemCount', props.inlineMaxItems), this.inlineMap(props))
          .otherwise(this.distributedMap(props));
        this.definition = countItems.next(choose);
        break;
      }
      default:
        throw new Error(`FanOutWorkflow: unexpected mode ${props.mode}`);
    }
  }

  /** The inline Map, then its summary: the failed items' indexes and errors, from its result. */
  private inlineMap(props: WorkflowSettings): sfn.IChainable {
    const map = sfn.Map.jsonPath(this, 'InlineMap', {
      stateName: StateNames.INLINE_MAP,
      comment: 'Runs one Fargate task per item, inside this execution.',
      itemsPath: requireItemsPath(props),
      itemSelector: itemSelector(props.initialItemState),
      maxConcurrency: props.inlineMaxConcurrency,
      resultSelector: summaryOfResults(props.reportsCapacity, props.reportsResults),
    });
    map.itemProcessor(this.inlineItemProcessor(props));
    const failuresAt = `s3://${props.resultBucket.bucketName}/${props.resultPrefix}/inline/{}/`;
    const summarize = new sfn.Pass(this, 'Summarize', {
      stateName: StateNames.SUMMARIZE,
      comment: 'Counts the items and lists the failed ones (index and error).',
      parameters: {
        itemCount: sfn.JsonPath.numberAt('$.itemCount'),
        failedCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.failedItems')),
        failedItems: sfn.JsonPath.listAt('$.failedItems'),
        ...(props.reportsResults ? { results: sfn.JsonPath.listAt('$.results') } : {}),
        ...(props.reportsCapacity ? {
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
    return map.next(summarize).next(this.outcome);
  }

  /**
   * The Distributed Map, then its summary. A Map Run's aggregated result grows with the item
   * count (a few bytes per item) and would pass the 256 KiB payload limit on large runs, so the
   * children's results go to S3 (ResultWriter) and the counts come from DescribeMapRun. A child
   * whose task fails, fails: the Map Run tolerates it (100%), counts it, and lists it with its
   * input (the item), error and cause in the FAILED files of the results.
   */
  private distributedMap(props: WorkflowSettings): sfn.IChainable {
    const { tolerance } = props;
    const map = sfn.DistributedMap.jsonPath(this, 'DistributedMap', {
      stateName: StateNames.DISTRIBUTED_MAP,
      comment: props.itemBatcher
        ? 'Runs one Fargate task per batch of items, each in a STANDARD child execution; results go to S3.'
        : 'Runs one Fargate task per item, each in a STANDARD child execution; results go to S3.',
      // .sync needs a Standard child: Express workflows cannot wait for a job to finish.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      itemsPath: props.itemReader ? undefined : requireItemsPath(props),
      itemReader: props.itemReader,
      // A batch carries the items as they are (`{ Items: [...] }`); one item gets its index too.
      itemSelector: props.itemBatcher ? undefined : {
        ...itemSelector(props.initialItemState),
        // The first wave's delay (see launch-pacing.ts), read by the child's first state.
        ...(props.launchDelayExpression ? { [LAUNCH_DELAY_FIELD]: sfn.JsonPath.numberAt(props.launchDelayExpression) } : {}),
      },
      itemBatcher: props.itemBatcher,
      maxConcurrency: props.distributedMaxConcurrency,
      label: DISTRIBUTED_MAP_LABEL,
      // Without a threshold every item runs and the failures are counted at the end; with one,
      // the Map Run stops as soon as it is exceeded.
      toleratedFailurePercentage: tolerance.isSet ? tolerance.percentage : 100,
      toleratedFailureCount: tolerance.isSet ? tolerance.count : undefined,
      resultWriterV2: new sfn.ResultWriterV2({ bucket: props.resultBucket, prefix: props.resultPrefix }),
    });
    map.itemProcessor(props.createItemRunner(this, { inChild: true }));
    if (tolerance.isSet) {
      const thresholdExceeded = new sfn.Pass(this, 'SummarizeThresholdExceeded', {
        stateName: StateNames.SUMMARIZE_THRESHOLD_EXCEEDED,
        comment: 'The Map Run stopped: more items failed than tolerated.',
        parameters: {
          message: sfn.JsonPath.format(
            `More items failed than tolerated (${describeTolerance(tolerance)}), so the Map Run stopped; `
            + `its results, failed items with their errors included, are under s3://${props.resultBucket.bucketName}/${props.resultPrefix}/. {}`,
            sfn.JsonPath.stringAt('$.mapError.Cause')),
        },
      });
      map.addCatch(thresholdExceeded, { errors: [ERROR_EXCEED_TOLERATED_FAILURE_THRESHOLD], resultPath: '$.mapError' });
      thresholdExceeded.next(this.itemsFailed);
    }

    const stack = Stack.of(this);
    const describeMapRun = tasks.CallAwsService.jsonPath(this, 'DescribeMapRun', {
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
    const summarizeMapRun = new sfn.Pass(this, 'SummarizeMapRun', {
      stateName: StateNames.SUMMARIZE_MAP_RUN,
      comment: 'Counts the items and says where the failed ones are listed.',
      parameters: {
        itemCount: sfn.JsonPath.numberAt('$.counts.total'),
        failedCount: sfn.JsonPath.numberAt('$.counts.failed'),
        mapRunArn: sfn.JsonPath.stringAt('$.MapRunArn'),
        results: sfn.JsonPath.objectAt('$.ResultWriterDetails'),
        message: sfn.JsonPath.format('{} of {} items failed; the failed items, with their errors, are listed next to s3://{}/{}',
          sfn.JsonPath.stringAt('$.counts.failed'), sfn.JsonPath.stringAt('$.counts.total'),
          sfn.JsonPath.stringAt('$.ResultWriterDetails.Bucket'), sfn.JsonPath.stringAt('$.ResultWriterDetails.Key')),
      },
    });
    return map.next(describeMapRun).next(summarizeMapRun).next(this.outcome);
  }

  /**
   * The inline item: its runner, and for a failed item a record of it (item, error, cause) written
   * to S3 and its index and error kept in the Map's result. The cause of a `.sync` failure is the
   * whole ECS task description (kilobytes), too large to keep for every item in the result.
   */
  private inlineItemProcessor(props: WorkflowSettings): sfn.IChainable {
    const describeFailure = new sfn.Pass(this, 'InlineDescribeFailure', {
      stateName: StateNames.INLINE_DESCRIBE_FAILURE,
      comment: 'The failed item, its error and its cause.',
      parameters: {
        index: sfn.JsonPath.numberAt('$.index'),
        item: sfn.JsonPath.objectAt('$.item'),
        error: sfn.JsonPath.stringAt('$.failure.Error'),
        cause: sfn.JsonPath.stringAt('$.failure.Cause'),
        // What its last task said and how many it took (run job; see stop-classifier.ts).
        ...(props.initialItemState ? { record: failedRecord(itemStatePaths(false, props.resizesTasks)) } : {}),
      },
    });
    const writeFailure = tasks.CallAwsService.jsonPath(this, 'InlineWriteFailure', {
      stateName: StateNames.INLINE_WRITE_FAILURE,
      comment: 'Writes the failed item\'s record to the result bucket, one file per item.',
      service: 's3',
      action: 'putObject',
      parameters: {
        Bucket: props.resultBucket.bucketName,
        Key: sfn.JsonPath.format(`${props.resultPrefix}/inline/{}/failed-{}.json`, sfn.JsonPath.stringAt('$$.Execution.Name'), sfn.JsonPath.stringAt('$.index')),
        Body: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')),
        ContentType: 'application/json',
      },
      iamResources: [props.resultBucket.arnForObjects(`${props.resultPrefix}/inline/*`)],
      iamAction: 's3:PutObject',
      resultPath: sfn.JsonPath.DISCARD,
    });
    const recordFailure = new sfn.Pass(this, 'InlineRecordFailure', {
      stateName: StateNames.INLINE_RECORD_FAILURE,
      comment: 'Keeps the failed item\'s index and error in the Map\'s result.',
      parameters: {
        index: sfn.JsonPath.numberAt('$.index'),
        error: sfn.JsonPath.stringAt('$.error'),
      },
    });
    writeFailure.addRetry({
      errors: [sfn.Errors.ALL],
      maxAttempts: FAILURE_RECORD_WRITE_RETRIES,
      interval: Duration.seconds(1),
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // The record is lost, but the index and error are still kept.
    writeFailure.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.writeFailure' });
    describeFailure.next(writeFailure).next(recordFailure);
    return props.createItemRunner(this, { inChild: false, recordFailure: describeFailure });
  }
}

function workflowSettings(props: FanOutWorkflowProps): WorkflowSettings {
  const { decisions } = props;
  const { batching } = decisions;
  return {
    mode: decisions.mode.mode,
    itemsPath: decisions.items.itemsPath,
    itemReader: decisions.items._itemReader,
    inlineMaxConcurrency: decisions.concurrency.inlineMaxConcurrency,
    inlineMaxItems: decisions.historyBudget.inlineMaxItems,
    distributedMaxConcurrency: decisions.concurrency.maxConcurrency,
    resultBucket: props.resultBucket,
    resultPrefix: decisions.resultPrefix,
    stateMachineName: props.stateMachineName,
    tolerance: decisions.tolerance,
    reportsCapacity: decisions.capacity !== FanOutCapacity.ON_DEMAND,
    reportsResults: decisions.callback,
    itemBatcher: batching
      ? new sfn.ItemBatcher({
        maxItemsPerBatch: batching.maxItems,
        maxInputBytesPerBatch: batching.maxInputBytes,
        batchInput: props.initialItemState,
      })
      : undefined,
    createItemRunner: props.createItemRunner,
    initialItemState: props.initialItemState,
    resizesTasks: decisions.stopRules.resizes !== undefined,
    launchDelayExpression: decisions.launchPacing.paced
      ? launchDelayExpression(decisions.launchPacing.firstWave, decisions.launchPacing.callsPerSecond)
      : undefined,
  };
}

function requireItemsPath(props: WorkflowSettings): string {
  if (!props.itemsPath) {
    throw new Error('FanOutWorkflow: items from the execution input need an itemsPath');
  }
  return props.itemsPath;
}

/** Each iteration gets its item, its position in the list, and the state its runner starts from. */
function itemSelector(initialItemState: { [key: string]: any } | undefined): { [key: string]: any } {
  return {
    index: sfn.JsonPath.numberAt('$$.Map.Item.Index'),
    item: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
    ...initialItemState,
  };
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

function describeTolerance(tolerance: FailureTolerance): string {
  return tolerance.percentage !== undefined
    ? `toleratedFailurePercentage ${tolerance.percentage}`
    : `toleratedFailureCount ${tolerance.count}`;
}
