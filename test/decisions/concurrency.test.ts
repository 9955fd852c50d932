import { FanOutMode } from '../../src';
import { decideConcurrency, DEFAULT_DISTRIBUTED_MAX_CONCURRENCY, tasksWithinVcpuBudget } from '../../src/concurrency/concurrency';

describe('tasksWithinVcpuBudget', () => {
  test('is floor(maxVcpus / task vCPU)', () => {
    expect(tasksWithinVcpuBudget(16, 1)).toBe(16);
    expect(tasksWithinVcpuBudget(10, 4)).toBe(2);
    expect(tasksWithinVcpuBudget(6, 0.25)).toBe(24);
    expect(tasksWithinVcpuBudget(0.75, 0.25)).toBe(3);
    expect(tasksWithinVcpuBudget(0.7, 0.25)).toBe(2);
  });

  test('fails: a budget smaller than one task', () => {
    expect(() => tasksWithinVcpuBudget(1, 2)).toThrow(/maxVcpus must be at least the vCPUs of one task \(2\), got 1/);
  });
});

describe('decideConcurrency', () => {
  test('defaults to the Fargate launch burst in a Distributed Map', () => {
    const decision = decideConcurrency({ mode: FanOutMode.DISTRIBUTED, taskVcpus: 0.25 });
    expect(DEFAULT_DISTRIBUTED_MAX_CONCURRENCY).toBe(100);
    expect(decision.maxConcurrency).toBe(100);
    expect(decision.reason).toMatch(/launch burst/);
  });

  test('defaults to 40 in an inline Map', () => {
    expect(decideConcurrency({ mode: FanOutMode.INLINE, taskVcpus: 1 }).maxConcurrency).toBe(40);
  });

  test('uses maxConcurrency when given', () => {
    const decision = decideConcurrency({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 250, taskVcpus: 1 });
    expect(decision.maxConcurrency).toBe(250);
    expect(decision.inlineMaxConcurrency).toBe(40);
  });

  test('derives the cap from maxVcpus', () => {
    const decision = decideConcurrency({ mode: FanOutMode.DISTRIBUTED, maxVcpus: 64, taskVcpus: 2 });
    expect(decision.maxConcurrency).toBe(32);
    expect(decision.reason).toMatch(/maxVcpus 64 holds 32 tasks of 2 vCPU/);
  });

  test('takes the smaller of maxConcurrency and the vCPU budget', () => {
    expect(decideConcurrency({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 10, maxVcpus: 64, taskVcpus: 1 }).maxConcurrency).toBe(10);
    const decision = decideConcurrency({ mode: FanOutMode.DISTRIBUTED, maxConcurrency: 100, maxVcpus: 8, taskVcpus: 1 });
    expect(decision.maxConcurrency).toBe(8);
    expect(decision.reason).toMatch(/fewer than maxConcurrency 100/);
  });

  test('a vCPU budget larger than an inline Map can run is capped at 40, and the reason says so', () => {
    const decision = decideConcurrency({ mode: FanOutMode.INLINE, maxVcpus: 100, taskVcpus: 1 });
    expect(decision.maxConcurrency).toBe(40);
    expect(decision.reason).toMatch(/at most 40 at once/);
  });

  test('a vCPU budget larger than a Distributed Map can run is capped at 10,000', () => {
    expect(decideConcurrency({ mode: FanOutMode.DISTRIBUTED, maxVcpus: 5000, taskVcpus: 0.25 }).maxConcurrency).toBe(10_000);
  });

  test('in RUN_TIME mode the inline branch runs at most 40', () => {
    const decision = decideConcurrency({ mode: FanOutMode.RUN_TIME, maxConcurrency: 500, taskVcpus: 1 });
    expect(decision.maxConcurrency).toBe(500);
    expect(decision.inlineMaxConcurrency).toBe(40);
    expect(decision.reason).toMatch(/inline Map, at most 40/);
  });
});
