import jsonata from 'jsonata';
import { SimulatedEcs } from './simulated-ecs';
import { FanOutCapacity } from '../../src';
import { decideVcpuQuota } from '../../src/concurrency/vcpu-quota';
import { capFromQuotaExpression, capNotReadExpression } from '../../src/workflow/read-vcpu-quota';

// The simulated GetServiceQuota, as the workflow's ReadVcpuQuota state sees it: its answer and
// its error go through the state's own JSONata expressions.
describe('simulated GetServiceQuota', () => {
  const decision = decideVcpuQuota({
    pooled: false, capacity: FanOutCapacity.ON_DEMAND, taskVcpus: 1, maxConcurrency: 2000, inlineMaxConcurrency: 40,
  });
  const params = { ServiceCode: decision.serviceCode, QuotaCode: decision.quotaCode };

  test('answers the simulated vCPU quota as Quota.Value, which caps a 2,000 cap of 1-vCPU tasks at 100', async () => {
    const ecs = new SimulatedEcs({ vcpuQuota: 100, taskVcpu: 1 });
    const result = await ecs.getServiceQuota(params);
    expect(result.Quota).toMatchObject({ ServiceCode: 'fargate', QuotaCode: 'L-3032A538', Value: 100, QuotaArn: 'arn:aws:servicequotas:us-east-1:123456789012:fargate/L-3032A538' });
    const cap = await jsonata(capFromQuotaExpression(decision)).evaluate({}, { states: { input: {}, result } });
    expect(cap).toMatchObject({ maxConcurrency: 100, quotaRead: true, quotaVcpus: 100 });
    expect(ecs.serviceQuotaReads).toBe(1);
  });

  test('an unlimited simulated quota answers a large number, which keeps the cap', async () => {
    const result = await new SimulatedEcs().getServiceQuota(params);
    const cap = await jsonata(capFromQuotaExpression(decision)).evaluate({}, { states: { input: {}, result } });
    expect(cap).toMatchObject({ maxConcurrency: 2000, quotaRead: true, quotaVcpus: 1_000_000 });
  });

  test('fails with the error set, which keeps the cap and names it', async () => {
    const ecs = new SimulatedEcs({ serviceQuotaError: 'ServiceQuotas.AccessDeniedException' });
    const error: any = await ecs.getServiceQuota(params).catch((e) => e);
    expect(error.name).toBe('ServiceQuotas.AccessDeniedException');
    const cap = await jsonata(capNotReadExpression(decision)).evaluate({}, { states: { input: { Error: error.name, Cause: error.message } } });
    expect(cap).toMatchObject({ maxConcurrency: 2000, quotaRead: false });
    expect(cap.reason).toMatch(/could not be read \(ServiceQuotas.AccessDeniedException\)/);
  });
});
