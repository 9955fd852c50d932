import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RetryRulesDecision } from './decide-retry-rules';
import { loopDelays, RetryRule, RetryRuleFailure } from './retry-rule';
import { HISTORY_EVENTS_PER_INLINE_ITEM, HISTORY_EVENTS_PER_PASS_STATE } from '../../facts';
import { lastTaskFields } from '../../workflow/item/item-record';
import { isRateLimitedRefusal, mayBeTooLarge } from '../../workflow/item/item-spill';
import { emptyStop, ItemStatePaths } from '../../workflow/item/item-state';
import { FanOutTaskSize } from '../retry-rules';

/**
 * Events one rerun by a retry rule adds: the Task state's own events again, and the loop that
 * leads back to it: whether the Cause describes the task (a Choice), parsing it (a Pass), the
 * rules (a Choice), counting the attempt (a Pass) and the delay (a Wait).
 */
export const LOOP_RERUN_EVENTS = HISTORY_EVENTS_PER_INLINE_ITEM + 5 * HISTORY_EVENTS_PER_PASS_STATE;

/** How the retry rules' states reach the states around one task state. */
export interface TaskLoop {
  /** Distinguishes this task state's rule states ('', 'OnDemand'). */
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

/** What the retry rules' states are built from, the same for every task state of an item. */
export interface RetryRuleStatesProps {
  readonly decision: RetryRulesDecision;
  /** A state's name where it is built (the inline name, or the child's). */
  readonly stateName: (inlineName: string) => string;
  /** 'Inline' or 'Child': prefixes construct ids. */
  readonly where: string;
  readonly paths: ItemStatePaths;
  /** Top-level fields of one item's state that a retry loop keeps as they are (the pool's owner). */
  readonly carried?: readonly string[];
}

/** Builds the Choice that applies the retry rules to a stopped task, and their retry loops. */
export class RetryRuleStates {
  constructor(private readonly scope: Construct, private readonly props: RetryRuleStatesProps) {}

  /** Where the item's state keeps its counters and its stopped task. */
  public get paths(): ItemStatePaths {
    return this.props.paths;
  }

