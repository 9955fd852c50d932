import { FanOutMode, FargateFanOut } from '../../src';
import { RUN_START_FIELD } from '../../src/concurrency/launch-pacing';
import { ItemStateNames } from '../../src/workflow/item/item-runner';
import { StateNames } from '../../src/workflow/workflow';
import { allStates, expectValidAsl, newStack, synthFanOut, withImage } from '../util/synth';

function distributedMap(definition: any): any {
  return allStates(definition)[StateNames.DISTRIBUTED_MAP];
}

describe('launch pacing in the synthesized workflow', () => {
  test('a cap of 1,000: each child starts with a JSONata Wait until its second, from the run\'s start and its index', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 1000 }));
    const map = distributedMap(definition);
    expect(map.ItemSelector).toMatchObject({ [`${RUN_START_FIELD}.$`]: '$$.Execution.StartTime', 'index.$': '$$.Map.Item.Index' });
    expect(map.ItemProcessor.StartAt).toBe(ItemStateNames.DISTRIBUTED_PACE_LAUNCH);
    expect(map.ItemProcessor.States[ItemStateNames.DISTRIBUTED_PACE_LAUNCH]).toEqual({
      Type: 'Wait',
      QueryLanguage: 'JSONata',
      Comment: expect.stringMatching(/item i waits until floor\(i \/ 20\) s after the run's start/),
      // Item i: until the run's start plus floor(i / 20) s (20 RunTask calls a second), from when
      // the Wait is entered, rounded up to the second; 0 once that time has passed.
      Seconds: '{% $min([99999999, $max([0, $ceil(($toMillis($states.input.runStartTime) + $floor($states.input.index / 20) * 1000 - $toMillis($states.context.State.EnteredTime)) / 1000)])]) %}',
      Output: '{% $states.input %}',
      Next: ItemStateNames.DISTRIBUTED_TASK,
    });
    expect(fanOut.describe()).toMatch(/^launch pacing: every item starts no earlier than floor\(index \/ 20\) s after the run's start, 20 RunTask calls per second \(the first 1000 over 49 s/m);
    expectValidAsl(definition);
  });

  test.each([
    ['the default cap of 100', {}],
    ['launchPacing false', { maxConcurrency: 1000, launchPacing: false }],
  ])('not paced with %s: no Wait, no start-time field', (_name, props) => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, ...props }));
    const map = distributedMap(definition);
    expect(map.ItemSelector[`${RUN_START_FIELD}.$`]).toBeUndefined();
    expect(map.ItemProcessor.States[ItemStateNames.DISTRIBUTED_PACE_LAUNCH]).toBeUndefined();
    expect(fanOut.describe()).toMatch(/^launch pacing: not paced/m);
  });

  test('RUN_TIME: the Distributed Map is paced, the inline Map is not', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME, maxConcurrency: 1000 }));
    expect(distributedMap(definition).ItemProcessor.StartAt).toBe(ItemStateNames.DISTRIBUTED_PACE_LAUNCH);
    const inline = allStates(definition)[StateNames.INLINE_MAP];
    expect(inline.ItemSelector[`${RUN_START_FIELD}.$`]).toBeUndefined();
    expect(Object.keys(inline.ItemProcessor.States).filter((name) => name.startsWith('PaceLaunch'))).toEqual([]);
    expect(inline.ItemProcessor.StartAt).toBe(ItemStateNames.INLINE_TASK);
  });

  test('fails: launchPacing true with itemBatching, naming the prop', () => {
    const props = withImage({ mode: FanOutMode.DISTRIBUTED, launchPacing: true, itemBatching: { maxItems: 10 } });
    expect(() => new FargateFanOut(newStack(), 'FanOut', props)).toThrow(/launchPacing can be true only .* itemBatching/);
  });
});
