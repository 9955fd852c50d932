/**
 * Every JSONPath an Amazon States Language definition (QueryLanguage JSONPath) evaluates, found by
 * walking its states: the path fields (InputPath, OutputPath, ResultPath, ItemsPath, the `...Path`
 * numbers and timestamps), the `.$` values of Parameters, ItemSelector, ResultSelector, Assign,
 * ItemReader/ItemBatcher/ResultWriter (including the paths passed to intrinsic functions, at any
 * depth), Choice rules' Variable and `...Path` comparisons, a Fail state's ErrorPath/CausePath,
 * and each Catch's ResultPath. States inside Map item processors and Parallel branches are walked
 * too. JSONata states and fields (`{% ... %}`) hold no JSONPath and are skipped.
 *
 * Used by the inventory of indefinite paths (indefinite-paths-inventory.test.ts), issue 27.
 */

/** One path a definition evaluates. */
export interface PathUse {
  /** The state, with the Map/Parallel states it is nested in: `RunItemsInline/Summarize`. */
  readonly state: string;
  /** The field, e.g. `ResultSelector.failedItems.$`, `Choices[0].And[1].Variable`, `CausePath`. */
  readonly field: string;
  /** The path as written (`$.a`, `$$.Map.Item.Index`, `$[?(@.error)]`). */
  readonly path: string;
  /** Whether it is an argument of an intrinsic function (the field's value is `States.X(...)`). */
  readonly inIntrinsic: boolean;
}

/** Fields whose whole value is a path. */
const PATH_FIELDS = [
  'InputPath', 'OutputPath', 'ResultPath', 'ItemsPath', 'MaxConcurrencyPath', 'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath', 'TimeoutSecondsPath', 'HeartbeatSecondsPath', 'SecondsPath', 'TimestampPath',
] as const;

/** Objects whose `.$` keys (at any depth) hold a path or an intrinsic function. */
const TEMPLATE_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector', 'Assign', 'Credentials'] as const;

/** Every path `definition` evaluates, in the order of its states. */
export function pathUses(definition: any): PathUse[] {
  const uses: PathUse[] = [];
  walkStates(definition, '', definition.QueryLanguage ?? 'JSONPath', uses);
  return uses;
}

function walkStates(machine: any, prefix: string, inheritedLanguage: string, uses: PathUse[]): void {
  for (const [name, state] of Object.entries<any>(machine.States ?? {})) {
    const where = prefix ? `${prefix}/${name}` : name;
    const language = state.QueryLanguage ?? inheritedLanguage;
    if (language === 'JSONPath') {
      walkState(state, where, uses);
    }
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) walkStates(processor, where, language, uses);
    for (const [i, branch] of (state.Branches ?? []).entries()) walkStates(branch, `${where}/Branches[${i}]`, language, uses);
  }
}

function walkState(state: any, where: string, uses: PathUse[]): void {
  const add = (field: string, value: unknown) => {
    if (typeof value === 'string') addValue(uses, where, field, value);
  };
  for (const field of PATH_FIELDS) add(field, state[field]);
  for (const field of TEMPLATE_FIELDS) walkTemplate(state[field], field, (f, v) => add(f, v));
  if (state.ItemReader) {
    walkTemplate(state.ItemReader.Parameters, 'ItemReader.Parameters', (f, v) => add(f, v));
    add('ItemReader.ReaderConfig.MaxItemsPath', state.ItemReader.ReaderConfig?.MaxItemsPath);
  }
  if (state.ItemBatcher) {
    add('ItemBatcher.MaxItemsPerBatchPath', state.ItemBatcher.MaxItemsPerBatchPath);
    add('ItemBatcher.MaxInputBytesPerBatchPath', state.ItemBatcher.MaxInputBytesPerBatchPath);
    walkTemplate(state.ItemBatcher.BatchInput, 'ItemBatcher.BatchInput', (f, v) => add(f, v));
  }
  if (state.ResultWriter) walkTemplate(state.ResultWriter.Parameters, 'ResultWriter.Parameters', (f, v) => add(f, v));
  if (state.Type === 'Fail') {
    add('ErrorPath', state.ErrorPath);
    add('CausePath', state.CausePath);
  }
  for (const [i, rule] of (state.Choices ?? []).entries()) walkChoiceRule(rule, `Choices[${i}]`, add);
  for (const [i, catcher] of (state.Catch ?? []).entries()) add(`Catch[${i}].ResultPath`, catcher.ResultPath);
}

