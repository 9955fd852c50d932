/**
 * Issue 27, item 4, in the offline harness: the same fan-out runs with the harness's correction of
 * indefinite paths (test/harness/indefinite-paths.ts, on by default) and without it (the
 * interpreter's own behaviour, aws-local-stepfunctions: an indefinite path that matches nothing
 * fails the state with States.Runtime, as LocalStack does for filters and deep scans).
 *
 * Every run ends as intended either way (issue 27, item 2: the workflow never evaluates an
 * indefinite path where it would match nothing; test/jsonpath/indefinite-paths-inventory.ts says
 * how, path by path). A whole executed suite can be run without the correction with
 * HARNESS_INDEFINITE_PATHS=raw (test/jsonpath/executed-raw.test.ts does, for the key suites).
 */
import { FanOutCapacity, FanOutMode, FargateFanOutProps } from '../../src';
import { fanOutWith, FanOutRun, makeItems, runFanOut } from '../executed/fan-out-run';
import { correctIndefinitePathsByDefault, INDEFINITE_PATHS_ENV } from '../harness/indefinite-paths';
import { SimulatedEcs, SimulatedEcsOptions } from '../harness/simulated-ecs';

jest.setTimeout(120_000);

interface Scenario {
  readonly title: string;
  readonly props: Partial<FargateFanOutProps>;
  readonly ecs: SimulatedEcsOptions;
  check(run: FanOutRun): void;
}

const SPOT_FALLBACK = { capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK };
// With seed 3, the first Spot task of one of the 5 items is interrupted (checked below).
const ONE_SPOT_INTERRUPTION: SimulatedEcsOptions = { spotInterruptionRate: 0.3, seed: 3 };
const ITEM_2_EXITS_1: SimulatedEcsOptions = { exitCodeFor: (item: any) => (item.id === 2 ? 1 : 0), seed: 3 };

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'default fan-out, 5 items that all succeed: succeeds, 0 of 5 failed',
    props: {},
    ecs: { seed: 3 },
    check: (run) => {
      expect(run.mapRan).toBe('inline');
      expect(run.result).toMatchObject({ status: 'SUCCEEDED', output: { itemCount: 5, failedCount: 0, failedItems: [] } });
    },
  },
  {
    title: 'default fan-out, item 2 exits 1: fails with FanOut.ItemsFailed, 1 of 5 failed',
    props: {},
    ecs: ITEM_2_EXITS_1,
    check: (run) => {
      expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: '1 of 5 items failed' });
      expect(run.summary!.failedItems).toEqual([{ index: 2, error: 'States.TaskFailed' }]);
    },
  },
  {
    title: 'Spot with fallback, one Spot task interrupted: its item runs on demand, and the run succeeds, 4 on Spot and 1 on demand',
    props: SPOT_FALLBACK,
    ecs: ONE_SPOT_INTERRUPTION,
    check: (run) => {
      expect(run.ecs.spotInterruptions).toBe(1);
      expect(run.result).toMatchObject({ status: 'SUCCEEDED', output: { itemCount: 5, failedCount: 0, tasksByCapacity: { FARGATE_SPOT: 4, FARGATE: 1 } } });
    },
  },
  {
    title: 'Distributed Map, 5 items that all succeed: succeeds, 0 of 5 failed',
    props: { mode: FanOutMode.DISTRIBUTED },
    ecs: { seed: 3 },
    check: (run) => {
      expect(run.mapRan).toBe('distributed');
      expect(run.result).toMatchObject({ status: 'SUCCEEDED', output: { itemCount: 5, failedCount: 0 } });
    },
  },
  {
    title: 'Distributed Map, item 2 exits 1: fails with FanOut.ItemsFailed, 1 of 5 failed',
    props: { mode: FanOutMode.DISTRIBUTED },
    ecs: ITEM_2_EXITS_1,
    check: (run) => {
      expect(run.result).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(/^1 of 5 items failed/) });
      expect(run.summary!.failedItems).toEqual([{ index: 2, error: 'States.TaskFailed' }]);
    },
  },
  {
    title: 'Distributed Map, Spot with fallback, one Spot task interrupted: succeeds, 0 of 5 failed',
    props: { mode: FanOutMode.DISTRIBUTED, ...SPOT_FALLBACK },
    ecs: ONE_SPOT_INTERRUPTION,
    check: (run) => {
      expect(run.ecs.spotInterruptions).toBe(1);
      expect(run.result).toMatchObject({ status: 'SUCCEEDED', output: { itemCount: 5, failedCount: 0 } });
    },
  },
];

function runScenario(scenario: Scenario, correctIndefinitePaths: boolean): Promise<FanOutRun> {
  return runFanOut(fanOutWith(scenario.props), makeItems(5), new SimulatedEcs(scenario.ecs), { correctIndefinitePaths });
}

describe('with the correction (the harness\'s default): every run ends as intended', () => {
  test.each(SCENARIOS.map((s) => [s.title, s] as const))('%s', async (_title, scenario) => {
    scenario.check(await runScenario(scenario, true));
  });
});

describe('without the correction (the interpreter\'s own behaviour): every run ends as intended too', () => {
  test.each(SCENARIOS.map((s) => [s.title, s] as const))('%s', async (_title, scenario) => {
    scenario.check(await runScenario(scenario, false));
  });
});

describe(`${INDEFINITE_PATHS_ENV}: the harness's default for a whole suite`, () => {
  test('unset or "corrected": with the correction; "raw": without; anything else is refused', () => {
    expect(correctIndefinitePathsByDefault({})).toBe(true);
    expect(correctIndefinitePathsByDefault({ [INDEFINITE_PATHS_ENV]: 'corrected' })).toBe(true);
    expect(correctIndefinitePathsByDefault({ [INDEFINITE_PATHS_ENV]: 'raw' })).toBe(false);
    expect(() => correctIndefinitePathsByDefault({ [INDEFINITE_PATHS_ENV]: 'off' })).toThrow(/HARNESS_INDEFINITE_PATHS must be 'corrected' or 'raw', got 'off'/);
  });

  test('with HARNESS_INDEFINITE_PATHS=raw an execution without the option runs raw; the option still wins', async () => {
    const saved = process.env[INDEFINITE_PATHS_ENV];
    process.env[INDEFINITE_PATHS_ENV] = 'raw';
    try {
      // A probe the workflow never has: a filter that matches nothing, read by the summary.
      const synth = fanOutWith({});
      const probed = JSON.parse(JSON.stringify(synth.definition));
      probed.States.Summarize.Parameters['probe.$'] = '$.outputs[?(@.never)]';
      const withProbe = { ...synth, definition: probed };
      const raw = await runFanOut(withProbe, makeItems(5), new SimulatedEcs({ seed: 3 }));
      expect(raw.result).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: 'Path expression \'$.outputs[?(@.never)]\' does not point to a value' });
      const corrected = await runFanOut(withProbe, makeItems(5), new SimulatedEcs({ seed: 3 }), { correctIndefinitePaths: true });
      expect(corrected.result.status).toBe('SUCCEEDED');
      // Without the probe, the workflow itself succeeds raw.
      const plain = await runFanOut(synth, makeItems(5), new SimulatedEcs({ seed: 3 }));
      expect(plain.result.status).toBe('SUCCEEDED');
    } finally {
      if (saved === undefined) delete process.env[INDEFINITE_PATHS_ENV];
      else process.env[INDEFINITE_PATHS_ENV] = saved;
    }
  });
});
