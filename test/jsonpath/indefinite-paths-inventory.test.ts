/**
 * Issue 27, item 1: every indefinite JSONPath of every definition the library synthesizes is in
 * the inventory (indefinite-paths-inventory.ts) with how it is made safe, and a new one that is
 * not fails this test.
 */
import { indefiniteKinds, intrinsicPathArguments, pathUses } from './asl-paths';
import { everyDefinition, SynthesizedDefinition } from './every-definition';
import { classify, countByKind, INDEFINITE_PATHS, IndefinitePathEntry, Safety, useKey } from './indefinite-paths-inventory';
import { isIndefinitePath } from '../harness/indefinite-paths';

jest.setTimeout(120_000);

interface Found {
  readonly definition: SynthesizedDefinition;
  readonly key: string;
  readonly path: string;
  readonly entry: IndefinitePathEntry | undefined;
}

/** Every indefinite path use, with its classification (undefined: not in the table). */
function inventory(definitions: readonly SynthesizedDefinition[]): Found[] {
  return definitions.flatMap((definition) => pathUses(definition.definition)
    .filter((use) => indefiniteKinds(use.path).length > 0)
    .map((use) => ({ definition, key: useKey(definition.role, use), path: use.path, entry: classify(definition.role, use) })));
}

/** What the test reports for unclassified uses: one line per path and place, with a configuration. */
function unclassified(found: readonly Found[]): string[] {
  const lines = new Map<string, string>();
  for (const f of found.filter((x) => !x.entry)) {
    const line = `${f.path} at ${f.key}`;
    if (!lines.has(line)) lines.set(line, `${line} (first in "${f.definition.configuration}")`);
  }
  return [...lines.values()];
}

describe('the inventory of indefinite JSONPaths', () => {
  const definitions = everyDefinition();
  const found = inventory(definitions);

  test('covers every kind of state machine the library builds, in every mode', () => {
    const roles = new Set(definitions.map((d) => d.role));
    expect([...roles].sort()).toEqual(['main', 'pool cleanup', 'starter']);
    const states = new Set(definitions.flatMap((d) => pathUses(d.definition).map((u) => u.state.split('/')[0])));
    for (const state of ['RunItemsInline', 'RunItemsDistributed', 'CheckEachLease', 'RecordsToItems']) expect(states).toContain(state);
    expect(definitions.length).toBeGreaterThan(40);
  });

  test('every indefinite path is classified in the table', () => {
    expect(found.length).toBeGreaterThan(200);
    expect(unclassified(found)).toEqual([]);
  });

  test('every row of the table is still used (no stale rows)', () => {
    const used = new Set(found.map((f) => f.entry));
    expect(INDEFINITE_PATHS.filter((entry) => !used.has(entry)).map((e) => `${e.path} at ${e.where}`)).toEqual([]);
  });

  test('every row says how it is made safe, or that it is not', () => {
    for (const entry of INDEFINITE_PATHS) {
      expect(Object.values(Safety)).toContain(entry.safety);
      expect(entry.reason.length).toBeGreaterThan(20);
      expect(indefiniteKinds(entry.path).length).toBeGreaterThan(0);
    }
  });

  test('the kinds read off the text agree with the harness\'s isIndefinitePath (jsonpath-plus\'s parse), on every path of every definition', () => {
    const paths = new Set(definitions.flatMap((d) => pathUses(d.definition).map((u) => u.path)));
    expect(paths.size).toBeGreaterThan(150);
    const disagreeing = [...paths].filter((path) => isIndefinitePath(path) !== (indefiniteKinds(path).length > 0));
    expect(disagreeing).toEqual([]);
  });

  test('what the inventory holds: 4 filters, 3 deep scans, 1 wildcard, nothing else; none relies on [] for no match (issue 27)', () => {
    const distinct = [...new Set(found.map((f) => f.path))].sort();
    expect(countByKind(distinct)).toEqual({ 'filter': 4, 'deep scan': 3, 'wildcard': 1, 'slice': 0, 'union': 0 });
    const bySafety = (safety: Safety) => INDEFINITE_PATHS.filter((e) => e.safety === safety).map((e) => e.path);
    expect(bySafety(Safety.UNSAFE)).toEqual([]);
    expect(bySafety(Safety.WILDCARD)).toEqual([]);
    expect(bySafety(Safety.ALWAYS_MATCHES)).toEqual(['$.stop..ExitCode', '$.BatchInput.stop..ExitCode', '$..ExitCode']);
    expect(bySafety(Safety.GUARDED)).toHaveLength(5);
  });

  test('a new unclassified path fails the inventory, naming the path, the state and the configuration', () => {
    const [first] = definitions.filter((d) => d.role === 'main' && d.configuration === 'INLINE, ON_DEMAND');
    const changed = JSON.parse(JSON.stringify(first.definition));
    changed.States.RunItemsInline.ResultSelector['exitCodes.$'] = '$..ExitCode';
    changed.States.RunItemsInline.ResultSelector['firstTwo.$'] = 'States.ArrayLength($[0:2])';
    const withNew = inventory([{ ...first, definition: changed }]);
    expect(unclassified(withNew)).toEqual([
      '$..ExitCode at main:RunItemsInline ResultSelector.exitCodes.$ (first in "INLINE, ON_DEMAND")',
      '$[0:2] at main:RunItemsInline ResultSelector.firstTwo.$ (first in "INLINE, ON_DEMAND")',
    ]);
    // A known path in a place the table does not name is new too.
    const moved = JSON.parse(JSON.stringify(first.definition));
    moved.States.RunItemsInline.ResultSelector['errors.$'] = '$.outputs[?(@.error)]';
    expect(unclassified(inventory([{ ...first, definition: moved }]))).toEqual([
      '$.outputs[?(@.error)] at main:RunItemsInline ResultSelector.errors.$ (first in "INLINE, ON_DEMAND")',
    ]);
  });
});

