import { Template } from 'aws-cdk-lib/assertions';
import { FanOutCapacity, FanOutConcurrencyPool, FanOutMode, FargateFanOut } from '../../src';
import { FARGATE_ON_DEMAND_VCPU_QUOTA_CODE, FARGATE_SPOT_VCPU_QUOTA_CODE } from '../../src/facts';
import { INLINE_MAX_CONCURRENCY_PATH, MAX_CONCURRENCY_PATH } from '../../src/workflow/read-vcpu-quota';
import { StateNames } from '../../src/workflow/workflow';
import { allStates, newStack, stateMachineStatements, synthFanOut, withImage } from '../util/synth';

describe('the vCPU quota read in the synthesized workflow', () => {
  test('nothing declared: the run starts by reading the On-Demand quota through the AWS SDK integration, in JSONata', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 2000, cpu: 1024, memoryLimitMiB: 2048 }));
    expect(definition.StartAt).toBe(StateNames.READ_VCPU_QUOTA);
    const read = definition.States[StateNames.READ_VCPU_QUOTA];
    expect(read).toMatchObject({
      Type: 'Task',
      QueryLanguage: 'JSONata',
      Resource: 'arn:aws:states:::aws-sdk:servicequotas:getServiceQuota',
      Arguments: { ServiceCode: 'fargate', QuotaCode: FARGATE_ON_DEMAND_VCPU_QUOTA_CODE },
      Next: StateNames.DISTRIBUTED_MAP,
    });
    // The cap goes into the state data for the Map and into a variable for the summary.
    expect(read.Output).toMatch(/^\{% \$merge\(\[\$states\.input, \{"concurrencyCap": .*\$floor\(\$round\(\$quota \/ 1, 6\)\).*\}\]\) %\}$/);
    expect(read.Assign.concurrencyCap).toMatch(/\$tasks < 2000/);
    // Every error of the read goes on to the Map through QuotaNotRead, with the synth-time cap and
    // the error's name, the state data rebuilt from the execution's input (the read is the first state).
    expect(read.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: StateNames.QUOTA_NOT_READ }]);
    const notRead = definition.States[StateNames.QUOTA_NOT_READ];
    expect(notRead).toMatchObject({ Type: 'Pass', QueryLanguage: 'JSONata', Next: StateNames.DISTRIBUTED_MAP });
    expect(notRead.Output).toMatch(/^\{% \$merge\(\[\$states\.context\.Execution\.Input, \{"concurrencyCap": \{"maxConcurrency": 2000, .*"quotaRead": false, .*\$states\.input\.Error/);
    expect(notRead.Assign.concurrencyCap).toMatch(/"quotaRead": false/);
  });

  test('the Distributed Map reads its cap from MaxConcurrencyPath, and the summary puts it in the output', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    const states = allStates(definition);
    const map = states[StateNames.DISTRIBUTED_MAP];
    expect(map.MaxConcurrencyPath).toBe(MAX_CONCURRENCY_PATH);
    expect(map.MaxConcurrency).toBeUndefined();
    expect(states[StateNames.SUMMARIZE_MAP_RUN].Parameters['concurrencyCap.$']).toBe('$concurrencyCap');
  });

  test('RUN_TIME: both Maps read their own cap; the quota read comes before the count', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.RUN_TIME }));
    const states = allStates(definition);
    expect(definition.States[StateNames.READ_VCPU_QUOTA].Next).toBe(StateNames.COUNT_ITEMS);
    expect(states[StateNames.DISTRIBUTED_MAP].MaxConcurrencyPath).toBe(MAX_CONCURRENCY_PATH);
    expect(states[StateNames.INLINE_MAP].MaxConcurrencyPath).toBe(INLINE_MAX_CONCURRENCY_PATH);
    expect(states[StateNames.INLINE_MAP].MaxConcurrency).toBeUndefined();
    expect(states[StateNames.SUMMARIZE].Parameters['concurrencyCap.$']).toBe('$concurrencyCap');
  });

  test.each([FanOutCapacity.SPOT, FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK])('%s reads the Spot quota', (capacity) => {
    const { definition } = synthFanOut(withImage({ capacity }));
    expect(definition.States[StateNames.READ_VCPU_QUOTA].Arguments.QuotaCode).toBe(FARGATE_SPOT_VCPU_QUOTA_CODE);
  });

  test('the role may call servicequotas:GetServiceQuota, and nothing else of Service Quotas', () => {
    const { template } = synthFanOut(withImage({}));
    const statements = stateMachineStatements(template).filter((s) => JSON.stringify(s.Action).includes('servicequotas:'));
    expect(statements).toEqual([{ Action: 'servicequotas:GetServiceQuota', Effect: 'Allow', Resource: '*' }]);
  });

  test('describe() says which quota is read and what happens when it cannot be', () => {
    const { fanOut } = synthFanOut(withImage({}));
    expect(fanOut.describe()).toMatch(/^vCPU quota: read at the start of each run: the "Fargate On-Demand vCPU resource count" quota \(L-3032A538\) lowers the cap/m);
  });

  test('maxVcpus given: no quota read, the Map keeps its fixed cap', () => {
    const { definition, template, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED, maxVcpus: 25 }));
    const states = allStates(definition);
    expect(states[StateNames.READ_VCPU_QUOTA]).toBeUndefined();
    expect(definition.StartAt).toBe(StateNames.DISTRIBUTED_MAP);
    expect(states[StateNames.DISTRIBUTED_MAP].MaxConcurrency).toBe(100); // 25 vCPU / 0.25
    expect(states[StateNames.DISTRIBUTED_MAP].MaxConcurrencyPath).toBeUndefined();
    expect(states[StateNames.SUMMARIZE_MAP_RUN].Parameters['concurrencyCap.$']).toBeUndefined();
    expect(JSON.stringify(stateMachineStatements(template))).not.toContain('servicequotas');
    expect(fanOut.describe()).toMatch(/^vCPU quota: not read: maxVcpus 25 is the vCPU budget/m);
  });

  test('a concurrency pool given: no quota read', () => {
    const stack = newStack();
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxVcpus: 100 });
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool }));
    const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(2);
    // Neither the fan-out's state machine nor the pool's cleanup reads the quota.
    expect(JSON.stringify(machines)).not.toContain('servicequotas');
    expect(fanOut.describe()).toMatch(/^vCPU quota: not read: the concurrency pool/m);
  });
});
