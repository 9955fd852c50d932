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

/** The names of the fields of one task in an item's record. */
export type TaskRecordField = keyof typeof TASK_RECORD_SOURCES;

/** The fields of one task in an item's record, in order. */
export const TASK_RECORD_FIELDS = Object.keys(TASK_RECORD_SOURCES) as TaskRecordField[];

/** The outcome an item's record states. */
export const ItemOutcomes = { SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' } as const;

/**
 * The last task's fields, from the stop path, as lists (empty where ECS or the workflow left the
 * field out), so that a missing field can never fail the state that reads them.
 */
export function lastTaskFields(paths: ItemStatePaths): { [key: string]: any } {
  const at = (field: TaskRecordField) => sfn.JsonPath.listAt(`${paths.stop}..${TASK_RECORD_SOURCES[field]}`);
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
 * The record of an item that succeeded (Distributed Map children): what its last task said and
 * how many tasks it took, with its earlier tasks.
 */
export function succeededRecord(paths: ItemStatePaths): { [key: string]: any } {
  return {
    outcome: ItemOutcomes.SUCCEEDED,
    attempts: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt(`${paths.retry}.attempts`), 1),
    ...lastTaskFields(paths),
    earlier: sfn.JsonPath.objectAt(`${paths.retry}.earlier`),
  };
}
