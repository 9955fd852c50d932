import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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

/**
 * Subnets for the tasks when none are given: public ones only if the tasks get a public IP
 * (a public IP is useless elsewhere), else private subnets with egress if the VPC has them,
 * else isolated ones (which reach AWS through VPC endpoints).
 */
export function defaultTaskSubnets(vpc: ec2.IVpc, assignPublicIp: boolean): ec2.SubnetSelection {
  if (assignPublicIp) {
    return { subnetType: ec2.SubnetType.PUBLIC };
  }
  return { subnetType: vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
}
