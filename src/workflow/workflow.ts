import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { STEPFUNCTIONS_TASKS_FIX_RUN_ECS_TASK_POLICY, STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { buildDistributedMap } from './distributed-map';
import { buildInlineMap } from './inline-map';
import { ItemRunnerSources, ItemStateNames } from './item/item-runner';
import { requireItemsPath } from './map-input';
import { QUOTA_NOT_READ_STATE, READ_VCPU_QUOTA_STATE, readVcpuQuota } from './read-vcpu-quota';
import { FanOutMode } from '../mode/mode';

/** Names of the states the workflow is made of; tests and the offline harness use them. */
export const StateNames = {
  READ_VCPU_QUOTA: READ_VCPU_QUOTA_STATE,
  QUOTA_NOT_READ: QUOTA_NOT_READ_STATE,
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

/** What the workflow is built from: the decisions, and the task, network and bucket built from them. */
export interface FanOutWorkflowProps extends ItemRunnerSources {
  /** Name of the state machine, known at synth, to scope states:DescribeMapRun to its own runs. */
  readonly stateMachineName: string;
}

/** Where every Map's summary goes. */
export interface WorkflowEnds {
  /** The end: success, or (with toleratedFailureCount) a check of the failed count first. */
  readonly outcome: sfn.IChainable;
  /** The execution's failure when items failed. */
  readonly itemsFailed: sfn.Fail;
}

/**
 * The state graph: [count and choose] -> Map(s) running one task per item -> summary -> succeed
 * or fail. An inline iteration outputs `{}` on success and `{ index, error }` on failure, so the
 * Map's result stays a few bytes per item however large the ECS task description is (see
 * inline-map.ts); the Distributed Map writes its children's results to S3 and is summarized by
 * DescribeMapRun (see distributed-map.ts).
 */
export class FanOutWorkflow extends Construct {
  /** The start of the graph, for `DefinitionBody.fromChainable`. */
  public readonly definition: sfn.IChainable;

  constructor(scope: Construct, id: string, props: FanOutWorkflowProps) {
    super(scope, id);
    // Scope ecs:RunTask to the exact task definition revision the fan-out registers, not to every
    // revision of the family (aws-cdk's EcsRunTask default without this flag). Set here, above
    // every state that reads it.
    this.node.setContext(STEPFUNCTIONS_TASKS_FIX_RUN_ECS_TASK_POLICY, true);
    // ResultWriterV2 is the result writer aws-cdk-lib renders only with this flag on.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const { decisions } = props;
    const { tolerance } = decisions;
    const itemsFailed = new sfn.Fail(this, 'ItemsFailed', {
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
    const outcome = tolerance.count === undefined
      ? succeeded
      : new sfn.Choice(this, 'TooManyItemsFailed', {
        stateName: StateNames.TOO_MANY_FAILED,
        comment: tolerance.count > 0 ? `Up to ${tolerance.count} failed items are tolerated (toleratedFailureCount).` : undefined,
      })
        .when(sfn.Condition.numberGreaterThan('$.failedCount', tolerance.count), itemsFailed)
        .otherwise(succeeded);
    const ends: WorkflowEnds = { outcome, itemsFailed };

    const runItems = this.runItems(props, ends);
    // The quota read comes first, so that every Map reads the run's cap from the state data.
    this.definition = decisions.vcpuQuota.reads ? readVcpuQuota(this, decisions.vcpuQuota, runItems) : runItems;
  }

  /** The Map(s) and what follows them, by mode. */
  private runItems(props: FanOutWorkflowProps, ends: WorkflowEnds): sfn.IChainable {
    const { decisions } = props;
    switch (decisions.mode.mode) {
      case FanOutMode.INLINE:
        return buildInlineMap(this, props, ends);
      case FanOutMode.DISTRIBUTED:
        return buildDistributedMap(this, props, ends);
      case FanOutMode.RUN_TIME: {
        const inlineMaxItems = decisions.historyBudget.inlineMaxItems;
        const countItems = new sfn.Pass(this, 'CountItems', {
          stateName: StateNames.COUNT_ITEMS,
          comment: 'Measures the item array to choose the Map that can hold it.',
          parameters: { itemCount: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt(requireItemsPath(decisions))) },
          resultPath: '$.fanOut',
        });
        const choose = new sfn.Choice(this, 'ChooseMap', {
          stateName: StateNames.CHOOSE_MAP,
          comment: `Arrays of up to ${inlineMaxItems} items surely fit an inline Map's execution history, every retry counted.`,
        })
          .when(sfn.Condition.numberLessThanEquals('$.fanOut.itemCount', inlineMaxItems), buildInlineMap(this, props, ends))
          .otherwise(buildDistributedMap(this, props, ends));
        return countItems.next(choose);
      }
      default:
        throw new Error(`FanOutWorkflow: unexpected mode ${decisions.mode.mode}`);
    }
  }
}
