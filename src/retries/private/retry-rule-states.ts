import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { isRateLimitedRefusal, mayBeTooLarge } from '../../workflow/item/item-spill';
import { FanOutTaskSize } from '../retry-rules';
import { loopDelays, StopRule, StopRulesDecision } from './decide-retry-rules';
import {
  CapacityProviderNames,
  ECS_OUT_OF_MEMORY_EXIT_CODE,
  ECS_OUT_OF_MEMORY_REASON_PATTERN,
  ECS_SPOT_STOPPED_REASON_PATTERN,
  ECS_STOP_CODE_SPOT_INTERRUPTION,
  ECS_STOP_CODE_TASK_FAILED_TO_START,
  ECS_STOP_CODE_TERMINATION_NOTICE,
} from '../../facts';

/**
 * Where an item's state keeps what its runner needs besides the item. A batch's child gets the
 * Distributed Map's BatchInput under `$.BatchInput`, one item's iteration its ItemSelector's
 * fields at the top.
 */
export interface ItemStatePaths {
  /**
   * The attempt counters, the earlier tasks and (with an out-of-memory rule) the size the next
   * task runs at: `{ attempts, <rule id>: n, delay, earlier, cpu, memory }`.
   */
  readonly retry: string;
  /**
   * The stopped task: `{ task: <ECS task description>, capacity, cpu, memory }`, from a `.sync`
   * result or parsed from a failure's Cause, the same shape either way; `{}` before.
   */
  readonly stop: string;
  /** True for a batch (`{ Items, BatchInput }`). */
  readonly batched: boolean;
  /**
   * True when the size the task runs at is kept in the retry state (`cpu`, `memory`): with an
   * out-of-memory rule it changes from one task to the next.
   */
  readonly resized: boolean;
}

/** The paths of an item's state, for one item or a batch. */
export function itemStatePaths(batched: boolean, resized: boolean): ItemStatePaths {
  return batched
    ? { retry: '$.BatchInput.retry', stop: '$.BatchInput.stop', batched, resized }
    : { retry: '$.retry', stop: '$.stop', batched, resized };
}

/** The error of an item whose Spot task was interrupted and is not retried (any more). */
export const ERROR_SPOT_INTERRUPTED = 'FanOut.SpotInterrupted';

/** What every item's state starts with (merged into the Map's ItemSelector or BatchInput). */
export function initialItemState(decision: StopRulesDecision, size: { cpu: number; memoryMiB: number }): { [key: string]: any } {
  const retry: { [key: string]: any } = { attempts: 0, delay: 0, earlier: {} };
  for (const rule of decision.rules) {
    if (rule.retry) {
      retry[rule.id] = 0;
    }
  }
  if (decision.resizes) {
    retry.cpu = String(size.cpu);
    retry.memory = String(size.memoryMiB);
  }
  return { retry, stop: {} };
}

/** How the classifier reaches the states around one task state. */
export interface TaskLoop {
  /** Distinguishes this task state's classifier states ('', 'OnDemand'). */
  readonly suffix: string;
  /** The capacity provider the task ran on (`FARGATE` when none is named). */
  readonly capacity: string;
  /** Where a rerun goes: the task state (through a Wait). */
  readonly task: sfn.IChainable;
  /** With Spot and on-demand fallback, where a Spot interruption goes. */
  readonly fallback?: sfn.IChainable;
  /** Where a failed item goes (after its error is set). */
  readonly failed: sfn.IChainable;
}

/** Builds the classifier of stopped tasks and its retry loops, the same for every task state of an item. */
export class StopClassifier {
  constructor(
    private readonly scope: Construct,
    private readonly decision: StopRulesDecision,
    private readonly stateName: (inlineName: string) => string,
    private readonly where: string,
    public readonly paths: ItemStatePaths,
    private readonly size: { cpu: number; memoryMiB: number },
    /** Top-level fields of one item's state that a retry loop keeps as they are (the pool's owner). */
    private readonly carried: readonly string[] = [],
  ) {}

  /** Where the stopped task is kept. */
  public get stopPath(): string {
    return this.paths.stop;
  }

  /**
   * What a task state's result selector keeps of its `.sync` result (at the stop path): the task's
   * description, the capacity and size it ran at, and the `summary` an inline Map keeps of a
   * successful item (which capacity ran it, when that varies).
   */
  public stopOfResult(capacity: string, reportsCapacity: boolean): { [key: string]: any } {
    // A result selector reads the task's result, not the state: a size kept in the retry state
    // is read from there when the record is made (see lastTaskFields).
    const run = this.paths.resized ? { capacity } : this.runFieldsOf(capacity);
    return { task: sfn.JsonPath.objectAt('$'), ...run, summary: reportsCapacity ? { capacity } : {} };
  }

