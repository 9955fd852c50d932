/**
 * Task faults (non-zero exit codes, Spot interruptions), capacity faults (failures lists, the
 * Fargate vCPU quota) and oversized requests, executed on the definitions FargateFanOut
 * synthesizes. The "FIXED" tests ran into behaviour of the construct that lost items or broke an
 * AWS limit, and now show the fix.
 */
import { Duration } from 'aws-cdk-lib';
import { expectEveryItemAccountedFor, fanOutWith, HISTORY_EVENT_LIMIT, makeItems, runFanOut, runTimeThreshold, TestItem } from './fan-out-run';
import { FanOutMode } from '../../src';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY, DEFAULT_THROTTLE_RETRY, INVALID_PARAMETER_QUICK_RETRIES } from '../../src/retries/private/throttle-retry';
import { StateNames } from '../../src/workflow/workflow';
import { CONTAINER_OVERRIDES_MAX_CHARS, EcsErrors, itemKey, SimulatedEcs, Attempt } from '../harness/simulated-ecs';

/** What the simulated GetServiceQuota answers where a test needs a quota the run cannot read. */
const QUOTA_DENIED = 'ServiceQuotas.AccessDeniedException';
import { atScale, count, SCALE_NOTE } from '../util/scale';

jest.setTimeout(120_000);

const launches = (attempts: readonly Attempt[] | undefined) => (attempts ?? []).filter((a) => a.startedAt !== undefined).length;
const launchesOf = (ecs: SimulatedEcs, item: TestItem) => launches(ecs.attemptsByItem.get(itemKey(item)));

describe('task faults without taskRetry (the default): reported failed, never retried', () => {
  test('non-zero exit codes', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    expect(synth.fanOut.taskRetryPolicy).toBeUndefined();
    const items = makeItems(300);
    const ecs = new SimulatedEcs({ throttleRate: 0.1, exitCodeFor: (item: any) => (item.id % 10 === 3 ? 2 : 0), seed: 51 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    const failing = items.filter((i) => i.id % 10 === 3);
    expect(accounting.reportedFailed).toEqual(failing.map((i) => i.id));
    expect(failing.map((i) => launchesOf(ecs, i))).toEqual(failing.map(() => 1));
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(/^30 of 300 items failed/) });
  });

  test('Spot interruptions', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE });
    const items = makeItems(200);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.1, seed: 52 });

    const run = await runFanOut(synth, items, ecs);

    expect(run.mapRan).toBe('inline');
    const accounting = expectEveryItemAccountedFor(run, 40);
    const interrupted = items.filter((i) => ecs.attemptsByItem.get(itemKey(i))!.some((a) => a.detail === 'spot-interruption'));
    expect(interrupted.length).toBeGreaterThan(5);
    expect(accounting.reportedFailed).toEqual(interrupted.map((i) => i.id));
    expect(interrupted.map((i) => launchesOf(ecs, i))).toEqual(interrupted.map(() => 1));
    expect(run.summary!.failedItems.every((f) => f.error === EcsErrors.TASK_FAILED)).toBe(true);
  });
});

