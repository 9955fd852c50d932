/**
 * The inventory of indefinite JSONPaths (issue 27, item 1): every filter `[?(...)]`, deep scan
 * `..`, wildcard `[*]`, slice and union that a definition the library synthesizes evaluates, with
 * where it is and how it is made safe against the one behaviour AWS does not document: what an
 * indefinite path that matches nothing gives. Jayway JsonPath (which AWS is believed to use) gives
 * `[]`; LocalStack's interpreter gives `[]` for wildcards and slices only (localstack#12318, whose
 * reporter checked that case against AWS) and fails the state with States.Runtime for filters and
 * deep scans; aws-local-stepfunctions fails for all of them (our harness corrects it to `[]`).
 *
 * Issue 27, item 2: every entry is now safe either way, because it is never evaluated where it
 * would match nothing: it always matches where it is evaluated (ALWAYS_MATCHES), or a definite
 * check before it shows that it matches (GUARDED). The `UNSAFE` and `WILDCARD` kinds stay, so
 * that a path that relies on `[]` again must say so, and the test holds their count at zero.
 */
import { indefiniteKinds, IndefiniteKind, PathUse } from './asl-paths';

/** How an indefinite path is made safe, by its first word. */
export enum Safety {
  /**
   * It relies on `[]` for no match, for a filter, a deep scan or a path LocalStack's `[]` rule does
   * not cover (two wildcards), which AWS does not document and LocalStack answers with States.Runtime.
   */
  UNSAFE = 'UNSAFE: relies on [] for no match',
  /**
   * It relies on `[]` for no match, for one wildcard (`$.a[*].b`, `$[*].b`): what LocalStack answers
   * since localstack#12318, whose reporter checked that case against AWS. Not in AWS's documentation.
   */
  WILDCARD = 'WILDCARD: relies on [] for no match, the answer localstack#12318 reports from AWS for wildcards',
  /** It cannot match nothing where it is evaluated (the reason says why). */
  ALWAYS_MATCHES = 'SAFE: always matches',
  /**
   * It is evaluated only after a definite check (a Choice on a definite path: the text of what it
   * reads, or a count) shows that it matches at least once (the reason says which check).
   */
  GUARDED = 'SAFE: read only where a definite check shows it matches',
}

/** One row of the table: a path, where it is evaluated, and how it is made safe. */
export interface IndefinitePathEntry {
  /** The path exactly as the definition writes it. */
  readonly path: string;
  /** Where: tested against `role:state field` (see `useKey`), e.g. `main:RunItemsInline ResultSelector.failedItems.$`. */
  readonly where: RegExp;
  readonly safety: Safety;
  /** Why, in a few words: when it matches nothing, and what happens then. */
  readonly reason: string;
}

/** `role:state field` of a use, what `IndefinitePathEntry.where` is tested against. */
export function useKey(role: string, use: PathUse): string {
  return `${role}:${use.state} ${use.field}`;
}

/** The states that read the last task's fields (lastTaskFields): item records and retries. */
const ITEM_RECORD_STATES = /^main:RunItems(Inline|Distributed)\/(DescribeItemFailure|ItemSucceeded|Retry[A-Za-z0-9]*|FallBackSpot)(InChild)? Parameters\.(BatchInput\.)?(record\.)?(retry\.earlier\.)?/;

function exitCodeScan(stop: '$.stop' | '$.BatchInput.stop'): IndefinitePathEntry {
  const twin = stop === '$.BatchInput.stop' ? ' (batched items: the same record, inside BatchInput)' : '';
  return {
    path: `${stop}..ExitCode`,
    where: new RegExp(`${ITEM_RECORD_STATES.source}exitCode\\.\\$$`),
    safety: Safety.ALWAYS_MATCHES,
    reason: `the record's exit code${twin}: the stop path always holds one for the deep scan to find, the containers' or \`ExitCode: []\` beside the task. `
      + 'The empty stop has `ExitCode: []` (emptyStop); a failure\'s Cause is read by ReadStop only where it names "ExitCode" (IsStopDescribed, a definite check on the Cause), else by ReadStopWithoutExitCode, which writes `ExitCode: []`; '
      + 'a task .sync reports as succeeded has its containers\' exit codes (recorded against AWS by LocalStack: /work/shared/ecs-stop-signals.md). The other fields of the record are definite paths, always present (item-record.ts)',
  };
}

