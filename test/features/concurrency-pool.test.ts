import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FanOutCapacity, FanOutConcurrencyPool, FanOutIntegrationPattern, FanOutMode, FanOutRetryRule, FargateFanOut } from '../../src';
import { poolStateNames } from '../../src/concurrency-pool/private/pool-table';
import { ItemPoolPrefixes } from '../../src/workflow/item/item-runner';
import { expectValidAsl, newStack, resolveJoin, withImage } from '../util/synth';

/** The fan-out's definition (the pool adds its cleanup state machine, so there are two). */
function fanOutDefinition(template: Template): any {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter((m: any) => !JSON.stringify(m.Properties.DefinitionString).includes('concurrency-pool slots'));
  const found = machines.find((m: any) => JSON.stringify(m.Properties.DefinitionString).includes('RunItemTask'));
  const body = (found as any).Properties.DefinitionString;
  return JSON.parse(typeof body === 'string' ? body : resolveJoin(body));
}

function pooled(props = {}, poolProps = { maxVcpus: 8 }) {
  const stack = newStack();
  const pool = new FanOutConcurrencyPool(stack, 'Pool', poolProps);
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool, ...props }));
  const template = Template.fromStack(stack);
  const definition = fanOutDefinition(template);
  expectValidAsl(definition);
  return { stack, pool, fanOut, template, definition };
}

/** Where each state can go: Next, Default, the Choices' and the Catchers' Next. */
function successors(state: any): string[] {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c: any) => c.Next), ...(state.Catch ?? []).map((c: any) => c.Next)]
    .filter((x): x is string => typeof x === 'string');
}

/**
 * The ends of the child (Succeed, Fail, End) that a RunTask state reaches without passing a
 * state of `releases`: each is a path on which the item keeps its slot.
 */
function leakingEnds(states: Record<string, any>, releases: string[]): string[] {
  const runTasks = Object.keys(states).filter((name) => states[name].Resource?.includes(':ecs:runTask'));
  const leaking = new Set<string>();
  const seen = new Set<string>();
  const stack = [...runTasks];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name) || releases.includes(name)) continue;
    seen.add(name);
    const state = states[name];
    if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') leaking.add(name);
    stack.push(...successors(state));
  }
  return [...leaking];
}

