import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DashboardDecision, DashboardPanel } from './private/decide-dashboard';
import { FanOutConcurrencyPool } from '../concurrency-pool/concurrency-pool';
import { PoolKeys } from '../concurrency-pool/private/pool-table';
import {
  CONTAINER_INSIGHTS_CLUSTER_DIMENSION, CONTAINER_INSIGHTS_NAMESPACE, CONTAINER_INSIGHTS_RUNNING_TASK_COUNT,
  FARGATE_USAGE_METRIC, FARGATE_VCPU_USAGE_DIMENSIONS, mapRunChildMetricsArn, SERVICE_QUOTA_FUNCTION,
  SFN_EXECUTION_METRICS, SFN_METRICS_NAMESPACE, SFN_STATE_MACHINE_ARN_DIMENSION, USAGE_METRICS_NAMESPACE,
} from '../facts';
import { RATE_AND_CAPACITY_ERRORS } from '../retries/private/throttle-retry';

/** What the dashboard shows. */
export interface FanOutDashboardResources {
  readonly stateMachine: sfn.IStateMachine;
  /** The Distributed Map's Map Run label, under which its child executions publish metrics. */
  readonly mapRunLabel: string;
  readonly cluster: ecs.ICluster;
  /** The fan-out's alarms (triggers add theirs to the same list later; the widget reads it at synth). */
  readonly alarms: cloudwatch.IAlarm[];
  readonly stateMachineLogGroupName: string;
  readonly pool?: FanOutConcurrencyPool;
}

/** One minute: AWS/Usage and Container Insights publish every minute, and a run is watched live. */
const PERIOD = Duration.minutes(1);
const HALF = 12;
const HEIGHT = 6;

/** The fan-out's CloudWatch dashboard, with the panels decided, one row of two per pair. */
export function buildFanOutDashboard(scope: Construct, decision: DashboardDecision, resources: FanOutDashboardResources): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: decision.dashboardName,
    defaultInterval: Duration.hours(3),
  });
  const widgets = decision.panels.flatMap((panel) => renderPanel(panel, decision, resources));
  for (let i = 0; i < widgets.length; i += 2) {
    dashboard.addWidgets(...widgets.slice(i, i + 2));
  }
  return dashboard;
}

function renderPanel(panel: DashboardPanel, decision: DashboardDecision, resources: FanOutDashboardResources): cloudwatch.IWidget[] {
  switch (panel) {
    case DashboardPanel.EXECUTIONS:
      return [executionsGraph('Fan-out executions', resources.stateMachine.stateMachineArn)];
    case DashboardPanel.CHILD_EXECUTIONS:
      return [executionsGraph(
        'Distributed Map child executions (one per item or batch)',
        mapRunChildMetricsArn(resources.stateMachine.stateMachineArn, resources.mapRunLabel),
      )];
    case DashboardPanel.TASKS_RUNNING:
      return [tasksRunningGraph(resources.cluster, decision.needsContainerInsights)];
    case DashboardPanel.FARGATE_VCPUS:
      return [fargateVcpusGraph(decision.fargateUsageClasses)];
    case DashboardPanel.THROTTLED_RUN_TASKS:
      return [throttledRunTasksText(resources.stateMachineLogGroupName)];
    case DashboardPanel.ALARMS:
      return [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: HALF, height: HEIGHT, alarms: resources.alarms })];
    case DashboardPanel.POOL:
      return poolWidgets(resources.pool!);
  }
}

/** Tasks running in the cluster, from Container Insights. */
function tasksRunningGraph(cluster: ecs.ICluster, needsContainerInsights: boolean): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title: needsContainerInsights
      ? 'Tasks running (Container Insights: turn it on for the given cluster)'
      : 'Tasks running (Container Insights)',
    width: HALF,
    height: HEIGHT,
    left: [new cloudwatch.Metric({
      namespace: CONTAINER_INSIGHTS_NAMESPACE,
      metricName: CONTAINER_INSIGHTS_RUNNING_TASK_COUNT,
      dimensionsMap: { [CONTAINER_INSIGHTS_CLUSTER_DIMENSION]: cluster.clusterName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: PERIOD,
      label: 'Tasks running',
    })],
    leftYAxis: { min: 0 },
  });
}

