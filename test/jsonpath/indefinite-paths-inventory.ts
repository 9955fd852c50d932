/**
 * The inventory of indefinite JSONPaths (issue 27, item 1): every filter `[?(...)]`, deep scan
 * `..`, wildcard `[*]`, slice and union that a definition the library synthesizes evaluates, with
 * where it is and how it is made safe against the one behaviour AWS does not document: what an
 * indefinite path that matches nothing gives. Jayway JsonPath (which AWS is believed to use) gives
 * `[]`; LocalStack's interpreter gives `[]` for wildcards and slices only (localstack#12318, whose
 * reporter checked that case against AWS) and fails the state with States.Runtime for filters and
 * deep scans; aws-local-stepfunctions fails for all of them (our harness corrects it to `[]`).
 *
 * This is the working list for the fix (issue 27, item 2). Today most entries rely on `[]`, and
 * say so: `UNSAFE` entries break if AWS behaves as LocalStack does for filters and deep scans.
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

/** The fields of the last task an item record and a retry's `earlier` list read with a deep scan. */
const ECS_FIELDS_LEFT_OUT: Record<string, string> = {
  ExitCode: 'no container exit code: a task that failed to start, or one Spot interrupted before its container exited',
  StartedAt: 'no StartedAt: a task that failed to start (TaskFailedToStart)',
  StopCode: 'set on every task ECS stopped; nothing only where no task description is at the stop path (not checked for every way an item fails)',
  StoppedReason: 'set on every task ECS stopped; nothing only where no task description is at the stop path (not checked for every way an item fails)',
  StoppedAt: 'set on every task ECS stopped; nothing only where no task description is at the stop path (not checked for every way an item fails)',
};
const WORKFLOW_FIELDS = ['capacity', 'cpu', 'memory'];

/** The states that read the last task's fields (lastTaskFields): item records and retries. */
const ITEM_RECORD_STATES = /^main:RunItems(Inline|Distributed)\/(DescribeItemFailure|ItemSucceeded|Retry[A-Za-z0-9]*|FallBackSpot)(InChild)? Parameters\.(BatchInput\.)?(record\.)?(retry\.earlier\.)?/;

function deepScans(stop: '$.stop' | '$.BatchInput.stop'): IndefinitePathEntry[] {
  const where = (field: string) => new RegExp(`${ITEM_RECORD_STATES.source}${field.charAt(0).toLowerCase()}${field.slice(1)}\\.\\$$`);
  const twin = stop === '$.BatchInput.stop' ? ' (batched items: the same record, inside BatchInput)' : '';
  return [
    ...Object.entries(ECS_FIELDS_LEFT_OUT).map(([field, when]) => ({
      path: `${stop}..${field}`,
      where: where(field),
      safety: Safety.UNSAFE,
      reason: `deep scan over the stopped task's description${twin}; matches nothing where the field is absent (${when}); the state then fails with States.Runtime in LocalStack`,
    })),
    ...WORKFLOW_FIELDS.map((field) => ({
      path: `${stop}..${field}`,
      where: where(field),
      safety: Safety.UNSAFE,
      reason: `deep scan for the ${field} the workflow writes beside the task at the stop path${twin}; matches nothing when the item failed before anything was written there`,
    })),
  ];
}

