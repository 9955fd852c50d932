import * as FakeTimers from '@sinonjs/fake-timers';
import { HistoryCounter, InterpreterEvent } from './history-budget';
import { activateIndefinitePathCorrection, correctIndefinitePathsByDefault } from './indefinite-paths';
import { isJsonataState, JsonataStates, jsonataHandlers, restoreStateType, rewriteJsonataStates, rewriteVariableReferences, VARIABLES_CONTEXT_FIELD } from './jsonata-states';
import { seededRandom } from './simulated-ecs';

/** Step Functions payload quota: 262,144 bytes of UTF-8 JSON (aws-facts.md 1.1). */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/** AWS's default MaxConcurrency for a Distributed Map (the interpreter's default, 40, is the inline one). */
export const DISTRIBUTED_MAP_DEFAULT_MAX_CONCURRENCY = 10_000;

/** TimeoutSeconds of the Task state that stands in for a Distributed Map (below setTimeout's 2^31 ms ceiling). */
export const DISTRIBUTED_MAP_TASK_TIMEOUT_SECONDS = 2_000_000;

/** Default virtual start time: 2025-01-01T00:00:00Z. */
export const DEFAULT_START_TIME = Date.UTC(2025, 0, 1);

export type TaskHandler = (params: any) => Promise<any> | any;

export interface ExecuteWorkflowOptions {
  /** Local handlers by Task state name; each applies to every Task state with that name, at any depth. */
  readonly taskHandlers?: Record<string, TaskHandler>;
  /**
   * Items an `ItemReader` would read, for Distributed Map states that have one: one array
   * for every such Map, or arrays by Map state name. Items are used as read (parse CSV yourself).
   */
  readonly distributedItems?: readonly unknown[] | Record<string, readonly unknown[]>;
  /** Seed for `Math.random` during the run (the interpreter draws FULL jitter from it). @default 1 */
  readonly seed?: number;
  /** Virtual start time, ms since epoch. @default DEFAULT_START_TIME */
  readonly startTime?: number;
  /** Give up (throw) when virtual time passes this many ms. @default 366 days */
  readonly maxVirtualMs?: number;
  /** Validate the definition with the interpreter's validator (asl-validator) first. @default true */
  readonly validate?: boolean;
  /** Measure every state input/output and task parameter/result. @default true */
  readonly measurePayloads?: boolean;
  /** Keep the root execution's interpreter events in the result. @default false */
  readonly keepEvents?: boolean;
  /** Called for every interpreter event, of the root execution and of Distributed Map children. */
  readonly onEvent?: (event: any, execution: string) => void;
  /**
   * Keep stack traces on errors created during the run. Off by default: the interpreter's
   * JSONPath library throws an Error on every scalar lookup, and under jest that costs a third
   * of the run time. Turn on when debugging a handler.
   * @default false
   */
  readonly captureStackTraces?: boolean;
  /** Context object passed to the run (`$$`). */
  readonly context?: Record<string, unknown>;
  /**
   * Correct the interpreter toward AWS: an indefinite JSONPath (filter, wildcard, slice, union,
   * deep scan) that matches nothing gives `[]` instead of failing with `States.Runtime`
   * (see indefinite-paths.ts). Turn off to see the interpreter's own behaviour.
   * @default true, or false when the environment has HARNESS_INDEFINITE_PATHS=raw
   */
  readonly correctIndefinitePaths?: boolean;
}

export type PayloadKind =
  | 'executionInput'
  | 'executionOutput'
  | 'stateInput'
  | 'stateOutput'
  | 'taskParameters'
  | 'taskResult'
  | 'mapResult';

export interface PayloadRecord {
  readonly kind: PayloadKind;
  readonly bytes: number;
  /** `root`, or `<DistributedMapState>[<child index>]` for a Distributed Map child execution. */
  readonly execution: string;
  readonly stateName?: string;
  /** Map iteration index, when the event came from an inline Map iteration. */
  readonly index?: number;
}

export interface StatePayloadSizes {
  maxInputBytes: number;
  maxOutputBytes: number;
  maxTaskParametersBytes: number;
  maxTaskResultBytes: number;
  /** For Map states: raw result array before ResultSelector (inline Map: an upper-bound estimate). */
  maxMapResultBytes: number;
}