/** No metric counts throttled RunTask retries (see facts/cloudwatch.ts): say where they are instead. */
function throttledRunTasksText(logGroupName: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({
    width: HALF,
    height: HEIGHT,
    markdown: [
      '### Throttled RunTask retries',
      'No CloudWatch metric counts them. Step Functions\' `ServiceIntegrationsFailed` counts every failed call of an',
      'integration in the whole account, throttled or not, and ECS documents no RunTask throttle metric.',
      `Each throttled call is a \`TaskFailed\` event (${RATE_AND_CAPACITY_ERRORS.map((e) => `\`${e}\``).join(', ')},`,
      'or their AWS SDK spellings with the callback pattern) in the execution history, and, at log level ERROR',
      `or ALL, in the log group \`${logGroupName}\`.`,
    ].join('\n'),
  });
}

/** Started, succeeded, failed, timed out and aborted executions under one StateMachineArn. */
function executionsGraph(title: string, stateMachineArn: string): cloudwatch.GraphWidget {
  const metric = (metricName: string, label: string) => new cloudwatch.Metric({
    namespace: SFN_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SFN_STATE_MACHINE_ARN_DIMENSION]: stateMachineArn },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
    label,
  });
  return new cloudwatch.GraphWidget({
    title,
    width: HALF,
    height: HEIGHT,
    left: [
      metric(SFN_EXECUTION_METRICS.started, 'Started'),
      metric(SFN_EXECUTION_METRICS.succeeded, 'Succeeded'),
      metric(SFN_EXECUTION_METRICS.failed, 'Failed'),
      metric(SFN_EXECUTION_METRICS.timedOut, 'Timed out'),
      metric(SFN_EXECUTION_METRICS.aborted, 'Aborted'),
    ],
  });
}

/** The account's Fargate vCPUs in use per class, each with its applied quota (SERVICE_QUOTA). */
function fargateVcpusGraph(usageClasses: string[]): cloudwatch.GraphWidget {
  const lines = usageClasses.flatMap((usageClass, i) => {
    const usage = new cloudwatch.Metric({
      namespace: USAGE_METRICS_NAMESPACE,
      metricName: FARGATE_USAGE_METRIC,
      dimensionsMap: { ...FARGATE_VCPU_USAGE_DIMENSIONS, Class: usageClass },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: PERIOD,
      label: `vCPUs in use (${usageClass})`,
    });
    return [usage, new cloudwatch.MathExpression({
      expression: `${SERVICE_QUOTA_FUNCTION}(usage${i})`,
      usingMetrics: { [`usage${i}`]: usage },
      period: PERIOD,
      label: `Quota (${usageClass})`,
    })];
  });
  return new cloudwatch.GraphWidget({
    title: 'Fargate vCPUs in use in the account, against the quota',
    width: HALF,
    height: HEIGHT,
    left: lines,
    leftYAxis: { min: 0 },
  });
}

/**
 * The pool keeps no metric of its own: a text naming its table and limits, and a graph of its
 * cleanup workflow, which runs when an execution that held slots ended without giving them back.
 */
function poolWidgets(pool: FanOutConcurrencyPool): cloudwatch.IWidget[] {
  const cleanup = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
  return [
    new cloudwatch.TextWidget({
      width: HALF,
      height: HEIGHT,
      markdown: [
        '### Concurrency pool',
        `Slots are counted in the DynamoDB table \`${pool.table.tableName}\` (the count held is its item with \`${PoolKeys.PARTITION}\` = \`${PoolKeys.POOL}\`), shared by every fan-out that uses the pool.`,
        '',
        pool.description,
      ].join('\n'),
    }),
    new cloudwatch.GraphWidget({
      title: 'Concurrency pool: cleanup runs (slots given back after an execution ended badly)',
      width: HALF,
      height: HEIGHT,
      left: [
        pool.cleanupStateMachine.metricStarted({ ...cleanup, label: 'Cleanup runs started' }),
        pool.cleanupStateMachine.metricFailed({ ...cleanup, label: 'Cleanup runs failed' }),
      ],
    }),
  ];
}
