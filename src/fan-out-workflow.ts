import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FanOutMode } from './fan-out-mode';
import { INLINE_MAX_ITEMS } from './mode-choice';

/** Names of the states the workflow is made of; tests and the offline harness use them. */
export const StateNames = {
  COUNT_ITEMS: 'CountItems',
  CHOOSE_MAP: 'ChooseMap',
  INLINE_MAP: 'RunItemsInline',
  DISTRIBUTED_MAP: 'RunItemsDistributed',
  INLINE_TASK: 'RunItemTask',
  DISTRIBUTED_TASK: 'RunItemTaskInChild',
  INLINE_RECORD_FAILURE: 'RecordItemFailure',
  DISTRIBUTED_RECORD_FAILURE: 'RecordItemFailureInChild',
  SUMMARIZE: 'Summarize',
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
  /** Cap of the Distributed Map. */
  readonly distributedMaxConcurrency: number;
  /**
   * Builds the Task state that runs one item, given its construct id and state name. Its
   * input is `{ index, item }`; its output must be small.
   */
  readonly createItemTask: (scope: Construct, id: string, stateName: string) => sfn.TaskStateBase;
}

/**
 * The state graph: [count and choose] -> Map(s) running one task per item -> summary -> succeed
 * or fail. Each iteration outputs `{}` on success and `{ index, error }` on failure, so the
 * Map's result stays a few bytes per item however large the ECS task description is.
 */
export class FanOutWorkflow extends Construct {
  /** The start of the graph, for `DefinitionBody.fromChainable`. */
  public readonly definition: sfn.IChainable;

  constructor(scope: Construct, id: string, props: FanOutWorkflowProps) {
    super(scope, id);

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
    const finish = summarize.next(outcome);

    switch (props.mode) {
      case FanOutMode.INLINE:
        this.definition = this.inlineMap(props).next(finish);
        break;
      case FanOutMode.DISTRIBUTED:
        this.definition = this.distributedMap(props).next(finish);
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
          comment: `Arrays of up to ${INLINE_MAX_ITEMS} items fit an inline Map's share of the execution history.`,
        })
          .when(sfn.Condition.numberLessThanEquals('$.fanOut.itemCount', INLINE_MAX_ITEMS), this.inlineMap(props).next(finish))
          .otherwise(this.distributedMap(props).next(finish));
        this.definition = countItems.next(choose);
        break;
      }
      default:
        throw new Error(`FanOutWorkflow: unexpected mode ${props.mode}`);
    }
  }

  private inlineMap(props: FanOutWorkflowProps): sfn.Map {
    const map = sfn.Map.jsonPath(this, 'InlineMap', {
      stateName: StateNames.INLINE_MAP,
      comment: 'Runs one Fargate task per item, inside this execution.',
      itemsPath: requireItemsPath(props),
      itemSelector: itemSelector(),
      maxConcurrency: props.inlineMaxConcurrency,
      resultSelector: summaryOfResults(),
    });
    map.itemProcessor(this.itemProcessor(props, 'Inline', StateNames.INLINE_TASK, StateNames.INLINE_RECORD_FAILURE));
    return map;
  }

  private distributedMap(props: FanOutWorkflowProps): sfn.DistributedMap {
    const map = sfn.DistributedMap.jsonPath(this, 'DistributedMap', {
      stateName: StateNames.DISTRIBUTED_MAP,
      comment: 'Runs one Fargate task per item, each in a STANDARD child execution.',
      // .sync needs a Standard child: Express workflows cannot wait for a job to finish.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      itemsPath: props.itemReader ? undefined : requireItemsPath(props),
      itemReader: props.itemReader,
      itemSelector: itemSelector(),
      maxConcurrency: props.distributedMaxConcurrency,
      label: DISTRIBUTED_MAP_LABEL,
      resultSelector: summaryOfResults(),
    });
    map.itemProcessor(this.itemProcessor(props, 'Child', StateNames.DISTRIBUTED_TASK, StateNames.DISTRIBUTED_RECORD_FAILURE));
    return map;
  }

  private itemProcessor(props: FanOutWorkflowProps, idPrefix: string, taskName: string, recordFailureName: string): sfn.IChainable {
    const task = props.createItemTask(this, `${idPrefix}RunTask`, taskName);
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
