import { FanOutMode } from '../../src';
import { synthFanOut, withImage } from '../util/synth';

describe('tolerated failures', () => {
  test('none set: every item runs (100% tolerated by the Map), and any failure fails the execution at the end', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    expect(definition.States.RunItemsDistributed.ToleratedFailurePercentage).toBe(100);
    expect(definition.States.RunItemsDistributed.Catch).toBeUndefined();
    expect(definition.States.TooManyItemsFailed.Choices).toEqual([{ Variable: '$.failedCount', NumericGreaterThan: 0, Next: 'ItemsFailed' }]);
  });

  test('toleratedFailureCount: the Map Run stops beyond it, and the execution succeeds within it', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, toleratedFailureCount: 7 }));
    const map = definition.States.RunItemsDistributed;
    expect(map.ToleratedFailureCount).toBe(7);
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    expect(map.Catch).toEqual([{ ErrorEquals: ['States.ExceedToleratedFailureThreshold'], ResultPath: '$.mapError', Next: 'SummarizeThresholdExceeded' }]);
    expect(definition.States.SummarizeThresholdExceeded.Next).toBe('ItemsFailed');
    expect(definition.States.SummarizeThresholdExceeded.Parameters['message.$']).toMatch(/^States.Format\('More items failed than tolerated \(toleratedFailureCount 7\)/);
    // The inline Map cannot stop early; the same threshold applies at the end.
    expect(definition.States.TooManyItemsFailed.Choices).toEqual([{ Variable: '$.failedCount', NumericGreaterThan: 7, Next: 'ItemsFailed' }]);
  });

  test('toleratedFailurePercentage: AUTO builds a Distributed Map that enforces it; a Map Run that ends succeeds', () => {
    const { definition, fanOut } = synthFanOut(withImage({ toleratedFailurePercentage: 3 }));
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(definition.States.RunItemsDistributed.ToleratedFailurePercentage).toBe(3);
    expect(definition.States.SummarizeMapRun.Next).toBe('AllItemsSucceeded');
    expect(definition.States.TooManyItemsFailed).toBeUndefined();
    expect(fanOut.describe()).toContain('tolerated failures: 3%');
  });
});