  /**
   * The rules, as one Choice that reads the stopped task at the stop path: the first rule that
   * matches decides; a matching rule whose retries are used up fails the item.
   */
  public applyRules(loop: TaskLoop): sfn.IChainable {
    const rules = this.props.decision.rules.filter((rule) => rule.capacityProvider === undefined || rule.capacityProvider === loop.capacity);
    if (rules.length === 0) {
      // No rule can match a task of this capacity: a stopped task fails its item (its record still reads it).
      return loop.failed;
    }
    const choice = new sfn.Choice(this.scope, `${this.props.where}ApplyStopRules${loop.suffix}`, {
      stateName: this.props.stateName(`ApplyStopRules${loop.suffix}`),
      comment: 'Reads the stopped task\'s fields (StopCode, StoppedReason, exit code, container reason); the first rule that matches decides.',
    });
    for (const rule of rules) {
      const matches = rule.condition(this.props.paths.stop);
      if (matches && rule.capacityProvider !== undefined && loop.fallback) {
        // A rule of one capacity, with a fallback: the item runs once more on the other.
        choice.when(matches, this.count(rule, loop, { next: loop.fallback, label: 'FallBack' }));
        continue;
      }
      if (rule.retry && rule.retry.maxAttempts > 0) {
        const retry = this.count(rule, loop, { next: loop.task });
        choice.when(matches ? sfn.Condition.and(matches, this.hasRetriesLeft(rule)) : this.hasRetriesLeft(rule), retry);
      }
      if (matches) {
        choice.when(matches, rule.failure ? this.ruleFailure(rule.failure, loop) : loop.failed);
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
    const lookupRule = this.props.decision.rules.find((r) => r.retriesThrottledLookups && r.retry && r.retry.maxAttempts > 0);
    if (!lookupRule && !spill) {
      return loop.failed;
    }
    const choice = new sfn.Choice(this.scope, `${this.props.where}IsRateLimited${loop.suffix}`, {
      stateName: this.props.stateName(`IsRateLimited${loop.suffix}`),
      comment: 'ECS.InvalidParameterException is also what a throttled VPC lookup and overrides over 8,192 characters look like; only its Cause tells.',
    });
    if (lookupRule) {
      choice.when(sfn.Condition.and(isRateLimitedRefusal(), this.hasRetriesLeft(lookupRule)),
        this.count(lookupRule, loop, { next: loop.task, label: 'RateLimited', taskRan: false }));
    }
    if (spill) {
      // Any other refusal may be the item's size: one try with the item in S3 (see item-spill.ts).
      choice.when(mayBeTooLarge(this.props.paths.batched), spill);
    }
    return choice.otherwise(loop.failed);
  }

  /**
   * Counts a retry (attempts, the rule's counter, the task just stopped among the earlier ones,
   * the next task size after an out-of-memory kill) and draws its delay, then waits and reruns.
   * The state is rebuilt from the item, so nothing of the stopped task is carried along.
   */
  private count(rule: RetryRule, loop: TaskLoop, options: { next: sfn.IChainable; label?: string; taskRan?: boolean }): sfn.IChainable {
    const { paths, decision, where, stateName } = this.props;
    const label = options.label ?? 'Retry';
    const taskRan = options.taskRan ?? true;
    const fallback = label === 'FallBack';
    const id = `${label}${rule.id}${loop.suffix}`;
    const retry: { [key: string]: any } = {
      attempts: taskRan
        ? sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${paths.retry}.attempts`), 1)
        : sfn.JsonPath.numberAt(`${paths.retry}.attempts`),
      earlier: taskRan
        ? { ...lastTaskFields(paths), earlier: sfn.JsonPath.objectAt(`${paths.retry}.earlier`) }
        : sfn.JsonPath.objectAt(`${paths.retry}.earlier`),
    };
    for (const other of decision.rules) {
      if (other.retry) {
        retry[other.id] = other === rule && !fallback
          ? sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${paths.retry}.${other.id}`), 1)
          : sfn.JsonPath.numberAt(`${paths.retry}.${other.id}`);
      }
    }
    if (decision.resizes) {
      if (rule.sizes) {
        retry['cpu.$'] = sizeAt(rule.sizes, 'cpu', `${paths.retry}.${rule.id}`);
        retry['memory.$'] = sizeAt(rule.sizes, 'memory', `${paths.retry}.${rule.id}`);
      } else {
        retry.cpu = sfn.JsonPath.stringAt(`${paths.retry}.cpu`);
        retry.memory = sfn.JsonPath.stringAt(`${paths.retry}.memory`);
      }
    }
    if (fallback || !rule.retry) {
      retry.delay = 0;
    } else {
      retry['delay.$'] = delayExpression(rule, `${paths.retry}.${rule.id}`);
    }
    const counted = new sfn.Pass(this.scope, `${where}${id}`, {
      stateName: stateName(id),
      comment: fallback
        ? 'Counts the interrupted Spot task before the item runs on on-demand.'
        : `Counts the retry (${rule.description}) and draws its delay.`,
      parameters: paths.batched
        ? { Items: sfn.JsonPath.listAt('$.Items'), BatchInput: { stop: emptyStop(), retry } }
        : {
          index: sfn.JsonPath.numberAt('$.index'),
          item: sfn.JsonPath.objectAt('$.item'),
          ...Object.fromEntries((this.props.carried ?? []).map((field) => [field, sfn.JsonPath.stringAt(`$.${field}`)])),
          stop: emptyStop(),
          retry,
        },
    });
    if (fallback) {
      return counted.next(options.next);
    }
    const wait = new sfn.Wait(this.scope, `${where}Wait${id}`, {
      stateName: stateName(`Wait${id}`),
      time: sfn.WaitTime.secondsPath(`${paths.retry}.delay`),
    });
    return counted.next(wait).next(options.next);
  }

  private hasRetriesLeft(rule: RetryRule): sfn.Condition {
    return sfn.Condition.numberLessThan(`${this.props.paths.retry}.${rule.id}`, rule.retry?.maxAttempts ?? 0);
  }

  /** A rule with a failure of its own (a Spot interruption) sets it before the item fails. */
  private ruleFailure(failure: RetryRuleFailure, loop: TaskLoop): sfn.IChainable {
    return new sfn.Pass(this.scope, `${this.props.where}${failure.stateName}${loop.suffix}`, {
      stateName: this.props.stateName(`${failure.stateName}${loop.suffix}`),
      comment: failure.comment,
      parameters: { Error: failure.error, Cause: failure.cause },
      resultPath: '$.failure',
    }).next(loop.failed);
  }
}

/**
 * The delay before retry n of `rule` (n read from `counterPath`): from the rule's backoff,
 * drawn between half and all of it with jitter. Intrinsic functions have no power or minimum, so
 * the delays are listed.
 */
function delayExpression(rule: RetryRule, counterPath: string): string {
  const { lowest, highest } = loopDelays(rule.retry!);
  const at = (list: number[]) => `States.ArrayGetItem(States.Array(${list.join(', ')}), ${counterPath})`;
  return lowest.every((d, i) => d === highest[i]) ? at(highest) : `States.MathRandom(${at(lowest)}, ${at(highest)})`;
}

/** The next task size after an out-of-memory kill: the rule's sizes in order, as RunTask's overrides take them (strings). */
function sizeAt(sizes: FanOutTaskSize[], field: 'cpu' | 'memory', counterPath: string): string {
  const values = sizes.map((s) => `'${field === 'cpu' ? s.cpu : s.memoryLimitMiB}'`);
  return `States.ArrayGetItem(States.Array(${values.join(', ')}), ${counterPath})`;
}
