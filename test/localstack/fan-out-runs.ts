/**
 * Fan-out runs in LocalStack's Step Functions with ECS and S3 mocked (Step Functions Local mock
 * format), and how each should end. Shared by the runs with LocalStack as shipped
 * (fan-out-in-localstack.test.ts) and with indefinite paths corrected toward Jayway's `[]`
 * (fan-out-in-localstack-corrected.test.ts), issue 27.
 */
import { exitsNonZero, exitsZero, FARGATE, FARGATE_SPOT, putObjectAnswer, spotInterrupted } from './ecs-mocks';
import { INSTALL_TIMEOUT_MS, installLocalStack, LocalStackServer, startLocalStack } from './localstack-server';
import { createBucket, Execution, outputOf, StepFunctionsApi, timesEntered } from './step-functions-api';
import { FanOutCapacity, FanOutMode } from '../../src';
import { synthFanOut, withImage } from '../util/synth';

export const ITEMS = [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }];

/** The result bucket, as the synthesized definitions name it (its logical id), in the lowercase S3 requires. */
const RESULT_BUCKET = 'fanoutresults2d1c8c06';

/**
 * The definition as LocalStack can run it. Only what its parser refuses or what needs a real
 * resource is changed, nothing the interpreter evaluates:
 * - `ToleratedFailurePercentage` is written as a float (`100.0`): LocalStack's parser refuses an
 *   integer there, which AWS accepts.
 * - The result bucket's name (a CloudFormation reference, resolved to the bucket's logical id by
 *   the test synthesis) is lowercased, so that the bucket can be created in LocalStack's S3 for
 *   the Distributed Map's ResultWriter.
 * LocalStack does not implement `ItemBatcher` or JSON Lines item readers: no run here needs them.
 */
export function forLocalStack(definition: any): string {
  return JSON.stringify(definition)
    .replace(/"ToleratedFailurePercentage":(\d+)(?=[,}])/g, '"ToleratedFailurePercentage":$1.0')
    .replace(/FanOutResults2D1C8C06/g, RESULT_BUCKET);
}

/** The state machines: name -> props, and whether the item runner is in a Distributed Map's child. */
export const MACHINES = {
  Default: { props: {}, inChild: false },
  SpotFallback: { props: { capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }, inChild: false },
  Distributed: { props: { mode: FanOutMode.DISTRIBUTED }, inChild: true },
  DistributedSpotFallback: { props: { mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK }, inChild: true },
};
export type MachineName = keyof typeof MACHINES;

/** Mocked responses by name, each by invocation number (counted per state across the execution and its iterations). */
const MOCKED_RESPONSES = {
  AllExitZero: { '0-4': exitsZero() },
  AllExitZeroOnSpot: { '0-4': exitsZero(FARGATE_SPOT) },
  FirstExitsOne: { '0': exitsNonZero(1), '1-4': exitsZero() },
  FirstSpotInterrupted: { '0': spotInterrupted(), '1-4': exitsZero(FARGATE_SPOT) },
  FirstSpotInterruptedExiting143: { '0': spotInterrupted(143), '1-4': exitsZero(FARGATE_SPOT) },
  OnDemandExitsZero: { 0: exitsZero(FARGATE) },
  PutObject: { '0-4': putObjectAnswer() },
};

/** Test cases of a state machine: state name -> mocked response name. */
function testCases(machine: MachineName): Record<string, Record<string, keyof typeof MOCKED_RESPONSES>> {
  const s = MACHINES[machine].inChild ? 'InChild' : '';
  const spot = (MACHINES[machine].props as any).capacity === FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK;
  return spot
    ? {
      AllSucceed: { [`RunItemTask${s}`]: 'AllExitZeroOnSpot' },
      SpotFallback: { [`RunItemTask${s}`]: 'FirstSpotInterrupted', [`RunItemOnDemand${s}`]: 'OnDemandExitsZero' },
      SpotFallbackWithExitCode: { [`RunItemTask${s}`]: 'FirstSpotInterruptedExiting143', [`RunItemOnDemand${s}`]: 'OnDemandExitsZero' },
    }
    : {
      AllSucceed: { [`RunItemTask${s}`]: 'AllExitZero' },
      OneFails: { [`RunItemTask${s}`]: 'FirstExitsOne', WriteItemFailure: 'PutObject' },
    };
}

export interface LocalStackFanOut {
  /** Runs a test case of a state machine on the 5 items, once per test file (tests of one case share its execution). */
  run(machine: MachineName, testCase: string): Promise<Execution>;
  server(): LocalStackServer;
}

/**
 * Installs LocalStack if needed, starts it for this test file with the machines and their mocks
 * (beforeAll), and stops it (afterAll).
 */
