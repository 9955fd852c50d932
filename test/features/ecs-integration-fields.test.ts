import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  FanOutCapacity, FanOutConcurrencyPool, FanOutIntegrationPattern, FanOutMode, FanOutRetryRule, FargateFanOut, FargateFanOutProps,
} from '../../src';
import { ECS_OPTIMIZED_RUN_TASK_FIELDS } from '../../src/facts';
import { allStates, expectValidAsl, newStack, resolveJoin, withImage } from '../util/synth';

/**
 * Step Functions rejects, at CreateStateMachine, a field the optimized `ecs:runTask` integration
 * does not list (aws-facts.md, the callback section). Every configuration's ECS states are
 * checked: optimized ones carry listed fields only, and the callback pattern, which needs
 * `StartedBy`, runs through the SDK integration.
 */
const configurations: Array<[string, (stack: Stack) => FargateFanOutProps]> = [
  ['run job, defaults', () => withImage()],
  ['run job, inline', () => withImage({ mode: FanOutMode.INLINE })],
  ['run job, Spot with fallback', () => withImage({ capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK })],
  ['run job, Spot and stop rules with out-of-memory sizes', () => withImage({
    capacity: FanOutCapacity.SPOT,
    retryRules: [FanOutRetryRule.onExitCodes([3]), FanOutRetryRule.onOutOfMemory([{ cpu: 512, memoryLimitMiB: 2048 }])],
  })],
  ['run job, batches', () => withImage({ itemBatching: { maxItems: 10 } })],
  ['run job, distributed', () => withImage({ mode: FanOutMode.DISTRIBUTED })],
  ['run job, concurrency pool', (stack) => withImage({ concurrencyPool: new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 10 }) })],
  ['callback, run time', () => withImage({ integrationPattern: FanOutIntegrationPattern.CALLBACK })],
  ['callback, inline, Spot', () => withImage({ integrationPattern: FanOutIntegrationPattern.CALLBACK, mode: FanOutMode.INLINE, capacity: FanOutCapacity.SPOT })],
  ['callback, batches', () => withImage({ integrationPattern: FanOutIntegrationPattern.CALLBACK, itemBatching: { maxItems: 5 } })],
];

const OPTIMIZED_ECS = /^arn:aws:states:::ecs:runTask/;
const SDK_RUN_TASK = 'arn:aws:states:::aws-sdk:ecs:runTask.waitForTaskToken';

describe.each(configurations)('%s', (_name, propsFor) => {
  const stack = newStack();
  new FargateFanOut(stack, 'FanOut', propsFor(stack));
  // Every state machine of the stack (a pool adds its cleanup).
  const definitions = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'))
    .map((machine: any) => JSON.parse(resolveJoin(machine.Properties.DefinitionString)));
  definitions.forEach(expectValidAsl);
  const ecsStates = definitions.flatMap((definition) => Object.entries(allStates(definition)))
    .filter(([, state]) => OPTIMIZED_ECS.test(String(state.Resource)) || state.Resource === SDK_RUN_TASK);

  test('every optimized ECS state carries only the documented RunTask fields; a callback task runs through the SDK integration with StartedBy', () => {
    expect(ecsStates.length).toBeGreaterThan(0);
    for (const [name, state] of ecsStates) {
      const fields = Object.keys(state.Parameters).map((field) => field.replace(/\.\$$/, ''));
      if (OPTIMIZED_ECS.test(state.Resource)) {
        const unlisted = fields.filter((field) => !ECS_OPTIMIZED_RUN_TASK_FIELDS.includes(field));
        expect({ state: name, unlisted }).toEqual({ state: name, unlisted: [] });
      } else {
        expect({ state: name, startedBy: state.Parameters['StartedBy.$'] }).toEqual({ state: name, startedBy: '$.callback.startedBy' });
      }
    }
  });
});