export interface PayloadSizes {
  readonly limitBytes: number;
  /** The largest payload seen, of any kind. */
  max?: PayloadRecord;
  readonly maxByKind: Partial<Record<PayloadKind, PayloadRecord>>;
  readonly byState: Record<string, StatePayloadSizes>;
  /** Payloads over the limit (first 50). */
  readonly overLimit: PayloadRecord[];
  overLimitCount: number;
  measured: number;
}

export interface MapRunReport {
  readonly stateName: string;
  readonly itemsRead: number;
  readonly childExecutions: number;
  succeeded: number;
  failed: number;
  aborted: number;
  readonly maxConcurrency: number;
  maxChildrenInFlight: number;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
  thresholdExceeded: boolean;
  /** Child outputs, in item order; a failed child is `{ Error, Cause }`, an unfinished one `null`. */
  readonly results: unknown[];
  /** Failed children, as the FAILED result files list them: the child's input, error and cause. */
  readonly failures: Array<{ index: number; Input: unknown; Error: string; Cause: string }>;
  /** Items of each child execution (1 each without an ItemBatcher), for DescribeMapRun's ItemCounts. */
  readonly itemsPerChild: number[];
  /** How each child ended, by child index; undefined for a child that never ran. */
  readonly childStatus: Array<'SUCCEEDED' | 'FAILED' | 'ABORTED' | undefined>;
  /** Largest estimated history of one child execution. */
  maxChildHistoryEvents: number;
  /** Each child's input, by child index (for result files: the `Input` of each entry). */
  readonly childInputs: readonly unknown[];
  /** When each child started and stopped (virtual ms), by child index; undefined for one that never ran. */
  readonly childTimes: Array<{ start: number; stop?: number } | undefined>;
  /** The Map Run's ARN, when a ResultWriter made the Map return one. */
  mapRunArn?: string;
  readonly resultWriter?: { Bucket: unknown; Prefix: unknown };
}

export interface ExecuteWorkflowResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: any;
  readonly error?: string;
  readonly cause?: string;
  /** Virtual time from start to the end of the execution. */
  readonly virtualMs: number;
  readonly wallMs: number;
  readonly payloads: PayloadSizes;
  /** Estimated AWS history events of the root execution (see history-budget.ts). */
  readonly history: { total: number; byEventType: Record<string, number> };
  /** One report per Distributed Map run (a retried Map state runs again). */
  readonly mapRuns: MapRunReport[];
  /** The definition actually run, after the Distributed Map rewrite. */
  readonly executedDefinition: any;
  /** The root execution's interpreter events, with `keepEvents`. */
  readonly events?: any[];
}

/** Definitions already validated in this process. */
const validDefinitions = new Set<string>();

type Interpreter = {
  StateMachine: new (definition: any, options?: any) => {
    run(input: unknown, options?: any): { abort: () => void; result: Promise<any>; eventLogs: AsyncIterable<any> };
  };
};

