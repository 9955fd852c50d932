/**
 * JSONata states for the offline harness. aws-local-stepfunctions 3.0.0 runs JSONPath only: it
 * ignores `QueryLanguage`, `Arguments` and `Output` and cannot evaluate a `{% %}` Wait time. The
 * harness therefore rewrites every JSONata Wait, Pass and Task state into a Task state of the same
 * name with a harness resource, and runs it here with the `jsonata` package:
 *
 * - Task: `Arguments` evaluated with `$states.input` (and `$states.context`) go to the local
 *   handler of the state's name; `Output` is evaluated with `$states.input` and `$states.result`;
 *   without `Output` the state's output is the result. Retry and Catch (without `Output`/`Assign`:
 *   the error output, as JSONata's default) are kept and run by the interpreter. `TimeoutSeconds`
 *   is kept when a number.
 * - Pass: `Output` evaluated with `$states.input`; without it, the state's input.
 * - Wait: `Seconds` or `Timestamp` (a number/string or an expression) evaluated, then a sleep in
 *   virtual time (the harness's fake clock) until then; a timestamp in the past ends it at once,
 *   and, as AWS does, the timestamp's milliseconds are dropped. Output as for Pass.
 *
 * `$states.context` holds `Execution.StartTime` and `Execution.Input` of the execution running
 * the state, `State.Name`, and `State.EnteredTime` (the virtual time the handler is called: for a
 * retried Task, the attempt's time, where AWS keeps the first entry's), merged over the caller's
 * context. Events keep the original state type (see `originalType`), so histories and transition
 * counts are those of a Wait, Pass or Task state. JSONata Choice, Map, Parallel, Succeed and Fail
 * states, and a Catch's `Output` or `Assign`, are not supported: the rewrite throws, naming the state.
 *
 * Variables: a state's `Assign` is evaluated with the same `$states` as its `Output` (and, as AWS
 * does, with the variables as they were before the state) and then written to the execution's
 * variables (`JsonataExecutionContext.variables`), which JSONata expressions read as `$name`.
 * JSONPath states read them as `$name` too: `rewriteVariableReferences` turns such a path into
 * `$$.Variables.name`, and the harness puts the execution's variables at `$$.Variables`. Scope
 * is the execution: a Distributed Map child has its own (empty) variables, as AWS documents; an
 * inline Map's iterations share the parent's (AWS gives them a scope of their own, which matters
 * only to an iteration that assigns, which the construct's do not).
 */
// jsonata is a CommonJS `export =` module, and this project has no esModuleInterop.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import jsonata = require('jsonata');

/** The Resource of a JSONata state rewritten for the harness. */
export const JSONATA_STATE_RESOURCE = 'arn:aws:states:::harness:jsonata';

/** TimeoutSeconds of a rewritten Wait or Pass (below setTimeout's 2^31 ms ceiling; the interpreter's default is 60 s). */
const REWRITTEN_TIMEOUT_SECONDS = 2_000_000;

/** JSONata states by name: the state as written (its type, expressions and fields). */
export type JsonataStates = Map<string, any>;

const SUPPORTED_TYPES = new Set(['Wait', 'Pass', 'Task']);

/** True if `state` is a JSONata state, given the query language its machine inherits. */
export function isJsonataState(state: any, inherited: string | undefined): boolean {
  return (state.QueryLanguage ?? inherited) === 'JSONata';
}

/**
 * Rewrites the JSONata states of one state machine level (`machine.States`, not nested
 * machines: the caller walks those) in place, and records each in `into` by name.
 */
export function rewriteJsonataStates(machine: any, inherited: string | undefined, into: JsonataStates): void {
  for (const [name, state] of Object.entries<any>(machine?.States ?? {})) {
    if (!isJsonataState(state, inherited)) continue;
    if (!SUPPORTED_TYPES.has(state.Type)) {
      throw new Error(`JSONata state '${name}' is a ${state.Type} state; the harness runs JSONata Wait, Pass and Task states only`);
    }
    if ((state.Catch ?? []).some((c: any) => c.Assign !== undefined || c.Output !== undefined)) {
      throw new Error(`JSONata state '${name}' assigns variables or shapes the output in a Catch; the harness does not support a Catch's Assign or Output`);
    }
    if (into.has(name)) throw new Error(`Two JSONata states are named '${name}'; the harness needs unique names`);
    into.set(name, state);
    const task: Record<string, unknown> = {
      Type: 'Task',
      Comment: `JSONata ${state.Type} state '${name}', run by the test harness`,
      Resource: JSONATA_STATE_RESOURCE,
      TimeoutSeconds: state.Type === 'Task' && typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : REWRITTEN_TIMEOUT_SECONDS,
    };
    for (const key of ['Retry', 'Catch', 'Next', 'End']) {
      if (key in state) task[key] = state[key];
    }
    machine.States[name] = task;
  }
}

