import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { FanOutCapacity, FanOutConcurrencyPool, FanOutMode, FargateFanOut, FargateFanOutProps } from '../../src';
import { newStack, synthFanOut, TEST_ENV, withImage } from '../util/synth';

/** A graphed metric: its namespace, name, dimensions and options. */
interface GraphedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly options: any;
}

/**
 * The dashboard's body, parsed: its Fn::Join resolved with each reference written as
 * `ref:<logicalId>` and each attribute as `getatt:<logicalId>.<attribute>`, so that a test can
 * tell which resource a dimension names.
 */
function dashboardBody(template: Template): any {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(resolvePart).join(body['Fn::Join'][0]);
  return JSON.parse(text);
}

function resolvePart(part: any): string {
  if (typeof part === 'string') return part;
  if (part.Ref === 'AWS::Region') return TEST_ENV.region;
  if (part.Ref === 'AWS::AccountId') return TEST_ENV.account;
  if (part.Ref === 'AWS::Partition') return 'aws';
  if (part.Ref) return `ref:${part.Ref}`;
  if (part['Fn::GetAtt']) return `getatt:${part['Fn::GetAtt'].join('.')}`;
  throw new Error(`unexpected part of the dashboard body: ${JSON.stringify(part)}`);
}

/** The widget titled `title` (or whose markdown starts with it). */
function widget(body: any, title: string): any {
  const found = body.widgets.filter((w: any) => w.properties.title === title || String(w.properties.markdown ?? '').startsWith(title));
  expect(found).toHaveLength(1);
  return found[0];
}

function graphedMetrics(w: any): GraphedMetric[] {
  return w.properties.metrics
    .filter((line: any[]) => typeof line[0] === 'string')
    .map((line: any[]) => {
      const last = line[line.length - 1];
      const hasOptions = typeof last === 'object';
      const fields = hasOptions ? line.slice(0, -1) : line;
      const dimensions: Record<string, string> = {};
      for (let i = 2; i < fields.length; i += 2) dimensions[fields[i]] = fields[i + 1];
      return { namespace: fields[0], metricName: fields[1], dimensions, options: hasOptions ? last : {} };
    });
}

function expressions(w: any): any[] {
  return w.properties.metrics.filter((line: any[]) => typeof line[0] === 'object').map((line: any[]) => line[0]);
}

function refOf(stack: Stack, token: string): string {
  return `ref:${stack.resolve(token).Ref}`;
}

const EXECUTION_METRICS = ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'];

function synth(props: Partial<FargateFanOutProps> = {}, stack = newStack()) {
  const result = synthFanOut(withImage(props), stack);
  return { ...result, body: dashboardBody(result.template) };
}

