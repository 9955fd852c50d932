import { FanOutEnvironment, FanOutIntegrationPattern, FanOutMode } from '../../src';
import { allStates, synthFanOut, withImage } from '../util/synth';

describe('FanOutEnvironment names what the container receives', () => {
  test('one item: ITEM, and with the callback pattern TASK_TOKEN', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.INLINE, integrationPattern: FanOutIntegrationPattern.CALLBACK }));
    const environment = allStates(definition).RunItemTask.Parameters.Overrides.ContainerOverrides[0].Environment;
    expect(environment.map((variable: any) => variable.Name)).toEqual([FanOutEnvironment.ITEM, FanOutEnvironment.TASK_TOKEN]);
    expect([FanOutEnvironment.ITEM, FanOutEnvironment.TASK_TOKEN]).toEqual(['FANOUT_ITEM', 'FANOUT_TASK_TOKEN']);
  });

  test('a batch: ITEMS', () => {
    const { definition } = synthFanOut(withImage({ itemBatching: { maxItems: 5 } }));
    const environment = allStates(definition).RunItemTaskInChild.Parameters.Overrides.ContainerOverrides[0].Environment;
    expect(environment.map((variable: any) => variable.Name)).toEqual([FanOutEnvironment.ITEMS]);
  });

  test('every name it lists is reserved: environment may not set it', () => {
    expect(FanOutEnvironment.RESERVED_NAMES).toEqual(['FANOUT_ITEM', 'FANOUT_ITEMS', 'FANOUT_TASK_TOKEN']);
    for (const name of FanOutEnvironment.RESERVED_NAMES) {
      expect(() => synthFanOut(withImage({ environment: { [name]: 'x' } }))).toThrow(new RegExp(`may not set ${name}`));
    }
  });
});