/** aws-local-stepfunctions 3 calls `Promise.withResolvers`, which Node 20 lacks. */
export function installPromiseWithResolvers(): void {
  const P = Promise as any;
  P.withResolvers ??= () => {
    let resolve: (value: unknown) => void;
    let reject: (reason?: unknown) => void;
    const promise = new Promise((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve: resolve!, reject: reject! };
  };
}

function loadInterpreter(): Interpreter {
  installPromiseWithResolvers();
  // Required lazily so the polyfill is in place first; the package is typed as ESM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('aws-local-stepfunctions') as Interpreter;
}

/**
 * Runs a state machine definition offline with aws-local-stepfunctions, in virtual time.
 *
 * Fake timers (`setTimeout`, `clearTimeout`, `Date`) are installed for the duration of the
 * call, so retry backoff, Wait states and simulated task durations cost no wall time.
 * Distributed Map states are run by the harness (see `README.md`).
 */
export async function executeWorkflow(definition: object, input: unknown, options: ExecuteWorkflowOptions = {}): Promise<ExecuteWorkflowResult> {
  const { StateMachine } = loadInterpreter();
  const wallStart = Date.now();

  if (options.validate ?? true) {
    const text = JSON.stringify(definition);
    if (!validDefinitions.has(text)) {
      // Throws with the validator's messages if the definition is invalid (about 200 ms a call).
      new StateMachine(JSON.parse(text));
      validDefinitions.add(text);
    }
  }

  const rewrite = rewriteDefinition(cloneJson(definition));
  for (const [name, state] of rewrite.distributedMaps) {
    if (state.ItemReader && !distributedItemsFor(options.distributedItems, name)) {
      throw new Error(`Distributed Map '${name}' has an ItemReader: pass the items it would read as options.distributedItems`);
    }
  }
  const payloads = newPayloadSizes();
  const measure = options.measurePayloads ?? true;
  const record = (kind: PayloadKind, value: unknown, execution: string, stateName?: string, index?: number) => {
    if (measure) recordPayload(payloads, { kind, bytes: jsonBytes(value), execution, stateName, index });
  };
  const historyOptions = { taskResources: rewrite.taskResources, distributedMapStates: new Set(rewrite.distributedMaps.keys()) };
  const mapRuns: MapRunReport[] = [];

  const handlers: Record<string, TaskHandler> = {};
  for (const [name, handler] of Object.entries(options.taskHandlers ?? {})) {
    if (rewrite.distributedMaps.has(name)) {
      throw new Error(`A task handler is named '${name}', which is also the name of a Distributed Map state; rename one`);
    }
    handlers[name] = async (params: any) => {
      record('taskParameters', params, 'task', name);
      const result = await handler(params);
      record('taskResult', result, 'task', name);
      return result;
    };
  }
  // `aws-sdk:sfn:describeMapRun` answers from the harness's own Map Run reports, as AWS would
  // once the Map Run has ended, unless the caller handles that state itself.
  for (const [name, resource] of rewrite.taskResources) {
    if (/:aws-sdk:sfn:describeMapRun$/.test(resource) && !handlers[name]) {
      handlers[name] = async (params: any) => describeMapRun(mapRuns, params.MapRunArn);
    }
  }
  // Handlers of one execution: the shared ones, and those of its Distributed Maps and JSONata
  // states, which know the execution's start and input.
  // Each execution has its own variables (see jsonata-states.ts), at $$.Variables for JSONPath.
  const runOptionsFor = (startTime: number, executionInput: unknown) => {
    const variables: Record<string, unknown> = {};
    return {
      context: { ...options.context, [VARIABLES_CONTEXT_FIELD]: variables },
      overrides: {
        taskResourceLocalHandlers: {
          ...handlers,
          ...distributedMapHandlers({ startTime, input: executionInput, context: options.context }),
          ...jsonataHandlers(rewrite.jsonataStates, handlers, { startTime, input: executionInput, context: options.context, variables }),
        },
      },
    };
  };

  // Consumes an execution's events: payload sizes, history estimate, callbacks.
  const consume = async (events: AsyncIterable<any>, execution: string, history: HistoryCounter, keep?: any[]) => {
    const mapResultBytes = new Map<string, number>();
    for await (const event of events) {
      restoreStateType(rewrite.jsonataStates, event);
      history.add(event as InterpreterEvent);
      keep?.push(event);
      options.onEvent?.(event, execution);
      if (!measure) continue;
      switch (event.type) {
        case 'ExecutionStarted':
          record('executionInput', event.input, execution);
          break;
        case 'ExecutionSucceeded':
          record('executionOutput', event.output, execution);
          break;
        case 'StateEntered':
          record('stateInput', event.state.input, execution, event.state.name, event.index);
          if (event.state.type === 'Map') mapResultBytes.delete(event.state.name);
          break;
        case 'StateExited':
          record('stateOutput', event.state.output, execution, event.state.name, event.index);
          if (event.state.type === 'Map' && mapResultBytes.has(event.state.name)) {
            recordPayload(payloads, { kind: 'mapResult', bytes: mapResultBytes.get(event.state.name)! + 1, execution, stateName: event.state.name });
            mapResultBytes.delete(event.state.name);
          }
          break;
        case 'MapIterationSucceeded': {
          const name = event.parentState?.name;
          mapResultBytes.set(name, (mapResultBytes.get(name) ?? 1) + jsonBytes(event.output) + 1);
          break;
        }
        default:
          break;
      }
    }
  };

  // Runs a Distributed Map state: items, ItemSelector, ItemBatcher, children, tolerance, ResultWriter.
  const runDistributedMap = async (name: string, state: any, mapInput: any, parent: ParentExecution): Promise<unknown> => {
    let items: unknown[];
    if (state.ItemReader) {
      const provided = distributedItemsFor(options.distributedItems, name)!;
      let maxItems: number | undefined = state.ItemReader.ReaderConfig?.MaxItems;
      if (state.ItemReader.ReaderConfig?.MaxItemsPath) {
        maxItems = await evaluatePath(StateMachine, state.ItemReader.ReaderConfig.MaxItemsPath, mapInput);
      }
      items = maxItems !== undefined && maxItems > 0 ? provided.slice(0, maxItems) : [...provided];
      const selector = state.ItemSelector ?? state.Parameters;
      if (selector) {
        items = await selectItems(StateMachine, { ItemsPath: '$$.__harnessItems', ItemSelector: selector }, mapInput, parent, { __harnessItems: items });
      }
    } else if (state.ItemsPath || state.ItemSelector || state.Parameters) {
      items = await selectItems(StateMachine, { ItemsPath: state.ItemsPath, ItemSelector: state.ItemSelector ?? state.Parameters }, mapInput, parent);
    } else {
      if (!Array.isArray(mapInput)) throw new Error(`Distributed Map '${name}': input is not an array and there is no ItemsPath or ItemReader`);
      items = mapInput;
    }

    const childInputs = state.ItemBatcher ? await batchItems(StateMachine, state.ItemBatcher, items, mapInput) : items;

    let maxConcurrency: number = state.MaxConcurrency ?? 0;
    if (state.MaxConcurrencyPath) maxConcurrency = await evaluatePath(StateMachine, state.MaxConcurrencyPath, mapInput);
    if (!maxConcurrency) maxConcurrency = DISTRIBUTED_MAP_DEFAULT_MAX_CONCURRENCY;
    let toleratedCount: number | undefined = state.ToleratedFailureCount;
    if (state.ToleratedFailureCountPath) toleratedCount = await evaluatePath(StateMachine, state.ToleratedFailureCountPath, mapInput);
    let toleratedPercentage: number | undefined = state.ToleratedFailurePercentage;
    if (state.ToleratedFailurePercentagePath) toleratedPercentage = await evaluatePath(StateMachine, state.ToleratedFailurePercentagePath, mapInput);

    const writerParameters = state.ResultWriter?.Parameters
      ? await evaluateTemplate(StateMachine, state.ResultWriter.Parameters, mapInput)
      : undefined;
    const report: MapRunReport = {
      stateName: name,
      itemsRead: items.length,
      childExecutions: childInputs.length,
      succeeded: 0,
      failed: 0,
      aborted: 0,
      maxConcurrency,
      maxChildrenInFlight: 0,
      toleratedFailureCount: toleratedCount,
      toleratedFailurePercentage: toleratedPercentage,
      thresholdExceeded: false,
      results: new Array(childInputs.length).fill(null),
      failures: [],
      itemsPerChild: childInputs.map((childInput: any) => (state.ItemBatcher ? childInput.Items.length : 1)),
      childStatus: new Array(childInputs.length).fill(undefined),
      maxChildHistoryEvents: 0,
      childInputs,
      childTimes: new Array(childInputs.length).fill(undefined),
      resultWriter: writerParameters ? { Bucket: writerParameters.Bucket, Prefix: writerParameters.Prefix } : undefined,
    };
    mapRuns.push(report);

    const exceeded = () => {
      const total = childInputs.length;
      const countOk = toleratedCount !== undefined && report.failed <= toleratedCount;
      const percentageOk = toleratedPercentage !== undefined && total > 0 && (report.failed / total) * 100 <= toleratedPercentage;
      return report.failed > 0 && !countOk && !percentageOk;
    };

    const child = new StateMachine(state.ItemProcessor, { validationOptions: { noValidate: true } });
    const running = new Set<() => void>();
    let inFlight = 0;
    let next = 0;
    let stopped = false;
    const runChild = async (index: number) => {
      const execution = child.run(childInputs[index], runOptionsFor(Date.now(), childInputs[index]));
      running.add(execution.abort);
      report.childTimes[index] = { start: Date.now() };
      inFlight++;
      report.maxChildrenInFlight = Math.max(report.maxChildrenInFlight, inFlight);
      const history = new HistoryCounter(historyOptions);
      const consumed = consume(execution.eventLogs, `${name}[${index}]`, history);
      try {
        report.results[index] = await execution.result;
        report.succeeded++;
        report.childStatus[index] = 'SUCCEEDED';
      } catch (err: any) {
        if (err?.name === 'ExecutionAbortedError') {
          report.aborted++;
          report.childStatus[index] = 'ABORTED';
        } else {
          const { error, cause } = describeFailure(err);
          report.failed++;
          report.childStatus[index] = 'FAILED';
          report.failures.push({ index, Input: childInputs[index], Error: error, Cause: cause });
          report.results[index] = { Error: error, Cause: cause };
          if (!stopped && exceeded()) {
            stopped = true;
            report.thresholdExceeded = true;
            for (const abort of running) abort();
          }
        }
      } finally {
        report.childTimes[index]!.stop = Date.now();
        running.delete(execution.abort);
        inFlight--;
        await consumed;
        report.maxChildHistoryEvents = Math.max(report.maxChildHistoryEvents, history.total);
      }
    };
    const worker = async () => {
      while (!stopped && next < childInputs.length) await runChild(next++);
    };
    await Promise.all(Array.from({ length: Math.min(maxConcurrency, childInputs.length) }, worker));

    // AWS writes a Map Run's results whether or not it passed its failure threshold.
    const runId = `${Date.now().toString(16)}-${mapRuns.length}`;
    if (writerParameters) report.mapRunArn = `arn:aws:states:us-east-1:123456789012:mapRun:harness/${name}:${runId}`;
    if (report.thresholdExceeded) {
      throw namedError('States.ExceedToleratedFailureThreshold',
        `The Map Run failed: ${report.failed} of ${childInputs.length} child executions failed, over the tolerated ` +
        `failure threshold (count ${toleratedCount ?? 0}, percentage ${toleratedPercentage ?? 0}). ` +
        `First failure: ${report.failures[0]?.Error}: ${truncate(report.failures[0]?.Cause ?? '', 500)}`);
    }
    // With a ResultWriter the child results go to S3, not into any state's payload.
    if (!writerParameters) record('mapResult', report.results, name, name);
    if (writerParameters) {
      return {
        MapRunArn: report.mapRunArn,
        ResultWriterDetails: {
          Bucket: writerParameters.Bucket,
          Key: `${String(writerParameters.Prefix ?? '').replace(/\/$/, '')}/${runId}/manifest.json`,
        },
      };
    }
    return report.results;
  };

  // A Distributed Map's ItemSelector reads the context of the execution running the Map.
  const distributedMapHandlers = (parent: ParentExecution) => {
    const byName: Record<string, TaskHandler> = {};
    for (const [name, spec] of rewrite.distributedMaps) byName[name] = (mapInput: any) => runDistributedMap(name, spec, mapInput, parent);
    return byName;
  };

  // Virtual time and a repeatable Math.random (FULL jitter) for the run.
  const startTime = options.startTime ?? DEFAULT_START_TIME;
  const releaseCorrection = (options.correctIndefinitePaths ?? correctIndefinitePathsByDefault()) ? activateIndefinitePathCorrection() : () => {};
  const originalRandom = Math.random;
  const clock = FakeTimers.install({ now: startTime, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  Math.random = seededRandom(options.seed ?? 1);
  const originalStackTraceLimit = Error.stackTraceLimit;
  if (!options.captureStackTraces) Error.stackTraceLimit = 0;
  const rootHistory = new HistoryCounter(historyOptions);
  const events: any[] | undefined = options.keepEvents ? [] : undefined;
  // Written by the result callbacks; a holder object keeps TypeScript from narrowing it away.
  const run: { settled: boolean; endTime: number; outcome?: { ok: true; output: any } | { ok: false; err: any } } = {
    settled: false,
    endTime: startTime,
  };
  try {
    const machine = new StateMachine(rewrite.definition, { validationOptions: { noValidate: true } });
    const execution = machine.run(input, runOptionsFor(startTime, input));
    const consumed = consume(execution.eventLogs, 'root', rootHistory, events);
    execution.result.then(
      (output) => { run.outcome = { ok: true, output }; },
      (err) => { run.outcome = { ok: false, err }; },
    ).finally(() => {
      run.settled = true;
      run.endTime = Date.now();
    });

    const maxVirtualMs = options.maxVirtualMs ?? 366 * 24 * 3600 * 1000;
    let idleLoops = 0;
    while (!run.settled) {
      if (Date.now() - startTime > maxVirtualMs) {
        execution.abort();
        await clock.runToLastAsync();
        throw new Error(`executeWorkflow: still running after ${maxVirtualMs} ms of virtual time; aborted`);
      }
      idleLoops = clock.countTimers() === 0 ? idleLoops + 1 : 0;
      if (idleLoops > 10_000) {
        execution.abort();
        throw new Error('executeWorkflow: the execution is waiting on something that is not a timer (a handler that never settles?)');
      }
      await clock.runToLastAsync();
    }
    await consumed;
  } finally {
    clock.uninstall();
    Math.random = originalRandom;
    Error.stackTraceLimit = originalStackTraceLimit;
    releaseCorrection();
  }

  const base = {
    virtualMs: run.endTime - startTime,
    wallMs: Date.now() - wallStart,
    payloads,
    history: { total: rootHistory.total, byEventType: rootHistory.byEventType },
    mapRuns,
    executedDefinition: rewrite.definition,
    events,
  };
  const outcome = run.outcome!;
  if (outcome.ok) return { status: 'SUCCEEDED', output: outcome.output, ...base };
  const err = outcome.err;
  if (err?.name === 'ExecutionTimeoutError') return { status: 'TIMED_OUT', error: 'States.Timeout', ...base };
  if (err?.name === 'ExecutionAbortedError') return { status: 'ABORTED', ...base };
  const { error, cause } = describeFailure(err);
  return { status: 'FAILED', error, cause, ...base };
}

/** Error and Cause of a failed interpreter execution. */
function describeFailure(err: any): { error: string; cause: string } {
  const inner = err?.name === 'ExecutionError' && err.cause ? err.cause : err;
  if (inner?.name === 'ExecutionTimeoutError') return { error: 'States.Timeout', cause: 'The execution timed out' };
  return { error: String(inner?.name ?? 'Error'), cause: String(inner?.message ?? '') };
}

interface Rewrite {
  definition: any;
  /** Distributed Map states by name: the original state, its ItemProcessor rewritten in turn. */
  distributedMaps: Map<string, any>;
  taskResources: Map<string, string>;
  /** JSONata states (any depth) by name, as written; rewritten into harness Task states (see jsonata-states.ts). */
  jsonataStates: JsonataStates;
}

/**
 * Replaces every Distributed Map state (at any depth) with a Task state of the same name,
 * keeping InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch, Next/End; the harness
 * handles that Task by running the Map itself. Then replaces every JSONata Wait, Pass and Task
 * state with a harness Task state (see jsonata-states.ts).
 */
export function rewriteDefinition(definition: any): Rewrite {
  // JSONPath reads of variables ($name) become reads of the context ($$.Variables.name).
  rewriteVariableReferences(definition);
  const distributedMaps = new Map<string, any>();
  const taskResources = new Map<string, string>();
  const jsonataStates: JsonataStates = new Map();
  const walk = (machine: any, queryLanguage: string | undefined) => {
    for (const [name, state] of Object.entries<any>(machine?.States ?? {})) {
      if (state.Type === 'Task' && typeof state.Resource === 'string') taskResources.set(name, state.Resource);
      const inner = state.QueryLanguage ?? queryLanguage;
      if (state.Type === 'Parallel') (state.Branches ?? []).forEach((branch: any) => walk(branch, inner));
      if (state.Type !== 'Map') continue;
      const processor = state.ItemProcessor ?? state.Iterator;
      walk(processor, inner);
      if (processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
      if (isJsonataState(state, queryLanguage)) throw new Error(`Distributed Map '${name}' is a JSONata state; the harness runs JSONPath Distributed Maps only`);
      if (distributedMaps.has(name)) {
        throw new Error(`Two Distributed Map states are named '${name}'; the harness needs unique names`);
      }
      const { ProcessorConfig: _config, ...plainProcessor } = processor;
      distributedMaps.set(name, { ...state, ItemProcessor: plainProcessor });
      const task: Record<string, unknown> = {
        Type: 'Task',
        Comment: `Distributed Map '${name}', run by the test harness`,
        Resource: 'arn:aws:states:::harness:distributedMap',
        TimeoutSeconds: DISTRIBUTED_MAP_TASK_TIMEOUT_SECONDS,
      };
      for (const key of ['InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End']) {
        if (key in state) task[key] = state[key];
      }
      machine.States[name] = task;
    }
    // After the Maps above: a JSONata Map is refused there, and nested machines were walked.
    rewriteJsonataStates(machine, queryLanguage, jsonataStates);
  };
  walk(definition, definition.QueryLanguage);
  return { definition, distributedMaps, taskResources, jsonataStates };
}

/**
 * What `DescribeMapRun` returns for an ended Map Run, in the PascalCase of Step Functions' SDK
 * integrations: the item counts (one item per child; the harness does not count batched items
 * separately) and the status.
 */
export function describeMapRun(mapRuns: readonly MapRunReport[], mapRunArn: string): any {
  const report = mapRuns.find((run) => run.mapRunArn === mapRunArn);
  if (!report) {
    throw namedError('Sfn.ResourceNotFoundException', `Map Run ${mapRunArn} does not exist`);
  }
  // ItemCounts count items, ExecutionCounts child executions: they differ with an ItemBatcher.
  const countsBy = (size: (child: number) => number) => {
    const sum = (status: string) => report.childStatus.reduce((n, s, i) => n + (s === status ? size(i) : 0), 0);
    const total = report.itemsPerChild.reduce((n, _, i) => n + size(i), 0);
    const [succeeded, failed, aborted] = [sum('SUCCEEDED'), sum('FAILED'), sum('ABORTED')];
    return {
      Total: total,
      Succeeded: succeeded,
      Failed: failed,
      Aborted: aborted,
      TimedOut: 0,
      Pending: total - succeeded - failed - aborted,
      Running: 0,
      ResultsWritten: succeeded + failed + aborted,
      FailuresNotRedrivable: 0,
      PendingRedrive: 0,
    };
  };
  return {
    MapRunArn: mapRunArn,
    Status: report.thresholdExceeded ? 'FAILED' : 'SUCCEEDED',
    MaxConcurrency: report.maxConcurrency,
    ToleratedFailurePercentage: report.toleratedFailurePercentage ?? 0,
    ToleratedFailureCount: report.toleratedFailureCount ?? 0,
    ItemCounts: countsBy((child) => report.itemsPerChild[child]),
    ExecutionCounts: countsBy(() => 1),
  };
}

function distributedItemsFor(items: ExecuteWorkflowOptions['distributedItems'], stateName: string): readonly unknown[] | undefined {
  if (items === undefined) return undefined;
  if (Array.isArray(items)) return items;
  return (items as Record<string, readonly unknown[]>)[stateName];
}

/** The execution that runs a Distributed Map state. */
interface ParentExecution {
  /** ms since epoch. */
  readonly startTime: number;
  readonly input: unknown;
  /** The caller's context object (its `Execution` fields are kept). */
  readonly context?: Record<string, any>;
}

/** Where `selectItems` puts the parent execution's `$$.Execution` (the interpreter sets its own run's). */
const PARENT_EXECUTION_FIELD = '__harnessParentExecution';

/**
 * Runs ItemsPath and ItemSelector through the interpreter, as an inline Map of Pass states.
 * `$$.Execution.StartTime` and `$$.Execution.Input` in the selector are the parent execution's, as
 * on AWS (the selector is read with `$$.Execution.` renamed, since the interpreter's own run
 * would give its own start).
 */
async function selectItems(SM: Interpreter['StateMachine'], fields: { ItemsPath?: string; ItemSelector?: unknown }, input: unknown, parent: ParentExecution, extraContext?: object): Promise<unknown[]> {
  const context = {
    ...extraContext,
    [PARENT_EXECUTION_FIELD]: { ...parent.context?.Execution, StartTime: new Date(parent.startTime).toISOString(), Input: parent.input },
  };
  if (fields.ItemSelector) {
    fields = { ...fields, ItemSelector: JSON.parse(JSON.stringify(fields.ItemSelector).split('$$.Execution.').join(`$$.${PARENT_EXECUTION_FIELD}.`)) };
  }
  const map: Record<string, unknown> = {
    Type: 'Map',
    MaxConcurrency: 1000,
    ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
    End: true,
  };
  if (fields.ItemsPath) map.ItemsPath = fields.ItemsPath;
  if (fields.ItemSelector) map.ItemSelector = fields.ItemSelector;
  const run = new SM({ StartAt: 'Select', States: { Select: map } }, { validationOptions: { noValidate: true } }).run(input, { context });
  return run.result;
}

/** Evaluates a payload template (with `.$` keys and intrinsic functions) against `input`. */
async function evaluateTemplate(SM: Interpreter['StateMachine'], template: unknown, input: unknown): Promise<any> {
  const run = new SM({ StartAt: 'Eval', States: { Eval: { Type: 'Pass', Parameters: template, End: true } } }, { validationOptions: { noValidate: true } }).run(input);
  return run.result;
}

async function evaluatePath(SM: Interpreter['StateMachine'], path: string, input: unknown): Promise<any> {
  return (await evaluateTemplate(SM, { 'value.$': path }, input)).value;
}

/** Groups items as ItemBatcher does: `{ BatchInput?, Items }`, capped by count and by bytes. */
async function batchItems(SM: Interpreter['StateMachine'], batcher: any, items: unknown[], mapInput: unknown): Promise<unknown[]> {
  let maxItems: number | undefined = batcher.MaxItemsPerBatch;
  if (batcher.MaxItemsPerBatchPath) maxItems = await evaluatePath(SM, batcher.MaxItemsPerBatchPath, mapInput);
  let maxBytes: number | undefined = batcher.MaxInputBytesPerBatch;
  if (batcher.MaxInputBytesPerBatchPath) maxBytes = await evaluatePath(SM, batcher.MaxInputBytesPerBatchPath, mapInput);
  const batchInput = batcher.BatchInput !== undefined ? await evaluateTemplate(SM, batcher.BatchInput, mapInput) : undefined;
  const wrap = (batch: unknown[]) => (batchInput !== undefined ? { BatchInput: batchInput, Items: batch } : { Items: batch });
  const batches: unknown[] = [];
  let current: unknown[] = [];
  let currentBytes = jsonBytes(wrap([]));
  for (const item of items) {
    const itemBytes = jsonBytes(item) + 1;
    const full = (maxItems !== undefined && current.length >= maxItems) ||
      (maxBytes !== undefined && current.length > 0 && currentBytes + itemBytes > maxBytes);
    if (full) {
      batches.push(wrap(current));
      current = [];
      currentBytes = jsonBytes(wrap([]));
    }
    current.push(item);
    currentBytes += itemBytes;
  }
  if (current.length > 0) batches.push(wrap(current));
  return batches;
}

function newPayloadSizes(): PayloadSizes {
  return { limitBytes: PAYLOAD_LIMIT_BYTES, maxByKind: {}, byState: {}, overLimit: [], overLimitCount: 0, measured: 0 };
}

function recordPayload(sizes: PayloadSizes, record: PayloadRecord): void {
  sizes.measured++;
  if (!sizes.max || record.bytes > sizes.max.bytes) sizes.max = record;
  const byKind = sizes.maxByKind[record.kind];
  if (!byKind || record.bytes > byKind.bytes) sizes.maxByKind[record.kind] = record;
  if (record.bytes > sizes.limitBytes) {
    sizes.overLimitCount++;
    if (sizes.overLimit.length < 50) sizes.overLimit.push(record);
  }
  if (record.stateName === undefined) return;
  const state = sizes.byState[record.stateName] ??= {
    maxInputBytes: 0, maxOutputBytes: 0, maxTaskParametersBytes: 0, maxTaskResultBytes: 0, maxMapResultBytes: 0,
  };
  const field = ({
    stateInput: 'maxInputBytes',
    stateOutput: 'maxOutputBytes',
    taskParameters: 'maxTaskParametersBytes',
    taskResult: 'maxTaskResultBytes',
    mapResult: 'maxMapResultBytes',
  } as const)[record.kind as 'stateInput'];
  if (field) state[field] = Math.max(state[field], record.bytes);
}

/** Size of a value as Step Functions counts it: UTF-8 bytes of its JSON. */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
