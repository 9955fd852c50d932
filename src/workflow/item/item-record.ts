import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ItemStatePaths } from './item-state';

/**
 * The fields of one task in an item's record, and where each is read in the stopped task kept at
 * the stop path (ECS's description, or what the workflow added: capacity and size). The report
 * (src/report/item-record.ts) reads the same names.
 */
const TASK_RECORD_SOURCES = {
  capacity: 'capacity',
  cpu: 'cpu',
  memory: 'memory',
  stopCode: 'StopCode',
  stoppedReason: 'StoppedReason',
  exitCode: 'ExitCode',
  startedAt: 'StartedAt',
  stoppedAt: 'StoppedAt',
} as const;

/** The fields ECS's description has at its top level (the others the workflow writes beside it). */
const TASK_FIELDS_OF_ECS = new Set<string>(['StopCode', 'StoppedReason', 'StartedAt', 'StoppedAt']);

/**
 * What a field left out reads as: an empty list, as an indefinite path that matches nothing read
 * it before (the report reads a value, a one-element list and an empty list alike). Not null,
 * which the aws-stepfunctions L2s drop from a state's parameters.
 */
export const LEFT_OUT: readonly never[] = [];

/**
 * The top-level fields of ECS's description the record reads, left out: what a stopped task's
 * description is merged over when it is read from a failure's Cause, and the task of an empty stop.
 */
export function stoppedTaskDefaults(): { [field: string]: never[] } {
  return Object.fromEntries([...TASK_FIELDS_OF_ECS].map((field) => [field, [...LEFT_OUT]]));
}

/** The names of the fields of one task in an item's record. */
export type TaskRecordField = keyof typeof TASK_RECORD_SOURCES;

/** The fields of one task in an item's record, in order. */
export const TASK_RECORD_FIELDS = Object.keys(TASK_RECORD_SOURCES) as TaskRecordField[];

/** The outcome an item's record states. */
export const ItemOutcomes = { SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' } as const;

/**
 * The last task's fields, from the stop path, each read where it is always present (issue 27: no
 * indefinite path that can match nothing): the stop path always holds every field the record
 * reads (item-state.ts, `emptyStop`, and `stoppedTaskDefaults`), `[]` where ECS or the workflow
 * left it out. The exit code is in the task's containers: a deep scan, which matches the
 * containers' codes, or the `ExitCode: []` beside the task where no container has one (the
 * stop is empty, or its failure's Cause names no exit code: see run-job-runner.ts).
 */
export function lastTaskFields(paths: ItemStatePaths): { [key: string]: any } {
  const at = (field: TaskRecordField) => {
    const source = TASK_RECORD_SOURCES[field];
    if (field === 'exitCode') return sfn.JsonPath.listAt(`${paths.stop}..${source}`);
    return sfn.JsonPath.stringAt(TASK_FIELDS_OF_ECS.has(source) ? `${paths.stop}.task.${source}` : `${paths.stop}.${source}`);
  };
  const fields: { [key: string]: any } = Object.fromEntries(TASK_RECORD_FIELDS.map((field) => [field, at(field)]));
  // With an out-of-memory rule the size the last task ran at is the retry state's until it is counted.
  if (paths.resized) {
    fields.cpu = sfn.JsonPath.stringAt(`${paths.retry}.cpu`);
    fields.memory = sfn.JsonPath.stringAt(`${paths.retry}.memory`);
  }
  return fields;
}

/** The record of an item that failed: its error, its last task and its earlier ones. */
export function failedRecord(paths: ItemStatePaths): { [key: string]: any } {
  return {
    outcome: ItemOutcomes.FAILED,
    error: sfn.JsonPath.stringAt('$.failure.Error'),
    attempts: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${paths.retry}.attempts`), 1),
    ...lastTaskFields(paths),
    earlier: sfn.JsonPath.objectAt(`${paths.retry}.earlier`),
  };
}

/**
 * The record of an item that succeeded (Distributed Map children) in a state of its own, where
 * the task state cannot end the item (after a Spot task's check, or a pool's release): what its
 * last task said and how many tasks it took, with its earlier tasks. Elsewhere the task state
 * shapes it (succeededTaskOfResult, LAST_TASK_FIELD).
 */
export function succeededRecord(paths: ItemStatePaths): { [key: string]: any } {
  return {
    outcome: ItemOutcomes.SUCCEEDED,
    attempts: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${paths.retry}.attempts`), 1),
    ...lastTaskFields(paths),
    earlier: sfn.JsonPath.objectAt(`${paths.retry}.earlier`),
  };
}

/**
 * Where a task state that ends its item keeps what its last task said: under this field of the
 * retry state, which the task state outputs whole (its OutputPath). So the record of an item that
 * succeeded is shaped by the task state itself, with no state of its own (one transition per item,
 * issue 23): `{ attempts, earlier, <counters>, last: { outcome, <the task's fields> } }`, where
 * `attempts` counts the earlier tasks. The report reads it as the flat record (src/report/item-record.ts).
 */
export const LAST_TASK_FIELD = 'last';

/**
 * The last task's fields, from a `.sync` result that succeeded (the task state's result selector):
 * ECS's description of a task that ran and exited has its containers' exit codes, `StopCode`,
 * `StoppedReason`, `StartedAt` and `StoppedAt` (recorded against AWS by LocalStack's snapshot
 * tests, /work/shared/ecs-stop-signals.md), so each is read where it is.
 */
export function succeededTaskOfResult(run: { [key: string]: any }): { [key: string]: any } {
  return {
    outcome: ItemOutcomes.SUCCEEDED,
    ...run,
    stopCode: sfn.JsonPath.stringAt(`$.${TASK_RECORD_SOURCES.stopCode}`),
    stoppedReason: sfn.JsonPath.stringAt(`$.${TASK_RECORD_SOURCES.stoppedReason}`),
    exitCode: sfn.JsonPath.listAt(`$..${TASK_RECORD_SOURCES.exitCode}`),
    startedAt: sfn.JsonPath.stringAt(`$.${TASK_RECORD_SOURCES.startedAt}`),
    stoppedAt: sfn.JsonPath.stringAt(`$.${TASK_RECORD_SOURCES.stoppedAt}`),
  };
}