/**
 * Rewrites the JSONata states of a whole definition in place (Parallel branches and Map
 * processors included) and returns them by name; for runners without `rewriteDefinition`.
 */
export function rewriteAllJsonataStates(definition: any): JsonataStates {
  const states: JsonataStates = new Map();
  const walk = (machine: any, inherited: string | undefined) => {
    for (const state of Object.values<any>(machine?.States ?? {})) {
      const inner = state.QueryLanguage ?? inherited;
      if (state.Type === 'Parallel') (state.Branches ?? []).forEach((branch: any) => walk(branch, inner));
      if (state.Type === 'Map') walk(state.ItemProcessor ?? state.Iterator, inner);
    }
    rewriteJsonataStates(machine, inherited, states);
  };
  walk(definition, definition.QueryLanguage);
  return states;
}

/** The state type an event of a rewritten state stands for (its `state.type` is 'Task'). */
export function originalType(states: JsonataStates, stateName: string): string | undefined {
  return states.get(stateName)?.Type;
}

/** Sets `event.state.type` back to the JSONata state's own type, so consumers see a Wait or a Pass. */
export function restoreStateType(states: JsonataStates, event: any): void {
  const type = event?.state && originalType(states, event.state.name);
  if (type) event.state.type = type;
}

/** What a rewritten state's handler knows of its execution. */
export interface JsonataExecutionContext {
  /** The execution's start, ms since epoch. */
  readonly startTime: number;
  readonly input: unknown;
  /** More context fields (merged under the ones above). */
  readonly context?: Record<string, any>;
  /**
   * The execution's variables, written by `Assign` and read by JSONata as `$name`.
   * @default - a state with Assign throws
   */
  readonly variables?: Record<string, unknown>;
}

type Handler = (params: any) => Promise<any> | any;

/**
 * Local handlers for the rewritten states of one execution, by state name: a Task's handler
 * calls `taskHandlers[name]` with its evaluated Arguments.
 */
export function jsonataHandlers(
  states: JsonataStates, taskHandlers: Record<string, Handler>, execution: JsonataExecutionContext,
): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  for (const [name, state] of states) {
    const contextNow = () => ({
      ...execution.context,
      Execution: { ...execution.context?.Execution, StartTime: new Date(execution.startTime).toISOString(), Input: execution.input },
      State: { ...execution.context?.State, Name: name, EnteredTime: new Date().toISOString() },
    });
    switch (state.Type) {
      case 'Task':
        handlers[name] = async (input: any) => {
          const context = contextNow();
          const handler = taskHandlers[name];
          if (!handler) throw new Error(`No task handler for JSONata Task state '${name}'`);
          const args = state.Arguments === undefined ? undefined : await evaluateTemplate(state.Arguments, { input, context }, execution.variables);
          const result = await handler(args);
          const output = state.Output === undefined ? result : await evaluateTemplate(state.Output, { input, result, context }, execution.variables);
          await assign(name, state, { input, result, context }, execution.variables);
          return output;
        };
        break;
      case 'Pass':
        handlers[name] = async (input: any) => {
          const context = contextNow();
          const output = state.Output === undefined ? input : await evaluateTemplate(state.Output, { input, context }, execution.variables);
          await assign(name, state, { input, context }, execution.variables);
          return output;
        };
        break;
      case 'Wait':
        handlers[name] = async (input: any) => {
          const context = contextNow();
          const ms = await waitMs(name, state, { input, context }, execution.variables);
          if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
          const output = state.Output === undefined ? input : await evaluateTemplate(state.Output, { input, context }, execution.variables);
          await assign(name, state, { input, context }, execution.variables);
          return output;
        };
        break;
      default:
        break;
    }
  }
  return handlers;
}

