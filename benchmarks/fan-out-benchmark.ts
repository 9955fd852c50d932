import * as fs from 'fs';
import { performance } from 'perf_hooks';
import { App, Duration } from 'aws-cdk-lib';
import { HandWrittenStack } from './hand-written-stack';
import { ExampleStack } from '../examples/example-stack';
import { FanOutPlan, FanOutPlanner, FanOutRetryPolicy } from '../src';
import { simulateLaunches } from '../src/planner/launch-simulation';
import { makespanLowerBound } from '../src/planner/makespan-lower-bound';
import { QUOTA_READ_TRANSITIONS, TRANSITIONS_PER_RUN } from '../src/planner/planner';
import { DEFAULT_DISTRIBUTED_THROTTLE_RETRY } from '../src/retries/private/throttle-retry';

/**
 * Benchmarks, not tests: every figure is printed next to a baseline measured in the same run.
 *
 * 1. 10,000 one-minute items against Fargate's launch limits (burst 100 / 20 per second, 20
 *    RunTask calls per second), vCPU quota out of the way, with four launch policies. Makespan is
 *    given as a ratio to the lower bound no schedule can beat.
 * 2. Launch pacing of every item against the first wave only and no pacing, per cap and task
 *    duration (planner model).
 * 3. Synth time of the example stack against the same stack written by hand with the L2s.
 */
const ITEMS = 10_000;
const TASK_SECONDS = 60;

const policies: Array<[string, { retry?: FanOutRetryPolicy; pollingSeconds?: number }]> = [
  ['FargateFanOut default (2 s x2, max 60 s, 1,440 attempts, full jitter)', { retry: DEFAULT_DISTRIBUTED_THROTTLE_RETRY }],
  ['a few short retries (3 attempts, 3 s, x2)', { retry: { ...DEFAULT_DISTRIBUTED_THROTTLE_RETRY, maxAttempts: 3, intervalSeconds: 3, backoffRate: 2, maxDelaySeconds: 3600, jitter: false } }],
  ['long fixed retry (120 s, 200 attempts, no jitter)', { retry: { ...DEFAULT_DISTRIBUTED_THROTTLE_RETRY, maxAttempts: 200, intervalSeconds: 120, backoffRate: 1, maxDelaySeconds: 120, jitter: false } }],
  ['one-minute polling loop', { pollingSeconds: 60 }],
];

for (const cap of [100, 1000, 10_000]) {
  const bound = makespanLowerBound({ items: ITEMS, taskSeconds: TASK_SECONDS, parallel: cap, launchBurst: 20, launchRatePerSecond: 20 });
  console.log(`\n${ITEMS} items of ${TASK_SECONDS} s, cap ${cap}: lower bound ${bound.toFixed(0)} s`);
  console.log(pad('policy', 70) + pad('makespan/bound', 16) + pad('items lost', 12) + pad('retries', 10) + 'transitions/item');
  for (const [name, policy] of policies) {
    const run = simulateLaunches({ items: ITEMS, taskSeconds: TASK_SECONDS, taskVcpus: 0.25, maxConcurrency: cap, vcpuQuota: 1e9, ...policy });
    const transitionsPerItem = (run.runTaskCalls + run.itemsLost) / ITEMS;
    console.log(pad(name, 70) + pad(`${(run.makespanSeconds / bound).toFixed(3)}x`, 16) + pad(String(run.itemsLost), 12) + pad(String(run.retries), 10) + transitionsPerItem.toFixed(2));
  }
}

