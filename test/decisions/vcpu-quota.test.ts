import jsonata from 'jsonata';
import { FanOutCapacity } from '../../src';
import { tasksHeldByVcpus } from '../../src/concurrency/concurrency';
import { capWithinQuota, decideVcpuQuota, VcpuQuotaInput } from '../../src/concurrency/vcpu-quota';
import { FARGATE_ON_DEMAND_VCPU_QUOTA_CODE, FARGATE_SPOT_VCPU_QUOTA_CODE } from '../../src/facts';
import { capFromQuotaExpression, capNotReadExpression } from '../../src/workflow/read-vcpu-quota';

const base: VcpuQuotaInput = {
  pooled: false,
  capacity: FanOutCapacity.ON_DEMAND,
  taskVcpus: 1,
  maxConcurrency: 2000,
  inlineMaxConcurrency: 40,
};

describe('decideVcpuQuota', () => {
  test('nothing declared: reads the On-Demand quota, and says the cap it can only lower', () => {
    const decision = decideVcpuQuota(base);
    expect(decision).toMatchObject({ reads: true, serviceCode: 'fargate', quotaCode: FARGATE_ON_DEMAND_VCPU_QUOTA_CODE, maxConcurrency: 2000 });
    expect(decision.reason).toMatch(/Fargate On-Demand vCPU resource count.*L-3032A538.*floor\(quota \/ 1 vCPU\).*below 2000/);
    expect(decision.reason).toMatch(/cannot be read.*output says why/);
  });

  test.each([
    [FanOutCapacity.SPOT, /Spot vCPU resource count/],
    [FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, /the Spot quota: every item starts on Spot/],
  ])('%s reads the Spot quota', (capacity, why) => {
    const decision = decideVcpuQuota({ ...base, capacity });
    expect(decision.quotaCode).toBe(FARGATE_SPOT_VCPU_QUOTA_CODE);
    expect(decision.reason).toMatch(why);
  });

  test('maxVcpus set: not read, the budget is the user\'s', () => {
    const decision = decideVcpuQuota({ ...base, maxVcpus: 100 });
    expect(decision.reads).toBe(false);
    expect(decision.quotaCode).toBeUndefined();
    expect(decision.reason).toBe('not read: maxVcpus 100 is the vCPU budget');
  });

  test('a concurrency pool: not read', () => {
    const decision = decideVcpuQuota({ ...base, pooled: true });
    expect(decision.reads).toBe(false);
    expect(decision.reason).toMatch(/concurrency pool/);
  });
});

describe('the cap within the quota', () => {
  test.each([
    // synth cap, quota vCPUs, task vCPUs, cap, from quota
    [2000, 100, 1, 100, true],
    [2000, 0.75, 0.25, 3, true],
    [100, 4000, 0.25, 100, false],
    [100, 25, 0.25, 100, false],
    [100, 24.9, 0.25, 99, true],
    [100, 0, 1, 100, false],
    [100, 0.5, 1, 100, false],
  ])('cap %d, quota %d vCPU, tasks of %d vCPU: %d', (synthCap, quota, vcpus, cap, fromQuota) => {
    expect(capWithinQuota(synthCap, quota, vcpus)).toEqual({ cap, fromQuota });
  });

  test('tasksHeldByVcpus rounds before flooring', () => {
    expect(tasksHeldByVcpus(0.75, 0.25)).toBe(3);
    expect(tasksHeldByVcpus(6, 4)).toBe(1);
  });
});

describe('the JSONata the workflow evaluates agrees with capWithinQuota', () => {
  async function capFromResult(decision: ReturnType<typeof decideVcpuQuota>, result: unknown): Promise<any> {
    return jsonata(capFromQuotaExpression(decision)).evaluate({}, { states: { input: {}, result } });
  }

  test.each([
    [2000, 40, 100, 1],
    [2000, 40, 0.75, 0.25],
    [100, 40, 4000, 0.25],
    [100, 40, 24.9, 0.25],
    [100, 40, 10, 0.25],
    [100, 40, 0, 1],
    [10000, 40, 6, 4],
  ])('cap %d (inline %d), Quota.Value %d, tasks of %d vCPU', async (maxConcurrency, inlineMaxConcurrency, quota, taskVcpus) => {
    const decision = decideVcpuQuota({ ...base, maxConcurrency, inlineMaxConcurrency, taskVcpus });
    // The documented GetServiceQuota response: { Quota: { Value: <number>, ... } }.
    const cap = await capFromResult(decision, { Quota: { ServiceCode: 'fargate', QuotaCode: decision.quotaCode, Value: quota, Unit: 'None' } });
    const expected = capWithinQuota(maxConcurrency, quota, taskVcpus);
    expect(cap).toMatchObject({
      maxConcurrency: expected.cap,
      inlineMaxConcurrency: Math.min(inlineMaxConcurrency, expected.cap),
      quotaRead: true,
      quotaVcpus: quota,
    });
    expect(cap.reason).toMatch(expected.fromQuota ? /fewer than the cap/ : /is kept/);
  });

  test('the reason names the quota, its vCPUs and the tasks they hold', async () => {
    const cap = await capFromResult(decideVcpuQuota(base), { Quota: { Value: 100 } });
    expect(cap.reason).toBe('the Fargate On-Demand vCPU resource count quota, 100 vCPU, holds 100 tasks of 1 vCPU, fewer than the cap of 2000');
  });

  test('a Quota without a numeric Value keeps the cap', async () => {
    const cap = await capFromResult(decideVcpuQuota(base), { Quota: { ErrorReason: { ErrorCode: 'SERVICE_QUOTA_NOT_AVAILABLE_ERROR' } } });
    expect(cap).toMatchObject({ maxConcurrency: 2000, inlineMaxConcurrency: 40, quotaRead: true });
    expect(cap.reason).toMatch(/holds no task/);
  });

  test('a failed read keeps the cap and names the error', async () => {
    const cap = await jsonata(capNotReadExpression(decideVcpuQuota(base))).evaluate({}, {
      states: { input: { Error: 'ServiceQuotas.NoSuchResourceException', Cause: '...' } },
    });
    expect(cap).toEqual({
      maxConcurrency: 2000,
      inlineMaxConcurrency: 40,
      quotaRead: false,
      reason: 'the Fargate On-Demand vCPU resource count quota could not be read (ServiceQuotas.NoSuchResourceException); the cap of 2000 is kept',
    });
  });
});