/**
 * Evaluates a state's `Assign` with the variables as they were before the state (all of it
 * first, as AWS evaluates every assignment before any is made), then writes it to `variables`.
 */
async function assign(name: string, state: any, states: Record<string, unknown>, variables: Record<string, unknown> | undefined): Promise<void> {
  if (state.Assign === undefined) return;
  if (!variables) throw new Error(`JSONata state '${name}' assigns variables; run it with the execution's variables`);
  const assigned = await evaluateTemplate(state.Assign, states, variables);
  Object.assign(variables, assigned);
}

/** Milliseconds a JSONata Wait sleeps from now: its Seconds, or until its Timestamp (whole seconds). */
async function waitMs(name: string, state: any, states: Record<string, unknown>, variables?: Record<string, unknown>): Promise<number> {
  if (state.Seconds !== undefined) {
    const seconds = await evaluateTemplate(state.Seconds, states, variables);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 99_999_999) {
      throw statesError('States.QueryEvaluationError', `Wait '${name}': Seconds ${JSON.stringify(seconds)} is not an integer from 0 to 99999999`);
    }
    return seconds * 1000;
  }
  if (state.Timestamp !== undefined) {
    const timestamp = await evaluateTemplate(state.Timestamp, states, variables);
    // RFC 3339 with an uppercase T and Z (no numeric offset), as the Wait state documents.
    if (typeof timestamp !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(timestamp)) {
      throw statesError('States.QueryEvaluationError', `Wait '${name}': Timestamp ${JSON.stringify(timestamp)} is not an RFC 3339 time ending in Z`);
    }
    const until = Math.floor(Date.parse(timestamp) / 1000) * 1000;
    return Math.max(0, until - Date.now());
  }
  throw new Error(`JSONata Wait state '${name}' has neither Seconds nor Timestamp`);
}

/**
 * Evaluates a JSONata template as Step Functions does: a string that is one `{% expression %}`
 * becomes the expression's value (with `$states` and the execution's variables), objects and
 * arrays are walked, anything else is kept as written.
 */
export async function evaluateTemplate(template: any, states: Record<string, unknown>, variables: Record<string, unknown> = {}): Promise<any> {
  if (typeof template === 'string') {
    const match = /^\{%([\s\S]*)%\}$/.exec(template);
    if (!match) return template;
    try {
      return await compiled(match[1]).evaluate({}, { ...variables, states });
    } catch (err: any) {
      throw statesError('States.QueryEvaluationError', `${err?.message ?? err} in ${template}`);
    }
  }
  if (Array.isArray(template)) return Promise.all(template.map((item) => evaluateTemplate(item, states, variables)));
  if (template && typeof template === 'object') {
    const result: Record<string, any> = {};
    for (const [key, value] of Object.entries(template)) result[key] = await evaluateTemplate(value, states, variables);
    return result;
  }
  return template;
}

/** Where the harness puts an execution's variables in the context object, for JSONPath states. */
export const VARIABLES_CONTEXT_FIELD = 'Variables';

/**
 * Rewrites, in place, every JSONPath reference to a variable (`"field.$": "$name"` or
 * `"$name.sub"`, in Parameters, ItemSelector, ResultSelector and Arguments-free states at any
 * depth) into a context path, `$$.Variables.name`, which aws-local-stepfunctions can read.
 * Paths to the state (`$`, `$.x`, `$[0]`), to the context (`$$`) and intrinsics are left alone.
 */
export function rewriteVariableReferences(value: any): void {
  if (Array.isArray(value)) {
    value.forEach(rewriteVariableReferences);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (key.endsWith('.$') && typeof inner === 'string' && /^\$[A-Za-z_][A-Za-z0-9_]*([.[].*)?$/.test(inner)) {
      value[key] = `$$.${VARIABLES_CONTEXT_FIELD}.${inner.slice(1)}`;
    } else {
      rewriteVariableReferences(inner);
    }
  }
}

/** Compiled expressions by text: a fan-out evaluates the same few expressions for every item. */
const compiledExpressions = new Map<string, ReturnType<typeof jsonata>>();

function compiled(expression: string): ReturnType<typeof jsonata> {
  let result = compiledExpressions.get(expression);
  if (!result) {
    result = jsonata(expression);
    compiledExpressions.set(expression, result);
  }
  return result;
}

function statesError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}