// Launch pacing (issues 14 and 23): no pacing, the earlier policy (the first wave paced, later
// items unpaced) and the construct's (every item paced above a cap of 100), in the same run, with
// tasks of 10 s, 30 s and 5 min. Transitions per item are the planner's billed transitions (the
// run's own states, every Task attempt, the pacing Wait) over the items.
interface PacingScenario {
  name: string;
  items: number;
  taskDuration: Duration;
  cpu?: number;
  maxConcurrency: number;
  vcpuQuota: number;
  /** The cap `maxVcpus` set to the quota gives, for another row. */
  cappedByVcpus?: number;
}
const pacingScenarios: PacingScenario[] = [];
for (const cap of [100, 1000, 10_000]) {
  for (const seconds of [10, 30, 300]) {
    pacingScenarios.push({ name: `cap ${cap.toLocaleString('en-US')}, ${ITEMS} x ${seconds} s`, items: ITEMS, taskDuration: Duration.seconds(seconds), maxConcurrency: cap, vcpuQuota: 1e6 });
  }
}
console.log('\nLaunch pacing, planner model: every item paced (the construct) beside the first wave paced (the earlier policy) and no pacing, same run');
console.log('(targets: transitions/item <= 2, <= 1.1 at cap 100; throttled/item <= 0.05; makespan/bound <= 1.05; "vs first wave" is every-item / first-wave)');
console.log(pad('scenario', 52) + pad('policy', 40) + pad('transitions/item', 18) + pad('throttled/item', 16) + pad('makespan/bound', 16) + 'vs first wave (transitions, throttled, makespan)');
for (const scenario of pacingScenarios) {
  const { name, cappedByVcpus, ...options } = scenario;
  const firstWave = FanOutPlanner.plan({ ...options, firstWavePacingOnly: true });
  const rows: Array<[string, FanOutPlan]> = [
    ['no pacing', FanOutPlanner.plan({ ...options, launchPacing: false })],
    ['earlier: first wave paced', firstWave],
    ['construct: every item paced', FanOutPlanner.plan(options)],
    ...(cappedByVcpus !== undefined
      ? [[`construct, maxVcpus ${cappedByVcpus}`, FanOutPlanner.plan({ ...options, maxConcurrency: cappedByVcpus })] as [string, FanOutPlan]]
      : []),
  ];
  const perItem = (plan: FanOutPlan) => plan.stateTransitions / plan.items;
  const throttled = (plan: FanOutPlan) => plan.throttledCalls / plan.items;
  const makespan = (plan: FanOutPlan) => plan.makespanSeconds / plan.lowerBoundSeconds;
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '1.00' : 'inf') : (a / b).toFixed(2));
  for (const [policy, plan] of rows) {
    const label = `${policy}${plan.launchPacing || policy === 'no pacing' ? '' : ' (not here)'}`;
    const versus = policy.startsWith('construct: every item')
      ? `${ratio(perItem(plan), perItem(firstWave))}, ${ratio(throttled(plan), throttled(firstWave))}, ${ratio(makespan(plan), makespan(firstWave))}`
      : '';
    console.log(pad(name, 52) + pad(label, 40)
      + pad(perItem(plan).toFixed(3), 18)
      + pad(throttled(plan).toFixed(4), 16)
      + pad(`${makespan(plan).toFixed(3)}x`, 16) + versus);
  }
}