describe('a fan-out with a concurrency pool', () => {
  const retryRules = [FanOutRetryRule.onOutOfMemory([{ cpu: 1024, memoryLimitMiB: 4096 }]), FanOutRetryRule.onExitCodes([3], { maxAttempts: 2 })];
  const { definition, template, fanOut } = pooled({ capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, retryRules });
  const map = definition.States.RunItemsDistributed;
  const states = map.ItemProcessor.States;
  const acquire = poolStateNames(ItemPoolPrefixes.ACQUIRE);
  const release = poolStateNames(ItemPoolPrefixes.RELEASE);
  const releaseOnError = poolStateNames(ItemPoolPrefixes.RELEASE_ON_ERROR);

  test('runs in a Distributed Map, and says why', () => {
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(fanOut.modeReason).toMatch(/concurrencyPool/);
    expect(fanOut.describe()).toMatch(/concurrency pool: .*Distributed Map.*looks at the pool/);
  });

  test('each child carries the parent execution as the owner of its slot, and keeps it through the retry loops', () => {
    expect(map.ItemSelector['poolOwner.$']).toBe('$$.Execution.Id');
    const loops = Object.entries<any>(states).filter(([name]) => /^(Retry|FallBack)/.test(name));
    expect(loops.length).toBeGreaterThan(2);
    for (const [, loop] of loops) expect(loop.Parameters['poolOwner.$']).toBe('$.poolOwner');
  });

  test('the slot is taken before the first RunTask, weighs the largest size an out-of-memory rerun uses, and is keyed by owner and index', () => {
    expect(map.ItemProcessor.StartAt).toBe(acquire.TRY);
    const lease = states[acquire.TRY].Parameters.TransactItems[0].Put.Item;
    expect(lease.cpu).toEqual({ N: '1024' });
    expect(lease.pk['S.$']).toMatch(/\$\.poolOwner/);
    expect(lease.sk['S.$']).toMatch(/\$\.index/);
    // The Spot task is the first the acquire leads to; the on-demand fallback is reached without a second acquire.
    expect(states[acquire.TRY].Next).toBe('RunItemTaskInChild');
    expect(Object.keys(states).filter((n) => n.endsWith('Acquire'))).toEqual([acquire.TRY]);
  });

  test('every end of the child after a RunTask passes a release: success, each failure and the stop rules\' failures', () => {
    expect(leakingEnds(states, [release.RELEASE, releaseOnError.RELEASE])).toEqual([]);
    // One release per exit kind: before the item's record, and before its failure record.
    expect(states[release.RELEASE].Next).toBe('ItemSucceededInChild');
    expect(states[releaseOnError.RELEASE].Next).toBe('DescribeItemFailureInChild');
    // The walk can fail: without the releases every end leaks.
    expect(leakingEnds(states, []).sort()).toEqual(['ItemFailedInChild', 'ItemSucceededInChild']);
  });

  test('the pool lets the state machine use its table and gives back the slots of its executions that end badly', () => {
    expect(JSON.stringify(template.findResources('AWS::Events::Rule'))).toMatch(/failed, timed out or was aborted/);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toMatch(/dynamodb:ConditionCheckItem/);
  });

  test('a trigger\'s starter takes no slot; the fan-out it starts does', () => {
    const stack = newStack();
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 10 });
    const triggered = new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool }));
    triggered.runForEachObjectCreated(new s3.Bucket(stack, 'Uploads'));
    const t = Template.fromStack(stack);
    const machines = Object.values<any>(t.findResources('AWS::StepFunctions::StateMachine'));
    const texts = machines.map((m) => JSON.stringify(m.Properties.DefinitionString));
    // The fan-out, the pool's cleanup and the trigger's starter (EXPRESS) are built ...
    expect(machines.map((m) => m.Properties.StateMachineType ?? 'STANDARD').sort()).toEqual(['EXPRESS', 'STANDARD', 'STANDARD']);
    // ... and only the fan-out takes slots: the starter has no pool state.
    expect(texts.filter((x) => x.includes('PoolInChildAcquire'))).toHaveLength(1);
    expect(texts.some((x) => x.includes('RunItemTask') && x.includes('PoolInChildAcquire'))).toBe(true);
  });
});

describe('a fan-out with a concurrency pool: bad input', () => {
  test('fails when the pool cannot hold the largest task an item may run', () => {
    expect(() => pooled({ cpu: 2048, memoryLimitMiB: 4096 }, { maxVcpus: 1 })).toThrow(/maxVcpus of the concurrency pool \(1\) must be at least the vCPUs of one task \(2\)/);
    expect(() => pooled({ retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 4096, memoryLimitMiB: 8192 }])] }, { maxVcpus: 2 }))
      .toThrow(/maxVcpus of the concurrency pool \(2\) must be at least the vCPUs of one task \(4\)/);
  });

  test('fails with mode INLINE or RUN_TIME: pooled items wait in Distributed Map children', () => {
    expect(() => pooled({ mode: FanOutMode.INLINE })).toThrow(/concurrencyPool needs a Distributed Map for every run, so it cannot be combined with mode INLINE/);
    expect(() => pooled({ mode: FanOutMode.RUN_TIME })).toThrow(/concurrencyPool .* mode RUN_TIME/);
  });

  test('fails with itemBatching or the callback pattern', () => {
    expect(() => pooled({ itemBatching: { maxItems: 10 } })).toThrow(/concurrencyPool cannot be combined with itemBatching/);
    expect(() => pooled({ integrationPattern: FanOutIntegrationPattern.CALLBACK })).toThrow(/concurrencyPool cannot be combined with integrationPattern CALLBACK/);
  });
});
