import { PRICE_FARGATE_GB_HOUR_USD, PRICE_FARGATE_VCPU_HOUR_USD } from '../../src/library';
import { billedSeconds, estimateTransitions, taskCost } from '../../src/report/cost';
import { DEFAULT_PRICES, resolvePrices } from '../../src/report/prices';

describe('prices', () => {
  test('defaults: the facts\' On-Demand prices, Spot at 70% off, and the report says it assumed so', () => {
    expect(DEFAULT_PRICES.vcpuHour).toBe(PRICE_FARGATE_VCPU_HOUR_USD);
    expect(DEFAULT_PRICES.gbHour).toBe(PRICE_FARGATE_GB_HOUR_USD);
    expect(DEFAULT_PRICES.spotVcpuHour).toBeCloseTo(PRICE_FARGATE_VCPU_HOUR_USD * 0.3, 12);
    expect(DEFAULT_PRICES.sources.spot).toMatch(/^assumed 70% below On-Demand/);
  });

  test('a prices file, then options on top; Spot follows a given On-Demand price unless given', () => {
    const prices = resolvePrices({ 'vcpu-hour': 0.05, 'gbHour': 0.005, 'region': 'eu-west-1' }, { transition: 0.00003 });
    expect(prices).toMatchObject({ vcpuHour: 0.05, gbHour: 0.005, transition: 0.00003 });
    expect(prices.spotVcpuHour).toBeCloseTo(0.015, 12);
    expect(prices.sources.onDemand).toBe('eu-west-1, as given');
    expect(resolvePrices(undefined, { spotVcpuHour: 0.0129, spotGbHour: 0.0014 }))
      .toMatchObject({ spotVcpuHour: 0.0129, spotGbHour: 0.0014, vcpuHour: PRICE_FARGATE_VCPU_HOUR_USD });
  });

  test('fails on an unknown key or a price that is not a number', () => {
    expect(() => resolvePrices({ 'cpu-hour': 1 }, {})).toThrow(/prices file: unknown key 'cpu-hour'/);
    expect(() => resolvePrices({ 'gb-hour': '0.1' }, {})).toThrow(/prices file: 'gb-hour' must be a number of USD/);
    expect(() => resolvePrices(undefined, { vcpuHour: -1 })).toThrow(/--vcpu-hour must be a number of USD, at least 0/);
  });
});

describe('cost', () => {
  test('billed seconds: rounded up to the second, one minute at least; a task without times is not billed', () => {
    expect(billedSeconds(0, 30_000, DEFAULT_PRICES)).toBe(60);
    expect(billedSeconds(0, 90_001, DEFAULT_PRICES)).toBe(91);
    expect(billedSeconds(undefined, 90_000, DEFAULT_PRICES)).toBeUndefined();
    expect(billedSeconds(10, 5, DEFAULT_PRICES)).toBeUndefined();
  });

  test('a task\'s cost: vCPUs and GB by the hour, at its capacity\'s price; the size from the fallback when the record lacks it', () => {
    const hour = { startedAt: 0, stoppedAt: 3_600_000 };
    expect(taskCost({ ...hour, capacity: 'FARGATE', cpu: 1024, memoryMiB: 2048 }, DEFAULT_PRICES)!.usd).toBeCloseTo(0.04048 + 2 * 0.004445, 12);
    expect(taskCost({ ...hour, capacity: 'FARGATE_SPOT', cpu: 1024, memoryMiB: 2048 }, DEFAULT_PRICES)!.usd).toBeCloseTo(0.3 * (0.04048 + 2 * 0.004445), 12);
    expect(taskCost({ ...hour, capacity: 'FARGATE' }, DEFAULT_PRICES)).toBeUndefined();
    expect(taskCost({ ...hour }, DEFAULT_PRICES, { cpu: 512, memoryMiB: 1024 })!.usd).toBeCloseTo(0.5 * 0.04048 + 0.004445, 12);
  });

  test('transitions: the planner\'s count (7 per run: 6 fixed states and the vCPU quota read) plus tasks started and failure records', () => {
    // 7 per run + 100 tasks started + 3 failure records = 110.
    expect(estimateTransitions(100, 3)).toBe(110);
  });
});
