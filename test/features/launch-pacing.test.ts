import { FanOutMode, FargateFanOut } from '../../src';
import { LAUNCH_DELAY_FIELD } from '../../src/concurrency/launch-pacing';
import { ItemStateNames } from '../../src/workflow/item/item-runner';
import { StateNames } from '../../src/workflow/workflow';
import { allStates, expectValidAsl, newStack, synthFanOut, withImage } from '../util/synth';

function distributedMap(definition: any): any {
  return allStates(definition)[StateNames.DISTRIBUTED_MAP];
}

describe('launch pacing in the synthesized workflow', () => {
  test('a cap of 1,000: each child starts with the Wait, whose seconds the ItemSelector computes from the index', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 1000 }));
    const map = distributedMap(definition);
    // Item i waits floor(i / 20) s while i < 1,000, else 0 (20 RunTask calls a second): i - 1,000
    // is negative in the first wave, so 'x-…' splits at '-' into 2 parts (1 part after it), which
    // picks i (else 0) from [0, 0, i]; ArrayRange(0, that, 20) has floor(that / 20) + 1 elements.
    // Item 999: 'x-1', 2 parts, 999, 50 elements, 49 s; item 1,000: 'x0', 1 part, 0, 1 element, 0 s.
    // (test/decisions/launch-pacing.test.ts evaluates the expression in the interpreter.)
    expect(map.ItemSelector[`${LAUNCH_DELAY_FIELD}.$`]).toBe(
      'States.MathAdd(States.ArrayLength(States.ArrayRange(0, States.ArrayGetItem(States.Array(0, 0, $$.Map.Item.Index), '
      + "States.ArrayLength(States.StringSplit(States.Format('x{}', States.MathAdd($$.Map.Item.Index, -1000)), '-'))), 20)), -1)",
    );
    expect(map.ItemProcessor.StartAt).toBe(ItemStateNames.DISTRIBUTED_PACE_LAUNCH);
    expect(map.ItemProcessor.States[ItemStateNames.DISTRIBUTED_PACE_LAUNCH]).toMatchObject({
      Type: 'Wait', SecondsPath: `$.${LAUNCH_DELAY_FIELD}`, Next: ItemStateNames.DISTRIBUTED_TASK,
    });
    expect(fanOut.describe()).toMatch(/^launch pacing: the first 1000 items start 20 per second over 49 s/m);
    expectValidAsl(definition);
  });

  test.each([
    ['the default cap of 100', {}],
    ['launchPacing false', { maxConcurrency: 1000, launchPacing: false }],
    ['a long expected run', { maxConcurrency: 500, expectedItemCount: 50_000 }],
  ])('not paced with %s: no Wait, no delay field', (_name, props) => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, ...props }));
    const map = distributedMap(definition);
    expect(map.ItemSelector[`${LAUNCH_DELAY_FIELD}.$`]).toBeUndefined();
    expect(map.ItemProcessor.States[ItemStateNames.DISTRIBUTED_PACE_LAUNCH]).toBeUndefined();
    expect(fanOut.describe()).toMatch(/^launch pacing: not paced/m);
  });

  test('RUN_TIME: the Distributed Map is paced, the inline Map is not', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, maxConcurrency: 1000 }));
    expect(distributedMap(definition).ItemProcessor.StartAt).toBe(ItemStateNames.DISTRIBUTED_PACE_LAUNCH);
    const inline = allStates(definition)[StateNames.INLINE_MAP];
    expect(inline.ItemSelector[`${LAUNCH_DELAY_FIELD}.$`]).toBeUndefined();
    expect(Object.keys(inline.ItemProcessor.States).filter((name) => name.startsWith('PaceLaunch'))).toEqual([]);
    expect(inline.ItemProcessor.StartAt).toBe(ItemStateNames.INLINE_TASK);
  });

  test('fails: launchPacing true with itemBatching, naming the prop', () => {
    const props = withImage({ mode: FanOutMode.DISTRIBUTED, launchPacing: true, itemBatching: { maxItems: 10 } });
    expect(() => new FargateFanOut(newStack(), 'FanOut', props)).toThrow(/launchPacing can be true only .* itemBatching/);
  });
});
