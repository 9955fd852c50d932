import { Arn, ArnFormat, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FanOutMode } from './fan-out-mode';

/** Names of the states the workflow is made of; tests and the offline harness use them. */
export const StateNames = {
  COUNT_ITEMS: 'CountItems',
  CHOOSE_MAP: 'ChooseMap',
  INLINE_MAP: 'RunItemsInline',
  DISTRIBUTED_MAP: 'RunItemsDistributed',
  INLINE_TASK: 'RunItemTask',
  DISTRIBUTED_TASK: 'RunItemTaskInChild',
  INLINE_RECORD_FAILURE: 'RecordItemFailure',
  SUMMARIZE: 'Summarize',
  DESCRIBE_MAP_RUN: 'DescribeMapRun',
  SUMMARIZE_MAP_RUN: 'SummarizeMapRun',
  ANY_FAILED: 'AnyItemFailed',
  ITEMS_FAILED: 'ItemsFailed',
  ALL_SUCCEEDED: 'AllItemsSucceeded',
} as const;

/** The Distributed Map's Map Run label; child execution metrics carry it. */
export const DISTRIBUTED_MAP_LABEL = 'FanOut';

/** The error the execution fails with when one or more items failed. */
export const ITEMS_FAILED_ERROR = 'FanOut.ItemsFailed';

/** What the workflow needs from the construct. */
export interface FanOutWorkflowProps {
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
  /** Where the Distributed Map writes its child results and failures. */
  readonly resultBucket?: s3.IBucket;
  /** Key prefix of the results. */
  readonly resultPrefix: string;
  /** Name of the state machine, known at synth, to scope states:DescribeMapRun to its own runs. */
  readonly stateMachineName: string;
  /**
   * Builds the Task state that runs one item, given its construct id, state name and whether it
   * runs in a Distributed Map child (with a history of its own). Its input is `{ index, item }`;
   * its output must be small.
   */
  readonly createItemTask: (scope: Construct, id: string, stateName: string, inChild: boolean) => sfn.TaskStateBase;
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

  private readonly outcome: sfn.Choice;

  constructor(scope: Construct, id: string, props: FanOutWorkflowProps) {
    super(scope, id);

    const outcome = new sfn.Choice(this, 'AnyItemFailed', { stateName: StateNames.ANY_FAILED })
      .when(
        sfn.Condition.numberGreaterThan('$.failedCount', 0),
        new sfn.Fail(this, 'ItemsFailed', {
          stateName: StateNames.ITEMS_FAILED,
          error: ITEMS_FAILED_ERROR,
          // The message is built in Summarize: a plain path here, because not every ASL runtime
          // evaluates intrinsic functions in CausePath.
          causePath: '$.message',
        }),
      )
      .otherwise(new sfn.Succeed(this, 'AllItemsSucceeded', { stateName: StateNames.ALL_SUCCEEDED }));
    this.outcome = outcome;

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
  private inlineMap(props: FanOutWorkflowProps): sfn.IChainable {
    const map = sfn.Map.jsonPath(this, 'InlineMap', {
      stateName: StateNames.INLINE_MAP,
      comment: 'Runs one Fargate task per item, inside this execution.',
      itemsPath: requireItemsPath(props),
      itemSelector: itemSelector(),
      maxConcurrency: props.inlineMaxConcurrency,
      resultSelector: summaryOfResults(),
    });
    map.itemProcessor(this.itemProcessor(props, 'Inline', StateNames.INLINE_TASK, StateNames.INLINE_RECORD_FAILURE));
    const summarize = new sfn.Pass(this, 'Summarize', {
      stateName: StateNames.SUMMARIZE,
      comment: 'Counts the items and lists the failed ones (index and error).',
      parameters: {
        itemCount: sfn.JsonPath.numberAt('$.itemCount'),
        failedCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.failedItems')),
        failedItems: sfn.JsonPath.listAt('$.failedItems'),
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
  private distributedMap(props: FanOutWorkflowProps): sfn.IChainable {
    if (!props.resultBucket) {
      throw new Error('FanOutWorkflow: a Distributed Map needs a result bucket');
    }
    const map = sfn.DistributedMap.jsonPath(this, 'DistributedMap', {
      stateName: StateNames.DISTRIBUTED_MAP,
      comment: 'Runs one Fargate task per item, each in a STANDARD child execution; results go to S3.',
      // .sync needs a Standard child: Express workflows cannot wait for a job to finish.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      itemsPath: props.itemReader ? undefined : requireItemsPath(props),
      itemReader: props.itemReader,
      itemSelector: itemSelector(),
      maxConcurrency: props.distributedMaxConcurrency,
      label: DISTRIBUTED_MAP_LABEL,
      toleratedFailurePercentage: 100,
      resultWriterV2: new sfn.ResultWriterV2({ bucket: props.resultBucket, prefix: props.resultPrefix }),
    });
    const task = props.createItemTask(this, 'ChildRunTask', StateNames.DISTRIBUTED_TASK, true);
    map.itemProcessor(task);

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

  private itemProcessor(props: FanOutWorkflowProps, idPrefix: string, taskName: string, recordFailureName: string): sfn.IChainable {
    const task = props.createItemTask(this, `${idPrefix}RunTask`, taskName, false);
    const recordFailure = new sfn.Pass(this, `${idPrefix}RecordFailure`, {
      stateName: recordFailureName,
      comment: 'Keeps the failed item\'s index and error; the full cause stays in the execution history.',
      parameters: {
        index: sfn.JsonPath.numberAt('$.index'),
        error: sfn.JsonPath.stringAt('$.failure.Error'),
      },
    });
    task.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    return task;
  }
}

function requireItemsPath(props: FanOutWorkflowProps): string {
  if (!props.itemsPath) {
    throw new Error('FanOutWorkflow: items from the execution input need an itemsPath');
  }
  return props.itemsPath;
}

/** Each iteration gets its item and its position in the list. */
function itemSelector(): { [key: string]: any } {
  return {
    index: sfn.JsonPath.numberAt('$$.Map.Item.Index'),
    item: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
  };
}

/** Reduces the per-item outputs to a count and the failures (the entries that have an error). */
function summaryOfResults(): { [key: string]: any } {
  return {
    itemCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$')),
    failedItems: sfn.JsonPath.listAt('$[?(@.error)]'),
  };
}