  /**
   * The rules, as one Choice that reads the stopped task at the stop path: the first rule that
   * matches decides; a matching rule whose retries are used up fails the item.
   */
  public classify(loop: TaskLoop): sfn.IChainable {
    const applies = this.decision.rules.some((rule) => rule.match !== 'spot-interruption' || loop.capacity === CapacityProviderNames.SPOT);
    if (!applies) {
      // No rule can match a task of this capacity: a stopped task fails its item (its record still reads it).
      return loop.failed;
    }
    const choice = new sfn.Choice(this.scope, `${this.where}ApplyStopRules${loop.suffix}`, {
      stateName: this.stateName(`ApplyStopRules${loop.suffix}`),
      comment: 'Reads the stopped task\'s fields (StopCode, StoppedReason, exit code, container reason); the first rule that matches decides.',
    });
    for (const rule of this.decision.rules) {
      if (rule.match === 'spot-interruption') {
        if (loop.capacity !== CapacityProviderNames.SPOT) {
          continue;
        }
        if (loop.fallback) {
          choice.when(spotInterruptedCondition(this.paths), this.count(rule, loop, loop.fallback, 'FallBack'));
          continue;
        }
        if (rule.retry && rule.retry.maxAttempts > 0) {
          choice.when(sfn.Condition.and(spotInterruptedCondition(this.paths), this.hasRetriesLeft(rule)), this.count(rule, loop, loop.task));
        }
        choice.when(spotInterruptedCondition(this.paths), this.spotInterruptedFailure(loop.suffix, loop.failed));
        continue;
      }
      const matches = ruleCondition(rule, this.paths);
      if (rule.retry && rule.retry.maxAttempts > 0) {
        const retry = this.count(rule, loop, loop.task);
        choice.when(matches ? sfn.Condition.and(matches, this.hasRetriesLeft(rule)) : this.hasRetriesLeft(rule), retry);
      }
      if (matches) {
        choice.when(matches, loop.failed);
      }
    }
    return choice.otherwise(loop.failed);
  }

  /**
   * After `ECS.InvalidParameterException` (once its quick retries are used): a RunTask that ECS's
   * own VPC lookups throttled is retried like a start failure; any other (overrides over 8,192
   * characters, a missing subnet) fails the item at once, with its cause.
   */
  public rateLimitedOrFail(loop: TaskLoop, spill?: sfn.IChainable): sfn.IChainable {
    const startRule = this.decision.rules.find((r) => r.match === 'start-failure' && r.retry && r.retry.maxAttempts > 0);
    if (!startRule && !spill) {
      return loop.failed;
    }
    const choice = new sfn.Choice(this.scope, `${this.where}IsRateLimited${loop.suffix}`, {
      stateName: this.stateName(`IsRateLimited${loop.suffix}`),
      comment: 'ECS.InvalidParameterException is also what a throttled VPC lookup and overrides over 8,192 characters look like; only its Cause tells.',
    });
    if (startRule) {
      choice.when(sfn.Condition.and(isRateLimitedRefusal(), this.hasRetriesLeft(startRule)), this.count(startRule, loop, loop.task, 'RateLimited', false));
    }
    if (spill) {
      // Any other refusal may be the item's size: one try with the item in S3 (see item-spill.ts).
      choice.when(mayBeTooLarge(this.paths.batched), spill);
    }
    return choice.otherwise(loop.failed);
  }

