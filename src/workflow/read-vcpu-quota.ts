import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { VcpuQuotaDecision } from '../concurrency/vcpu-quota';
import { GET_SERVICE_QUOTA_ACTION } from '../facts';

// The run's cap from the account's Fargate vCPU quota (see concurrency/vcpu-quota.ts): one state
// at the start of the run reads the quota and computes the cap in JSONata (JSONPath intrinsics
// cannot divide or floor), puts it in the state data for the Maps' MaxConcurrencyPath and keeps
// it in a variable for the run's summary, whose input the Map has replaced by then.

/** The state that reads the quota. */
export const READ_VCPU_QUOTA_STATE = 'ReadVcpuQuota';

/** The state that keeps the synth-time cap when the quota could not be read. */
export const QUOTA_NOT_READ_STATE = 'QuotaNotRead';

/**
 * Where the run's cap is: a field of the state data up to the Maps, and a variable (of the same
 * name) that the summary copies into the execution's output.
 */
export const CONCURRENCY_CAP_FIELD = 'concurrencyCap';

/** The Distributed Map's MaxConcurrencyPath. */
export const MAX_CONCURRENCY_PATH = `$.${CONCURRENCY_CAP_FIELD}.maxConcurrency`;

/** The inline Map's MaxConcurrencyPath. */
export const INLINE_MAX_CONCURRENCY_PATH = `$.${CONCURRENCY_CAP_FIELD}.inlineMaxConcurrency`;

/**
 * The run's cap, as the execution's output shows it:
 * `{ maxConcurrency, inlineMaxConcurrency, quotaRead, quotaVcpus?, reason }`.
 */
export function concurrencyCapInSummary(): { [key: string]: any } {
  return { [CONCURRENCY_CAP_FIELD]: sfn.JsonPath.objectAt(`$${CONCURRENCY_CAP_FIELD}`) };
}

/**
 * The JSONata expression of the cap once the quota answered `Quota.Value` (vCPUs): the synth-time
 * caps lowered to floor(quota / task vCPUs) (rounded to 6 places first, so that 0.75 / 0.25 is
 * 3), or kept, with the reason, when the quota holds more or holds no task (a Value that is not a
 * number holds none).
 */
export function capFromQuotaExpression(decision: VcpuQuotaDecision): string {
  const { maxConcurrency, inlineMaxConcurrency, taskVcpus } = decision;
  const per = `of ${taskVcpus} vCPU`;
  return '($quota := $states.result.Quota.Value;'
    + ` $tasks := $type($quota) = "number" ? $floor($round($quota / ${taskVcpus}, 6)) : 0;`
    + ` $tasks >= 1 and $tasks < ${maxConcurrency}`
    + ` ? {"maxConcurrency": $tasks, "inlineMaxConcurrency": $min([${inlineMaxConcurrency}, $tasks]), "quotaRead": true, "quotaVcpus": $quota,`
    + ` "reason": "the ${decision.quotaName} quota, " & $string($quota) & " vCPU, holds " & $string($tasks) & " tasks ${per}, fewer than the cap of ${maxConcurrency}"}`
    + ` : {"maxConcurrency": ${maxConcurrency}, "inlineMaxConcurrency": ${inlineMaxConcurrency}, "quotaRead": true, "quotaVcpus": $quota,`
    + ' "reason": $tasks >= 1'
    + ` ? "the ${decision.quotaName} quota, " & $string($quota) & " vCPU, holds " & $string($tasks) & " tasks ${per}, at least the cap of ${maxConcurrency}, which is kept"`
    + ` : "the ${decision.quotaName} quota, " & $string($quota) & " vCPU, holds no task ${per}; the cap of ${maxConcurrency} is kept"})`;
}

/**
 * The JSONata expression of the cap when the quota could not be read: the synth-time caps, and
 * the error (the input of the state the read's Catch goes to: `{ Error, Cause }`).
 */
export function capNotReadExpression(decision: VcpuQuotaDecision): string {
  return `{"maxConcurrency": ${decision.maxConcurrency}, "inlineMaxConcurrency": ${decision.inlineMaxConcurrency}, "quotaRead": false,`
    + ` "reason": "the ${decision.quotaName} quota could not be read (" & $states.input.Error & "); the cap of ${decision.maxConcurrency} is kept"}`;
}

/** `data` with the cap added. */
function withCap(data: string, capExpression: string): string {
  return `{% $merge([${data}, {"${CONCURRENCY_CAP_FIELD}": ${capExpression}}]) %}`;
}

/**
 * Reads the quota (the AWS SDK integration, no Lambda) and goes on to `next` with the cap in the
 * state data, whether the read succeeded or failed (every error caught: AWS does not document
 * whether a quota never raised is answered, see facts/service-quotas.ts). A failed read passes
 * QuotaNotRead, which rebuilds the state data from the execution's input: the read is the
 * workflow's first state, so its input is the execution's (a Catch's own Output would do the
 * same in one state less, but only on the failure path, and the offline harness runs no Catch
 * Output).
 */
export function readVcpuQuota(scope: Construct, decision: VcpuQuotaDecision, next: sfn.IChainable): sfn.IChainable {
  if (!decision.reads || !decision.serviceCode || !decision.quotaCode) {
    throw new Error('readVcpuQuota: the decision does not read the quota');
  }
  const read = tasks.CallAwsService.jsonata(scope, 'ReadVcpuQuota', {
    stateName: READ_VCPU_QUOTA_STATE,
    comment: `Reads the ${decision.quotaName} quota and lowers the Map's cap to the tasks it holds (at most ${decision.maxConcurrency}).`,
    service: 'servicequotas',
    action: 'getServiceQuota',
    parameters: { ServiceCode: decision.serviceCode, QuotaCode: decision.quotaCode },
    // See facts/service-quotas.ts (GET_SERVICE_QUOTA_RESOURCE_LEVEL_CONFIRMED): a quota ARN the
    // action may not authorize on would deny every read.
    iamResources: ['*'],
    iamAction: GET_SERVICE_QUOTA_ACTION,
    outputs: withCap('$states.input', capFromQuotaExpression(decision)),
    assign: { [CONCURRENCY_CAP_FIELD]: `{% ${capFromQuotaExpression(decision)} %}` },
  });
  const notRead = sfn.Pass.jsonata(scope, 'QuotaNotRead', {
    stateName: QUOTA_NOT_READ_STATE,
    comment: `The quota could not be read: the cap stays ${decision.maxConcurrency}, and the run's output says why.`,
    outputs: withCap('$states.context.Execution.Input', capNotReadExpression(decision)),
    assign: { [CONCURRENCY_CAP_FIELD]: `{% ${capNotReadExpression(decision)} %}` },
  });
  read.addCatch(notRead, { errors: [sfn.Errors.ALL] });
  notRead.next(next);
  return read.next(next);
}
