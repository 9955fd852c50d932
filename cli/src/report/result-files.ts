import { parseItemRecord, parseJson } from './item-record';
import { parseJsonEntries, readJsonEntries } from './json-entries';
import { ResultStore } from './result-store';
import { ItemResult, RunInfo, RunResults } from './run-results';

/**
 * The Distributed Map's result files (ResultWriter): `manifest.json` lists the `SUCCEEDED_<n>.json`,
 * `FAILED_<n>.json` and `PENDING_<n>.json` files written next to it, each an array (or JSON Lines)
 * of child executions: `ExecutionArn`, `Input` (a JSON string), `Status`, `StartDate`, `StopDate`,
 * and `Output` (a JSON string) on success or `Error` and `Cause` on failure.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 */
export interface ResultManifest {
  readonly destinationBucket?: string;
  readonly mapRunArn?: string;
  readonly files: { readonly SUCCEEDED: string[]; readonly FAILED: string[]; readonly PENDING: string[] };
}

export const MANIFEST_FILE = 'manifest.json';

/** An inline run's failed item: `<resultPrefix>/inline/<executionName>/failed-<index>.json`. */
const INLINE_FAILURE = /(?:^|\/)failed-(\d+)\.json$/;

export function parseManifest(text: string, where: string): ResultManifest {
  const json = parseJson(text) as any;
  if (!json || typeof json !== 'object' || typeof json.ResultFiles !== 'object' || json.ResultFiles === null) {
    throw new Error(`${where} is not a Distributed Map result manifest (no ResultFiles)`);
  }
  const keys = (list: unknown): string[] => (Array.isArray(list) ? list.map((f: any) => (typeof f === 'string' ? f : f?.Key)).filter((k): k is string => typeof k === 'string') : []);
  return {
    destinationBucket: typeof json.DestinationBucket === 'string' ? json.DestinationBucket : undefined,
    mapRunArn: typeof json.MapRunArn === 'string' ? json.MapRunArn : undefined,
    files: { SUCCEEDED: keys(json.ResultFiles.SUCCEEDED), FAILED: keys(json.ResultFiles.FAILED), PENDING: keys(json.ResultFiles.PENDING) },
  };
}

/**
 * The entries of one result file's text: a JSON array, or JSON Lines (`OutputType: JSONL`). For a
 * small file; the report streams result files (readJsonEntries), which may be 5 GB each.
 */
export function parseResultEntries(text: string, where: string): any[] {
  return parseJsonEntries(text, where);
}

/** The item index and item count a child's input gives: `{ index, item }` or a batch `{ Items }`. */
function itemsOfInput(input: unknown): { index?: number; items: number } {
  const value = typeof input === 'string' ? parseJson(input) : input;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.Items)) return { items: v.Items.length };
    if (typeof v.index === 'number') return { index: v.index, items: 1 };
  }
  return { items: 1 };
}

/** One result-file entry as an item result. */
export function itemResultOfEntry(entry: any, source: string): ItemResult {
  const { index, items } = itemsOfInput(entry?.Input);
  if (entry?.Status === 'SUCCEEDED') {
    const output = typeof entry.Output === 'string' ? parseJson(entry.Output) : entry.Output;
    return { index, items, outcome: 'SUCCEEDED', record: parseItemRecord(output, 'SUCCEEDED'), source };
  }
  // FAILED, TIMED_OUT, ABORTED: the item did not succeed. The Cause is the record (with the
  // original ECS cause added) when the workflow wrote it, or any other text.
  const cause = typeof entry?.Cause === 'string' ? parseJson(entry.Cause) : entry?.Cause;
  const record = parseItemRecord(cause, 'FAILED');
  const error = typeof entry?.Error === 'string' ? entry.Error : record?.error ?? (typeof entry?.Status === 'string' ? `States.${entry.Status}` : undefined);
  return { index, items, outcome: 'FAILED', error, record, source };
}

/** One inline failure file, `{ index, item, error, cause, record }`. */
export function itemResultOfInlineFailure(text: string, key: string, source: string): ItemResult {
  const json = parseJson(text) as any;
  const fromKey = INLINE_FAILURE.exec(key);
  const index = typeof json?.index === 'number' ? json.index : fromKey ? Number(fromKey[1]) : undefined;
  const record = parseItemRecord(json?.record, 'FAILED');
  const error = typeof json?.error === 'string' ? json.error : record?.error;
  return { index, items: 1, outcome: 'FAILED', error, record, source };
}

