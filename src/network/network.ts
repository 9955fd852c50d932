import { AspectPriority, Aspects, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EndpointsDecision } from './decide-endpoints';
import { NetworkDecision } from './decide-network';
import { TaskEndpoints } from './task-endpoints';

/** Availability Zones of the VPC the construct creates. */
export const CREATED_VPC_MAX_AZS = 2;

/** Options of the private task network. */
export interface PrivateTaskNetworkProps {
  /** How long flow logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What `cdk destroy` does with the flow logs. */
  readonly removalPolicy: RemovalPolicy;
}

/** Construct ids of the endpoints that existed before endpoints followed the grants: kept, so that their logical ids do not change. */
const ENDPOINT_IDS: Record<string, string> = { 's3': 'S3', 'ecr.api': 'EcrApi', 'ecr.dkr': 'EcrDocker', 'logs': 'Logs' };

/** The construct id of the endpoint named `name` (`kinesis-streams` -> `KinesisStreams`). */
export function endpointId(name: string): string {
  return ENDPOINT_IDS[name] ?? name.split(/[.-]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** `endpointId(name)`, or with `Endpoint` after it when the app already used that id under the VPC. */
function freeEndpointId(vpc: ec2.Vpc, name: string): string {
  const id = endpointId(name);
  return vpc.node.tryFindChild(id) ? `${id}Endpoint` : id;
}

/**
 * A VPC for Fargate tasks with no route to the internet and no NAT gateway: isolated subnets in
 * two Availability Zones, and, added at synth once every grant is known (see task-endpoints.ts),
 * a VPC endpoint for every AWS service the tasks' roles may call. Cheaper and more private than
 * NAT for tasks that only talk to AWS.
 */
export class PrivateTaskNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.Vpc;

  /** The interface endpoints the tasks use (filled at synth). */
  public readonly interfaceEndpoints: ec2.InterfaceVpcEndpoint[] = [];

  /** Security groups let in to the interface endpoints, including those added later. */
  private readonly peers: ec2.IConnectable[] = [];

  constructor(scope: Construct, id: string, props: PrivateTaskNetworkProps) {
    super(scope, id);
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: CREATED_VPC_MAX_AZS,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Tasks', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // Rejected traffic only: it shows what the tasks tried to reach and could not, at little cost.
      flowLogs: { Rejected: { trafficType: ec2.FlowLogTrafficType.REJECT, destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) } },
    });
  }

  /** Adds the endpoints decided, once: gateway endpoints (free) and interface endpoints. */
  public addEndpoints(decision: EndpointsDecision): void {
    for (const endpoint of decision.gateway) {
      this.vpc.addGatewayEndpoint(freeEndpointId(this.vpc, endpoint.name), { service: new ec2.GatewayVpcEndpointAwsService(endpoint.name) });
    }
    for (const endpoint of decision.interface) {
      // open: false, so that only the task security groups are let in (see allowTasks).
      const added = this.vpc.addInterfaceEndpoint(freeEndpointId(this.vpc, endpoint.name), {
        service: new ec2.InterfaceVpcEndpointAwsService(endpoint.name), open: false, privateDnsEnabled: true,
      });
      for (const peer of this.peers) {
        added.connections.allowDefaultPortFrom(peer, 'Fargate tasks of the fan-out');
      }
      this.interfaceEndpoints.push(added);
    }
  }

  /** Lets `peer` reach the interface endpoints over HTTPS, and nothing else in. */
  public allowTasks(peer: ec2.IConnectable): void {
    this.peers.push(peer);
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
  /** The network the construct created, whose endpoints are added at synth; undefined when a VPC was given. */
  readonly privateNetwork?: PrivateTaskNetwork;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/** What the tasks' network is built from. */
export interface TaskNetworkProps {
  readonly decision: NetworkDecision;
  /** The tasks' definition: its roles' grants decide the endpoints. */
  readonly taskDefinition: ecs.TaskDefinition;
  /** How long a created VPC's flow logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** What `cdk destroy` does with a created VPC's flow logs. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The cluster, VPC and security groups given, or new ones: a cluster with Container Insights,
 * a private VPC whose endpoints only the tasks' security groups may reach, and a security group
 * that lets nothing in.
 */
export function buildTaskNetwork(scope: Construct, props: TaskNetworkProps): TaskNetwork {
  const { decision, logRetention, removalPolicy } = props;
  const network = decision.createVpc ? new PrivateTaskNetwork(scope, 'Network', { logRetention, removalPolicy }) : undefined;
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
  // Endpoints follow what the tasks' roles may call, read at synth once the app has added its grants
  // (MUTATING priority: before read-only aspects, such as policy checks, look at the tree).
  Aspects.of(scope).add(new TaskEndpoints({
    scope,
    taskDefinition: props.taskDefinition,
    privateNetwork: network,
    vpc: cluster.vpc,
    subnets: decision.subnets,
    assignPublicIp: decision.assignPublicIp ?? false,
  }), { priority: AspectPriority.MUTATING });
  return { cluster, createdVpc: network?.vpc, privateNetwork: network, securityGroups };
}