/** The table. Keep it sorted by where the path is built (src/build/...). */
export const INDEFINITE_PATHS: readonly IndefinitePathEntry[] = [
  // src/build/workflow.ts, summaryOfResults: the inline Map's ResultSelector.
  {
    path: '$[?(@.error)]',
    where: /^main:RunItemsInline ResultSelector\.failedItems\.\$$/,
    safety: Safety.UNSAFE,
    reason: 'filter over the iterations\' outputs; matches nothing when every item succeeded (the happy path): LocalStack fails RunItemsInline with States.Runtime',
  },
  {
    path: '$[?(@.capacity == \'FARGATE_SPOT\')]',
    where: /^main:RunItemsInline ResultSelector\.ranOnSpot\.\$$/,
    safety: Safety.UNSAFE,
    reason: 'filter (Spot configurations); matches nothing when no item succeeded on Spot',
  },
  {
    path: '$[?(@.capacity == \'FARGATE\')]',
    where: /^main:RunItemsInline ResultSelector\.ranOnDemand\.\$$/,
    safety: Safety.UNSAFE,
    reason: 'filter (Spot configurations); matches nothing when no item fell back to on-demand (every Spot run without fallback)',
  },
  {
    path: '$[*].result',
    where: /^main:RunItemsInline ResultSelector\.results\.\$$/,
    safety: Safety.WILDCARD,
    reason: 'wildcard (callback pattern); matches nothing when no item succeeded (only succeeded items carry a result)',
  },
  // src/build/stop-classifier.ts, lastTaskFields: every item record and every retry's earlier task.
  ...deepScans('$.stop'),
  ...deepScans('$.BatchInput.stop'),
  // src/build/pool/cleanup.ts: the cleanup of a concurrency pool.
  {
    path: '$.Events[?(@.Type == \'TaskSubmitted\')].TaskSubmittedEventDetails.Output',
    where: /^pool cleanup:CheckEachLease\/ReadHolderLastTask ResultSelector\.submitted\.\$$/,
    safety: Safety.UNSAFE,
    reason: 'filter over the ended holder\'s last events; matches nothing when it submitted no task among them (HadTask expects []); a States.Runtime there is not caught, so the cleanup fails and the lease is never given back',
  },
  {
    path: '$.submitted.task.Tasks[*].TaskArn',
    where: /^pool cleanup:CheckEachLease\/DescribeHolderTask Parameters\.Tasks\.\$$/,
    safety: Safety.ALWAYS_MATCHES,
    reason: 'reached only through HadTask, which requires the submitted RunTask answer to hold a "TaskArn"',
  },
  {
    path: '$.Tasks[*].LastStatus',
    where: /^pool cleanup:CheckEachLease\/DescribeHolderTask ResultSelector\.statuses\.\$$/,
    safety: Safety.WILDCARD,
    reason: 'wildcard; matches nothing when ECS no longer knows the task (it answers with a failure, MISSING, and no Tasks); not caught',
  },
  // src/build/triggers/starter.ts: the starters of the object-created, message and items-file triggers.
  {
    path: '$[*].id',
    where: /^starter:RecordsToItems ResultSelector\.ids\.\$$/,
    safety: Safety.ALWAYS_MATCHES,
    reason: 'every record has an id and a pipe\'s batch has at least one record; one match is a list of one on Jayway, but LocalStack and aws-local-stepfunctions unwrap it',
  },
  {
    path: '$[*].item',
    where: /^starter:RecordsToItems ResultSelector\.items\.\$$/,
    safety: Safety.ALWAYS_MATCHES,
    reason: 'every record has an item and a pipe\'s batch has at least one record; one match is a list of one on Jayway, but LocalStack and aws-local-stepfunctions unwrap it (a batch of one would start the fan-out with an object for its items)',
  },
  {
    path: '$[*].claims[*]',
    where: /^starter:RecordsToItems ResultSelector\.claims\.\$$/,
    safety: Safety.UNSAFE,
    reason: 'two wildcards (LocalStack\'s [] rule covers one wildcard or slice: it raises here); matches nothing when every record of the batch was started before (Drop gives claims: [])',
  },
  {
    path: '$[*].items[*]',
    where: /^starter:RecordsToItems ResultSelector\.items\.\$$/,
    safety: Safety.UNSAFE,
    reason: 'two wildcards (LocalStack raises here, as for claims); matches nothing when every record of the batch was started before (Drop gives items: []); AnythingToStart then expects []',
  },
  {
    path: '$[*].kept',
    where: /^starter:RecordsToItems ResultSelector\.kept\.\$$/,
    safety: Safety.WILDCARD,
    reason: 'wildcard; matches nothing when every record of the batch was started before (Drop has no kept)',
  },
  {
    path: '$[0].records[*].item',
    where: /^starter:DropCopiesInBatch ResultSelector\.items\.\$$/,
    safety: Safety.ALWAYS_MATCHES,
    reason: 'reached only when AnythingToStart saw an item, so ArrayUnique of the kept records has one; and any error is caught (KeepCopies)',
  },
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
