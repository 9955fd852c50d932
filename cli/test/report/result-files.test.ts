import { promises as fs, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { FolderStore } from '../../src/report/folder-store';
import { JsonEntrySplitter } from '../../src/report/json-entries';
import { itemResultOfEntry, parseManifest, parseResultEntries, readRunFromStore, scanRunFromStore } from '../../src/report/result-files';

const record = { outcome: 'SUCCEEDED', attempts: 1, capacity: 'FARGATE', cpu: '256', memory: '512', startedAt: 1000, stoppedAt: 61000, exitCode: 0, earlier: {} };

async function folderWith(files: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fan-out-report-files-'));
  for (const [key, body] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, key)), { recursive: true });
    await fs.writeFile(path.join(dir, key), typeof body === 'string' ? body : JSON.stringify(body));
  }
  return dir;
}

describe('result files', () => {
  test('manifest: the files by status, as Step Functions writes them', () => {
    const manifest = parseManifest(JSON.stringify({
      DestinationBucket: 'b',
      MapRunArn: 'arn:aws:states:us-east-1:1:mapRun:sm/FanOut:abc',
      ResultFiles: { FAILED: [{ Key: 'p/abc/FAILED_0.json', Size: 10 }], PENDING: [], SUCCEEDED: [{ Key: 'p/abc/SUCCEEDED_0.json', Size: 10 }, { Key: 'p/abc/SUCCEEDED_1.json', Size: 10 }] },
    }), 'm');
    expect(manifest.files).toEqual({ SUCCEEDED: ['p/abc/SUCCEEDED_0.json', 'p/abc/SUCCEEDED_1.json'], FAILED: ['p/abc/FAILED_0.json'], PENDING: [] });
    expect(() => parseManifest('{"files": []}', 'where')).toThrow(/where is not a Distributed Map result manifest/);
  });

  test('entries: a JSON array or JSON Lines', () => {
    expect(parseResultEntries('[{"a":1},{"a":2}]', 'f')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseResultEntries('{"a":1}\n{"a":2}\n', 'f')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseResultEntries('{"a":1}\nnot json', 'f')).toThrow(/f: line 2 is not JSON/);
  });

  test('a SUCCEEDED entry: the item from its Input, the record from its Output', () => {
    const result = itemResultOfEntry({ Status: 'SUCCEEDED', Input: '{"index":7,"item":{"id":7}}', Output: JSON.stringify(record) }, 'src');
    expect(result).toMatchObject({ index: 7, items: 1, outcome: 'SUCCEEDED', source: 'src' });
    expect(result.record!.tasks[0]).toMatchObject({ capacity: 'FARGATE', startedAt: 1000, stoppedAt: 61000 });
  });

  test('a FAILED entry: the record from its Cause (with the ECS cause added), a batch counted by its items', () => {
    const cause = JSON.stringify({ ...record, outcome: 'FAILED', error: 'States.TaskFailed', exitCode: [2], cause: '{"StopCode":"EssentialContainerExited"}' });
    const result = itemResultOfEntry({ Status: 'FAILED', Input: '{"Items":[{"id":1},{"id":2},{"id":3}]}', Error: 'States.TaskFailed', Cause: cause }, 'src');
    expect(result).toMatchObject({ index: undefined, items: 3, outcome: 'FAILED', error: 'States.TaskFailed' });
    expect(result.record!.tasks[0].exitCode).toBe(2);
  });

  test('a FAILED entry whose Cause is not a record still counts, with its Error', () => {
    const result = itemResultOfEntry({ Status: 'FAILED', Input: '{"index":3,"item":{}}', Error: 'States.Timeout', Cause: 'The task timed out' }, 'src');
    expect(result).toEqual({ index: 3, items: 1, outcome: 'FAILED', error: 'States.Timeout', record: undefined, source: 'src' });
    expect(itemResultOfEntry({ Status: 'ABORTED', Input: '{}' }, 's')).toMatchObject({ outcome: 'FAILED', error: 'States.ABORTED' });
  });

  test('a folder copied anywhere: the manifest\'s files are found next to it; entries without a record are noted', async () => {
    const dir = await folderWith({
      'copy/manifest.json': { ResultFiles: { SUCCEEDED: [{ Key: 'elsewhere/run/SUCCEEDED_0.json', Size: 1 }], FAILED: [{ Key: 'elsewhere/run/FAILED_0.json', Size: 1 }], PENDING: [{ Key: 'elsewhere/run/PENDING_0.json', Size: 1 }] } },
      'copy/SUCCEEDED_0.json': [{ Status: 'SUCCEEDED', Input: '{"index":0,"item":1}', Output: JSON.stringify(record) }, { Status: 'SUCCEEDED', Input: '{"index":1,"item":1}', Output: '{}' }],
      'copy/FAILED_0.json': [{ Status: 'FAILED', Input: '{"index":2,"item":1}', Error: 'States.TaskFailed', Cause: 'not json' }],
      'copy/PENDING_0.json': [{ Status: 'PENDING', Input: '{"Items":[1,2]}' }],
    });
    const run = await readRunFromStore(new FolderStore(dir));
    expect(run.results.map((r) => [r.index, r.outcome, !!r.record])).toEqual([[0, 'SUCCEEDED', true], [1, 'SUCCEEDED', false], [2, 'FAILED', false]]);
    expect(run.pendingItems).toBe(2);
    expect(run.notes).toEqual(['2 of 3 results carry no item record (no task times, sizes or stop codes): they count by outcome only']);
  });

  test('inline failure files: index, error and record; the index from the name when the body is not JSON', async () => {
    const dir = await folderWith({
      'p/inline/exec-1/failed-4.json': { index: 4, item: { id: 4 }, error: 'States.TaskFailed', cause: '{}', record: { ...record, outcome: 'FAILED', exitCode: [1] } },
      'p/inline/exec-1/failed-9.json': 'truncated {',
    });
    const run = await readRunFromStore(new FolderStore(dir));
    expect(run.mode).toBe('inline');
    expect(run.results.map((r) => [r.index, r.error, r.record?.tasks[0].exitCode])).toEqual([[4, 'States.TaskFailed', 1], [9, undefined, undefined]]);
  });

  test('fails naming the runs when a folder holds several, and when it holds none', async () => {
    const dir = await folderWith({
      'a/run1/manifest.json': { ResultFiles: {} },
      'a/inline/exec-2/failed-0.json': {},
    });
    await expect(readRunFromStore(new FolderStore(dir))).rejects.toThrow(/holds the results of 2 runs; name one of them:\n.*a\/run1\n.*a\/inline\/exec-2/);
    await expect(readRunFromStore(new FolderStore(await folderWith({ 'x.txt': 'hello' })))).rejects.toThrow(/no run results under/);
  });
});

