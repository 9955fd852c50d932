/**
 * A correction of aws-local-stepfunctions 3.0.0 toward AWS: an *indefinite* JSONPath that matches
 * nothing gives `[]`, not "does not point to a value" (`States.Runtime`); one that matches a single
 * value gives a list of that value, not the value itself.
 *
 * AWS evaluates JSONPath with Jayway JsonPath, where an indefinite path (one that can match any
 * number of nodes: a filter `[?(...)]`, a wildcard `*` or `[*]`, a slice `[a:b]`, a union `[0,1]` or
 * `['a','b']`, a deep scan `..`) always yields a list, possibly empty. So `$[?(@.error)]` over a
 * result with no failures is `[]` on AWS. The interpreter calls jsonpath-plus with `wrap: false`,
 * which returns `undefined` for no match, and then fails every path that gave `undefined`.
 *
 * The correction wraps the `JSONPath` function of the jsonpath-plus module the interpreter
 * loaded: while it is active, a call with `wrap: false` whose result is `undefined` returns `[]`
 * when the path is indefinite. A definite path that points nowhere (`$.missing`, `$.r[7]`) still
 * gives `undefined`, so the interpreter still fails the state with `States.Runtime`, as AWS does.
 * jsonpath-plus with `wrap: false` also unwraps a single match that is not an array; for an
 * indefinite path the correction wraps it again (`$..StopCode` of one task is `["SpotInterruption"]`).
 */

/**
 * The environment variable that sets the harness's default: `raw` runs every execution without
 * the correction (the interpreter's own behaviour: an indefinite path that matches nothing fails
 * the state with States.Runtime, as LocalStack does for filters and deep scans), so that a whole
 * executed suite can be run both ways (issue 27); unset or `corrected`: with it. An execution's
 * own `correctIndefinitePaths` option wins over it.
 */
export const INDEFINITE_PATHS_ENV = 'HARNESS_INDEFINITE_PATHS';

/** Whether executions correct indefinite paths unless told otherwise, from `INDEFINITE_PATHS_ENV`. */
export function correctIndefinitePathsByDefault(env: Record<string, string | undefined> = process.env): boolean {
  const value = env[INDEFINITE_PATHS_ENV];
  if (value === undefined || value === '' || value === 'corrected') return true;
  if (value === 'raw') return false;
  throw new Error(`${INDEFINITE_PATHS_ENV} must be 'corrected' or 'raw', got '${value}'`);
}

/** Marks the wrapper, so that it is installed once per module instance. */
const WRAPPED = Symbol.for('cdk-fargate-fan-out.harness.indefinitePaths');

/** How many executions currently want the correction (executeWorkflow nests none, but be safe). */
let activeCount = 0;

/**
 * Whether `path` is indefinite in Jayway's sense: it has a deep scan, a wildcard, a filter, a
 * slice or a union. `segments` is jsonpath-plus's `toPathArray(path)` (quotes already removed).
 */
export function isIndefinitePath(path: string, segments: readonly string[] = toPathArray(path)): boolean {
  return segments.some((segment) =>
    segment === '..'
    || segment === '*'
    || segment.startsWith('?(')
    // [1:3], [-2:], [::2]
    || /^\s*-?\d*\s*:\s*-?\d*\s*(:\s*-?\d*\s*)?$/.test(segment)
    // [0,1] and ['a','b'] (toPathArray keeps the inner quotes of a union: a','b)
    || /^\s*-?\d+\s*(,\s*-?\d+\s*)+$/.test(segment)
    || /'\s*,\s*'|"\s*,\s*"/.test(segment),
  );
}

/**
 * Installs the wrapper on the jsonpath-plus module that aws-local-stepfunctions requires (once)
 * and returns a function that turns the correction on until it is called.
 */
export function activateIndefinitePathCorrection(): () => void {
  installWrapper();
  activeCount++;
  let released = false;
  return () => {
    if (!released) {
      released = true;
      activeCount--;
    }
  };
}

/** Whether the correction is on right now. */
export function indefinitePathCorrectionActive(): boolean {
  return activeCount > 0;
}

function jsonPathModule(): { JSONPath: any } {
  // The same module instance the interpreter gets from `require("jsonpath-plus")` (also under
  // jest, whose module registry resolves both requires to one file).
  const interpreterPath = require.resolve('aws-local-stepfunctions');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('jsonpath-plus', { paths: [interpreterPath] }));
}

function toPathArray(path: string): string[] {
  return jsonPathModule().JSONPath.toPathArray(path);
}

function installWrapper(): void {
  const mod = jsonPathModule();
  const original = mod.JSONPath;
  if (original[WRAPPED]) return;
  const wrapped = function (this: unknown, ...args: any[]): any {
    if (new.target) return Reflect.construct(original, args, new.target);
    const result = original.apply(this, args);
    const opts = args[0];
    if (activeCount > 0 && opts && typeof opts === 'object' && opts.wrap === false && typeof opts.path === 'string'
      && (result === undefined || !Array.isArray(result)) && isIndefinitePath(opts.path, original.toPathArray(opts.path))) {
      return result === undefined ? [] : [result];
    }
    return result;
  };
  Object.assign(wrapped, original);
  wrapped.prototype = original.prototype;
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  mod.JSONPath = wrapped;
}