describe('pathUses and intrinsicPathArguments', () => {
  test('paths inside intrinsic functions, at any depth, skipping string literals', () => {
    expect(intrinsicPathArguments('States.Format(\'{} of {} failed, $.x\', States.ArrayLength($[?(@.error)]), $.n)')).toEqual(['$[?(@.error)]', '$.n']);
    expect(intrinsicPathArguments('States.ArrayGetItem($.a[*].b, States.MathAdd($$.Map.Item.Index, 1))')).toEqual(['$.a[*].b', '$$.Map.Item.Index']);
    expect(intrinsicPathArguments('States.Hash(States.JsonToString($[?(@.k == \'a,b)\')]), \'SHA-256\')')).toEqual(['$[?(@.k == \'a,b)\')]']);
  });

  test('every JSONPath field of every state type, nested Map and Parallel states, and no JSONata', () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', InputPath: '$.i', OutputPath: '$.o', ResultPath: '$.r', Parameters: { 'x.$': '$.p', 'deep': [{ 'y.$': 'States.Array($..q)' }] }, Next: 'B' },
        B: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrencyPath: '$.mc',
          ToleratedFailurePercentagePath: '$.tp',
          ItemSelector: { 'v.$': '$$.Map.Item.Value' },
          ItemReader: { Resource: 'r', Parameters: { 'Bucket.$': '$.b' }, ReaderConfig: { MaxItemsPath: '$.mi' } },
          ItemBatcher: { MaxItemsPerBatchPath: '$.mb', BatchInput: { 'k.$': '$.k[*]' } },
          ResultWriter: { Parameters: { 'Prefix.$': '$.pre' } },
          ResultSelector: { 'f.$': '$[?(@.error)]' },
          ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Task', Resource: 'r', TimeoutSecondsPath: '$.t', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Next: 'D' }], End: true }, D: { Type: 'Succeed' } } },
          Next: 'P',
        },
        P: { Type: 'Parallel', Branches: [{ StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } }], Next: 'J' },
        J: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $states.input %}', Next: 'Q' },
        Q: { Type: 'Choice', Choices: [{ And: [{ Variable: '$.v1', IsPresent: true }, { Not: { Variable: '$.v2', StringEqualsPath: '$.v3' } }], Next: 'F' }], Default: 'F' },
        F: { Type: 'Fail', ErrorPath: '$.err', CausePath: 'States.Format(\'{}\', $.c)' },
      },
    };
    expect(pathUses(definition).map((u) => `${u.state} ${u.field} ${u.path}`)).toEqual([
      'A InputPath $.i', 'A OutputPath $.o', 'A ResultPath $.r', 'A Parameters.x.$ $.p', 'A Parameters.deep[0].y.$ $..q',
      'B ItemsPath $.items', 'B MaxConcurrencyPath $.mc', 'B ToleratedFailurePercentagePath $.tp', 'B ItemSelector.v.$ $$.Map.Item.Value',
      'B ResultSelector.f.$ $[?(@.error)]', 'B ItemReader.Parameters.Bucket.$ $.b', 'B ItemReader.ReaderConfig.MaxItemsPath $.mi',
      'B ItemBatcher.MaxItemsPerBatchPath $.mb', 'B ItemBatcher.BatchInput.k.$ $.k[*]', 'B ResultWriter.Parameters.Prefix.$ $.pre',
      'B/C TimeoutSecondsPath $.t', 'B/C Catch[0].ResultPath $.e',
      'P/Branches[0]/W SecondsPath $.s',
      'Q Choices[0].And[0].Variable $.v1', 'Q Choices[0].And[1].Not.Variable $.v2', 'Q Choices[0].And[1].Not.StringEqualsPath $.v3',
      'F ErrorPath $.err', 'F CausePath $.c',
    ]);
  });

  test('indefiniteKinds names each kind, and none for definite paths', () => {
    expect(indefiniteKinds('$[?(@.a == \'x\')]')).toEqual(['filter']);
    expect(indefiniteKinds('$.stop..ExitCode')).toEqual(['deep scan']);
    expect(indefiniteKinds('$.a[*].b')).toEqual(['wildcard']);
    expect(indefiniteKinds('$.a.*')).toEqual(['wildcard']);
    expect(indefiniteKinds('$.a[1:3]')).toEqual(['slice']);
    expect(indefiniteKinds('$.a[0,1]')).toEqual(['union']);
    expect(indefiniteKinds('$[\'a\',\'b\']')).toEqual(['union']);
    expect(indefiniteKinds('$.a[0].b')).toEqual([]);
    expect(indefiniteKinds('$$.Map.Item.Value')).toEqual([]);
    expect(indefiniteKinds('$[\'a..b\']')).toEqual([]);
  });
});
