/**
 * Issue 27, item 4: executed suites that depend on what an indefinite JSONPath that matches
 * nothing gives, run again without the harness's correction (HARNESS_INDEFINITE_PATHS=raw: the
 * interpreter's own behaviour, a States.Runtime failure, as LocalStack does for filters and deep
 * scans). The same tests as in test/executed, loaded here with the variable set: they pass either
 * way, because the workflow never evaluates such a path where it would match nothing (see
 * indefinite-paths-inventory.ts). Chosen to cover the paths that used to rely on `[]`: the stop
 * rules (every field of the item record, retries' earlier tasks, tasks that failed to start or
 * have no exit code) and the capacities (Spot interruptions, the on-demand fallback, the summary's
 * counts by capacity), about 45 s together. harness-correction.test.ts runs the default fan-out,
 * a failed item and a Spot fallback both ways besides.
 */
import { INDEFINITE_PATHS_ENV } from '../harness/indefinite-paths';

process.env[INDEFINITE_PATHS_ENV] = 'raw';

describe(`${INDEFINITE_PATHS_ENV}=raw`, () => {
  test('is what the executions below run with', () => {
    expect(process.env[INDEFINITE_PATHS_ENV]).toBe('raw');
  });

  // Loaded after the variable is set (an import is hoisted above it): a suite may start its
  // executions while its tests are collected.
  describe('test/executed/stop-rules.test.ts', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../executed/stop-rules.test');
  });

  describe('test/executed/capacity.test.ts', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../executed/capacity.test');
  });
});