  /**
   * The record of an item that succeeded (Distributed Map children): what its last task said and
   * how many tasks it took, with its earlier tasks.
   */
  public succeededRecord(): { [key: string]: any } {
    return {
      outcome: 'SUCCEEDED',
      attempts: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${this.paths.retry}.attempts`), 1),
      ...this.lastTask(),
      earlier: sfn.JsonPath.objectAt(`${this.paths.retry}.earlier`),
    };
  }

  /** What is known of a run besides ECS's description of it: the capacity and size it ran at. */
  public runFieldsOf(capacity: string): { [key: string]: any } {
    return {
      capacity,
      cpu: this.decision.resizes ? sfn.JsonPath.stringAt(`${this.paths.retry}.cpu`) : String(this.size.cpu),
      memory: this.decision.resizes ? sfn.JsonPath.stringAt(`${this.paths.retry}.memory`) : String(this.size.memoryMiB),
    };
  }

  /**
   * The last task's fields, from the stop path. Indefinite paths: each is a list, empty where ECS
   * left the field out (a task that never started has no StartedAt and no exit code), so that a
   * missing field can never fail the state.
   */
  private lastTask(): { [key: string]: any } {
    return lastTaskFields(this.paths);
  }

  /**
   * Counts a retry (attempts, the rule's counter, the task just stopped among the earlier ones,
   * the next task size after an out-of-memory kill) and draws its delay, then waits and reruns.
   * The state is rebuilt from the item, so nothing of the stopped task is carried along.
   */
  private count(rule: StopRule, loop: TaskLoop, next: sfn.IChainable, label = 'Retry', taskRan = true): sfn.IChainable {
    const id = `${label}${rule.id}${loop.suffix}`;
    const retry: { [key: string]: any } = {
      attempts: taskRan
        ? sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${this.paths.retry}.attempts`), 1)
        : sfn.JsonPath.numberAt(`${this.paths.retry}.attempts`),
      earlier: taskRan
        ? { ...this.lastTask(), earlier: sfn.JsonPath.objectAt(`${this.paths.retry}.earlier`) }
        : sfn.JsonPath.objectAt(`${this.paths.retry}.earlier`),
    };
    for (const other of this.decision.rules) {
      if (other.retry) {
        retry[other.id] = other === rule && label !== 'FallBack'
          ? sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${this.paths.retry}.${other.id}`), 1)
          : sfn.JsonPath.numberAt(`${this.paths.retry}.${other.id}`);
      }
    }
    if (this.decision.resizes) {
      const resizing = rule.match === 'out-of-memory';
      if (resizing) {
        retry['cpu.$'] = sizeAt(this.decision.resizes, 'cpu', `${this.paths.retry}.${rule.id}`);
        retry['memory.$'] = sizeAt(this.decision.resizes, 'memory', `${this.paths.retry}.${rule.id}`);
      } else {
        retry.cpu = sfn.JsonPath.stringAt(`${this.paths.retry}.cpu`);
        retry.memory = sfn.JsonPath.stringAt(`${this.paths.retry}.memory`);
      }
    }
    const fallback = label === 'FallBack';
    if (fallback || !rule.retry) {
      retry.delay = 0;
    } else {
      retry['delay.$'] = delayExpression(rule, `${this.paths.retry}.${rule.id}`);
    }
    const counted = new sfn.Pass(this.scope, `${this.where}${id}`, {
      stateName: this.stateName(id),
      comment: fallback
        ? 'Counts the interrupted Spot task before the item runs on on-demand.'
        : `Counts the retry (${rule.description}) and draws its delay.`,
      parameters: this.paths.batched
        ? { Items: sfn.JsonPath.listAt('$.Items'), BatchInput: { stop: {}, retry } }
        : {
          index: sfn.JsonPath.numberAt('$.index'),
          item: sfn.JsonPath.objectAt('$.item'),
          ...Object.fromEntries(this.carried.map((field) => [field, sfn.JsonPath.stringAt(`$.${field}`)])),
          stop: {},
          retry,
        },
    });
    if (fallback) {
      return counted.next(next);
    }
    const wait = new sfn.Wait(this.scope, `${this.where}Wait${id}`, {
      stateName: this.stateName(`Wait${id}`),
      time: sfn.WaitTime.secondsPath(`${this.paths.retry}.delay`),
    });
    return counted.next(wait).next(next);
  }

  private hasRetriesLeft(rule: StopRule): sfn.Condition {
    return sfn.Condition.numberLessThan(`${this.paths.retry}.${rule.id}`, rule.retry?.maxAttempts ?? 0);
  }

  /** A Spot interruption that is not retried (any more) fails the item with its own error. */
  private spotInterruptedFailure(suffix: string, failed: sfn.IChainable): sfn.IChainable {
    return new sfn.Pass(this.scope, `${this.where}SpotTaskInterrupted${suffix}`, {
      stateName: this.stateName(`SpotTaskInterrupted${suffix}`),
      comment: 'Fargate Spot interrupted the task, whatever its exit code: the item did not finish.',
      parameters: {
        Error: ERROR_SPOT_INTERRUPTED,
        Cause: 'Fargate Spot interrupted the task (StopCode SpotInterruption or StoppedReason "Your Spot Task was interrupted."), whatever its exit code; the item was not retried (any more).',
      },
      resultPath: '$.failure',
    }).next(failed);
  }
}

/**
 * The last task's fields, from the stop path, as lists (empty where ECS or the workflow left the
 * field out), so that a missing field can never fail the state that reads them.
 */
export function lastTaskFields(paths: ItemStatePaths): { [key: string]: any } {
  const at = (field: string) => sfn.JsonPath.listAt(`${paths.stop}..${field}`);
  return {
    capacity: at('capacity'),
    // With an out-of-memory rule the size the last task ran at is the retry state's until it is counted.
    cpu: paths.resized ? sfn.JsonPath.stringAt(`${paths.retry}.cpu`) : at('cpu'),
    memory: paths.resized ? sfn.JsonPath.stringAt(`${paths.retry}.memory`) : at('memory'),
    stopCode: at('StopCode'),
    stoppedReason: at('StoppedReason'),
    exitCode: at('ExitCode'),
    startedAt: at('StartedAt'),
    stoppedAt: at('StoppedAt'),
  };
}

/** The record of an item that failed: its error, its last task and its earlier ones. */
export function failedRecord(paths: ItemStatePaths): { [key: string]: any } {
  return {
    outcome: 'FAILED',
    error: sfn.JsonPath.stringAt('$.failure.Error'),
    attempts: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${paths.retry}.attempts`), 1),
    ...lastTaskFields(paths),
    earlier: sfn.JsonPath.objectAt(`${paths.retry}.earlier`),
  };
}