/** What is known about the run apart from its files (from the execution, when read by ARN). */
export type RunContext = Partial<Pick<RunResults, 'summary' | 'execution' | 'mapRun'>> & {
  /** Set when the run is known to be inline (its execution output said so). */
  readonly mode?: RunResults['mode'];
};

function dirname(key: string): string {
  const i = key.lastIndexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

function basename(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/**
 * Finds one run's results under the store's root and reads them: a Distributed Map's
 * `manifest.json` and the files it lists, or an inline run's `failed-<index>.json` files. A root
 * that holds several runs is an error that lists them, so the caller can pick one. Every result
 * goes to `onResult` as it is read (result files are streamed, entry by entry): nothing is kept
 * here, so a run of any size reads in bounded memory.
 */
export async function scanRunFromStore(store: ResultStore, context: RunContext, onResult: (result: ItemResult) => void): Promise<RunInfo> {
  const keys = await store.list('');
  const manifests = keys.filter((k) => basename(k) === MANIFEST_FILE);
  const inlineDirs = [...new Set(keys.filter((k) => INLINE_FAILURE.test(k)).map(dirname))];
  const notes: string[] = [];

  if (manifests.length > 1 || (manifests.length === 1 && inlineDirs.length > 0) || inlineDirs.length > 1) {
    const runs = [...manifests.map((k) => store.describe(dirname(k))), ...inlineDirs.map((d) => store.describe(d))];
    throw new Error(`${store.location} holds the results of ${runs.length} runs; name one of them:\n  ${runs.join('\n  ')}`);
  }

  if (manifests.length === 1) {
    const manifestKey = manifests[0];
    const manifest = parseManifest(await store.read(manifestKey), store.describe(manifestKey));
    let results = 0;
    let pendingItems = 0;
    let unreadable = 0;
    // The manifest names full S3 keys; the files sit next to it, wherever the folder was copied.
    const near = (key: string) => (dirname(manifestKey) === '' ? basename(key) : `${dirname(manifestKey)}/${basename(key)}`);
    for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
      for (const fileKey of manifest.files[status]) {
        const key = near(fileKey);
        const where = store.describe(key);
        await readJsonEntries(await store.stream(key), where, (entry: any, i) => {
          if (status === 'PENDING') {
            pendingItems += itemsOfInput(entry?.Input).items;
            return;
          }
          const result = itemResultOfEntry(status === 'FAILED' && entry?.Status === 'SUCCEEDED' ? { ...entry, Status: 'FAILED' } : entry, `${where}[${i}]`);
          if (!result.record) unreadable++;
          results++;
          onResult(result);
        });
      }
    }
    if (unreadable > 0) {
      notes.push(`${unreadable} of ${results} results carry no item record (no task times, sizes or stop codes): they count by outcome only`);
    }
    return {
      source: store.location,
      mode: 'distributed',
      everyItemHasResult: true,
      pendingItems,
      summary: context.summary,
      execution: context.execution,
      mapRun: { ...context.mapRun, arn: context.mapRun?.arn ?? manifest.mapRunArn },
      notes,
    };
  }

  if (inlineDirs.length === 1 || context.mode === 'inline') {
    const failureKeys = keys.filter((k) => INLINE_FAILURE.test(k));
    let unreadable = 0;
    for (const key of failureKeys) {
      const result = itemResultOfInlineFailure(await store.read(key), key, store.describe(key));
      if (!result.record) unreadable++;
      onResult(result);
    }
    if (unreadable > 0) notes.push(`${unreadable} of ${failureKeys.length} failure files carry no item record: they count by error only`);
    return {
      source: store.location,
      mode: 'inline',
      everyItemHasResult: false,
      pendingItems: 0,
      summary: context.summary,
      execution: context.execution,
      notes,
    };
  }

  throw new Error(`no run results under ${store.location}: expected a Distributed Map's ${MANIFEST_FILE} (with its SUCCEEDED_n.json and FAILED_n.json) or an inline run's failed-<index>.json files`);
}

/** Reads one run's results whole (for tests and small runs): scanRunFromStore, every result kept. */
export async function readRunFromStore(store: ResultStore, context: RunContext = {}): Promise<RunResults> {
  const results: ItemResult[] = [];
  const info = await scanRunFromStore(store, context, (result) => results.push(result));
  return { ...info, results };
}
