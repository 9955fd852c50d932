import { FanOutMode } from '../../src';
import { batchBytesWithinOverrides } from '../../src/decisions/batch-limits';
import { allStates, synthFanOut, withImage } from '../util/synth';

describe('itemBatching', () => {
  const { definition, fanOut } = synthFanOut(withImage({ itemBatching: { maxItems: 25 } }));
  const map = definition.States.RunItemsDistributed;
  const task = allStates(definition).RunItemTaskInChild;

  test('AUTO builds a Distributed Map and says why', () => {
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(fanOut.modeReason).toMatch(/itemBatching only works with a Distributed Map/);
  });

  test('the ItemBatcher holds up to maxItems and, by default, the most bytes that fit the container overrides', () => {
    const limit = batchBytesWithinOverrides('Task');
    // Each batch starts with its attempt counters (see the stop rules), as BatchInput.
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: 25, MaxInputBytesPerBatch: limit, BatchInput: { retry: { attempts: 0, delay: 0, earlier: {}, Start: 0 }, stop: {} },
    });
    expect(fanOut.maxItemsPerBatch).toBe(25);
    expect(fanOut.maxInputBytesPerBatch).toBe(limit);
  });

  test('a batch reaches the container as a JSON array in FANOUT_ITEMS; items are batched as they are', () => {
    expect(map.ItemSelector).toBeUndefined();
    expect(task.Parameters.Overrides.ContainerOverrides).toEqual([
      { Name: 'Task', Environment: [{ 'Name': 'FANOUT_ITEMS', 'Value.$': 'States.JsonToString($.Items)' }] },
    ]);
    expect(fanOut.describe()).toMatch(/up to 25 items \(\d+ bytes\) as a JSON array in FANOUT_ITEMS/);
  });
});
