/**
 * Runs several executions (of one or more definitions) at once on one fake clock, with the same
 * local task handlers, so that they can share simulated resources (a `SimulatedDynamoDb` table,
 * a `SimulatedEcs`). Executions can start later, be aborted at a given time, time out (through
 * the definition's `TimeoutSeconds`), and start other executions when they end (an EventBridge
 * rule starting a cleanup workflow).
 *
 * Unlike `executeWorkflow`, it does not rewrite Distributed Maps, measure payloads or estimate
 * history (it runs JSONata Wait, Pass and Task states as `executeWorkflow` does, see jsonata-states.ts); it gives each execution the context object fields the concurrency pool reads:
 * `$$.Execution.Id` and `$$.Execution.Name`, and `$$.State.EnteredTime`, which the interpreter
 * does not set: here it is the virtual time at which the field is read, which for a Task's
 * parameters is when the state is entered (a retry reads it again; on AWS it keeps the state's
 * first entry time; the pool's states are not retried with their parameters' times in mind).
 */
import * as FakeTimers from '@sinonjs/fake-timers';
import { DEFAULT_START_TIME, installPromiseWithResolvers, TaskHandler } from './execute-workflow';
import { activateIndefinitePathCorrection, correctIndefinitePathsByDefault } from './indefinite-paths';
import { jsonataHandlers, JsonataStates, restoreStateType, rewriteAllJsonataStates } from './jsonata-states';
import { seededRandom } from './simulated-ecs';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionSpec {
  /** The execution's name (unique per state machine). */
  readonly name: string;
  readonly stateMachineName: string;
  readonly definition: any;
  readonly input?: unknown;
  /** Virtual ms after the run's start when the execution starts. @default 0 */
  readonly startAtMs?: number;
  /** Virtual ms after the run's start when the execution is aborted (StopExecution), if still running. */
  readonly abortAtMs?: number;
}

export interface ExecutionRecord {
  readonly arn: string;
  readonly spec: ExecutionSpec;
  status: ExecutionStatus;
  error?: string;
  cause?: string;
  output?: unknown;
  readonly startMs: number;
  endMs?: number;
}

export interface ConcurrentRunnerOptions {
  /** Local handlers by Task state name, shared by every execution. */
  readonly taskHandlers: Record<string, TaskHandler>;
  /** Seed of Math.random during the run (jitter). @default 1 */
  readonly seed?: number;
  /** Called for every interpreter event of every execution. */
  readonly onEvent?: (event: any, execution: ExecutionRecord) => void;
  /** Called when an execution ends (after its status is set). */
  readonly onEnd?: (execution: ExecutionRecord, runner: ConcurrentRunner) => void;
  /** Give up after this much virtual time. @default 30 days */
  readonly maxVirtualMs?: number;
}

export const ACCOUNT_PREFIX = 'arn:aws:states:us-east-1:123456789012';

type Run = { abort: () => void; result: Promise<any>; eventLogs: AsyncIterable<any> };
type Interpreter = { StateMachine: new (definition: any, options?: any) => { run(input: unknown, options?: any): Run } };

export class ConcurrentRunner {
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly options: ConcurrentRunnerOptions;
  private readonly interpreter: Interpreter;
  private pending = 0;
  private startTime = DEFAULT_START_TIME;
  private readonly machines = new Map<any, { machine: any; jsonataStates: JsonataStates }>();
  private clockInstalled = false;
  private readonly deferred: Array<{ ms: number; fn: () => void }> = [];
  /** Virtual ms the run lasted (set when `run` returns). */
  virtualMs = 0;

  constructor(options: ConcurrentRunnerOptions) {
    installPromiseWithResolvers();
    this.options = options;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.interpreter = require('aws-local-stepfunctions') as Interpreter;
  }

  /** Virtual ms since the run started. */
  now(): number {
    return Date.now() - this.startTime;
  }

  /** The status of an execution by ARN, as DescribeExecution would give it; undefined if unknown. */
  statusOf(arn: string): ExecutionStatus | undefined {
    return this.executions.get(arn)?.status;
  }

  /** Calls `fn` after `ms` of virtual time (from the run's start, when called before `run`). */
  schedule(ms: number, fn: () => void): void {
    if (!this.clockInstalled) this.deferred.push({ ms, fn });
    else setTimeout(fn, ms);
  }

  /** Executions still running (or not started yet). */
  get running(): number {
    return this.pending;
  }

  /** Starts an execution now, or at its `startAtMs` when the run has not begun. */
  start(spec: ExecutionSpec): void {
    this.pending++;
    const delay = Math.max(0, (spec.startAtMs ?? 0) - this.now());
    setTimeout(() => this.launch(spec), delay);
  }

