import { Duration, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ObservabilityDecision } from '../fan-out-decisions';

/** What the state machine is built from. */
export interface FanOutStateMachineProps {
  readonly stateMachineName: string;
  readonly definition: sfn.IChainable;
  readonly comment: string;
  /** Longest a whole execution may run; undefined for none. */
  readonly timeout?: Duration;
  readonly observability: ObservabilityDecision;
}

/** The state machine and where it logs. */
export interface FanOutStateMachine {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.ILogGroup;
}

/**
 * A STANDARD state machine (`.sync` tasks need one) that logs to a log group of its own and
 * traces to X-Ray as decided.
 */
export function buildStateMachine(scope: Construct, props: FanOutStateMachineProps): FanOutStateMachine {
  const { observability } = props;
  const logGroup = new logs.LogGroup(scope, 'StateMachineLogs', {
    retention: observability.logRetention,
    removalPolicy: props.observability.logRemovalPolicy,
  });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: props.stateMachineName,
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    comment: props.comment,
    logs: { destination: logGroup, level: observability.logLevel, includeExecutionData: observability.includeExecutionData },
    tracingEnabled: observability.tracingEnabled,
  });
  if (observability.logLevel !== sfn.LogLevel.ALL) {
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason: `Logs ${observability.logLevel} events by design: ALL would log every transition of every item, at a cost that grows with the item count. Set logLevel to ALL to log everything.`,
    });
  }
  return { stateMachine, logGroup };
}
