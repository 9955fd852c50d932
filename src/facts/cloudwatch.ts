/**
 * CloudWatch: the metrics the fan-out's dashboard reads, their namespaces and dimensions, and
 * the dashboard's own limits.
 *
 * Each constant names its source; see index.ts.
 */

// ---------------------------------------------------------------------------------------------
// Step Functions metrics
// ---------------------------------------------------------------------------------------------

/**
 * Step Functions' execution metrics: namespace, dimension and the names the dashboard shows.
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 */
export const SFN_METRICS_NAMESPACE = 'AWS/States';

/** Source: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html */
export const SFN_STATE_MACHINE_ARN_DIMENSION = 'StateMachineArn';

/** Source: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html (execution metrics) */
export const SFN_EXECUTION_METRICS = {
  started: 'ExecutionsStarted',
  succeeded: 'ExecutionsSucceeded',
  failed: 'ExecutionsFailed',
  timedOut: 'ExecutionsTimedOut',
  aborted: 'ExecutionsAborted',
} as const;

/**
 * Child executions of a Map Run publish their execution metrics under a labelled state machine
 * ARN: the state machine's ARN, `/`, and the Map Run's label (or a UUID when the Map has none).
 * Source: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-examine-map-run.html
 * ("Viewing a Distributed Map Run execution")
 */
export function mapRunChildMetricsArn(stateMachineArn: string, mapRunLabel: string): string {
  return `${stateMachineArn}/${mapRunLabel}`;
}

/**
 * ⚠ No CloudWatch metric counts the RunTask calls that were throttled and retried by a state
 * machine. Step Functions' service integration metrics (`ServiceIntegrationsFailed`, dimension
 * `ServiceIntegrationResourceArn`) count every failed call of an integration across the whole
 * account, throttled or not, and not per state machine; ECS reports API usage metrics in
 * `AWS/Usage` (Service `ECS`), but no page says that RunTask or a `ThrottleCount` is among them.
 * The dashboard says so in a text widget instead of graphing a metric that may not exist.
 * Sources: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html ;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AWS-API-Usage-Metrics.html
 */
export const THROTTLED_RUN_TASK_METRIC_DOCUMENTED = false;

// ---------------------------------------------------------------------------------------------
// ECS Container Insights
// ---------------------------------------------------------------------------------------------

/**
 * Container Insights metrics of ECS: tasks running in a cluster. Published only for clusters
 * with Container Insights turned on.
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html
 */
export const CONTAINER_INSIGHTS_NAMESPACE = 'ECS/ContainerInsights';

/** Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html */
export const CONTAINER_INSIGHTS_RUNNING_TASK_COUNT = 'RunningTaskCount';

/** Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html */
export const CONTAINER_INSIGHTS_CLUSTER_DIMENSION = 'ClusterName';

// ---------------------------------------------------------------------------------------------
// Fargate usage against the quota
// ---------------------------------------------------------------------------------------------

/**
 * The account's Fargate vCPUs in use: `AWS/Usage` `ResourceCount` with these dimensions, one
 * `Class` per capacity (`Standard/OnDemand`, `Standard/Spot`). Collected every minute.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/monitoring-fargate-usage.html
 */
export const USAGE_METRICS_NAMESPACE = 'AWS/Usage';

/** Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/monitoring-fargate-usage.html */
export const FARGATE_USAGE_METRIC = 'ResourceCount';

/** Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/monitoring-fargate-usage.html */
export const FARGATE_VCPU_USAGE_DIMENSIONS = { Service: 'Fargate', Type: 'Resource', Resource: 'vCPU' } as const;

/** The `Class` dimension of Fargate's vCPU usage, per capacity. Source: as above. */
export const FARGATE_USAGE_CLASS = { onDemand: 'Standard/OnDemand', spot: 'Standard/Spot' } as const;

/**
 * The metric math function that draws the applied quota of a usage metric (`SERVICE_QUOTA(m1)`),
 * for the services that integrate their usage metrics with Service Quotas; AWS Fargate is one.
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Quotas-Visualize-Alarms.html
 */
export const SERVICE_QUOTA_FUNCTION = 'SERVICE_QUOTA';

// ---------------------------------------------------------------------------------------------
// Dashboards
// ---------------------------------------------------------------------------------------------

/**
 * A dashboard's name: alphanumerics, `-` and `_`, at most 255 characters.
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
 */
export const DASHBOARD_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html */
export const DASHBOARD_NAME_MAX_LENGTH = 255;
