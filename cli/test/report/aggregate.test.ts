/**
 * The report of executed runs, held against the simulation's truth: a 2,000-item Distributed Map
 * run with Spot interruptions (and on-demand fallback), throttling and items that always fail,
 * written out as AWS's result files, then read back and aggregated.
 */
import { itemKey } from '../../../test/harness/simulated-ecs';
import { account, launched, simulatedCost, startedTasks, writtenDistributedRun, writtenInlineRun, WrittenRun } from '../../../test/report/executed-run';
import { aggregateRun } from '../../src/report/aggregate';
import { DEFAULT_PRICES } from '../../src/report/prices';
import { readRun } from '../../src/report/read-run';
import { RunReport } from '../../src/report/run-report';
import { RunResults } from '../../src/report/run-results';
import { concurrencyCurve, tasksOf } from '../../src/report/task-runs';

jest.setTimeout(120_000);

describe('a 2,000-item Distributed Map run with faults', () => {
  let written: WrittenRun;
  let results: RunResults;
  let report: RunReport;

  beforeAll(async () => {
    written = await writtenDistributedRun(2000, 171);
    console.log(`report fixture: ${written.run.describe}`);
    results = await readRun(written.dir);
    report = aggregateRun(results, DEFAULT_PRICES);
  });

  test('counts by outcome equal the simulation\'s', () => {
    const truth = account(written.run);
    expect(truth.failedBySimulation.length).toBeGreaterThan(10);
    expect(report.counts).toEqual({ items: 2000, succeeded: truth.succeededOnce, failed: truth.failedBySimulation.length, pending: 0, succeededFrom: 'results' });
    expect(report.failedItems.map((f) => f.index)).toEqual(truth.failedBySimulation);
  });

  test('failures are grouped by error, stop code and exit code, with the simulation\'s exit codes', () => {
    const { items, ecs } = written.run;
    const expected = new Map<string, number>();
    for (const index of account(written.run).failedBySimulation) {
      const attempts = ecs.attemptsByItem.get(itemKey(items[index]))!;
      const last = [...attempts].reverse().find(launched)!;
      const stopCode = { 'spot-interruption': 'SpotInterruption', 'start-failure': 'TaskFailedToStart' }[last.detail as string] ?? 'EssentialContainerExited';
      const key = `${stopCode}/${last.exitCode}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const grouped = new Map(report.failures.map((g) => [`${g.stopCode}/${g.exitCode}`, g.items]));
    expect(grouped).toEqual(expected);
    expect(report.failures.reduce((n, g) => n + g.items, 0)).toBe(report.counts.failed);
    for (const group of report.failures) {
      expect(group.examples.length).toBeGreaterThan(0);
      expect(group.examples.length).toBeLessThanOrEqual(3);
    }
  });

  test('retries: every task the simulation started is in the report, and the extra tasks are the retries', () => {
    const started = startedTasks(written.run);
    expect(report.tasks.started).toBe(started.length);
    const { items, ecs } = written.run;
    const launchedOf = (item: unknown) => ecs.attemptsByItem.get(itemKey(item))!.filter(launched).length;
    const extra = items.reduce((n, item) => n + Math.max(0, launchedOf(item) - 1), 0);
    expect(extra).toBeGreaterThan(100);
    expect(report.retries.extraTasks).toBe(extra);
    // Tasks that failed to start are listed, not billed.
    expect(ecs.startFailures).toBeGreaterThan(10);
    expect(report.tasks.neverStarted).toBe(ecs.startFailures);
    expect(report.retries.retriedStops.find((s) => s.stopCode === 'TaskFailedToStart')!.tasks).toBe(ecs.startFailures);
    expect(report.retries.retriedStops.find((s) => s.stopCode === 'SpotInterruption')!.tasks).toBe(ecs.spotInterruptions - report.failures.filter((g) => g.stopCode === 'SpotInterruption').reduce((n, g) => n + g.items, 0));
  });

  test('task-seconds, makespan and concurrency follow the simulated times', () => {
    const started = startedTasks(written.run);
    const seconds = started.reduce((n, t) => n + (t.stoppedAt! - t.startedAt!) / 1000, 0);
    expect(report.tasks.taskSeconds).toBeCloseTo(seconds, 6);
    expect(report.time.executionSeconds).toBe(written.run.result.virtualMs / 1000);
    expect(report.time.firstTaskStart).toBe(Math.min(...started.map((t) => t.startedAt!)));
    expect(report.time.lastTaskStop).toBe(Math.max(...started.map((t) => t.stoppedAt!)));
    expect(report.concurrency.peak).toBeGreaterThan(100);
    expect(report.concurrency.peak).toBeLessThanOrEqual(200);
  });

  test('costs are within 1% of what the simulated ECS\'s start and stop times give, On-Demand and Spot apart', () => {
    const truth = simulatedCost(written.run, DEFAULT_PRICES);
    expect(truth.spot).toBeGreaterThan(0);
    expect(truth.onDemand).toBeGreaterThan(0);
    const within = (actual: number, expected: number) => expect(Math.abs(actual - expected) / expected).toBeLessThan(0.01);
    within(report.cost.spotUsd, truth.spot);
    within(report.cost.onDemandUsd, truth.onDemand);
    within(report.cost.fargateUsd, truth.total);
    console.log(`report cost: Fargate $${report.cost.fargateUsd.toFixed(4)} (simulation $${truth.total.toFixed(4)}), Spot $${report.cost.spotUsd.toFixed(4)}, On-Demand $${report.cost.onDemandUsd.toFixed(4)}`);
  });

  test('state transitions: the planner\'s estimate from the item runs (tasks launched, or a last call refused) and the failed items', () => {
    const { items, ecs } = written.run;
    const runs = items.reduce((n, item) => {
      const calls = ecs.attemptsByItem.get(itemKey(item))!;
      return n + calls.filter(launched).length + (launched(calls[calls.length - 1]) ? 0 : 1);
    }, 0);
    // 7 for the run: its 6 fixed states and the vCPU quota read.
    expect(report.cost.transitions).toBe(7 + runs + report.counts.failed);
    expect(report.cost.covers).toBe('every item');
    expect(report.cost.transitionsUsd).toBeCloseTo(report.cost.transitions * DEFAULT_PRICES.transition, 12);
  });

  test('the concurrency curve returns to zero and never passes the Map\'s cap', () => {
    const curve = concurrencyCurve(tasksOf(results));
    expect(curve[curve.length - 1][1]).toBe(0);
    expect(Math.max(...curve.map((c) => c[1]))).toBe(report.concurrency.peak);
    expect(curve.every((c) => c[2] <= c[1] && c[2] >= 0)).toBe(true);
  });
});

describe('an inline run', () => {
  test('counts failures from their files and successes from the execution\'s output, and says what it cannot see', async () => {
    const written = await writtenInlineRun(150, 172);
    const truth = account(written.run);
    expect(truth.failedBySimulation.length).toBeGreaterThan(0);

    const report = aggregateRun(await readRun(written.dir), DEFAULT_PRICES);

    expect(report.mode).toBe('inline');
    expect(report.counts).toEqual({ items: 150, succeeded: truth.succeededOnce, failed: truth.failedBySimulation.length, pending: 0, succeededFrom: 'summary' });
    expect(report.failedItems.map((f) => f.index)).toEqual(truth.failedBySimulation);
    expect(report.notes.some((n) => n.startsWith('inline run: only failed items leave a record'))).toBe(true);
    expect(report.cost.covers).toBe('failed items only');
    // Every success ran at least one task; each failure's runs are in its record.
    expect(report.cost.transitions).toBeGreaterThanOrEqual(6 + 150 + report.counts.failed);
  });

  test('without execution.json the successes are unknown, and the note says how to get them', async () => {
    const written = await writtenInlineRun(60, 173);
    const report = aggregateRun(await readRun(written.runDir), DEFAULT_PRICES);
    expect(report.counts.succeeded).toBeUndefined();
    expect(report.counts.succeededFrom).toBe('unknown');
    expect(report.notes.join('\n')).toMatch(/report the execution ARN/);
  });
});