/** A task stopped by Spot, read from the stopped task's fields (never from a text search through the whole description, which holds the item). */
export function spotInterruptedCondition(paths: ItemStatePaths): sfn.Condition {
  return spotCondition(`${paths.stop}.task.StopCode`, `${paths.stop}.task.StoppedReason`);
}

function spotCondition(stopCodePath: string, stoppedReasonPath: string): sfn.Condition {
  const stopCodeIs = (code: string) => sfn.Condition.and(sfn.Condition.isPresent(stopCodePath), sfn.Condition.stringEquals(stopCodePath, code));
  return sfn.Condition.or(
    stopCodeIs(ECS_STOP_CODE_SPOT_INTERRUPTION),
    stopCodeIs(ECS_STOP_CODE_TERMINATION_NOTICE),
    sfn.Condition.and(sfn.Condition.isPresent(stoppedReasonPath), sfn.Condition.stringMatches(stoppedReasonPath, ECS_SPOT_STOPPED_REASON_PATTERN)),
  );
}

/** What a rule matches, on the stopped task's fields; undefined for a rule that matches any stop. */
function ruleCondition(rule: StopRule, paths: ItemStatePaths): sfn.Condition | undefined {
  const EXIT_CODE = `${paths.stop}.task.Containers[0].ExitCode`;
  const CONTAINER_REASON = `${paths.stop}.task.Containers[0].Reason`;
  const STOP_CODE = `${paths.stop}.task.StopCode`;
  const STOPPED_REASON = `${paths.stop}.task.StoppedReason`;
  const exitCodeIn = (codes: number[]) => exitCodeInAt(EXIT_CODE, codes);
  switch (rule.match) {
    case 'exit-codes':
      return exitCodeIn(rule.exitCodes ?? []);
    case 'stopped-reason':
      return sfn.Condition.and(sfn.Condition.isPresent(STOPPED_REASON), sfn.Condition.stringMatches(STOPPED_REASON, rule.stoppedReason ?? '*'));
    case 'out-of-memory':
      return sfn.Condition.and(
        exitCodeIn([ECS_OUT_OF_MEMORY_EXIT_CODE]),
        sfn.Condition.isPresent(CONTAINER_REASON),
        sfn.Condition.stringMatches(CONTAINER_REASON, ECS_OUT_OF_MEMORY_REASON_PATTERN),
      );
    case 'start-failure':
      return sfn.Condition.and(sfn.Condition.isPresent(STOP_CODE), sfn.Condition.stringEquals(STOP_CODE, ECS_STOP_CODE_TASK_FAILED_TO_START));
    case 'any-failure':
      return undefined;
    default:
      throw new Error(`unexpected stop rule ${rule.match}`);
  }
}

/** The container's exit code is one of `codes`; a container that never started has none. */
function exitCodeInAt(EXIT_CODE: string, codes: number[]): sfn.Condition {
  const equals = codes.map((code) => sfn.Condition.numberEquals(EXIT_CODE, code));
  return sfn.Condition.and(
    sfn.Condition.isPresent(EXIT_CODE),
    sfn.Condition.isNumeric(EXIT_CODE),
    equals.length === 1 ? equals[0] : sfn.Condition.or(...equals),
  );
}

/**
 * The delay before retry n of `rule` (n read from `counterPath`): from the rule's backoff,
 * drawn between half and all of it with jitter. Intrinsic functions have no power or minimum, so
 * the delays are listed.
 */
function delayExpression(rule: StopRule, counterPath: string): string {
  const { lowest, highest } = loopDelays(rule.retry!);
  const at = (list: number[]) => `States.ArrayGetItem(States.Array(${list.join(', ')}), ${counterPath})`;
  return lowest.every((d, i) => d === highest[i]) ? at(highest) : `States.MathRandom(${at(lowest)}, ${at(highest)})`;
}

/** The next task size after an out-of-memory kill: the rule's sizes in order, as RunTask's overrides take them (strings). */
function sizeAt(sizes: FanOutTaskSize[], field: 'cpu' | 'memory', counterPath: string): string {
  const values = sizes.map((s) => `'${field === 'cpu' ? s.cpu : s.memoryLimitMiB}'`);
  return `States.ArrayGetItem(States.Array(${values.join(', ')}), ${counterPath})`;
}
