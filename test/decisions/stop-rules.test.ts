import { Duration } from 'aws-cdk-lib';
import { FanOutCapacity, FanOutRetryRule } from '../../src';
import { decideRetryRules, RetryRulesInput } from '../../src/retries/private/decide-retry-rules';
import { DEFAULT_TASK_RETRY } from '../../src/retries/private/retry-policy';
import { describeLoop, loopDelays, MAX_RULE_RETRIES } from '../../src/retries/private/retry-rule';
import { DEFAULT_START_FAILURE_RETRY } from '../../src/retries/private/rule-kinds';
import { DEFAULT_SPOT_INTERRUPTION_RETRY } from '../../src/retries/private/spot';

const base: RetryRulesInput = { capacity: FanOutCapacity.ON_DEMAND, callback: false, taskCpu: 256, taskMemoryMiB: 512 };

describe('decideRetryRules: the order the rules are tried in', () => {
  test('by default: start failures only (2 retries); nothing else is retried', () => {
    const decision = decideRetryRules(base);
    expect(decision.rules.map((r) => r.match)).toEqual(['start-failure']);
    expect(decision.rules[0].retry).toMatchObject({ maxAttempts: DEFAULT_START_FAILURE_RETRY.maxAttempts });
    expect(decision.maxReruns).toBe(2);
  });

  test('Spot interruptions first (SPOT: 3 retries on Spot; fallback: one run on on-demand), then the user\'s rules in order, then start failures, then taskRetry', () => {
    const retryRules = [FanOutRetryRule.failOnExitCodes([2]), FanOutRetryRule.onExitCodes([3, 4]), FanOutRetryRule.onStoppedReason('ResourceInitializationError*')];
    const spot = decideRetryRules({ ...base, capacity: FanOutCapacity.SPOT, retryRules, taskRetry: { ...DEFAULT_TASK_RETRY, maxAttempts: 1 } });
    expect(spot.rules.map((r) => `${r.id}:${r.match}`)).toEqual(['Spot:spot-interruption', 'Rule0:exit-codes', 'Rule1:exit-codes', 'Rule2:stopped-reason', 'Start:start-failure', 'Any:any-failure']);
    expect(spot.rules[0].retry).toMatchObject({ maxAttempts: DEFAULT_SPOT_INTERRUPTION_RETRY.maxAttempts });
    expect(spot.rules[1].retry).toBeUndefined();
    expect(spot.maxReruns).toBe(3 + 2 + 2 + 2 + 1);

    const fallback = decideRetryRules({ ...base, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK });
    expect(fallback.rules[0].match).toBe('spot-interruption');
    expect(fallback.rules[0].retry).toBeUndefined();
  });

  test('onSpotInterruption sets the Spot retry, wherever it is listed', () => {
    const retryRules = [FanOutRetryRule.onExitCodes([1]), FanOutRetryRule.onSpotInterruption({ maxAttempts: 5 })];
    const decision = decideRetryRules({ ...base, capacity: FanOutCapacity.SPOT, retryRules });
    expect(decision.rules[0]).toMatchObject({ match: 'spot-interruption', retry: { maxAttempts: 5 } });
    expect(decision.rules[1]).toMatchObject({ match: 'exit-codes', exitCodes: [1] });
  });

  test('onOutOfMemory: one retry per size, and the largest size\'s vCPUs', () => {
    const sizes = [{ cpu: 512, memoryLimitMiB: 2048 }, { cpu: 1024, memoryLimitMiB: 4096 }];
    const decision = decideRetryRules({ ...base, retryRules: [FanOutRetryRule.onOutOfMemory(sizes)] });
    expect(decision.rules[0]).toMatchObject({ match: 'out-of-memory', retry: { maxAttempts: 2 } });
    expect(decision.resizes).toEqual([{ cpu: 512, memoryLimitMiB: 2048 }, { cpu: 1024, memoryLimitMiB: 4096 }]);
    expect(decision.largestTaskVcpus).toBe(1);
  });

  test('startFailureRetry maxAttempts 0 turns start-failure retries off', () => {
    expect(decideRetryRules({ ...base, startFailureRetry: { maxAttempts: 0 } }).rules).toEqual([]);
  });

  test('the callback pattern has no stop rules (the container reports its own result)', () => {
    expect(decideRetryRules({ ...base, callback: true, taskRetry: { ...DEFAULT_TASK_RETRY, maxAttempts: 2 } }).rules).toEqual([]);
  });
});

