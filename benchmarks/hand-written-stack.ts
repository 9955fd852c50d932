import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/**
 * What the example stack builds, written by hand with the aws-cdk-lib L2s: the baseline for the
 * synth-time comparison. Same resources, same workflow shape, no FargateFanOut.
 */
export class HandWrittenStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Tasks', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      flowLogs: { Rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const securityGroup = new ec2.SecurityGroup(this, 'Tasks', { vpc });
    for (const [name, service] of [['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR], ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER], ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS]] as const) {
      vpc.addInterfaceEndpoint(name, { service, open: false }).connections.allowDefaultPortFrom(securityGroup);
    }
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', { cpu: 1024, memoryLimitMiB: 2048 });
    const container = taskDefinition.addContainer('Task', {
      image: ecs.ContainerImage.fromAsset(path.join(__dirname, '..', 'examples', 'worker')),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'fan-out', logGroup: new logs.LogGroup(this, 'ContainerLogs', { retention: logs.RetentionDays.ONE_MONTH }) }),
    });

    const itemProcessor = (prefix: string) => {
      const run = tasks.EcsRunTask.jsonPath(this, `${prefix}RunTask`, {
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        cluster,
        taskDefinition,
        launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
        containerOverrides: [{ containerDefinition: container, environment: [{ name: 'FANOUT_ITEM', value: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.item')) }] }],
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [securityGroup],
        taskTimeout: sfn.Timeout.duration(Duration.hours(24)),
        resultSelector: {},
      });
      run.addRetry({ errors: ['ECS.AmazonECSException', 'ECS.InvalidParameterException', 'AmazonECS.Unknown'], maxAttempts: 30, interval: Duration.seconds(2), maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL });
      run.addCatch(new sfn.Pass(this, `${prefix}RecordFailure`, { parameters: { 'index.$': '$.index', 'error.$': '$.failure.Error' } }), { resultPath: '$.failure' });
      return run;
    };
    const selector = { 'index.$': '$$.Map.Item.Index', 'item.$': '$$.Map.Item.Value' };
    const summary = { 'itemCount.$': 'States.ArrayLength($)', 'failedItems.$': '$[?(@.error)]' };
    const summarize = new sfn.Pass(this, 'Summarize', { parameters: { 'itemCount.$': '$.itemCount', 'failedCount.$': 'States.ArrayLength($.failedItems)', 'failedItems.$': '$.failedItems' } })
      .next(new sfn.Choice(this, 'AnyItemFailed')
        .when(sfn.Condition.numberGreaterThan('$.failedCount', 0), new sfn.Fail(this, 'ItemsFailed', { error: 'FanOut.ItemsFailed' }))
        .otherwise(new sfn.Succeed(this, 'AllItemsSucceeded')));
    const inline = sfn.Map.jsonPath(this, 'Inline', { itemsPath: '$.items', itemSelector: selector, maxConcurrency: 16, resultSelector: summary }).itemProcessor(itemProcessor('Inline'));
    const distributed = sfn.DistributedMap.jsonPath(this, 'Distributed', { itemsPath: '$.items', itemSelector: selector, maxConcurrency: 16, label: 'FanOut', resultSelector: summary })
      .itemProcessor(itemProcessor('Child'));
    const definition = new sfn.Pass(this, 'CountItems', { parameters: { 'itemCount.$': 'States.ArrayLength($.items)' }, resultPath: '$.fanOut' })
      .next(new sfn.Choice(this, 'ChooseMap')
        .when(sfn.Condition.numberLessThanEquals('$.fanOut.itemCount', 1782), inline.next(summarize))
        .otherwise(distributed.next(summarize)));
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      logs: { destination: new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_MONTH }), level: sfn.LogLevel.ERROR },
      tracingEnabled: true,
    });
    for (const metric of [stateMachine.metricFailed(), stateMachine.metricTimedOut(), stateMachine.metricAborted(), stateMachine.metricThrottled()]) {
      new cloudwatch.Alarm(this, `${metric.metricName}Alarm`, { metric, threshold: 1, evaluationPeriods: 1 });
    }
  }
}