describe('the fan-out dashboard', () => {
  test('is on by default, public as fanOut.dashboard, and named by CloudFormation', () => {
    const { fanOut, template, stack } = synth();
    expect(fanOut.dashboard).toBeDefined();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [logicalId, resource] = Object.entries(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    expect(stack.resolve((fanOut.dashboard!.node.defaultChild as any).logicalId)).toBe(logicalId);
    expect(resource.Properties.DashboardName).toBeUndefined();
  });

  test('graphs the executions of the state machine: started, succeeded, failed, timed out, aborted, summed per minute', () => {
    const { body, fanOut, stack } = synth({ mode: FanOutMode.INLINE });
    const metrics = graphedMetrics(widget(body, 'Fan-out executions'));
    expect(metrics.map((m) => m.metricName)).toEqual(EXECUTION_METRICS);
    for (const metric of metrics) {
      expect(metric.namespace).toBe('AWS/States');
      expect(metric.dimensions).toEqual({ StateMachineArn: refOf(stack, fanOut.stateMachine.stateMachineArn) });
      expect(metric.options).toMatchObject({ stat: 'Sum', period: 60 });
    }
  });

  test('an inline Map has no child executions widget', () => {
    const { body } = synth({ mode: FanOutMode.INLINE });
    expect(body.widgets.map((w: any) => w.properties.title)).not.toContain('Distributed Map child executions (one per item or batch)');
  });

  test('a Distributed Map graphs its child executions under the state machine ARN and the Map Run label', () => {
    const { body, fanOut, stack } = synth({ mode: FanOutMode.DISTRIBUTED });
    const metrics = graphedMetrics(widget(body, 'Distributed Map child executions (one per item or batch)'));
    expect(metrics.map((m) => m.metricName)).toEqual(EXECUTION_METRICS);
    const childArn = `${refOf(stack, fanOut.stateMachine.stateMachineArn)}/FanOut`;
    for (const metric of metrics) {
      expect(metric).toMatchObject({ namespace: 'AWS/States', dimensions: { StateMachineArn: childArn } });
    }
    // The same ARN the child-execution alarm watches.
    expect(stack.resolve(fanOut.metricChildExecutionsFailed().dimensions!.StateMachineArn)).toEqual({
      'Fn::Join': ['', [stack.resolve(fanOut.stateMachine.stateMachineArn), '/FanOut']],
    });
  });

  test('graphs tasks running in the cluster it created, from Container Insights, which that cluster has on', () => {
    const { body, fanOut, stack, template } = synth();
    const w = widget(body, 'Tasks running (Container Insights)');
    expect(graphedMetrics(w)).toEqual([{
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensions: { ClusterName: refOf(stack, fanOut.cluster.clusterName) },
      options: expect.objectContaining({ stat: 'Maximum', period: 60 }),
    }]);
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  test('with a given cluster, the tasks widget says it needs Container Insights, and describe() too', () => {
    const stack = newStack();
    const cluster = new ecs.Cluster(stack, 'Given', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }) });
    const { body, fanOut } = synth({ cluster }, stack);
    const w = widget(body, 'Tasks running (Container Insights: turn it on for the given cluster)');
    expect(graphedMetrics(w)[0].dimensions).toEqual({ ClusterName: refOf(stack, cluster.clusterName) });
    expect(fanOut.describe()).toMatch(/dashboard: .*Container Insights, which the given cluster must have on/);
  });

  test('on-demand: graphs the account\'s on-demand Fargate vCPUs (AWS/Usage) and their quota with SERVICE_QUOTA', () => {
    const { body } = synth();
    const w = widget(body, 'Fargate vCPUs in use in the account, against the quota');
    const usage = graphedMetrics(w);
    expect(usage).toEqual([{
      namespace: 'AWS/Usage',
      metricName: 'ResourceCount',
      dimensions: { Service: 'Fargate', Type: 'Resource', Resource: 'vCPU', Class: 'Standard/OnDemand' },
      options: expect.objectContaining({ stat: 'Maximum', period: 60 }),
    }]);
    expect(expressions(w)).toEqual([expect.objectContaining({ expression: `SERVICE_QUOTA(${usage[0].options.id})` })]);
  });

  test('Spot: the Spot class only', () => {
    const { body } = synth({ capacity: FanOutCapacity.SPOT });
    const w = widget(body, 'Fargate vCPUs in use in the account, against the quota');
    expect(graphedMetrics(w).map((m) => m.dimensions.Class)).toEqual(['Standard/Spot']);
    expect(expressions(w).map((e) => e.expression)).toEqual([`SERVICE_QUOTA(${graphedMetrics(w)[0].options.id})`]);
  });

  test('Spot with on-demand fallback: both classes, each with its own quota line', () => {
    const { body } = synth({ capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK });
    const w = widget(body, 'Fargate vCPUs in use in the account, against the quota');
    const usage = graphedMetrics(w);
    expect(usage.map((m) => m.dimensions.Class)).toEqual(['Standard/Spot', 'Standard/OnDemand']);
    expect(expressions(w).map((e) => e.expression)).toEqual(usage.map((m) => `SERVICE_QUOTA(${m.options.id})`));
  });

  test('throttled RunTask retries: a text that says no metric counts them and names the log group, no invented metric', () => {
    const { body, fanOut, stack } = synth();
    const w = widget(body, '### Throttled RunTask retries');
    expect(w.type).toBe('text');
    expect(w.properties.markdown).toMatch(/No CloudWatch metric counts them/);
    expect(w.properties.markdown).toContain('`ECS.AmazonECSException`');
    expect(w.properties.markdown).toContain(refOf(stack, fanOut.stateMachineLogGroup.logGroupName));
    const namespaces = body.widgets.flatMap((x: any) => (x.type === 'metric' ? graphedMetrics(x).map((m) => m.namespace) : []));
    expect(new Set(namespaces)).toEqual(new Set(['AWS/States', 'ECS/ContainerInsights', 'AWS/Usage']));
  });

  test('shows the state of every alarm, including those a trigger adds after the dashboard', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ mode: FanOutMode.DISTRIBUTED }));
    const trigger = fanOut.runOnSchedule(scheduler.ScheduleExpression.rate(Duration.hours(1)), {
      input: scheduler.ScheduleTargetInput.fromObject({ items: [1, 2] }),
    });
    const body = dashboardBody(Template.fromStack(stack));
    const w = widget(body, 'Alarms');
    expect(w.type).toBe('alarm');
    const expected = fanOut.alarms.map((alarm) => `getatt:${stack.resolve(alarm.alarmArn)['Fn::GetAtt'].join('.')}`);
    expect(fanOut.alarms).toContain(trigger.deadLetterAlarm);
    expect(fanOut.alarms).toHaveLength(6);
    expect(w.properties.alarms).toEqual(expected);
  });

  test('createAlarms false: no alarm widget', () => {
    const { body } = synth({ createAlarms: false });
    expect(body.widgets.filter((w: any) => w.type === 'alarm')).toHaveLength(0);
  });

  test('pooled: names the pool table and its limits, and graphs the pool\'s cleanup runs', () => {
    const stack = newStack();
    const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxTasks: 50 });
    new FargateFanOut(stack, 'FanOut', withImage({ concurrencyPool: pool }));
    const body = dashboardBody(Template.fromStack(stack));
    const text = widget(body, '### Concurrency pool');
    expect(text.properties.markdown).toContain(`\`${refOf(stack, pool.table.tableName)}\``);
    expect(text.properties.markdown).toContain(pool.description);
    const cleanup = graphedMetrics(widget(body, 'Concurrency pool: cleanup runs (slots given back after an execution ended badly)'));
    expect(cleanup.map((m) => m.metricName)).toEqual(['ExecutionsStarted', 'ExecutionsFailed']);
    for (const metric of cleanup) {
      expect(metric.dimensions).toEqual({ StateMachineArn: refOf(stack, pool.cleanupStateMachine.stateMachineArn) });
    }
  });

  test('not pooled: no pool widget', () => {
    const { body } = synth();
    expect(JSON.stringify(body)).not.toMatch(/Concurrency pool/);
  });

  test('dashboardName names it', () => {
    const { template } = synth({ dashboardName: 'nightly-fan-out' });
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'nightly-fan-out' });
  });

  test('createDashboard false: no dashboard resource, fanOut.dashboard undefined, and describe() says so', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ createDashboard: false }));
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(fanOut.dashboard).toBeUndefined();
    expect(fanOut.describe()).toMatch(/^dashboard: none \(createDashboard is false\)$/m);
  });

  test('fails on a dashboard name CloudWatch refuses, before creating anything', () => {
    const stack = newStack();
    expect(() => new FargateFanOut(stack, 'FanOut', withImage({ dashboardName: 'no spaces' }))).toThrow(/dashboardName must be/);
    expect(stack.node.children).toHaveLength(0);
  });

  test('describe() names what the dashboard shows', () => {
    const { fanOut } = synth({ mode: FanOutMode.DISTRIBUTED, capacity: FanOutCapacity.SPOT });
    expect(fanOut.describe()).toMatch(/^dashboard: a CloudWatch dashboard showing executions, Distributed Map child executions, .*Standard\/Spot.*the alarms$/m);
  });
});