/** The table. Keep it sorted by where the path is built (src/...). */
export const INDEFINITE_PATHS: readonly IndefinitePathEntry[] = [
  // src/workflow/inline-map.ts, pickedFromResults: the inline summary's lists, each behind a Choice.
  {
    path: '$.outputs[?(@.error)]',
    where: /^main:ListFailedItems Parameters\.(list|count)\.\$$/,
    safety: Safety.GUARDED,
    reason: 'AnyItemFailed: "error" in quotes is in the per-item outputs\' text (the Map\'s ResultSelector, States.JsonToString) only as a failed item\'s key; with callback results, fewer results than items (both counted by definite paths)',
  },
  {
    path: '$.outputs[?(@.capacity == \'FARGATE_SPOT\')]',
    where: /^main:ListRanSpot Parameters\.(list|count)\.\$$/,
    safety: Safety.GUARDED,
    reason: 'AnyRanSpot: "FARGATE_SPOT" in quotes is in the outputs\' text only as the capacity a successful item ran on',
  },
  {
    path: '$.outputs[?(@.capacity == \'FARGATE\')]',
    where: /^main:ListRanOnDemand Parameters\.(list|count)\.\$$/,
    safety: Safety.GUARDED,
    reason: 'AnyRanOnDemand: "FARGATE" in quotes is in the outputs\' text only as the capacity a successful item ran on',
  },
  {
    path: '$.outputs[*].result',
    where: /^main:ListResults Parameters\.(list|count)\.\$$/,
    safety: Safety.GUARDED,
    reason: 'AnyResults (callback pattern): "result" in quotes is in the outputs\' text only where an output has a result',
  },
  // src/workflow/item/item-record.ts, lastTaskFields: every item record and every retry's earlier task.
  exitCodeScan('$.stop'),
  exitCodeScan('$.BatchInput.stop'),
  // src/workflow/item/item-record.ts, succeededTaskOfResult: a task state that ends its item (issue 23).
  {
    path: '$..ExitCode',
    where: /^main:RunItems(Inline|Distributed)\/(RunItemTask|RunItemOnDemand)InChild ResultSelector\.exitCode\.\$$/,
    safety: Safety.ALWAYS_MATCHES,
    reason: 'the record of an item that succeeded, read from the .sync result: a task .sync reports as succeeded ran and exited, and has its containers\' exit codes (recorded against AWS by LocalStack: /work/shared/ecs-stop-signals.md)',
  },
  // src/concurrency-pool/private/cleanup.ts: the cleanup of a concurrency pool.
  {
    path: '$.history.events[?(@.Type == \'TaskSubmitted\')].TaskSubmittedEventDetails.Output',
    where: /^pool cleanup:CheckEachLease\/ListHolderSubmittedTasks InputPath$/,
    safety: Safety.GUARDED,
    reason: 'DidHolderSubmitTask: "TaskSubmitted" in quotes is in the events\' text only as an event\'s Type (event data is escaped); with IncludeExecutionData, a TaskSubmitted event carries its output',
  },
  // src/triggers/private/record-lists.ts: the starters list their records with JSONata, not JSONPath.
];

/** The entry that classifies `use` of a state machine of `role`, if any. */
export function classify(role: string, use: PathUse): IndefinitePathEntry | undefined {
  const key = useKey(role, use);
  return INDEFINITE_PATHS.find((entry) => entry.path === use.path && entry.where.test(key));
}

/** Counts of distinct paths by kind (a path with two kinds counts under both). */
export function countByKind(paths: Iterable<string>): Record<IndefiniteKind, number> {
  const counts: Record<IndefiniteKind, number> = { 'filter': 0, 'deep scan': 0, 'wildcard': 0, 'slice': 0, 'union': 0 };
  for (const path of new Set(paths)) for (const kind of indefiniteKinds(path)) counts[kind]++;
  return counts;
}