  private launch(spec: ExecutionSpec): void {
    const arn = `${ACCOUNT_PREFIX}:execution:${spec.stateMachineName}:${spec.name}`;
    if (this.executions.has(arn)) throw new Error(`ConcurrentRunner: execution ${arn} already exists`);
    const record: ExecutionRecord = { arn, spec, status: 'RUNNING', startMs: this.now() };
    this.executions.set(arn, record);
    let compiled = this.machines.get(spec.definition);
    if (!compiled) {
      const definition = JSON.parse(JSON.stringify(spec.definition));
      const jsonataStates = rewriteAllJsonataStates(definition);
      compiled = { machine: new this.interpreter.StateMachine(definition, { validationOptions: { noValidate: true } }), jsonataStates };
      this.machines.set(spec.definition, compiled);
    }
    const { machine, jsonataStates } = compiled;
    const context = {
      Execution: { Id: arn, Name: spec.name },
      StateMachine: { Id: `${ACCOUNT_PREFIX}:stateMachine:${spec.stateMachineName}`, Name: spec.stateMachineName },
      State: { get EnteredTime() { return new Date().toISOString(); } },
    };
    const input = spec.input ?? {};
    const handlers = jsonataStates.size === 0 ? this.options.taskHandlers : {
      ...this.options.taskHandlers,
      ...jsonataHandlers(jsonataStates, this.options.taskHandlers, {
        startTime: Date.now(),
        input,
        context: { Execution: context.Execution, StateMachine: context.StateMachine },
      }),
    };
    const execution = machine.run(input, { context, overrides: { taskResourceLocalHandlers: handlers } });
    if (spec.abortAtMs !== undefined) {
      setTimeout(() => { if (record.status === 'RUNNING') execution.abort(); }, Math.max(0, spec.abortAtMs - this.now()));
    }
    const consumed = (async () => {
      for await (const event of execution.eventLogs) {
        restoreStateType(jsonataStates, event);
        this.options.onEvent?.(event, record);
      }
    })();
    execution.result.then(
      (output: unknown) => { record.status = 'SUCCEEDED'; record.output = output; },
      (err: any) => {
        const inner = err?.name === 'ExecutionError' && err.cause ? err.cause : err;
        if (err?.name === 'ExecutionAbortedError') {record.status = 'ABORTED';} else if (err?.name === 'ExecutionTimeoutError' || inner?.name === 'ExecutionTimeoutError') {record.status = 'TIMED_OUT';} else {
          record.status = 'FAILED';
          record.error = String(inner?.name ?? 'Error');
          record.cause = String(inner?.message ?? '');
        }
      },
    ).finally(async () => {
      record.endMs = this.now();
      await consumed;
      this.pending--;
      this.options.onEnd?.(record, this);
    });
  }

  /**
   * Starts `specs`, runs the clock until every execution (including those started on the way)
   * has ended, and returns the records by ARN.
   */
  async run(specs: readonly ExecutionSpec[]): Promise<Map<string, ExecutionRecord>> {
    const releaseCorrection = correctIndefinitePathsByDefault() ? activateIndefinitePathCorrection() : () => {};
    const originalRandom = Math.random;
    const originalStackTraceLimit = Error.stackTraceLimit;
    const clock = FakeTimers.install({ now: DEFAULT_START_TIME, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    this.startTime = DEFAULT_START_TIME;
    Math.random = seededRandom(this.options.seed ?? 1);
    Error.stackTraceLimit = 0;
    this.clockInstalled = true;
    try {
      for (const { ms, fn } of this.deferred.splice(0)) setTimeout(fn, ms);
      for (const spec of specs) this.start(spec);
      const maxVirtualMs = this.options.maxVirtualMs ?? 30 * 24 * 3600 * 1000;
      let idleLoops = 0;
      while (this.pending > 0) {
        if (this.now() > maxVirtualMs) throw new Error(`ConcurrentRunner: still running after ${maxVirtualMs} ms of virtual time`);
        idleLoops = clock.countTimers() === 0 ? idleLoops + 1 : 0;
        if (idleLoops > 10_000) throw new Error('ConcurrentRunner: executions are waiting on something that is not a timer');
        await clock.runToLastAsync();
      }
      this.virtualMs = Math.max(0, ...[...this.executions.values()].map((e) => e.endMs ?? 0));
    } finally {
      clock.uninstall();
      this.clockInstalled = false;
      Math.random = originalRandom;
      Error.stackTraceLimit = originalStackTraceLimit;
      releaseCorrection();
    }
    return this.executions;
  }
}