function walkChoiceRule(rule: any, field: string, add: (field: string, value: unknown) => void): void {
  add(`${field}.Variable`, rule.Variable);
  for (const [key, value] of Object.entries(rule)) {
    // StringEqualsPath, NumericLessThanPath, TimestampGreaterThanEqualsPath, ... compare with a path.
    if (key.endsWith('Path') && key !== 'Variable') add(`${field}.${key}`, value);
  }
  for (const op of ['And', 'Or'] as const) {
    for (const [i, inner] of (rule[op] ?? []).entries()) walkChoiceRule(inner, `${field}.${op}[${i}]`, add);
  }
  if (rule.Not) walkChoiceRule(rule.Not, `${field}.Not`, add);
}

/** Calls `visit` with each `.$` key's dotted field name and value, at any depth (arrays too). */
function walkTemplate(template: unknown, field: string, visit: (field: string, value: unknown) => void): void {
  if (Array.isArray(template)) {
    template.forEach((element, i) => walkTemplate(element, `${field}[${i}]`, visit));
  } else if (template && typeof template === 'object') {
    for (const [key, value] of Object.entries(template)) {
      if (key.endsWith('.$')) visit(`${field}.${key}`, value);
      else walkTemplate(value, `${field}.${key}`, visit);
    }
  }
}

function addValue(uses: PathUse[], state: string, field: string, value: string): void {
  const text = value.trim();
  if (text.startsWith('{%')) return; // JSONata
  if (text.startsWith('$')) {
    uses.push({ state, field, path: text, inIntrinsic: false });
    return;
  }
  if (/^States\.[A-Za-z]+\(/.test(text)) {
    for (const path of intrinsicPathArguments(text)) uses.push({ state, field, path, inIntrinsic: true });
  }
}

/**
 * The path arguments of an intrinsic function call, at any depth of nesting:
 * `States.Format('{} of {}', States.ArrayLength($[?(@.error)]), $.n)` gives `$[?(@.error)]` and `$.n`.
 * String literals (single-quoted, with `\` escapes) are skipped; a path runs to the next `,` or `)`
 * outside its own brackets and quotes.
 */
export function intrinsicPathArguments(call: string): string[] {
  const paths: string[] = [];
  let i = 0;
  let argumentStart = false;
  while (i < call.length) {
    const c = call[i];
    if (c === '\'') {
      i = skipQuoted(call, i);
      argumentStart = false;
      continue;
    }
    if (c === '(' || c === ',') {
      argumentStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    if (c === '$' && argumentStart) {
      const end = pathEnd(call, i);
      paths.push(call.slice(i, end).trim());
      i = end;
      argumentStart = false;
      continue;
    }
    argumentStart = false;
    i++;
  }
  return paths;
}

/** Index after the quoted string starting at `start` (a quote character). */
function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Index of the `,` or `)` that ends the path starting at `start`, outside brackets and quotes. */
function pathEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '\'' || c === '"') {
      i = skipQuoted(text, i);
      continue;
    }
    if (c === '[' || (c === '(' && depth > 0)) depth++;
    else if (c === ']' || (c === ')' && depth > 0)) depth--;
    else if (depth === 0 && (c === ',' || c === ')')) return i;
    i++;
  }
  return i;
}

/** The kinds of indefinite segment a path has, in Jayway's sense (empty for a definite path). */
export type IndefiniteKind = 'filter' | 'deep scan' | 'wildcard' | 'slice' | 'union';

/**
 * What makes `path` indefinite: a filter `[?(...)]`, a deep scan `..`, a wildcard `*`/`[*]`, a
 * slice `[a:b]` or a union `[0,1]`/`['a','b']`. Read off the text, outside quotes; the harness's
 * `isIndefinitePath` (jsonpath-plus's parse) must agree, which the inventory test checks.
 */
export function indefiniteKinds(path: string): IndefiniteKind[] {
  const kinds = new Set<IndefiniteKind>();
  // Look at bracket contents and the dotted parts, with quoted names blanked out.
  const unquoted = path.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, (m) => (m.length > 2 ? '\'q\'' : m));
  if (unquoted.includes('..')) kinds.add('deep scan');
  if (/\.\*|\[\s*\*\s*\]/.test(unquoted)) kinds.add('wildcard');
  for (const [, inside] of unquoted.matchAll(/\[([^\]]*)\]/g)) {
    if (inside.trim().startsWith('?')) kinds.add('filter');
    else if (/^\s*-?\d*\s*:\s*-?\d*\s*(:\s*-?\d*\s*)?$/.test(inside)) kinds.add('slice');
    else if (inside.includes(',')) kinds.add('union');
  }
  return [...kinds];
}