describe('result files read as streams, entry by entry', () => {
  const entries = [
    { Status: 'SUCCEEDED', Input: '{"index":1,"item":"a, [b] {c}"}', Output: '{"quote":"\\"","slash":"\\\\"}' },
    { Status: 'FAILED', Cause: 'line\nbreak ] , }', Error: 'States.TaskFailed' },
    [1, { nested: [2, 3] }],
    'text with "quotes" and ,',
    42,
  ];

  /** Splits `text` into chunks at the given positions and reads it. */
  function read(text: string, cuts: number[]): unknown[] {
    const out: unknown[] = [];
    const splitter = new JsonEntrySplitter('f', (entry) => out.push(entry));
    let from = 0;
    for (const cut of [...cuts, text.length]) {
      splitter.push(text.slice(from, cut));
      from = cut;
    }
    splitter.end();
    return out;
  }

  test.each([
    ['a JSON array', JSON.stringify(entries)],
    ['a pretty-printed JSON array', JSON.stringify(entries, null, 2)],
    ['JSON Lines', `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`],
  ])('%s: the same entries however the text is cut into chunks', (_, text) => {
    expect(read(text, [])).toEqual(entries);
    for (let cut = 0; cut <= text.length; cut++) expect(read(text, [cut])).toEqual(entries);
    expect(read(text, Array.from({ length: text.length }, (__, i) => i))).toEqual(entries);
  });

  test('an empty array, an empty file', () => {
    expect(read('[]', [])).toEqual([]);
    expect(read(' [ \n ] \n', [2])).toEqual([]);
    expect(read('', [])).toEqual([]);
  });

  test('fails naming the file and the entry or line', () => {
    expect(() => read('[{"a":1},{"a":2}', [])).toThrow(/f: the array is not closed/);
    expect(() => read('[{"a":1},,{"a":2}]', [])).toThrow(/f: entry 2 is empty/);
    expect(() => read('[{"a":1},{"a":tru}]', [])).toThrow(/f: entry 2 \(line 1\) is not JSON/);
    expect(() => read('[1] 2', [])).toThrow(/f: text after the array's end/);
  });

  test('the folder store streams a file in chunks of 1 MiB and the scan hands over every entry', async () => {
    const count = 30_000;
    const dir = await folderWith({
      'run/manifest.json': { ResultFiles: { SUCCEEDED: [{ Key: 'x/run/SUCCEEDED_0.json' }], FAILED: [], PENDING: [] } },
      'run/SUCCEEDED_0.json': Array.from({ length: count }, (_, i) => ({ Status: 'SUCCEEDED', Input: JSON.stringify({ index: i }), Output: JSON.stringify({ ...record, pad: 'x'.repeat(40) }) })),
    });
    const indices: number[] = [];
    const info = await scanRunFromStore(new FolderStore(dir), {}, (result) => indices.push(result.index!));
    expect(indices).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(info).toMatchObject({ mode: 'distributed', everyItemHasResult: true, pendingItems: 0 });
    expect((await fs.stat(path.join(dir, 'run/SUCCEEDED_0.json'))).size).toBeGreaterThan(2 * 2 ** 20);
  });
});
