import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFAULT_RESULT_PATH, leaseGiveBack, leaseKey, n, PoolBinding, PoolFragmentOptions, poolStateNames, transientRetry } from './pool-table';
import { ERRORS_DYNAMODB_TRANSACTION_CANCELED } from '../../facts';

/**
 * The states that give the slot back, then go to `next`. Idempotent: the lease is deleted only
 * if it exists, in the same transaction that takes its weight off the counter; a lease already
 * given back (by an earlier try, the cleanup or the sweep) is left alone. A transaction that
 * lost a race with another one on the counter is tried again until the lease is gone.
 *
 * Reads only `slotPath` and `ownerPath`, so it works from any path that kept the item's input
 * (a Catch with a `resultPath` keeps it). Leaves the input as it is.
 */
export function buildPoolRelease(scope: Construct, pool: PoolBinding, options: PoolFragmentOptions, next: sfn.IChainable): sfn.State {
  const { table } = pool;
  const names = poolStateNames(options.prefix);
  const key = leaseKey(options);
  const release = leaseGiveBack(scope, {
    stateName: names.RELEASE,
    table,
    key,
    condition: { expression: 'attribute_exists(pk)' },
    weight: n(options.cpuUnits),
    comment: 'Give the slot back: delete the lease (if it is still there) and take its weight off the counter, all or nothing',
  });
  transientRetry(release);

  const check = new tasks.DynamoGetItem(scope, names.RELEASE_CHECK, {
    stateName: names.RELEASE_CHECK,
    table,
    key: { pk: tasks.DynamoAttributeValue.fromString(key.pk.S), sk: tasks.DynamoAttributeValue.fromString(key.sk.S) },
    consistentRead: true,
    resultPath: `${options.resultPath ?? DEFAULT_RESULT_PATH}Release`,
    comment: 'Was the lease already given back, or did the transaction lose a race?',
  });
  transientRetry(check);
  const pending = new sfn.Choice(scope, names.RELEASE_PENDING, { stateName: names.RELEASE_PENDING })
    .when(sfn.Condition.isPresent(`${options.resultPath ?? DEFAULT_RESULT_PATH}Release.Item`),
      new sfn.Wait(scope, names.RELEASE_WAIT, { stateName: names.RELEASE_WAIT, time: sfn.WaitTime.duration(Duration.seconds(1)) }).next(release))
    .otherwise(next);

  release.addCatch(check, { errors: ERRORS_DYNAMODB_TRANSACTION_CANCELED, resultPath: sfn.JsonPath.DISCARD });
  release.next(next);
  check.next(pending);
  return release;
}
