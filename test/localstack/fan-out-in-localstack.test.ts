/**
 * The fan-out's definitions executed in a second interpreter, LocalStack's Step Functions as
 * shipped (issue 27, items 3 and 4), with ECS and S3 mocked. LocalStack answers an indefinite
 * JSONPath that matches nothing with `[]` for one wildcard or slice only; for filters and deep
 * scans it fails the state with States.Runtime. AWS does not document its answer, so the
 * workflow must end as intended either way.
 *
 * Each run is written as it should end (fan-out-runs.ts). Those that do not end so today, because
 * the workflow relies on `[]` for a filter or deep scan that matches nothing, are `test.failing`
 * (issue 27): they pass while the run fails, and turn red the day the workflow is made safe; then
 * drop `.failing` (the `failsAsShipped` of their outcome). Beside them, tests pin today's
 * failures, so that a `.failing` test cannot pass for another reason (LocalStack not starting, a
 * wrong mock); remove each with its `.failing`. The same runs with the paths corrected toward
 * `[]` all end as intended (fan-out-in-localstack-corrected.test.ts).
 */
import { INTENDED_OUTCOMES, useLocalStackFanOut } from './fan-out-runs';
import { timesEntered } from './step-functions-api';

jest.setTimeout(60_000);

const fanOut = useLocalStackFanOut({ correctIndefinitePaths: false });

describe.each([...new Set(INTENDED_OUTCOMES.map((o) => o.group))])('%s', (group) => {
  for (const outcome of INTENDED_OUTCOMES.filter((o) => o.group === group)) {
    // Issue 27: `failsAsShipped` outcomes are expected to fail until the workflow is safe.
    const declare = outcome.failsAsShipped ? test.failing : test;
    declare(outcome.failsAsShipped ? `${outcome.title} (fails today: ${outcome.failsAsShipped})` : outcome.title, async () => {
      outcome.check(await fanOut.run(outcome.machine, outcome.testCase));
    });
  }
});

/** LocalStack's message for a path that matches nothing. */
function notFound(path: string, field?: string): string {
  return `The JSONPath '${path}'${field ? ` specified for the field '${field}'` : ''} could not be found in the input`;
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function startsWith(text: string): any {
  return expect.stringMatching(new RegExp(`^${escaped(text)}`));
}

/**
 * LocalStack fails an inline Map whose iteration failed with a States.* error it raised itself
 * with this cause instead of the iteration's error (a LocalStack defect); the iteration's own
 * error is in the server's log.
 */
const MANGLED_ITERATION_ERROR = 'Custom Error Names MUST NOT begin with the prefix \'States.\', got \'States.Runtime\'.';

describe('today, issue 27: how the runs that should succeed fail in LocalStack as shipped (remove each with its .failing)', () => {
  test('default, 5 succeed: the 5 tasks succeed, then RunItemsInline fails, as its filter $[?(@.error)] matches nothing', async () => {
    const execution = await fanOut.run('Default', 'AllSucceed');
    expect(timesEntered(execution, 'RunItemTask')).toBe(5);
    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause: expect.stringMatching(new RegExp(`^${escaped('An error occurred while executing the state \'RunItemsInline\' (entered at the event id #')}\\d+${
        escaped(`). ${notFound('$[?(@.error)]')} '[{},{},{},{},{}]'`)}$`)),
    });
  });

  test('Spot fallback: FallBackSpot fails, as the interrupted task has no exit code for its deep scan $.stop..ExitCode', async () => {
    const execution = await fanOut.run('SpotFallback', 'SpotFallback');
    expect(timesEntered(execution, 'FallBackSpot')).toBe(1);
    expect(timesEntered(execution, 'RunItemOnDemand')).toBe(0);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining(MANGLED_ITERATION_ERROR) });
    expect(fanOut.server().failuresLogged('FallBackSpot')).toEqual([
      { error: 'States.Runtime', cause: startsWith(`${notFound('$.stop..ExitCode', 'exitCode.$')} '{"index": `) },
    ]);
  });

  test('Spot fallback with exit code 143: the deep scans match and the item runs on demand, then RunItemsInline fails on $[?(@.error)]', async () => {
    const execution = await fanOut.run('SpotFallback', 'SpotFallbackWithExitCode');
    expect(timesEntered(execution, 'RunItemOnDemand')).toBe(1);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: expect.stringContaining(notFound('$[?(@.error)]')) });
    expect(execution.cause).toContain('{"capacity":"FARGATE"}');
  });

  test('all 5 on Spot: RunItemsInline fails, as its filter $[?(@.error)] matches nothing', async () => {
    const execution = await fanOut.run('SpotFallback', 'AllSucceed');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(execution.cause).toContain(`${notFound('$[?(@.error)]')} '[${Array(5).fill('{"capacity":"FARGATE_SPOT"}').join(',')}]'`);
  });

  test('Distributed, Spot fallback: the interrupted item\'s child fails at FallBackSpotInChild on $.stop..ExitCode, and the run counts it failed', async () => {
    const execution = await fanOut.run('DistributedSpotFallback', 'SpotFallback');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'FanOut.ItemsFailed', cause: expect.stringMatching(/^1 of 5 items failed/) });
    // The child's error, from the server's log (LocalStack lists no Map Run children).
    expect(fanOut.server().failuresLogged('FallBackSpotInChild')).toEqual([
      { error: 'States.Runtime', cause: startsWith(`${notFound('$.stop..ExitCode', 'exitCode.$')} '{"index": `) },
    ]);
  });
});
