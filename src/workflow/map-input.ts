import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutDecisions } from '../fan-out-decisions';

/** Where a Map reads the items in the execution input. */
export function requireItemsPath(decisions: FanOutDecisions): string {
  if (!decisions.items.itemsPath) {
    throw new Error('FanOutWorkflow: items from the execution input need an itemsPath');
  }
  return decisions.items.itemsPath;
}

/** Each iteration gets its item, its position in the list, and the state its runner starts from. */
export function itemSelector(startState: { [key: string]: any } | undefined): { [key: string]: any } {
  return {
    index: sfn.JsonPath.numberAt('$$.Map.Item.Index'),
    item: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
    ...startState,
  };
}
