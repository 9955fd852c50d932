import { DashboardInput, DashboardPanel, decideDashboard } from '../../src/dashboard/private/decide-dashboard';
import { FanOutCapacity } from '../../src/task/capacity';

const INLINE: DashboardInput = {
  capacity: FanOutCapacity.ON_DEMAND,
  hasDistributedMap: false,
  hasInlineMap: true,
  createsCluster: true,
  createAlarms: true,
  pooled: false,
};

describe('decideDashboard', () => {
  test('an inline fan-out shows executions, tasks, on-demand vCPUs, the throttle note and the alarms, in that order', () => {
    const decision = decideDashboard(INLINE)!;
    expect(decision.panels).toEqual([
      DashboardPanel.EXECUTIONS,
      DashboardPanel.TASKS_RUNNING,
      DashboardPanel.FARGATE_VCPUS,
      DashboardPanel.THROTTLED_RUN_TASKS,
      DashboardPanel.ALARMS,
    ]);
    expect(decision.fargateUsageClasses).toEqual(['Standard/OnDemand']);
    expect(decision.needsContainerInsights).toBe(false);
    expect(decision.dashboardName).toBeUndefined();
    expect(decision.reason).toMatch(/inline Map's items have no metric/);
  });

  test('a Distributed Map adds its child executions after the executions', () => {
    const decision = decideDashboard({ ...INLINE, hasDistributedMap: true, hasInlineMap: false })!;
    expect(decision.panels.slice(0, 2)).toEqual([DashboardPanel.EXECUTIONS, DashboardPanel.CHILD_EXECUTIONS]);
    expect(decision.reason).toMatch(/Distributed Map child executions/);
    expect(decision.reason).not.toMatch(/inline Map/);
  });

  test('Spot reads the Spot class; Spot with fallback reads both', () => {
    expect(decideDashboard({ ...INLINE, capacity: FanOutCapacity.SPOT })!.fargateUsageClasses).toEqual(['Standard/Spot']);
    expect(decideDashboard({ ...INLINE, capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK })!.fargateUsageClasses)
      .toEqual(['Standard/Spot', 'Standard/OnDemand']);
  });

  test('no alarms, no alarm panel; a pool adds the pool panel last', () => {
    expect(decideDashboard({ ...INLINE, createAlarms: false })!.panels).not.toContain(DashboardPanel.ALARMS);
    const pooled = decideDashboard({ ...INLINE, pooled: true })!;
    expect(pooled.panels[pooled.panels.length - 1]).toBe(DashboardPanel.POOL);
    expect(pooled.reason).toMatch(/concurrency pool/);
  });

  test('a given cluster needs Container Insights, and the reason says so', () => {
    const decision = decideDashboard({ ...INLINE, createsCluster: false })!;
    expect(decision.needsContainerInsights).toBe(true);
    expect(decision.reason).toMatch(/Container Insights, which the given cluster must have on/);
  });

  test('createDashboard false: no dashboard', () => {
    expect(decideDashboard({ ...INLINE, createDashboard: false })).toBeUndefined();
  });

  test('a valid name is kept', () => {
    expect(decideDashboard({ ...INLINE, dashboardName: 'Nightly_fan-out-1' })!.dashboardName).toBe('Nightly_fan-out-1');
  });

  test.each(['has space', 'slash/in', '', 'x'.repeat(256)])('fails on the dashboard name %p, naming the prop', (dashboardName) => {
    expect(() => decideDashboard({ ...INLINE, dashboardName })).toThrow(/dashboardName must be 1 to 255 characters/);
  });

  test('fails when dashboardName is set but createDashboard is false', () => {
    expect(() => decideDashboard({ ...INLINE, createDashboard: false, dashboardName: 'Ignored' }))
      .toThrow(/dashboardName is set but createDashboard is false/);
  });
});
