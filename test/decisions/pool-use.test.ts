import { FanOutCapacity } from '../../src';
import { decidePool } from '../../src/concurrency-pool/private/decide-pool';
import { decidePoolUse, POOL_CHILD_WAIT_EVENTS, POOL_HOLD_EVENTS, POOL_LOOK_EVENTS } from '../../src/concurrency-pool/private/pool-use';
import { DEFAULT_THROTTLE_RETRY } from '../../src/retries/private/throttle-retry';
import { childRefusedAttemptsLeft, itemRetryAttempts } from '../../src/workflow/history-budget';

const pool = decidePool({ maxVcpus: 4, maxTasks: 10 });

describe('decidePoolUse', () => {
  test('a slot weighs the task, or the largest size an out-of-memory rerun may use', () => {
    expect(decidePoolUse({ pool, taskCpuUnits: 512, batched: false, callback: false }).cpuUnits).toBe(512);
    const resized = decidePoolUse({ pool, taskCpuUnits: 512, largestTaskVcpus: 2, batched: false, callback: false });
    expect(resized.cpuUnits).toBe(2048);
    expect(resized.reason).toMatch(/largest size an out-of-memory rerun may use \(2 vCPU\)/);
  });

  test('a pool without a vCPU limit counts tasks only', () => {
    expect(decidePoolUse({ pool: decidePool({ maxTasks: 3 }), taskCpuUnits: 4096, batched: false, callback: false }).cpuUnits).toBe(0);
  });

  test('a child keeps room for the pool: taking, giving back and a bounded number of looks, and says how long that waits', () => {
    const use = decidePoolUse({ pool, taskCpuUnits: 256, batched: false, callback: false });
    expect(use.childEvents).toBe(POOL_HOLD_EVENTS + POOL_CHILD_WAIT_EVENTS);
    expect(use.childLooks).toBe(Math.floor(POOL_CHILD_WAIT_EVENTS / POOL_LOOK_EVENTS));
    expect(use.reason).toMatch(/Distributed Map.*631 looks at the pool, which back off while the pool stays full: at least 5.2 hours at the head of the line, 10.5 hours further back/);
  });

  test('the pool\'s events come out of the children\'s retry room', () => {
    const attempts = itemRetryAttempts({ throttleRetry: DEFAULT_THROTTLE_RETRY, capacity: FanOutCapacity.ON_DEMAND, callback: false, loopReruns: 2 });
    const without = childRefusedAttemptsLeft(attempts);
    const withPool = childRefusedAttemptsLeft({ ...attempts, poolEvents: 15_000 });
    expect(without - withPool).toBeGreaterThanOrEqual(Math.floor(15_000 / 3 / 3) - 1);
  });

  test('fails for a pool smaller than the largest task, with batching, with the callback pattern', () => {
    expect(() => decidePoolUse({ pool, taskCpuUnits: 512, largestTaskVcpus: 8, batched: false, callback: false })).toThrow(/maxVcpus of the concurrency pool \(4\) must be at least the vCPUs of one task \(8\)/);
    expect(() => decidePoolUse({ pool, taskCpuUnits: 512, batched: true, callback: false })).toThrow(/concurrencyPool cannot be combined with itemBatching/);
    expect(() => decidePoolUse({ pool, taskCpuUnits: 512, batched: false, callback: true })).toThrow(/concurrencyPool cannot be combined with integrationPattern CALLBACK/);
  });
});
