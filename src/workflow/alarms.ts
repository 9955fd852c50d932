import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** What the alarms watch. */
export interface FanOutAlarmsProps {
  /** The fan-out state machine. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The metric of failed child executions of the Distributed Map.
   *
   * @default - no Distributed Map, no alarm on child executions
   */
  readonly childExecutionsFailed?: cloudwatch.IMetric;
}

/**
 * Alarms that fire on the first bad execution: failed, timed out, aborted or throttled runs,
 * and failed Distributed Map child executions. No actions are attached; add yours with
 * `alarm.addAlarmAction(...)`.
 */
export class FanOutAlarms extends Construct {
  /** Every alarm created. */
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: FanOutAlarmsProps) {
    super(scope, id);
    const machine = props.stateMachine;
    this.add('ExecutionsFailed', machine.metricFailed(), 'A fan-out execution failed (an item failed, or the run itself did).');
    this.add('ExecutionsTimedOut', machine.metricTimedOut(), 'A fan-out execution timed out.');
    this.add('ExecutionsAborted', machine.metricAborted(), 'A fan-out execution was aborted.');
    this.add('ExecutionsThrottled', machine.metricThrottled(), 'Step Functions throttled state transitions of the fan-out.');
    if (props.childExecutionsFailed) {
      this.add('ChildExecutionsFailed', props.childExecutionsFailed, 'A Distributed Map child execution (one item) failed.');
    }
  }

  private add(id: string, metric: cloudwatch.IMetric, description: string): void {
    this.alarms.push(new cloudwatch.Alarm(this, id, {
      metric: withSumOver5Minutes(metric),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No executions means no data, which is not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    }));
  }
}

function withSumOver5Minutes(metric: cloudwatch.IMetric): cloudwatch.IMetric {
  return metric instanceof cloudwatch.Metric ? metric.with({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }) : metric;
}
