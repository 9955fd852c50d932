import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NetworkDecision } from './decide-network';

/** Options of the private task network. */
export interface PrivateTaskNetworkProps {
  /** How long flow logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * A VPC for Fargate tasks with no route to the internet and no NAT gateway: isolated subnets in
 * two Availability Zones, and the VPC endpoints a task needs to pull its image from ECR and
 * write its logs. Cheaper and more private than NAT for tasks that only talk to AWS.
 */
export class PrivateTaskNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;

  /** The interface endpoints the tasks use (ECR API, ECR Docker, CloudWatch Logs). */
  public readonly interfaceEndpoints: ec2.InterfaceVpcEndpoint[];

  constructor(scope: Construct, id: string, props: PrivateTaskNetworkProps) {
    super(scope, id);
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Tasks', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // Rejected traffic only: it shows what the tasks tried to reach and could not, at little cost.
      flowLogs: { Rejected: { trafficType: ec2.FlowLogTrafficType.REJECT, destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    });
    // Image layers are served from S3, so ECR pulls need the S3 gateway endpoint (free) as well.
    this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
      ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
      ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
    ];
    this.interfaceEndpoints = services.map(([name, service]) =>
      // open: false, so that only the task security group is let in (see allowTasks).
      this.vpc.addInterfaceEndpoint(name, { service, open: false, privateDnsEnabled: true }));
  }

  /** Lets `peer` reach the interface endpoints over HTTPS, and nothing else in. */
  public allowTasks(peer: ec2.IConnectable): void {
    for (const endpoint of this.interfaceEndpoints) {
      endpoint.connections.allowDefaultPortFrom(peer, 'Fargate tasks of the fan-out');
    }
  }
}

/** Where the tasks run. */
export interface TaskNetwork {
  readonly cluster: ecs.ICluster;
  /** The VPC the construct created; undefined when one was given. */
  readonly createdVpc?: ec2.IVpc;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * The cluster, VPC and security groups given, or new ones: a cluster with Container Insights,
 * a private VPC whose endpoints only the tasks' security groups may reach, and a security group
 * that lets nothing in.
 */
export function buildTaskNetwork(scope: Construct, decision: NetworkDecision, logRetention: logs.RetentionDays): TaskNetwork {
  const network = decision.createVpc ? new PrivateTaskNetwork(scope, 'Network', { logRetention }) : undefined;
  const vpc = decision.vpc ?? network!.vpc;
  const cluster = decision.cluster ?? new ecs.Cluster(scope, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
  if (decision.enableCapacityProviders) {
    // RunTask may only name capacity providers associated with the cluster.
    (cluster as ecs.Cluster).enableFargateCapacityProviders();
  }
  const securityGroups = decision.securityGroups ?? [new ec2.SecurityGroup(scope, 'TaskSecurityGroup', {
    vpc,
    description: 'Fargate tasks of the fan-out: no inbound traffic',
    allowAllOutbound: true,
  })];
  if (network) {
    for (const securityGroup of securityGroups) {
      network.allowTasks(securityGroup);
    }
  }
  return { cluster, createdVpc: network?.vpc, securityGroups };
}