describe('task faults with taskRetry: retried, and successful when the fault is transient', () => {
  const taskRetry = { maxAttempts: 2, interval: Duration.seconds(10) };

  test('an exit code that fails only the first run is retried once and succeeds', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, taskRetry });
    expect(synth.fanOut.taskRetryPolicy).toMatchObject({ errors: ['States.TaskFailed'], maxAttempts: 2, intervalSeconds: 10 });
    const items = makeItems(300);
    const flaky = (id: number) => id % 10 === 3;
    const ecs = new SimulatedEcs({ throttleRate: 0.1, exitCodeFor: (item: any, attempt) => (flaky(item.id) && attempt === 1 ? 1 : 0), seed: 53 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(accounting.succeededOnce).toBe(300);
    expect(items.map((i) => launchesOf(ecs, i))).toEqual(items.map((i) => (flaky(i.id) ? 2 : 1)));
  });

  test('Spot interruptions are retried until the task completes', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE, taskRetry: { maxAttempts: 6, interval: Duration.seconds(5) } });
    const items = makeItems(300);
    const ecs = new SimulatedEcs({ spotInterruptionRate: 0.2, seed: 54 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(accounting.succeededOnce).toBe(300);
    expect(ecs.spotInterruptions).toBeGreaterThan(30);
    // Each item ran once per interruption, plus the run that completed.
    const interruptions = (i: TestItem) => ecs.attemptsByItem.get(itemKey(i))!.filter((a) => a.detail === 'spot-interruption').length;
    expect(items.map((i) => launchesOf(ecs, i))).toEqual(items.map((i) => interruptions(i) + 1));
  });

  test('a permanent failure is run 1 + maxAttempts times, then reported failed', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, taskRetry });
    const items = makeItems(200);
    const broken = (id: number) => id % 50 === 0;
    const ecs = new SimulatedEcs({ exitCodeFor: (item: any) => (broken(item.id) ? 1 : 0), seed: 55 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toEqual([0, 50, 100, 150]);
    expect([0, 50, 100, 150].map((id) => launchesOf(ecs, items[id]))).toEqual([3, 3, 3, 3]);
    expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(/^4 of 200 items failed/) });
  });
});

describe('capacity faults are retried and end in success', () => {
  test('30% of RunTask calls answer "Capacity is unavailable" (AmazonECS.Unknown)', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    const ecs = new SimulatedEcs({ capacityFailureRate: 0.3, seed: 61 });

    const run = await runFanOut(synth, makeItems(1000), ecs);

    expectEveryItemAccountedFor(run, 100);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(ecs.capacityFailures).toBeGreaterThan(300);
  });

  test('in the inline Map too, within the history budget', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE });
    const ecs = new SimulatedEcs({ capacityFailureRate: 0.3, seed: 62 });

    const run = await runFanOut(synth, makeItems(200), ecs);

    expect(run.mapRan).toBe('inline');
    expectEveryItemAccountedFor(run, 40);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(run.result.history.total).toBeLessThan(200 * 14);
  });

  test('a vCPU quota below cap x task vCPU (10 vCPU < 100 x 0.25), not readable: the excess calls are refused and retried, and all succeed', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    expect(synth.fanOut.maxConcurrency * 0.25).toBe(25);
    // The quota read is denied, so the run keeps the cap of 100 (read, it would cap at 40: test/executed/vcpu-quota.test.ts).
    const ecs = new SimulatedEcs({ vcpuQuota: 10, seed: 63, serviceQuotaError: QUOTA_DENIED });

    const run = await runFanOut(synth, makeItems(200), ecs);

    expectEveryItemAccountedFor(run, 100);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(ecs.vcpuQuotaFailures).toBeGreaterThan(100);
    expect(ecs.maxVcpuInUse).toBe(10);
    expect(ecs.maxInFlight).toBe(40);
  });

  test('maxVcpus set to the quota keeps the cap under it: no vCPU-quota failure at all', async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED, maxVcpus: 10 });
    expect(synth.fanOut.maxConcurrency).toBe(40);
    const ecs = new SimulatedEcs({ vcpuQuota: 10, seed: 64 });

    const run = await runFanOut(synth, makeItems(2000), ecs);

    expectEveryItemAccountedFor(run, 40);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(ecs.vcpuQuotaFailures).toBe(0);
  });
});