export function useLocalStackFanOut(options: { correctIndefinitePaths: boolean }): LocalStackFanOut {
  let server: LocalStackServer | undefined;
  let api: StepFunctionsApi;
  const arns = new Map<MachineName, string>();
  const runs = new Map<string, Promise<Execution>>();

  beforeAll(async () => {
    installLocalStack();
    const mockConfig = {
      StateMachines: Object.fromEntries(Object.keys(MACHINES).map((m) => [m, { TestCases: testCases(m as MachineName) }])),
      MockedResponses: MOCKED_RESPONSES,
    };
    // S3 and STS for the Distributed Map's ResultWriter (LocalStack assumes the execution role to write).
    server = await startLocalStack({ mockConfig, services: ['s3', 'sts'], correctIndefinitePaths: options.correctIndefinitePaths });
    api = new StepFunctionsApi(server.endpoint);
    await createBucket(server.endpoint, RESULT_BUCKET);
    // maxVcpus: no vCPU quota read, a JSONata state, which LocalStack cannot evaluate offline (it downloads a
    // Java library). 10 vCPUs hold 40 tasks of 0.25 vCPU, the inline Map's cap: the same modes, unpaced.
    for (const [machine, { props }] of Object.entries(MACHINES)) {
      const { definition } = synthFanOut(withImage({ maxVcpus: 10, ...props }));
      arns.set(machine as MachineName, await api.createStateMachine(machine, forLocalStack(definition)));
    }
  }, INSTALL_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  return {
    run: (machine, testCase) => {
      const key = `${machine}#${testCase}`;
      if (!runs.has(key)) runs.set(key, api.runExecution(arns.get(machine)!, { items: ITEMS }, testCase));
      return runs.get(key)!;
    },
    server: () => server!,
  };
}

/** A run and how it should end, whichever way an indefinite path that matches nothing is answered. */
export interface IntendedOutcome {
  readonly group: string;
  readonly title: string;
  readonly machine: MachineName;
  readonly testCase: string;
  check(execution: Execution): void;
}

export const INTENDED_OUTCOMES: readonly IntendedOutcome[] = [
  {
    group: 'default fan-out (RUN_TIME mode; 5 items run in the inline Map)',
    title: '5 items that all succeed: the execution succeeds, 0 of 5 failed',
    machine: 'Default',
    testCase: 'AllSucceed',
    check: (execution) => {
      expect(timesEntered(execution, 'RunItemTask')).toBe(5);
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      expect(execution.output).toMatchObject({ itemCount: 5, failedCount: 0, failedItems: [], message: '0 of 5 items failed' });
    },
  },
  {
    group: 'default fan-out (RUN_TIME mode; 5 items run in the inline Map)',
    title: 'one item exits 1: its failure is written, and the execution fails with FanOut.ItemsFailed, 1 of 5 failed',
    machine: 'Default',
    testCase: 'OneFails',
    check: (execution) => {
      expect(timesEntered(execution, 'WriteItemFailure')).toBe(1);
      expect(execution).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: '1 of 5 items failed' });
      expect(outputOf(execution, 'Summarize')).toMatchObject({ itemCount: 5, failedCount: 1, failedItems: [{ error: 'States.TaskFailed' }] });
    },
  },
  {
    group: 'Spot with on-demand fallback (5 items inline)',
    title: 'one Spot task interrupted: its item runs again on demand, and the execution succeeds, 4 tasks on Spot and 1 on demand',
    machine: 'SpotFallback',
    testCase: 'SpotFallback',
    check: (execution) => {
      expect(timesEntered(execution, 'RunItemOnDemand')).toBe(1);
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      expect(execution.output).toMatchObject({ itemCount: 5, failedCount: 0, tasksByCapacity: { [FARGATE_SPOT]: 4, [FARGATE]: 1 } });
    },
  },
  {
    group: 'Spot with on-demand fallback (5 items inline)',
    title: 'the same with exit code 143 on the interrupted task: the execution succeeds, 4 tasks on Spot and 1 on demand',
    machine: 'SpotFallback',
    testCase: 'SpotFallbackWithExitCode',
    check: (execution) => {
      expect(timesEntered(execution, 'RunItemOnDemand')).toBe(1);
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      expect(execution.output).toMatchObject({ itemCount: 5, failedCount: 0, tasksByCapacity: { [FARGATE_SPOT]: 4, [FARGATE]: 1 } });
    },
  },
  {
    group: 'Spot with on-demand fallback (5 items inline)',
    title: 'all 5 run on Spot: the execution succeeds, 5 tasks on Spot and none on demand',
    machine: 'SpotFallback',
    testCase: 'AllSucceed',
    check: (execution) => {
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      expect(execution.output).toMatchObject({ itemCount: 5, failedCount: 0, tasksByCapacity: { [FARGATE_SPOT]: 5, [FARGATE]: 0 } });
    },
  },
  {
    group: 'Distributed Map (mode DISTRIBUTED, 5 items in 5 child executions)',
    title: '5 items that all succeed: the execution succeeds, 0 of 5 failed',
    machine: 'Distributed',
    testCase: 'AllSucceed',
    check: (execution) => {
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      expect(execution.output).toMatchObject({ itemCount: 5, failedCount: 0, message: expect.stringMatching(/^0 of 5 items failed/) });
    },
  },
  {
    group: 'Distributed Map (mode DISTRIBUTED, 5 items in 5 child executions)',
    title: 'one item exits 1: the Map Run counts 1 failed child, and the execution fails with FanOut.ItemsFailed, 1 of 5 failed',
    machine: 'Distributed',
    testCase: 'OneFails',
    check: (execution) => {
      expect(execution).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(/^1 of 5 items failed/) });
      expect(outputOf(execution, 'SummarizeMapRun')).toMatchObject({ itemCount: 5, failedCount: 1 });
    },
  },
  {
    group: 'Distributed Map (mode DISTRIBUTED, 5 items in 5 child executions)',
    title: 'one Spot task interrupted: its item runs again on demand, and the execution succeeds, 0 of 5 failed',
    machine: 'DistributedSpotFallback',
    testCase: 'SpotFallback',
    check: (execution) => {
      expect(execution).toMatchObject({ status: 'SUCCEEDED' });
      expect(execution.output).toMatchObject({ itemCount: 5, failedCount: 0 });
    },
  },
];