describe('decideRetryRules: fails, naming the rule, for a rule that cannot work or never match', () => {
  test.each<[string, Partial<RetryRulesInput>, RegExp]>([
    ['an empty exit-code list', { retryRules: [FanOutRetryRule.onExitCodes([])] }, /retryRules\[0\] needs at least one exit code/],
    ['an exit code out of range', { retryRules: [FanOutRetryRule.failOnExitCodes([256])] }, /retryRules\[0\]: exit codes must be integers from 0 to 255, got 256/],
    ['a fractional exit code', { retryRules: [FanOutRetryRule.onExitCodes([1.5])] }, /exit codes must be integers from 0 to 255, got 1.5/],
    ['codes an earlier rule already matches', { retryRules: [FanOutRetryRule.onExitCodes([1, 2]), FanOutRetryRule.failOnExitCodes([2, 1])] }, /retryRules\[1\] can never match: exit codes 2, 1 are all matched by an earlier rule/],
    ['a rule after a catch-all', { retryRules: [FanOutRetryRule.onStoppedReason('*'), FanOutRetryRule.onExitCodes([1])] }, /retryRules\[1\] can never match: retryRules\[0\] \(onStoppedReason '\*'\) matches every stopped task/],
    ['taskRetry after a catch-all', { retryRules: [FanOutRetryRule.onStoppedReason('**')], taskRetry: DEFAULT_TASK_RETRY }, /taskRetry can never apply/],
    ['an empty stop-reason pattern', { retryRules: [FanOutRetryRule.onStoppedReason('')] }, /retryRules\[0\] \(onStoppedReason\) needs a non-empty pattern/],
    ['an invalid task size', { retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 3000 }])] }, /retryRules\[0\] \(onOutOfMemory\) sizes\[0\]: memoryLimitMiB 3000 is not valid with cpu 256/],
    ['a size with no more memory', { retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 1024 }, { cpu: 512, memoryLimitMiB: 1024 }])] }, /sizes\[1\] must have more memory than the size before it \(1024 MiB\)/],
    ['a size no larger than the task', { retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 512 }])] }, /sizes\[0\] must have more memory than the size before it \(512 MiB\)/],
    ['no sizes', { retryRules: [FanOutRetryRule.onOutOfMemory([])] }, /needs at least one larger task size/],
    ['two out-of-memory rules', { retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 1024 }]), FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 2048 }])] }, /retryRules\[1\] can never match: an earlier onOutOfMemory rule/],
    ['a container with its own memory limit', { containerSetsMemoryLimit: true, retryRules: [FanOutRetryRule.onOutOfMemory([{ cpu: 256, memoryLimitMiB: 1024 }])] }, /sets its own memory limit/],
    ['onSpotInterruption on on-demand', { retryRules: [FanOutRetryRule.onSpotInterruption()] }, /onSpotInterruption applies to capacity SPOT only; with ON_DEMAND no task runs on Spot/],
    ['onSpotInterruption with the fallback', { capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK, retryRules: [FanOutRetryRule.onSpotInterruption()] }, /runs once on on-demand instead/],
    ['two onSpotInterruption rules', { capacity: FanOutCapacity.SPOT, retryRules: [FanOutRetryRule.onSpotInterruption(), FanOutRetryRule.onSpotInterruption()] }, /one onSpotInterruption rule, got 2/],
    ['too many retries', { retryRules: [FanOutRetryRule.onExitCodes([1], { maxAttempts: 11 })] }, new RegExp(`retryRules\\[0\\] \\(onExitCodes\\).maxAttempts must be from 0 to ${MAX_RULE_RETRIES}`)],
    ['too many taskRetry retries', { taskRetry: { ...DEFAULT_TASK_RETRY, maxAttempts: 50 } }, /taskRetry.maxAttempts must be from 0 to 10/],
    ['a fractional delay', { startFailureRetry: { interval: Duration.millis(1500) } }, /startFailureRetry.interval must be a whole number of seconds/],
    ['rules with the callback pattern', { callback: true, retryRules: [FanOutRetryRule.onExitCodes([1])] }, /retryRules and startFailureRetry apply to the run-job pattern/],
  ])('%s', (_name, input, message) => {
    expect(() => decideRetryRules({ ...base, ...input })).toThrow(message);
  });
});

describe('loopDelays: the backoff of a rule, listed', () => {
  test('interval x rate^n capped at maxDelay, drawn from half to all of it with jitter', () => {
    expect(loopDelays({ errors: [], maxAttempts: 5, intervalSeconds: 10, backoffRate: 3, maxDelaySeconds: 120, jitter: true })).toEqual({
      highest: [10, 30, 90, 120, 120],
      lowest: [5, 15, 45, 60, 60],
    });
    const fixed = { errors: [], maxAttempts: 2, intervalSeconds: 1, backoffRate: 1, maxDelaySeconds: 1, jitter: false };
    expect(loopDelays(fixed)).toEqual({ highest: [1, 1], lowest: [1, 1] });
  });

  test('described for people', () => {
    expect(describeLoop(DEFAULT_START_FAILURE_RETRY)).toBe('up to 2 retries, after 10, 30 s (each drawn from half to all of it)');
    expect(describeLoop({ ...DEFAULT_START_FAILURE_RETRY, maxAttempts: 0 })).toBe('not retried');
  });
});
