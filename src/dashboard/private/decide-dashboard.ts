import { Token } from 'aws-cdk-lib';
import { DASHBOARD_NAME_MAX_LENGTH, DASHBOARD_NAME_PATTERN, FARGATE_USAGE_CLASS } from '../../facts';
import { FanOutCapacity } from '../../task/capacity';

/** What the dashboard depends on. */
export interface DashboardInput {
  /** `createDashboard` as set. */
  readonly createDashboard?: boolean;
  /** `dashboardName` as set. */
  readonly dashboardName?: string;
  readonly capacity: FanOutCapacity;
  readonly hasDistributedMap: boolean;
  readonly hasInlineMap: boolean;
  /** True when the construct creates the cluster (with Container Insights on). */
  readonly createsCluster: boolean;
  readonly createAlarms: boolean;
  readonly pooled: boolean;
}

/** One panel of the dashboard: what it shows. The builder renders each kind. */
export enum DashboardPanel {
  /** The fan-out's executions: started, succeeded, failed, timed out, aborted. */
  EXECUTIONS = 'EXECUTIONS',
  /** The Distributed Map's child executions (one per item or batch), under the Map Run label. */
  CHILD_EXECUTIONS = 'CHILD_EXECUTIONS',
  /** Tasks running in the cluster (Container Insights). */
  TASKS_RUNNING = 'TASKS_RUNNING',
  /** The account's Fargate vCPUs in use against the quota, per capacity class. */
  FARGATE_VCPUS = 'FARGATE_VCPUS',
  /** Throttled RunTask retries: no metric counts them, so a text that says where to look. */
  THROTTLED_RUN_TASKS = 'THROTTLED_RUN_TASKS',
  /** The state of the fan-out's alarms. */
  ALARMS = 'ALARMS',
  /** The concurrency pool: its table, and the runs of its cleanup workflow. */
  POOL = 'POOL',
}

/** Whether a dashboard is built, what it shows, and why. */
export interface DashboardDecision {
  /** The panels, in the order they are laid out. */
  readonly panels: DashboardPanel[];
  /** The name given; undefined: CloudFormation names it. */
  readonly dashboardName?: string;
  /** The `Class` dimensions of the Fargate vCPU usage the capacity uses. */
  readonly fargateUsageClasses: string[];
  /** True when the cluster is given: its tasks are counted only if it has Container Insights on. */
  readonly needsContainerInsights: boolean;
  readonly reason: string;
}

/**
 * Decides the fan-out's dashboard from the props alone: undefined when `createDashboard` is
 * false; otherwise its panels (child executions only with a Distributed Map, the alarms only
 * when they exist, the pool only when one is used) and the Fargate usage classes the capacity
 * draws on. Throws, naming the prop, for a name CloudWatch refuses.
 */
export function decideDashboard(input: DashboardInput): DashboardDecision | undefined {
  const name = input.dashboardName;
  if (name !== undefined && !Token.isUnresolved(name)
    && (name.length < 1 || name.length > DASHBOARD_NAME_MAX_LENGTH || !DASHBOARD_NAME_PATTERN.test(name))) {
    throw new Error(`dashboardName must be 1 to ${DASHBOARD_NAME_MAX_LENGTH} characters of letters, digits, '-' and '_', got '${name}'`);
  }
  if (input.createDashboard === false) {
    if (name !== undefined) {
      throw new Error('dashboardName is set but createDashboard is false: remove one of them');
    }
    return undefined;
  }

  const panels = [
    DashboardPanel.EXECUTIONS,
    ...(input.hasDistributedMap ? [DashboardPanel.CHILD_EXECUTIONS] : []),
    DashboardPanel.TASKS_RUNNING,
    DashboardPanel.FARGATE_VCPUS,
    DashboardPanel.THROTTLED_RUN_TASKS,
    ...(input.createAlarms ? [DashboardPanel.ALARMS] : []),
    ...(input.pooled ? [DashboardPanel.POOL] : []),
  ];
  const fargateUsageClasses = fargateUsageClassesOf(input.capacity);
  const needsContainerInsights = !input.createsCluster;

  const shown = [
    'executions',
    ...(input.hasDistributedMap ? ['Distributed Map child executions'] : []),
    `tasks running (Container Insights${needsContainerInsights ? ', which the given cluster must have on' : ''})`,
    `Fargate vCPUs in use (${fargateUsageClasses.join(', ')}) against the quota`,
    'where to find throttled RunTask retries (no metric counts them)',
    ...(input.createAlarms ? ['the alarms'] : []),
    ...(input.pooled ? ['the concurrency pool'] : []),
  ];
  return {
    panels,
    dashboardName: name,
    fargateUsageClasses,
    needsContainerInsights,
    reason: `${name ? `'${name}'` : 'a CloudWatch dashboard'} showing ${shown.join(', ')}`
      + (input.hasInlineMap ? '; an inline Map\'s items have no metric (they are in the execution history only)' : ''),
  };
}

/** The vCPU usage classes a capacity draws on: Spot with fallback uses both. */
function fargateUsageClassesOf(capacity: FanOutCapacity): string[] {
  switch (capacity) {
    case FanOutCapacity.SPOT:
      return [FARGATE_USAGE_CLASS.spot];
    case FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK:
      return [FARGATE_USAGE_CLASS.spot, FARGATE_USAGE_CLASS.onDemand];
    default:
      return [FARGATE_USAGE_CLASS.onDemand];
  }
}
