import { Duration } from 'aws-cdk-lib';
import { FanOutCapacity, FanOutIntegrationPattern, FanOutMode, FanOutRetryRule, FargateFanOutProps } from '../../src';
import { decideFanOut } from '../../src/fan-out-decisions';
import { INVALID_PARAMETER_QUICK_RETRIES } from '../../src/retries/private/throttle-retry';
import { itemBudgetParts } from '../../src/workflow/history-budget-parts';
import { FAILURE_RECORD_WRITE_RETRIES } from '../../src/workflow/inline-map';
import { CALLBACK_CALL_RETRIES, CALLBACK_INTERRUPTED_RETRIES } from '../../src/workflow/item/callback-runner';
import { SPILL_WRITE_RETRIES } from '../../src/workflow/item/item-spill';
import { synthFanOut, withImage } from '../util/synth';

// The inline Map's item limit is computed from the parts of an item's worst case
// (history-budget-parts.ts). These tests build the workflow and hold the parts to the states it
// built: a state that no part counts, a part whose states are gone, or a retrier whose attempts
// the budget does not know fails here, before an executed run would notice the drift.

const configurations: Array<[string, Partial<FargateFanOutProps>]> = [
  ['run job, on-demand', {}],
  ['run job, no start-failure retry', { startFailureRetry: { maxAttempts: 0 } }],
  ['Spot', { capacity: FanOutCapacity.SPOT }],
  ['Spot with on-demand fallback and taskRetry', { capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, taskRetry: { maxAttempts: 1 } }],
  ['retry rules', {
    cpu: 256,
    memoryLimitMiB: 512,
    retryRules: [
      FanOutRetryRule.failOnExitCodes([2]),
      FanOutRetryRule.onOutOfMemory([{ cpu: 512, memoryLimitMiB: 2048 }]),
      FanOutRetryRule.onExitCodes([3], { interval: Duration.seconds(5) }),
    ],
  }],
  ['callback with taskRetry', { integrationPattern: FanOutIntegrationPattern.CALLBACK, taskRetry: { maxAttempts: 2 } }],
  ['callback on Spot', { integrationPattern: FanOutIntegrationPattern.CALLBACK, capacity: FanOutCapacity.SPOT }],
];

describe.each(configurations)('the history budget counts every state of an inline item: %s', (_name, extra) => {
  const props = withImage({ mode: FanOutMode.INLINE, ...extra });
  const { definition } = synthFanOut(props);
  const decisions = decideFanOut(props);
  const attempts = decisions.historyBudget.attempts;
  const included = itemBudgetParts().filter((part) => part.times(attempts) > 0);
  const map = Object.values<any>(definition.States).find((state) => state.Type === 'Map');
  const states: Record<string, any> = map.ItemProcessor.States;

  test('every state is counted by a part of the worst case', () => {
    const uncounted = Object.keys(states).filter((name) => !included.some((part) => part.states?.test(name)));
    expect(uncounted).toEqual([]);
  });

  test('every part of the worst case counts states the workflow built', () => {
    const missing = included.filter((part) => part.states && !Object.keys(states).some((name) => part.states!.test(name)));
    expect(missing.map((part) => part.name)).toEqual([]);
  });

  test('every retrier makes the attempts the budget counts', () => {
    const counted = new Set([
      decisions.retries.throttle.maxAttempts,
      INVALID_PARAMETER_QUICK_RETRIES,
      SPILL_WRITE_RETRIES,
      FAILURE_RECORD_WRITE_RETRIES,
      ...(decisions.callback ? [CALLBACK_CALL_RETRIES, CALLBACK_INTERRUPTED_RETRIES, decisions.retries.task?.maxAttempts ?? 0] : []),
    ]);
    const uncounted = Object.entries(states).flatMap(([name, state]) =>
      (state.Retry ?? []).filter((retry: any) => !counted.has(retry.MaxAttempts)).map((retry: any) => `${name}: ${retry.MaxAttempts}`));
    expect(uncounted).toEqual([]);
  });

  test('the item limit is the history over the sum of the parts', () => {
    const perItem = itemBudgetParts().reduce((sum, part) => sum + part.events * part.times(attempts), 0);
    expect(decisions.historyBudget.reason).toContain(`at most ${perItem} history events`);
  });
});