describe('problems the executed tests found in the construct, and their fixes (see "How the workflow is proven offline" in README.md)', () => {
  // 2,000 items at full scale (FANOUT_TEST_SCALE=full, .ci/run), 1,000 by default (see test/util/scale.ts).
  const starvedItems = atScale(2_000, 1_000);
  test(`FIXED: on a long run with a vCPU quota below cap x task vCPU, waiting items no longer starve: children wait up to 1,440 retries, and all ${count(starvedItems)} succeed ${SCALE_NOTE}`, async () => {
    // A freed vCPU goes to the next item's first RunTask call, made the moment a task ends;
    // items already waiting retry at random times later and keep finding the quota full. With
    // 30 retries, 179 of 2,000 items ran out of attempts and were reported failed. Each
    // Distributed Map child has a history of its own, so the children now wait far longer
    // (the worst of 2,000 items made 121 calls).
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    expect(synth.fanOut.distributedThrottleRetryPolicy).toEqual(DEFAULT_DISTRIBUTED_THROTTLE_RETRY);
    const items = makeItems(starvedItems);
    // The quota read is denied, as for an account whose quota the run cannot know.
    const ecs = new SimulatedEcs({
      vcpuQuota: 10, taskDurationMs: (item: any) => 30_000 + ((item.id * 7919) % 60_000), seed: 65, serviceQuotaError: QUOTA_DENIED,
    });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(run.result.status).toBe('SUCCEEDED');
    expect(accounting.succeededOnce).toBe(items.length);
    expect(ecs.maxVcpuInUse).toBe(10);
    const attempts = [...ecs.attemptsByItem.values()].map((a) => a.length);
    const worst = Math.max(...attempts);
    // The starvation is still there (some items wait far beyond 31 calls), but now they wait.
    expect(worst).toBeGreaterThan(DEFAULT_THROTTLE_RETRY.maxAttempts + 1);
    expect(worst).toBeLessThanOrEqual(DEFAULT_DISTRIBUTED_THROTTLE_RETRY.maxAttempts + 1);
    expect(run.result.mapRuns[0].maxChildHistoryEvents).toBeLessThan(HISTORY_EVENT_LIMIT);
    console.log(`vCPU quota 10 < 100 x 0.25: ${run.describe}; worst item ${worst} calls, largest child history ${run.result.mapRuns[0].maxChildHistoryEvents} events`);
  });

  test('FIXED: with the vCPU quota at half the inline cap, the run-time threshold (what fits with every retry used) keeps the inline history under 25,000 events', async () => {
    // The threshold was 1,782 items, which left room for 2 retries per item on average: with a
    // vCPU quota of 5 against 40 x 0.25 vCPU, those 1,782 items wrote about 26,000 events.
    const synth = fanOutWith({});
    const threshold = runTimeThreshold(synth.definition);
    // The quota read is denied: the inline Map keeps its cap of 40 and retries against the quota.
    const ecs = new SimulatedEcs({ vcpuQuota: 5, seed: 66, serviceQuotaError: QUOTA_DENIED });

    const run = await runFanOut(synth, makeItems(threshold), ecs);

    expect(run.mapRan).toBe('inline');
    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(ecs.vcpuQuotaFailures).toBeGreaterThan(threshold);
    expect(run.result.history.total).toBeLessThan(HISTORY_EVENT_LIMIT);
    console.log(`inline, vCPU quota 5 < 40 x 0.25: ${run.describe}; ${accounting.reportedFailed.length} reported failed, ~${run.result.history.total} history events`);
  });

  // 6,500 at full scale (FANOUT_TEST_SCALE=full, .ci/run), the count whose results would not fit;
  // 2,000 by default: the output checked is the same size for any count.
  const failedItems = atScale(6_500, 2_000);
  test(`a Distributed Map with ${count(failedItems)} failed items stays under 256 KiB: results and failures go to S3, counts come from DescribeMapRun ${SCALE_NOTE}`, async () => {
    const synth = fanOutWith({ mode: FanOutMode.DISTRIBUTED });
    const items = makeItems(failedItems);
    const ecs = new SimulatedEcs({ exitCodeFor: () => 1, taskDurationMs: 1000, seed: 67 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 100);
    expect(accounting.reportedFailed).toHaveLength(failedItems);
    expect(run.summary).toMatchObject({ itemCount: failedItems, failedCount: failedItems });
    // Before results went to S3, the Map's aggregated result was about 43 bytes per failed item:
    // 278,391 bytes for 6,500, over the limit. Now the Map outputs a Map Run ARN and a manifest key.
    expect(run.result.payloads.byState[StateNames.DISTRIBUTED_MAP].maxOutputBytes).toBeLessThan(1000);
    expect(run.result.payloads.byState[StateNames.SUMMARIZE_MAP_RUN].maxOutputBytes).toBeLessThan(1000);
    console.log(`all ${items.length} items failing: ${run.describe}; largest payload ${run.result.payloads.max!.bytes} bytes`);
  }, 120_000);
});

describe('requests ECS rejects for good', () => {
  test.each([
    ['inline', FanOutMode.INLINE, 40],
    ['distributed', FanOutMode.DISTRIBUTED, 100],
  ])(`FIXED (%s Map): an item whose overrides exceed ${CONTAINER_OVERRIDES_MAX_CHARS} characters is written to S3 and runs with a reference, once`, async (_name, mode, cap) => {
    // It was retried like throttling: 31 calls over a quarter of an hour, then failed. Now, after
    // the quick retries, the workflow writes it to the result bucket and the container gets
    // { fanOutS3Ref: { bucket, key } }, which the worker runtime reads (worker/README.md).
    const synth = fanOutWith({ mode });
    const items: TestItem[] = makeItems(20);
    items[7] = { id: 7, pad: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) };
    const ecs = new SimulatedEcs({ seed: 71 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, cap);
    expect(accounting.reportedFailed).toEqual([]);
    expect(accounting.succeededOnce).toBe(20);
    // (A call the RunTask rate throttled may come between them: it is retried as a throttle.)
    const attempts = ecs.attemptsByItem.get(itemKey(items[7]))!.filter((a) => a.detail !== 'api-throttle');
    expect(attempts.map((a) => a.detail)).toEqual([...Array(1 + INVALID_PARAMETER_QUICK_RETRIES).fill('overrides-too-large'), 'exit-0']);
    expect(attempts[attempts.length - 1].calledAt - attempts[0].calledAt).toBeLessThan(30_000);
    // One object, the item itself, under the result prefix; no other item was written.
    expect([...ecs.s3Objects.keys()]).toEqual([expect.stringMatching(/^.+\/fan-out-results\/items\/.+\/7\.json$/)]);
    expect([...ecs.s3Objects.values()]).toEqual([JSON.stringify(items[7])]);
  });

  test('an item that still cannot start with a reference fails in seconds, with ECS\'s cause', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE });
    const items: TestItem[] = makeItems(10);
    items[3] = { id: 3, pad: 'x'.repeat(CONTAINER_OVERRIDES_MAX_CHARS) };
    // The container overrides are refused whatever they hold (as a missing subnet would be).
    const ecs = new SimulatedEcs({ seed: 73, invalidRequestFor: (item: any) => item.id === 3 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(accounting.reportedFailed).toEqual([3]);
    const attempts = ecs.attemptsByItem.get(itemKey(items[3]))!.filter((a) => a.detail !== 'api-throttle');
    expect(attempts).toHaveLength(2 * (1 + INVALID_PARAMETER_QUICK_RETRIES));
    expect(attempts[attempts.length - 1].calledAt - attempts[0].calledAt).toBeLessThan(60_000);
    expect([...run.failureRecords.values()][0].cause).toMatch(/InvalidParameterException/);
  });

  test('an ECS.InvalidParameterException whose Cause says EC2 throttled the subnet lookup is retried as a start failure, and the items succeed', async () => {
    const synth = fanOutWith({ mode: FanOutMode.INLINE });
    const items = makeItems(40);
    // Every first call of an item is throttled in ECS's VPC lookup, past the quick retries.
    const ecs = new SimulatedEcs({ vpcThrottleRate: 0.75, seed: 72 });

    const run = await runFanOut(synth, items, ecs);

    const accounting = expectEveryItemAccountedFor(run, 40);
    expect(ecs.vpcThrottled).toBeGreaterThan(40);
    // Some item needed more calls than the quick retries give: the start-failure retry took over.
    const mostCalls = Math.max(...items.map((item) => ecs.attemptsByItem.get(itemKey(item))!.length));
    expect(mostCalls).toBeGreaterThan(1 + INVALID_PARAMETER_QUICK_RETRIES);
    expect(accounting.reportedFailed.length).toBeLessThan(items.length);
  });
});
