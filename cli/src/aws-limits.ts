/**
 * The AWS numbers and names the CLI's own commands rely on (start, watch), each with its source.
 * The numbers the report prices and counts with come from the library's facts (src/library.ts).
 * Facts: /work/shared/aws-facts.md §1.1 (payload) and §1.4 (API token buckets), §8.4 (progress).
 */

/**
 * Step Functions' execution input limit: 262,144 bytes (256 KiB), measured as a UTF-8 string.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (payload size).
 */
export const SFN_MAX_INPUT_BYTES = 262_144;

/**
 * Step Functions API token buckets (Standard workflows), as `[bucket, refill per second]`: the
 * smaller of the two documented sets (us-east-1, us-west-2 and eu-west-1 have the larger), so the
 * CLI's pacing holds in every Region.
 * Source (archived): https://github.com/awsdocs/aws-step-functions-developer-guide/blob/main/doc_source/limits-overview.md
 * ("Quotas related to API action throttling"); current page:
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * - StartExecution: 800, 150/s (1,300, 300/s in the big Regions)
 * - DescribeExecution: 250, 10/s (300, 15/s in the big Regions)
 * - GetExecutionHistory: 400, 20/s (all Regions)
 * ⚠ DescribeMapRun and ListMapRuns have no documented bucket in the sources read: the CLI assumes
 * DescribeExecution's smaller one. Either answer is safe, because the CLI calls each API at most
 * WATCH_MAX_CALLS_PER_SECOND times a second, a tenth of the smallest documented refill.
 */
export const SFN_API_BUCKETS: Readonly<Record<string, readonly [bucket: number, refillPerSecond: number]>> = {
  StartExecution: [800, 150],
  DescribeExecution: [250, 10],
  GetExecutionHistory: [400, 20],
  DescribeMapRun: [250, 10],
  ListMapRuns: [250, 10],
};

/**
 * Calls per second the CLI makes to any one Step Functions API, at most: a tenth of the smallest
 * refill above (DescribeExecution's 10/s), so ten watchers, or one watcher beside the console and
 * the workflow's own calls, stay inside the bucket. Watching costs about 2 calls per poll whatever
 * the run's size: DescribeMapRun counts a Distributed Map's 10,000 children in one call.
 */
export const WATCH_MAX_CALLS_PER_SECOND = 1;

/**
 * Attempts per API call (the SDK's standard retry mode: exponential backoff with jitter, on
 * throttling, 5xx and network errors). Source: AWS SDKs and Tools reference guide, "Retry behavior"
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const SFN_MAX_ATTEMPTS = 8;

/** How an execution can end (DescribeExecution `status`). Source: API_DescribeExecution.html. */
export const EXECUTION_END_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/**
 * The Step Functions console's page of an execution.
 * Source: the console's own links (`#/v2/executions/details/<execution ARN>`), as the
 * Step Functions developer guide's "Viewing executions" shows them.
 */
export function consoleLinkOf(executionArn: string): string {
  const region = executionArn.split(':')[3] || 'us-east-1';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
