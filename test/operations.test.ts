import { Match } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutMode } from '../src';
import { synthFanOut, withImage } from './util/synth';

describe('logs and tracing', () => {
  test('the state machine logs errors, without execution data, to a log group kept a month, and traces to X-Ray', () => {
    const { template } = synthFanOut(withImage());
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FanOutStateMachineLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    const retentions = Object.values(template.findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties.RetentionInDays);
    expect(retentions).toEqual([30, 30, 30]); // flow logs, container logs, state machine logs
  });

  test('log level, execution data and tracing are configurable', () => {
    const { template } = synthFanOut(withImage({ logLevel: sfn.LogLevel.ALL, includeExecutionDataInLogs: true, tracingEnabled: false }));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: false },
    });
  });

  test('a created cluster has Container Insights on', () => {
    const { template } = synthFanOut(withImage());
    template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  });

  test('a created VPC logs rejected traffic', () => {
    const { template } = synthFanOut(withImage());
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
  });

  test('ecs:RunTask is scoped to the exact task definition revision, not the family', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'ecs:RunTask', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^FanOutTaskDefinition') } }]) },
    });
  });
});

describe('alarms', () => {
  const metricNames = (template: any) => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties.MetricName).sort();

  test('on by default: failed, timed-out, aborted, throttled executions and failed child executions', () => {
    const { template, fanOut } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    expect(metricNames(template)).toEqual(['ExecutionThrottled', 'ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    expect(fanOut.alarms).toHaveLength(5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Dimensions: [{ Name: 'StateMachineArn', Value: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('^FanOutStateMachine') }, '/FanOut']] } }],
    });
  });

  test('an inline-only fan-out has no child-execution alarm', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    expect(metricNames(template)).toEqual(['ExecutionThrottled', 'ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
  });

  test('createAlarms: false turns them off', () => {
    const { template, fanOut } = synthFanOut(withImage({ createAlarms: false }));
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(fanOut.alarms).toEqual([]);
  });

  test('metric helpers point at the state machine', () => {
    const { fanOut } = synthFanOut(withImage());
    expect(fanOut.metricFailed().metricName).toBe('ExecutionsFailed');
    expect(fanOut.metricThrottled().metricName).toBe('ExecutionThrottled');
    expect(fanOut.metric('ExecutionsSucceeded').namespace).toBe('AWS/States');
    expect(fanOut.metricChildExecutionsFailed().metricName).toBe('ExecutionsFailed');
  });
});
