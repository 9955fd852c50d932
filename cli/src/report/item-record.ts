import { ItemOutcomes, LAST_TASK_FIELD, TASK_RECORD_FIELDS as TASK_FIELDS } from '../library';
/**
 * The per-item record the workflow writes for every item (or batch): the fields of the item's last
 * ECS task, counters, and the item's earlier tasks as a linked list (`earlier`, newest first; the
 * first task's `earlier` is `{}`).
 *
 * On the failure path the workflow fills the fields with indefinite JSONPaths, so any field may be
 * missing, a value, a one-element list or an empty list: `single()` reads all three the same way.
 */

/** One ECS task of an item, as the record gives it. */
export interface TaskRecord {
  /** `FARGATE` or `FARGATE_SPOT`; undefined when the record does not say. */
  readonly capacity?: string;
  /** CPU units (1,024 per vCPU). */
  readonly cpu?: number;
  /** Memory in MiB. */
  readonly memoryMiB?: number;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly exitCode?: number;
  /** Epoch milliseconds; undefined for a task that never started. */
  readonly startedAt?: number;
  readonly stoppedAt?: number;
}

/** What the workflow recorded for one item or batch. */
export interface ItemRecord {
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  /**
   * Runs of the item (or batch), as the record counts them: each a task launched, or a last
   * RunTask call refused for good (which launched none). At least `tasks.length`.
   */
  readonly attempts?: number;
  /** The item's tasks, the last one first. */
  readonly tasks: readonly TaskRecord[];
}

/** Longest `earlier` chain read: a guard against a malformed (or cyclic) record. */
const MAX_TASKS_PER_ITEM = 10_000;

/** `x`, `[x]` and `[]` (an indefinite JSONPath's result) as `x` or undefined. */
export function single(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.length > 0 ? value[0] : undefined;
  }
  return value === null ? undefined : value;
}

function text(value: unknown): string | undefined {
  const v = single(value);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function numeric(value: unknown): number | undefined {
  const v = single(value);
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Epoch milliseconds from a number, a numeric string or an ISO date. */
export function epochMs(value: unknown): number | undefined {
  const n = numeric(value);
  if (n !== undefined) return n;
  const v = single(value);
  if (typeof v === 'string') {
    const parsed = Date.parse(v);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  if (v instanceof Date) return v.getTime();
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function taskOf(fields: Record<string, unknown>): TaskRecord | undefined {
  if (!TASK_FIELDS.some((field) => single(fields[field]) !== undefined)) return undefined;
  return {
    capacity: text(fields.capacity),
    cpu: numeric(fields.cpu),
    memoryMiB: numeric(fields.memory),
    stopCode: text(fields.stopCode),
    stoppedReason: text(fields.stoppedReason),
    exitCode: numeric(fields.exitCode),
    startedAt: epochMs(fields.startedAt),
    stoppedAt: epochMs(fields.stoppedAt),
  };
}

/**
 * The flat record (`{ outcome, attempts, <last task's fields>, earlier }`) of `value`. A record
 * shaped by the task state that ended its item is the retry state with its last task under
 * LAST_TASK_FIELD and `attempts` counting the earlier tasks (src/workflow/item/item-record.ts);
 * anything else is returned as it is.
 */
export function flatItemRecord(value: unknown): unknown {
  if (!isObject(value) || !isObject(value[LAST_TASK_FIELD])) return value;
  const { [LAST_TASK_FIELD]: last, ...retry } = value;
  const earlierTasks = numeric(retry.attempts);
  return { ...retry, ...(last as Record<string, unknown>), attempts: earlierTasks === undefined ? undefined : earlierTasks + 1 };
}

/**
 * Reads an item record; undefined when `value` is not one (no outcome). `outcome` may be given
 * when the record itself lacks it (a FAILED result entry's Cause).
 */
export function parseItemRecord(given: unknown, outcome?: ItemRecord['outcome']): ItemRecord | undefined {
  const value = flatItemRecord(given);
  if (!isObject(value)) return undefined;
  const stated = text(value.outcome);
  const resolved = stated === ItemOutcomes.SUCCEEDED || stated === ItemOutcomes.FAILED ? stated : outcome;
  if (!resolved) return undefined;
  // Without its own outcome, an object is a record only if it has a record's fields.
  if (stated === undefined && numeric(value.attempts) === undefined && !taskOf(value)) return undefined;
  const tasks: TaskRecord[] = [];
  // The record's own fields are its last task's, when its last run launched one: every launched
  // task has a stop code. A last run that RunTask refused for good launched none; the record
  // then still lists the earlier tasks.
  const launched = ['stopCode', 'startedAt', 'stoppedAt'].some((field) => single(value[field]) !== undefined);
  if (launched) tasks.push(taskOf(value)!);
  let node: unknown = single(value.earlier);
  while (isObject(node) && tasks.length < MAX_TASKS_PER_ITEM) {
    const task = taskOf(node);
    if (!task) break;
    tasks.push(task);
    node = single(node.earlier);
  }
  return {
    outcome: resolved,
    error: text(value.error),
    attempts: numeric(value.attempts),
    tasks,
  };
}

/** Parses JSON text, or undefined when it is not JSON. */
export function parseJson(textValue: string | undefined): unknown {
  if (textValue === undefined) return undefined;
  try {
    return JSON.parse(textValue);
  } catch {
    return undefined;
  }
}
