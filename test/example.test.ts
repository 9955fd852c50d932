import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ExampleStack } from '../examples/example-stack';
import { FanOutMode } from '../src';
import { definitionOf, expectValidAsl, TEST_ENV } from './util/synth';

describe('the example app', () => {
  const stack = new ExampleStack(new App(), 'FargateFanOutExample', { env: TEST_ENV });
  const template = Template.fromStack(stack);

  test('builds a run-time choice capped by its 16-vCPU budget', () => {
    expect(stack.fanOut.mode).toBe(FanOutMode.RUN_TIME);
    expect(stack.fanOut.maxConcurrency).toBe(16);
    const definition = definitionOf(template);
    expect(definition.States.RunItemsDistributed.MaxConcurrency).toBe(16);
    expect(definition.States.RunItemsInline.MaxConcurrency).toBe(16);
    expectValidAsl(definition);
  });

  test('matches the snapshot (a complement to the assertions above)', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
