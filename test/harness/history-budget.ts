/**
 * Estimates how many events an execution would write to its AWS history, from the
 * event log of aws-local-stepfunctions. The interpreter logs states, not service calls,
 * so service events are added per attempt:
 *
 * - a successful `.sync` Task attempt: TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded
 *   (6 with TaskStateEntered/Exited, as in the LocalStack recording cited in aws-facts.md 1.2);
 *   other Task resources get no TaskSubmitted;
 * - a failed attempt: TaskScheduled, TaskStarted, TaskFailed (a retry adds no event of its own;
 *   the next attempt adds its own events);
 * - a Map state: MapStateStarted and MapStateSucceeded/Failed around MapIterationStarted and
 *   MapIterationSucceeded/Failed per iteration (all in the parent's history for an inline Map);
 * - a Distributed Map (run by the harness as a Task, see execute-workflow.ts): MapStateStarted,
 *   MapRunStarted, MapRunSucceeded/Failed, MapStateSucceeded/Failed; its children's events are
 *   counted in their own histories.
 *
 * It is an estimate (±1 event per failed `.sync` attempt, which may or may not have been submitted).
 */

/** Standard workflows: 25,000 events per execution, hard quota (aws-facts.md 1.1). */
export const HISTORY_EVENT_LIMIT = 25_000;

/** The fields of an aws-local-stepfunctions event the counter reads. */
export interface InterpreterEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type: string };
  readonly index?: number;
}

export interface HistoryCounterOptions {
  /** Resource of each Task state, by state name, to tell `.sync` tasks apart. @default - every Task is `.sync` */
  readonly taskResources?: ReadonlyMap<string, string>;
  /** Names of Distributed Map states the harness runs as Task states. */
  readonly distributedMapStates?: ReadonlySet<string>;
}

export class HistoryCounter {
  total = 0;
  readonly byEventType: Record<string, number> = {};
  private readonly caught = new Set<string>();

  constructor(private readonly options: HistoryCounterOptions = {}) {}

  /** Adds one interpreter event. */
  add(event: InterpreterEvent): void {
    const state = event.state;
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
        this.count(event.type);
        return;
      case 'ExecutionTimeout':
        this.count('ExecutionTimedOut');
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.count(event.type);
        return;
      case 'StateEntered':
        if (!state) return;
        if (this.isDistributedMap(state)) {
          this.count('MapStateEntered');
          this.count('MapStateStarted');
          this.count('MapRunStarted');
          return;
        }
        this.count(`${state.type}StateEntered`);
        if (state.type === 'Map' || state.type === 'Parallel') this.count(`${state.type}StateStarted`);
        return;
      case 'StateExited':
        if (!state) return;
        if (this.isDistributedMap(state)) {
          if (!this.caught.delete(this.key(event))) {
            this.count('MapRunSucceeded');
            this.count('MapStateSucceeded');
          }
          this.count('MapStateExited');
          return;
        }
        if (state.type === 'Task' && !this.caught.delete(this.key(event))) {
          this.count('TaskScheduled');
          this.count('TaskStarted');
          if (this.isSync(state.name)) this.count('TaskSubmitted');
          this.count('TaskSucceeded');
        }
        if ((state.type === 'Map' || state.type === 'Parallel') && !this.caught.delete(this.key(event))) {
          this.count(`${state.type}StateSucceeded`);
        }
        this.count(`${state.type}StateExited`);
        return;
      case 'StateFailed':
        if (!state) return;
        if (this.isDistributedMap(state)) {
          this.count('MapRunFailed');
          this.count('MapStateFailed');
        } else if (state.type === 'Task') {
          this.count('TaskScheduled');
          this.count('TaskStarted');
          this.count('TaskFailed');
        } else if (state.type === 'Map' || state.type === 'Parallel') {
          this.count(`${state.type}StateFailed`);
        }
        return;
      case 'StateCaught':
        if (state) this.caught.add(this.key(event));
        return;
      default:
        // StateRetried, ParallelBranch*: no history event of their own.
        return;
    }
  }

  private isDistributedMap(state: { name: string; type: string }): boolean {
    return state.type === 'Task' && (this.options.distributedMapStates?.has(state.name) ?? false);
  }

  private isSync(stateName: string): boolean {
    const resource = this.options.taskResources?.get(stateName);
    return resource === undefined || resource.endsWith('.sync') || resource.includes('.sync:');
  }

  private key(event: InterpreterEvent): string {
    return `${event.state?.name}#${event.index ?? ''}`;
  }

  private count(awsEventType: string): void {
    this.total++;
    this.byEventType[awsEventType] = (this.byEventType[awsEventType] ?? 0) + 1;
  }
}

/** Estimates the history of one execution from its events. */
export function estimateHistoryEvents(events: Iterable<InterpreterEvent>, options?: HistoryCounterOptions): HistoryCounter {
  const counter = new HistoryCounter(options);
  for (const event of events) counter.add(event);
  return counter;
}