// The undeclared vCPU quota (issue 23.3): a cap of 2,000, 1-vCPU tasks and a 100-vCPU quota that
// nobody declared. Today's policy does not read the quota and retries against it; the construct
// reads it at the start of the run and caps the Map at what it holds. Same run, planner model.
const quotaOptions = { items: ITEMS, taskDuration: Duration.seconds(30), cpu: 1024, maxConcurrency: 2000, vcpuQuota: 100 };
const quotaRows: Array<[string, FanOutPlan]> = [
  ['today: quota not read, no pacing', FanOutPlanner.plan({ ...quotaOptions, readsVcpuQuota: false, launchPacing: false })],
  ['today: quota not read, first wave paced', FanOutPlanner.plan({ ...quotaOptions, readsVcpuQuota: false, firstWavePacingOnly: true })],
  ['construct: quota read, every item paced', FanOutPlanner.plan(quotaOptions)],
  ['construct: quota read, no pacing', FanOutPlanner.plan({ ...quotaOptions, launchPacing: false })],
  ['maxVcpus 100 (the quota declared)', FanOutPlanner.plan({ ...quotaOptions, maxConcurrency: 100, readsVcpuQuota: false })],
];
console.log(`\nThe undeclared vCPU quota: cap 2,000, ${ITEMS} x 30 s of 1 vCPU, a 100-vCPU quota (planner model, same run; transitions/item count the item's states only)`);
console.log(pad('policy', 46) + pad('run cap', 10) + pad('transitions/item', 18) + pad('throttled/item', 16) + pad('quota-refused/item', 20) + 'makespan/bound');
for (const [policy, plan] of quotaRows) {
  const runTransitions = TRANSITIONS_PER_RUN - (plan.readsVcpuQuota ? 0 : QUOTA_READ_TRANSITIONS);
  console.log(pad(policy, 46) + pad(String(plan.runCap), 10)
    + pad(((plan.stateTransitions - runTransitions) / plan.items).toFixed(3), 18)
    + pad((plan.throttledCalls / plan.items).toFixed(4), 16)
    + pad((plan.capacityFailures / plan.items).toFixed(4), 20)
    + `${(plan.makespanSeconds / plan.lowerBoundSeconds).toFixed(3)}x`);
}

// Batching: 10,000 items of 5 s each, cap 100, quota out of the way: Fargate cost, RunTask calls
// and makespan at several batch sizes, each as a ratio to one item per task in the same run.
const SHORT_ITEM = Duration.seconds(5);
const unbatched = FanOutPlanner.plan({ items: ITEMS, taskDuration: SHORT_ITEM, vcpuQuota: 1e6 });
console.log(`\n${ITEMS} items of ${SHORT_ITEM.toSeconds()} s, cap 100: itemBatching against one item per task (same run)`);
console.log(pad('items per task', 18) + pad('tasks', 10) + pad('Fargate cost', 16) + pad('RunTask calls', 16) + 'makespan');
for (const itemsPerTask of [1, 10, 50]) {
  const plan = FanOutPlanner.plan({ items: ITEMS, taskDuration: SHORT_ITEM, vcpuQuota: 1e6, itemsPerTask });
  const fargate = (p: typeof plan) => p.vcpuCostUsd + p.memoryCostUsd;
  console.log(pad(String(itemsPerTask), 18) + pad(String(plan.tasks), 10)
    + pad(`${(fargate(plan) / fargate(unbatched)).toFixed(3)}x`, 16)
    + pad(`${(plan.runTaskCalls / unbatched.runTaskCalls).toFixed(3)}x`, 16)
    + `${(plan.makespanSeconds / unbatched.makespanSeconds).toFixed(3)}x`);
}

const REPEATS = 7;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const timeSynth = (build: (app: App) => void, outdir: string) => {
  const start = performance.now();
  const app = new App({ outdir });
  build(app);
  app.synth();
  const elapsed = performance.now() - start;
  fs.rmSync(outdir, { recursive: true, force: true });
  return elapsed;
};
const buildHandWritten = (app: App) => new HandWrittenStack(app, 'HandWritten');
const buildExample = (app: App) => new ExampleStack(app, 'Example');
// Warm both code paths once, then alternate, so that neither pays for module loading or JIT alone.
timeSynth(buildHandWritten, '.tmp/benchmark-warm-a');
timeSynth(buildExample, '.tmp/benchmark-warm-b');
const handWritten: number[] = [];
const withConstruct: number[] = [];
for (let i = 0; i < REPEATS; i++) {
  handWritten.push(timeSynth(buildHandWritten, `.tmp/benchmark-a-${i}`));
  withConstruct.push(timeSynth(buildExample, `.tmp/benchmark-b-${i}`));
}
console.log(`\nsynth time, median of ${REPEATS} alternating runs: example with FargateFanOut ${median(withConstruct).toFixed(0)} ms, `
  + `hand-written L2 equivalent ${median(handWritten).toFixed(0)} ms, ratio ${(median(withConstruct) / median(handWritten)).toFixed(2)}x`);

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}
